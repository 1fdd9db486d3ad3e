"""SQL functions in the system catalogs: pg_proc rows and the functions psql's `\\df`
and `\\sf` call (pg_get_functiondef, pg_get_function_arguments / _result /
_identity_arguments, pg_function_is_visible), plus regproc names.

Only functions created with CREATE FUNCTION have rows (the built-ins have none, as
before; psql's `\\df` lists user functions only). Where PostgreSQL deparses a stored
parse tree (a DEFAULT, a SQL-standard body) the text here is pglast's deparse of what
was given, which can differ in parentheses and casts: DEFAULT 'x' of a text parameter
is shown `'x'::text` as PostgreSQL does, other expressions as written. A function
returning a table's rows shows prorettype record (tables have no row types here).
"""

from __future__ import annotations

from typing import Any

from borealis.catalog import virtual as V
from borealis.catalog.model import CatalogSnapshot, Function
from borealis.sql import coerce as C
from borealis.sql import routine_resolve as RR
from borealis.sql import routines as RT
from borealis.sql.catalog_functions import _call, _register
from borealis.sql.expr import Expr
from borealis.sql.functions import _arity

BOOL, TEXT, OID = 16, 25, 26
SQL_LANGUAGE_OID = 14
Binder = Any


def _default_text(arg) -> str:
    text = arg.default or ""
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        return f"{text}::{C.type_name(arg.type_oid)}"
    return text


def arguments(fn: Function, *, defaults: bool = True) -> str:
    """pg_get_function_arguments (with DEFAULTs) / _identity_arguments (without)."""
    parts = []
    modes = {"o": "OUT ", "b": "INOUT ", "v": "VARIADIC "}
    for a in fn.args:
        if a.mode == "t":
            continue
        text = modes.get(a.mode, "") + (f"{V.quote_ident(a.name)} " if a.name else "") \
            + C.type_name(a.type_oid)
        if defaults and a.default is not None:
            text += f" DEFAULT {_default_text(a)}"
        parts.append(text)
    return ", ".join(parts)


def result(catalog: CatalogSnapshot, fn: Function) -> str:
    """pg_get_function_result: `integer`, `SETOF t`, `TABLE(a integer, b text)`, `void`."""
    table = [a for a in fn.args if a.mode == "t"]
    if table:
        cols = ", ".join(f"{V.quote_ident(a.name)} {C.type_name(a.type_oid)}" for a in table)
        return f"TABLE({cols})"
    name = RT.declared_type_name(catalog, fn)
    return f"SETOF {name}" if fn.returns_set else name


def _schema_name(catalog: CatalogSnapshot, fn: Function) -> str:
    return V.schema_name_of(catalog, fn.schema_oid)


def definition(catalog: CatalogSnapshot, fn: Function) -> str:
    """pg_get_functiondef: a CREATE OR REPLACE FUNCTION statement that recreates it."""
    lines = [f"CREATE OR REPLACE FUNCTION {V.quote_ident(_schema_name(catalog, fn))}."
             f"{V.quote_ident(fn.name)}({arguments(fn)})",
             f" RETURNS {result(catalog, fn)}", " LANGUAGE sql"]
    words = [{"i": "IMMUTABLE", "s": "STABLE"}.get(fn.volatility, "")]
    words.append({"s": "PARALLEL SAFE", "r": "PARALLEL RESTRICTED"}.get(fn.parallel, ""))
    words += ["STRICT" if fn.strict else "", "LEAKPROOF" if fn.leakproof else ""]
    if fn.cost != 100:
        words.append(f"COST {fn.cost:g}")
    if fn.rows and fn.rows != 1000:
        words.append(f"ROWS {fn.rows:g}")
    options = " ".join(w for w in words if w)
    if options:
        lines.append(f" {options}")
    if fn.body_form == "string":
        quote = "$function$"
        lines.append(f"AS {quote}{fn.body}{quote}")
    else:
        lines.append(sql_body(fn) or "")
    return "\n".join(lines) + "\n"


def sql_body(fn: Function) -> str | None:
    """pg_get_function_sqlbody: a RETURN / BEGIN ATOMIC body, NULL for a string body."""
    if fn.body_form == "string":
        return None
    if fn.body_form == "return":
        return f"RETURN {fn.body.removeprefix('SELECT ')}"
    body = "".join(f" {line}\n" for line in fn.body.splitlines() if line.strip())
    return f"BEGIN ATOMIC\n{body}END"


def visible(catalog: CatalogSnapshot, search_path: tuple[str, ...], fn: Function,
            binder: Binder = None) -> bool:
    """pg_function_is_visible: no schema earlier on the path has one of the same name
    and argument types (pg_catalog first: with a `binder`, a built-in that takes these
    argument types hides it)."""
    if binder is not None and "pg_catalog" not in search_path \
            and RR.builtin_accepts(binder, fn.name, fn.input_types):
        return False
    for sname in search_path:
        schema = catalog.schema(sname)
        if schema is None:
            continue
        if schema.oid == fn.schema_oid:
            return True
        if any(f.input_types == fn.input_types for f in catalog.functions_named(schema.oid, fn.name)):
            return False
    return False


# -- pg_proc -----------------------------------------------------------------------------------

def pg_proc_rows(v: Any):
    """The rows of pg_proc (`catalog.virtual` computes them per statement)."""
    catalog: CatalogSnapshot = v.catalog
    for fn in sorted(catalog.functions, key=lambda f: f.oid):
        plain = all(a.mode == "i" for a in fn.args)
        defaults = [a for a in fn.input_args if a.default is not None]
        yield {
            "oid": fn.oid, "proname": fn.name, "pronamespace": fn.schema_oid,
            "proowner": v.role_oid(fn.owner), "prolang": SQL_LANGUAGE_OID,
            "procost": fn.cost, "prorows": fn.rows, "provariadic": 0, "prosupport": 0,
            "prokind": "f", "prosecdef": fn.security_definer, "proleakproof": fn.leakproof,
            "proisstrict": fn.strict, "proretset": fn.returns_set,
            "provolatile": fn.volatility, "proparallel": fn.parallel,
            "pronargs": len(fn.input_args), "pronargdefaults": len(defaults),
            "prorettype": fn.return_type, "proargtypes": fn.input_types,
            "proallargtypes": None if plain else tuple(a.type_oid for a in fn.args),
            "proargmodes": None if plain else tuple(a.mode for a in fn.args),
            "proargnames": tuple(a.name for a in fn.args) if any(a.name for a in fn.args) else None,
            "proargdefaults": ", ".join(_default_text(a) for a in defaults) or None,
            "protrftypes": None,
            "prosrc": fn.body if fn.body_form == "string" else "",
            "probin": None,
            "prosqlbody": None if fn.body_form == "string" else fn.body,
            "proconfig": None,
            "proacl": V.acl_text(catalog, fn.oid, "function", fn.owner),
        }


# -- the functions ---------------------------------------------------------------------------

def _by_oid(binder: Binder, name: str, args: list[Expr], render) -> Expr:
    _arity(name, args, 1)
    catalog: CatalogSnapshot = binder.ctx.catalog

    def answer(oid: int) -> Any:
        fn = catalog.function_by_oid(oid)
        return render(catalog, fn) if fn is not None else None
    return _call(binder, name, TEXT, answer, args, (OID,))


@_register("pg_get_functiondef")
def _pg_get_functiondef(binder: Binder, args: list[Expr]) -> Expr:
    return _by_oid(binder, "pg_get_functiondef", args, definition)


@_register("pg_get_function_arguments")
def _pg_get_function_arguments(binder: Binder, args: list[Expr]) -> Expr:
    return _by_oid(binder, "pg_get_function_arguments", args, lambda c, fn: arguments(fn))


@_register("pg_get_function_identity_arguments")
def _pg_get_function_identity_arguments(binder: Binder, args: list[Expr]) -> Expr:
    return _by_oid(binder, "pg_get_function_identity_arguments", args,
                   lambda c, fn: arguments(fn, defaults=False))


@_register("pg_get_function_result")
def _pg_get_function_result(binder: Binder, args: list[Expr]) -> Expr:
    return _by_oid(binder, "pg_get_function_result", args, result)


@_register("pg_get_function_sqlbody")
def _pg_get_function_sqlbody(binder: Binder, args: list[Expr]) -> Expr:
    return _by_oid(binder, "pg_get_function_sqlbody", args, lambda c, fn: sql_body(fn))


@_register("pg_function_is_visible")
def _pg_function_is_visible(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_function_is_visible", args, 1)
    catalog: CatalogSnapshot = binder.ctx.catalog
    path = V.current_search_path(binder.ctx)

    def answer(oid: int) -> bool | None:
        fn = catalog.function_by_oid(oid)
        return visible(catalog, path, fn, binder) if fn is not None else None
    return _call(binder, "pg_function_is_visible", BOOL, answer, args, (OID,))


# -- regproc -----------------------------------------------------------------------------------

def function_name(catalog: CatalogSnapshot, search_path: tuple[str, ...], oid: int) -> str | None:
    """regproc output: the function's name, schema-qualified when not visible."""
    fn = catalog.function_by_oid(oid)
    if fn is None:
        return None
    name = V.quote_ident(fn.name)
    if not visible(catalog, search_path, fn):
        name = f"{V.quote_ident(V.schema_name_of(catalog, fn.schema_oid))}.{name}"
    return name


def regproc_oid(names: V.CatalogNames, text: str) -> int | None:
    """'name' or 'schema.name' as a regproc: the one function of that name (42725 when
    there are several, as PostgreSQL's regprocin)."""
    from borealis.core import errors
    parts = V.split_qualified(text)
    catalog = names.catalog
    schemas = [parts[-2]] if len(parts) > 1 else list(names.search_path)
    found: list[Function] = []
    for sname in schemas:
        schema = catalog.schema(sname)
        if schema is not None:
            found.extend(catalog.functions_named(schema.oid, parts[-1]))
    if len(found) > 1:
        raise errors.AmbiguousFunction(what=f'more than one function named "{text.strip()}"')
    return found[0].oid if found else None


__all__ = ["arguments", "definition", "function_name", "pg_proc_rows", "regproc_oid", "result",
           "sql_body"]
