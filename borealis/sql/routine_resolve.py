"""Which SQL function a call means: PostgreSQL's function resolution (`sql.routines`
binds and runs the call).

```
 f(args) ─▶ lookup: the search path's schemas in order (an unqualified name skips
            schemas without USAGE; a qualified one needs it: 42501), the first of
            identical signatures wins
         ─▶ _match: each candidate against the positional and named arguments
            (`f(1, b => 2)`), parameters not given must have defaults
         ─▶ select_candidate: the rules of PostgreSQL's "Type Conversion: Functions"
            (implicit casts, exact matches, preferred types, unknown literals)
         ─▶ one left: the call; none: 42883; several: 42725
```

Built-in functions (`sql.functions`) are not candidates here: pg_catalog comes first on
PostgreSQL's search path, so `sql.routines.bind_call` tries the built-in first and
resolves among SQL functions only when no built-in takes the arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pglast import ast

from borealis.catalog.model import CatalogSnapshot, Function
from borealis.core import errors
from borealis.sql import coerce as C
from borealis.sql import privileges as P
from borealis.sql import types as T
from borealis.sql.bind import Binder
from borealis.sql.expr import Expr

UNKNOWN = 705
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "sys")
DEFAULTS_CACHE_MAX = 512  # parsed DEFAULT expressions kept (by text)


@dataclass
class Candidate:
    fn: Function
    types: list[int]  # the parameter type each given argument goes to, in call order
    order: list[int | None]  # per input parameter: the given argument, None = its default


def names_of(node: ast.FuncCall) -> list[str]:
    return [n.sval for n in node.funcname]


def lookup(binder: Binder, names: list[str]) -> list[Function]:
    """The functions a (possibly qualified) name can mean, earlier schemas first; an
    unqualified name skips schemas the acting role may not use (42501 for a named one)."""
    catalog: CatalogSnapshot = binder.catalog
    if len(names) >= 2 and names[-2] not in SYSTEM_SCHEMAS and catalog.schema(names[-2]) is None:
        raise errors.UndefinedSchema(name=names[-2])
    if not catalog.functions:
        return []
    role = P.acting_role(binder.ctx)
    if len(names) >= 2:
        if names[-2] in SYSTEM_SCHEMAS:
            return []
        schema = catalog.schema(names[-2])
        found = catalog.functions_named(schema.oid, names[-1])
        if found and role is not None and not P.schema_usable(catalog, role, schema):
            raise errors.PermissionDenied(kind="schema", name=schema.name)
        return list(found)
    out: list[Function] = []
    seen_schemas: set[int] = set()
    for sname in binder.ctx.search_path:
        schema = catalog.schema(sname)
        if schema is None or schema.oid in seen_schemas:
            continue
        seen_schemas.add(schema.oid)
        if role is not None and not P.schema_usable(catalog, role, schema):
            continue
        for fn in catalog.functions_named(schema.oid, names[-1]):
            if not any(o.input_types == fn.input_types for o in out):  # earlier schema wins
                out.append(fn)
    return out


def _match(fn: Function, positional: int, named: list[str]) -> Candidate | None:
    params = fn.input_args
    if positional + len(named) > len(params):
        return None
    order: list[int | None] = [*range(positional), *([None] * (len(params) - positional))]
    names = [p.name for p in params]
    for k, name in enumerate(named):
        if name not in names:
            return None
        i = names.index(name)
        if i < positional or order[i] is not None:
            return None
        order[i] = positional + k
    if any(src is None and params[i].default is None for i, src in enumerate(order)):
        return None
    types = [0] * (positional + len(named))
    for i, src in enumerate(order):
        if src is not None:
            types[src] = params[i].type_oid
    return Candidate(fn, types, order)


def _category(oid: int) -> str:
    info = T.type_by_oid(oid)
    return info.category if info is not None else "U"


def _preferred(oid: int) -> bool:
    info = T.type_by_oid(oid)
    return info is not None and info.preferred


def _keep_most(cands: list[Candidate], score) -> list[Candidate]:
    scores = [score(c) for c in cands]
    best = max(scores)
    return [c for c, s in zip(cands, scores) if s == best]


def select_candidate(cands: list[Candidate], given: list[int]) -> list[Candidate]:
    """PostgreSQL's function resolution (documented in "Type Conversion: Functions"):
    the candidates left after each rule; one left is the answer, several ambiguous."""
    viable = [c for c in cands if all(a in (t, UNKNOWN) or T.can_coerce(a, t, "implicit")
                                      for a, t in zip(given, c.types))]
    if len(viable) <= 1:
        return viable
    exact = [c for c in viable if all(a == t for a, t in zip(given, c.types))]
    if len(exact) == 1:
        return exact
    viable = _keep_most(viable, lambda c: sum(a == t for a, t in zip(given, c.types) if a != UNKNOWN))
    if len(viable) == 1:
        return viable
    viable = _keep_most(viable, lambda c: sum(
        a == t or (_preferred(t) and _category(t) == _category(a))
        for a, t in zip(given, c.types) if a != UNKNOWN))
    if len(viable) == 1:
        return viable
    unknown = [i for i, a in enumerate(given) if a == UNKNOWN]
    if not unknown:
        return viable
    for i in unknown:
        categories = {_category(c.types[i]) for c in viable}
        if "S" in categories:
            chosen = "S"
        elif len(categories) == 1:
            chosen = categories.pop()
        else:
            return viable  # cannot be deduced: ambiguous
        keep = [c for c in viable if _category(c.types[i]) == chosen]
        if any(_preferred(c.types[i]) for c in keep):
            keep = [c for c in keep if _preferred(c.types[i])]
        viable = keep or viable
    if len(viable) == 1:
        return viable
    known = {a for a in given if a != UNKNOWN}
    if len(known) == 1:
        k = known.pop()
        passing = [c for c in viable if all(T.can_coerce(k, c.types[i], "implicit") for i in unknown)]
        if len(passing) == 1:
            return passing
    return viable


def _signature(name: str, args: list[Expr], named: list[str]) -> str:
    positional = len(args) - len(named)
    parts = [C.type_name(a.oid) for a in args[:positional]]
    parts += [f"{n} => {C.type_name(a.oid)}" for n, a in zip(named, args[positional:])]
    return f"{name}({', '.join(parts)})"


def builtin_exists(name: str) -> bool:
    from borealis.sql import functions as F
    from borealis.sql.srf import SRF_NAMES
    return name in F.SCALARS or name in SRF_NAMES or name in F.SRF_COLUMN_NAMES \
        or name in F.WINDOW_FUNCTIONS


def builtin_accepts(binder: Binder, name: str, types: tuple[int, ...]) -> bool:
    """Would a call of `name` with arguments of these types bind to a built-in function?
    (Then a SQL function of that signature is hidden behind pg_catalog's.)"""
    if not builtin_exists(name):
        return False
    from borealis.sql import functions as F
    from borealis.sql.expr import Const
    try:
        F.bind_function(binder, name, [Const(t, None) for t in types])
    except errors.BorealisError:
        return False
    return True


def bind_args(binder: Binder, node: ast.FuncCall, scope: Any) -> tuple[list[Expr], list[str]]:
    args: list[Expr] = []
    named: list[str] = []
    for a in node.args or ():
        if isinstance(a, ast.NamedArgExpr):
            if a.name in named:
                raise errors.SyntaxError(what=f'argument name "{a.name}" used more than once')
            named.append(a.name)
            args.append(binder.expr(a.arg, scope))
        elif named:
            raise errors.SyntaxError(what="positional argument cannot follow named argument")
        else:
            args.append(binder.expr(a, scope))
    return args, named


def not_aggregate(node: ast.FuncCall, fn_name: str) -> None:
    for flag, word in ((node.agg_distinct, "DISTINCT"), (node.agg_order, "ORDER BY"),
                       (node.agg_filter, "FILTER"), (node.agg_within_group, "WITHIN GROUP"),
                       (node.agg_star, "*")):
        if flag:
            what = f"{word} specified, but {fn_name} is not an aggregate function" if word != "*" \
                else f"{fn_name}(*) specified, but {fn_name} is not an aggregate function"
            raise errors.WrongObjectType(what=what)
    if node.func_variadic:
        raise errors.FeatureNotSupported(what="VARIADIC arguments are not supported for SQL functions")


def resolve(binder: Binder, names: list[str], fns: list[Function], args: list[Expr],
            named: list[str]) -> Candidate:
    """The one function a call means, or 42883 / 42725."""
    positional = len(args) - len(named)
    cands = [c for c in (_match(fn, positional, named) for fn in fns) if c is not None]
    chosen = select_candidate(cands, [a.oid for a in args])
    label = ".".join(names) if len(names) > 1 else names[-1]
    if not chosen:
        raise errors.UndefinedFunction(
            f"function {_signature(label, args, named)} does not exist",
            hint="No function matches the given name and argument types. "
                 "You might need to add explicit type casts.")
    if len(chosen) > 1:
        raise errors.AmbiguousFunction(
            what=f"function {_signature(label, args, named)} is not unique",
            hint="Could not choose a best candidate function. You might need to add explicit type casts.")
    return chosen[0]


def check_execute(binder: Binder, fn: Function) -> None:
    """42501 unless the acting role may EXECUTE the function (PUBLIC may, by default)."""
    role = P.acting_role(binder.ctx)
    if role is None:
        return
    if "X" not in P.function_privileges(binder.catalog, role, fn):
        raise errors.PermissionDenied(kind="function", name=fn.name)


_DEFAULTS: dict[str, ast.Node] = {}


def default_expr(binder: Binder, text: str, type_oid: int) -> Expr:
    node = _DEFAULTS.get(text)
    if node is None:
        from borealis.sql.parse import parse
        node = parse(f"SELECT {text}")[0].node.targetList[0].val
        if len(_DEFAULTS) >= DEFAULTS_CACHE_MAX:
            _DEFAULTS.clear()
        _DEFAULTS[text] = node
    return binder.coerce(binder.expr(node, None), type_oid, -1, "assignment")


def call_arguments(binder: Binder, cand: Candidate, args: list[Expr]) -> tuple[Expr, ...]:
    """The arguments in parameter order, coerced, with defaults for the ones not given."""
    out = []
    for i, src in enumerate(cand.order):
        param = cand.fn.input_args[i]
        if src is None:
            out.append(default_expr(binder, param.default or "NULL", param.type_oid))
        else:
            out.append(binder.coerce(args[src], param.type_oid))
    return tuple(out)
