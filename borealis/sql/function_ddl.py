"""DDL of SQL functions: CREATE [OR REPLACE] FUNCTION ... LANGUAGE sql, ALTER / DROP
FUNCTION and ROUTINE, COMMENT ON FUNCTION (dsql-behaviour.md §2.3).

Each statement is a catalog transaction like any DDL (one per transaction in DSQL mode,
bumping the catalog version, so concurrent transactions get OC001). The function is a
`catalog.model.Function` descriptor; `sql.routines` resolves and runs calls.

- CREATE: PostgreSQL's checks and messages (42P13 for parameter lists, result types and
  replacements, 42723 for a duplicate signature), then the body is bound against the
  catalog as PostgreSQL does with check_function_bodies on (a string body sees the new
  function itself, so it may be recursive; a RETURN / BEGIN ATOMIC body does not, as in
  PostgreSQL) and its last statement checked against the declared result (42P13).
  `SET check_function_bodies = off` (relaxed mode: pg_dump sends it) skips that.
- Languages other than sql, procedures, VARIADIC and polymorphic parameters, RETURNS
  record without OUT parameters, SECURITY DEFINER, SET and SUPPORT clauses are refused
  with 0A000 (DSQL refuses the other languages and procedures at the parse gate,
  `sql.parse.DSQL_REFUSALS`, with its inferred wording).
- DROP FUNCTION / ROUTINE [IF EXISTS] name[(argtypes)], ALTER FUNCTION / ROUTINE
  RENAME TO / OWNER TO / SET SCHEMA / options, COMMENT ON FUNCTION. DROP SCHEMA counts
  the schema's functions as members (2BP01 without CASCADE). Dependencies of views or
  other functions on a function are not tracked: dropping a function that a view calls
  succeeds, and the view fails when used.
- This module also routes the statements that other DDL modules own (DropStmt,
  RenameStmt, AlterOwnerStmt, CommentStmt) to them when they name no function, so
  `sql.ddl` only merges `HANDLERS`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pglast import ast
from pglast.enums import FunctionParameterMode, ObjectType

from borealis.catalog.model import RECORD_OID, Function, FunctionArg, Schema
from borealis.catalog.store import CatalogWriter
from borealis.core import errors
from borealis.sql import coerce as C
from borealis.sql import privileges as P
from borealis.sql import routine_resolve as RR
from borealis.sql import routines as RT
from borealis.sql.bind import BindContext, Binder, type_from_ast
from borealis.sql.expr import Params

FUNCTIONS_MAX = 10_000  # Borealis's bound (DSQL documents none)
FUNCTION_KINDS = frozenset({ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_ROUTINE,
                            ObjectType.OBJECT_PROCEDURE})
_MODES = {FunctionParameterMode.FUNC_PARAM_IN: "i", FunctionParameterMode.FUNC_PARAM_DEFAULT: "i",
          FunctionParameterMode.FUNC_PARAM_OUT: "o", FunctionParameterMode.FUNC_PARAM_INOUT: "b",
          FunctionParameterMode.FUNC_PARAM_VARIADIC: "v", FunctionParameterMode.FUNC_PARAM_TABLE: "t"}
_VOLATILITY = {"immutable": "i", "stable": "s", "volatile": "v"}
_PARALLEL = {"safe": "s", "restricted": "r", "unsafe": "u"}
POLYMORPHIC = frozenset({"anyelement", "anyarray", "anynonarray", "anyenum", "anyrange",
                         "anymultirange", "anycompatible", "anycompatiblearray",
                         "anycompatiblenonarray", "anycompatiblerange", "anycompatiblemultirange"})


def _ident(name: str) -> str:
    from borealis.sql.ddl import _ident as truncate  # sql.ddl imports this module
    return truncate(name)


def deparse(node: ast.Node) -> str:
    from borealis.sql.ddl import deparse as text
    return text(node)


def _target_schema(binder: Binder, schemaname: str | None) -> Schema:
    from borealis.sql.ddl import _target_schema as target
    return target(binder, schemaname)


def _tag(kind: ObjectType, verb: str) -> str:
    return f"{verb} {'ROUTINE' if kind == ObjectType.OBJECT_ROUTINE else 'FUNCTION'}"


def signature(fn: Function) -> str:
    """`name(integer, text)`: how PostgreSQL names a function in messages."""
    return f"{fn.name}({', '.join(C.type_name(t) for t in fn.input_types)})"


def _drop_hint(fn: Function) -> str:
    types = ",".join(C.type_name(t) for t in fn.input_types)
    return f"Use DROP FUNCTION {fn.name}({types}) first."


# -- CREATE FUNCTION ---------------------------------------------------------------------------

def _parameters(node: ast.CreateFunctionStmt) -> tuple[FunctionArg, ...]:
    out: list[FunctionArg] = []
    seen: set[str] = set()
    defaulted = False
    for p in node.parameters or ():
        mode = _MODES[p.mode]
        if mode == "v":
            raise errors.FeatureNotSupported(what="VARIADIC parameters are not supported")
        tn = p.argType
        if tn.pct_type:
            raise errors.FeatureNotSupported(what="%TYPE parameters are not supported")
        if tn.names[-1].sval in POLYMORPHIC:
            raise errors.FeatureNotSupported(what="polymorphic parameters are not supported")
        oid, _typmod = type_from_ast(tn)
        name = _ident(p.name) if p.name else ""
        if name and mode in ("i", "b", "o", "t"):
            if name in seen:
                raise errors.InvalidFunctionDefinition(what=f'parameter name "{name}" used more than once')
            seen.add(name)
        default = None
        if p.defexpr is not None:
            if mode not in ("i", "b"):
                raise errors.InvalidFunctionDefinition(what="only input parameters can have default values")
            default = deparse(p.defexpr)
            defaulted = True
        elif defaulted and mode in ("i", "b"):
            raise errors.InvalidFunctionDefinition(
                what="input parameters after one with a default value must also have defaults")
        out.append(FunctionArg(name, oid, mode, default))
    return tuple(out)


def _result(binder: Binder, node: ast.CreateFunctionStmt,
            args: tuple[FunctionArg, ...]) -> tuple[int, bool, int]:
    """(return type, returns a set, returned table) of a CREATE FUNCTION."""
    outs = [a for a in args if a.mode in ("o", "b", "t")]
    tn = node.returnType
    if tn is None:
        if not outs:
            raise errors.InvalidFunctionDefinition(what="function result type must be specified")
        return (outs[0].type_oid if len(outs) == 1 else RECORD_OID), False, 0
    setof = bool(tn.setof)
    names = [n.sval for n in tn.names]
    relation = 0
    try:
        oid, _ = type_from_ast(tn)
    except errors.UndefinedObject:
        rel = binder.find_relation(names[-2] if len(names) > 1 else None, names[-1])
        if rel is None or rel.kind not in ("r", "v") or getattr(rel, "virtual_rows", None) is not None:
            raise
        oid, relation = RECORD_OID, rel.oid
    if names[-1] in POLYMORPHIC:
        raise errors.FeatureNotSupported(what="polymorphic result types are not supported")
    if outs:
        want = outs[0].type_oid if len(outs) == 1 else RECORD_OID
        if relation or oid != want:
            raise errors.InvalidFunctionDefinition(
                what=f"function result type must be {C.type_name(want)} because of OUT parameters")
        return want, setof, 0
    if oid == RECORD_OID and not relation:
        raise errors.FeatureNotSupported(
            what="functions returning record without OUT parameters are not supported")
    return oid, setof, relation


def _options(node: ast.Node, options, *, creating: bool) -> dict[str, Any]:
    """The function options of CREATE / ALTER FUNCTION, by Function field name."""
    out: dict[str, Any] = {}
    seen: set[str] = set()
    for opt in options or ():
        name = opt.defname
        if name in seen:
            raise errors.SyntaxError(what="conflicting or redundant options")
        seen.add(name)
        arg = opt.arg
        if name == "volatility":
            out["volatility"] = _VOLATILITY[arg.sval]
        elif name == "strict":
            out["strict"] = bool(arg.boolval)
        elif name == "leakproof":
            out["leakproof"] = bool(arg.boolval)
        elif name == "parallel":
            if arg.sval not in _PARALLEL:
                raise errors.SyntaxError(what='parameter "parallel" must be SAFE, RESTRICTED, or UNSAFE')
            out["parallel"] = _PARALLEL[arg.sval]
        elif name in ("cost", "rows"):
            value = float(arg.fval if isinstance(arg, ast.Float) else arg.ival)
            if value <= 0:
                raise errors.InvalidParameterValue(what=f"{name.upper()} must be positive")
            out[name] = value
        elif name == "security":
            if arg.boolval:
                raise errors.FeatureNotSupported(what="SECURITY DEFINER functions are not supported")
        elif name in ("language", "as") and creating:
            continue
        elif name in ("set", "support", "window", "transform"):
            raise errors.FeatureNotSupported(
                what=f"{name.upper()} is not supported for SQL functions")
        else:
            raise errors.SyntaxError(what=f'option "{name}" not recognized')
    return out


def _language(node: ast.CreateFunctionStmt) -> str:
    found = [o.arg.sval for o in node.options or () if o.defname == "language"]
    if len(found) > 1:
        raise errors.SyntaxError(what="conflicting or redundant options")
    if not found:
        if node.sql_body is not None:
            return "sql"
        raise errors.InvalidFunctionDefinition(what="no language specified")
    return found[0].lower()


def _body(node: ast.CreateFunctionStmt) -> tuple[str, str]:
    """(body text, form) — see `catalog.model.Function`."""
    strings = [o.arg for o in node.options or () if o.defname == "as"]
    if strings and node.sql_body is not None:
        raise errors.InvalidFunctionDefinition(what="duplicate function body specified")
    if strings:
        parts = [s.sval for s in strings[0]]
        if len(parts) != 1:
            raise errors.InvalidFunctionDefinition(
                what="only one AS item needed for language \"sql\"")
        return parts[0], "string"
    body = node.sql_body
    if body is None:
        raise errors.InvalidFunctionDefinition(what="no function body specified")
    if isinstance(body, ast.ReturnStmt):
        return "SELECT " + deparse(body.returnval), "return"
    statements = body[0] if body and isinstance(body[0], tuple) else body
    return "".join(deparse(st) + ";\n" for st in statements or ()), "atomic"


async def create_function(binder: Binder, writer: CatalogWriter, node: ast.CreateFunctionStmt,
                          sql: str) -> str:
    if node.is_procedure:
        raise errors.FeatureNotSupported(what="CREATE PROCEDURE is not supported")
    language = _language(node)
    if language != "sql":
        raise errors.FeatureNotSupported(what=f'language "{language}" is not supported: only sql')
    names = [s.sval for s in node.funcname]
    schema = _target_schema(binder, names[-2] if len(names) > 1 else None)
    _check_create_in(binder, schema)
    args = _parameters(node)
    return_type, setof, relation = _result(binder, node, args)
    body, form = _body(node)
    options = _options(node, node.options, creating=True)
    options.setdefault("rows", 1000.0 if setof else 0.0)  # PostgreSQL's prorows default
    fn = Function(0, schema.oid, _ident(names[-1]), args, return_type, setof, relation, body, form,
                  **options)
    existing = next((f for f in binder.catalog.functions_named(schema.oid, fn.name)
                     if f.input_types == fn.input_types), None)
    if existing is not None:
        if not node.replace:
            raise errors.DuplicateFunction(
                what=f'function "{fn.name}" already exists with same argument types')
        _check_replace(binder, existing, fn)
        fn = replace(fn, oid=existing.oid, owner=existing.owner, comment=existing.comment)
    else:
        if len(binder.catalog.functions) >= FUNCTIONS_MAX:
            raise errors.ProgramLimitExceeded(what=f"more than {FUNCTIONS_MAX} functions not allowed")
        fn = replace(fn, oid=await writer.allocate_oid())
    _check_defaults(binder, fn)
    if _check_bodies(binder):
        RT.validate(_validation_binder(binder, fn, existing, sees_itself=form == "string"), fn)
    writer.put_function(fn)
    return "CREATE FUNCTION"


def _check_create_in(binder: Binder, schema: Schema) -> None:
    if schema.name in P.SYSTEM_SCHEMA_NAMES:
        raise errors.PermissionDenied(kind="schema", name=schema.name)
    P.check_schema(binder.ctx, schema, "C")


def _check_replace(binder: Binder, old: Function, new: Function) -> None:
    """CREATE OR REPLACE may change the body and options, not the result or the
    parameters' names and defaults (PostgreSQL's rules)."""
    _must_own(binder, old)
    hint = _drop_hint(old)
    if (old.return_type, old.returns_set, old.return_relation) != \
            (new.return_type, new.returns_set, new.return_relation) \
            or [(a.name, a.type_oid) for a in old.output_args] != \
            [(a.name, a.type_oid) for a in new.output_args]:
        raise errors.InvalidFunctionDefinition(what="cannot change return type of existing function",
                                               hint=hint)
    for a, b in zip(old.input_args, new.input_args):
        if a.name and a.name != b.name:
            raise errors.InvalidFunctionDefinition(
                what=f'cannot change name of input parameter "{a.name}"', hint=hint)
    if sum(a.default is not None for a in new.input_args) < \
            sum(a.default is not None for a in old.input_args):
        raise errors.InvalidFunctionDefinition(
            what="cannot remove parameter defaults from existing function", hint=hint)


def _check_defaults(binder: Binder, fn: Function) -> None:
    """Bind each DEFAULT now: a column reference or a wrong type fails at CREATE."""
    for a in fn.input_args:
        if a.default is not None:
            RR.default_expr(binder, a.default, a.type_oid)


def _check_bodies(binder: Binder) -> bool:
    session = binder.ctx.settings
    show = getattr(session, "show", None)
    value = show("check_function_bodies", missing_ok=True) if show is not None else None
    return (value or "on").strip().lower() not in ("off", "false", "0", "no")


def _validation_binder(binder: Binder, fn: Function, existing: Function | None, *,
                       sees_itself: bool) -> Binder:
    """The binder a body is checked with: a string body sees the catalog as it will be,
    the function itself included (PostgreSQL validates it after writing the function);
    a RETURN / BEGIN ATOMIC body is parsed against the catalog as it is."""
    if not sees_itself:
        return binder
    catalog = binder.catalog
    functions = tuple(f for f in catalog.functions if existing is None or f.oid != existing.oid)
    shown = replace(catalog, functions=(*functions, fn), _by_name={})
    ctx = binder.ctx
    return Binder(BindContext(shown, ctx.search_path, Params(), [], settings=ctx.settings,
                              virtual=ctx.virtual))


# -- finding a function by name and argument types ------------------------------------------

def _search_schemas(binder: Binder, names: list[str]) -> list[Schema]:
    catalog = binder.catalog
    if len(names) > 1:
        schema = catalog.schema(names[-2])
        if schema is None:
            raise errors.UndefinedSchema(name=names[-2])
        return [schema]
    out = []
    for sname in binder.ctx.search_path:
        schema = catalog.schema(sname)
        if schema is not None and schema not in out:
            out.append(schema)
    return out


def find_function(binder: Binder, obj: ast.ObjectWithArgs, *, missing_ok: bool = False,
                  kind: ObjectType = ObjectType.OBJECT_FUNCTION) -> Function | None:
    """The function `name` or `name(argtypes)` names (PostgreSQL's LookupFuncWithArgs):
    42883 if there is none, 42725 for a bare name with several overloads. There are no
    procedures: for `kind` PROCEDURE a function is 42809, and nothing is found."""
    fn = _find_function(binder, obj, missing_ok=missing_ok or kind == ObjectType.OBJECT_PROCEDURE)
    if kind != ObjectType.OBJECT_PROCEDURE:
        return fn
    label = ".".join(s.sval for s in obj.objname)
    if fn is not None:
        raise errors.WrongObjectType(what=f"{label}({', '.join(C.type_name(t) for t in fn.input_types)})"
                                          " is not a procedure")
    if missing_ok:
        return None
    raise errors.UndefinedFunction(f'could not find a procedure named "{label}"')


def _find_function(binder: Binder, obj: ast.ObjectWithArgs, *, missing_ok: bool) -> Function | None:
    names = [s.sval for s in obj.objname]
    label = ".".join(names)
    schemas = _search_schemas(binder, names)
    if obj.args_unspecified:
        found = [f for s in schemas for f in binder.catalog.functions_named(s.oid, names[-1])]
        if not found:
            if missing_ok:
                return None
            raise errors.UndefinedFunction(f'could not find a function named "{label}"')
        if len({s.schema_oid for s in found}) == 1 and len(found) > 1:
            raise errors.AmbiguousFunction(what=f'function name "{label}" is not unique',
                                           hint="Specify the argument list to select the function "
                                                "unambiguously.")
        return found[0]
    params = obj.objfuncargs if obj.objfuncargs is not None else [
        ast.FunctionParameter(argType=t, mode=FunctionParameterMode.FUNC_PARAM_DEFAULT)
        for t in obj.objargs or ()]
    types = tuple(type_from_ast(p.argType)[0] for p in params
                  if _MODES[p.mode] not in ("o", "t"))
    for s in schemas:
        for f in binder.catalog.functions_named(s.oid, names[-1]):
            if f.input_types == types:
                return f
    if missing_ok:
        return None
    raise errors.UndefinedFunction(
        f"function {label}({', '.join(C.type_name(t) for t in types)}) does not exist")


def _must_own(binder: Binder, fn: Function, *, dropping: bool = False) -> None:
    role = P.acting_role(binder.ctx)
    if role is None:
        return
    catalog = binder.catalog
    if P.is_owner(catalog, role, fn.owner):
        return
    schema = catalog.schema_by_oid(fn.schema_oid)
    if dropping and schema is not None and P.is_owner(catalog, role, schema.owner):
        return
    raise errors.MustBeOwner(kind="function", name=fn.name)


# -- DROP --------------------------------------------------------------------------------------

async def drop_functions(binder: Binder, writer: CatalogWriter, node: ast.DropStmt) -> str:
    dropped: set[int] = set()
    for obj in node.objects:
        fn = find_function(binder, obj, missing_ok=bool(node.missing_ok), kind=node.removeType)
        if fn is None or fn.oid in dropped:
            continue
        _must_own(binder, fn, dropping=True)
        writer.drop_function(fn)
        dropped.add(fn.oid)
    return _tag(node.removeType, "DROP")


# -- ALTER -------------------------------------------------------------------------------------

def _check_free(binder: Binder, schema_oid: int, name: str, fn: Function) -> None:
    for other in binder.catalog.functions_named(schema_oid, name):
        if other.oid != fn.oid and other.input_types == fn.input_types:
            schema = binder.catalog.schema_by_oid(schema_oid)
            raise errors.DuplicateFunction(
                what=f'function {name}({", ".join(C.type_name(t) for t in fn.input_types)}) '
                     f'already exists in schema "{schema.name if schema else ""}"')


async def rename_function(binder: Binder, writer: CatalogWriter, node: ast.RenameStmt) -> str:
    fn = find_function(binder, node.object, kind=node.renameType)
    _must_own(binder, fn)
    new_name = _ident(node.newname)
    _check_free(binder, fn.schema_oid, new_name, fn)
    writer.put_function(replace(fn, name=new_name))
    return _tag(node.renameType, "ALTER")


async def alter_function(binder: Binder, writer: CatalogWriter, node: ast.AlterFunctionStmt,
                         sql: str) -> str:
    fn = find_function(binder, node.func, kind=node.objtype)
    _must_own(binder, fn)
    writer.put_function(replace(fn, **_options(node, node.actions, creating=False)))
    return _tag(node.objtype, "ALTER")


async def set_schema(binder: Binder, writer: CatalogWriter, node: ast.AlterObjectSchemaStmt,
                     sql: str) -> str:
    if node.objectType not in FUNCTION_KINDS:
        what = node.objectType.name.removeprefix("OBJECT_").replace("_", " ")
        raise errors.FeatureNotSupported(what=f"ALTER {what} SET SCHEMA is not supported")
    fn = find_function(binder, node.object, missing_ok=bool(node.missing_ok), kind=node.objectType)
    if fn is None:
        return _tag(node.objectType, "ALTER")
    _must_own(binder, fn)
    schema = binder.catalog.schema(node.newschema)
    if schema is None:
        raise errors.UndefinedSchema(name=node.newschema)
    _check_create_in(binder, schema)
    if schema.oid != fn.schema_oid:
        _check_free(binder, schema.oid, fn.name, fn)
        writer.put_function(replace(fn, schema_oid=schema.oid))
    return _tag(node.objectType, "ALTER")


async def alter_owner(binder: Binder, writer: CatalogWriter, fn: Function, spec: ast.RoleSpec,
                      kind: ObjectType) -> str:
    from borealis.catalog import roles as R
    from borealis.sql import role_ddl
    _must_own(binder, fn)
    new = role_ddl._new_owner(binder, spec, fn.owner)
    catalog = binder.catalog
    role = P.acting_role(binder.ctx)
    schema = catalog.schema_by_oid(fn.schema_oid)
    if schema is not None and role not in (None, R.ADMIN_OID) \
            and "C" not in P.schema_privileges(catalog, new.oid, schema):
        raise errors.PermissionDenied(kind="schema", name=schema.name)
    if new.name != fn.owner:
        role_ddl._owner_acl(writer, catalog, fn.oid, "function", P.owner_oid(catalog, fn.owner), new.oid)
        writer.set_owner(fn, new.name)
    return _tag(kind, "ALTER")


# -- routing of shared statements --------------------------------------------------------------

def _other(node: ast.Node):
    """The handler `sql.ddl` (or `sql.role_ddl`) has for statements naming no function."""
    from borealis.sql import ddl
    return ddl._BASE_HANDLERS[type(node)]


async def _drop(binder: Binder, writer: CatalogWriter, node: ast.DropStmt, sql: str) -> str:
    if node.removeType in FUNCTION_KINDS:
        return await drop_functions(binder, writer, node)
    return await _other(node)(binder, writer, node, sql)


async def _rename(binder: Binder, writer: CatalogWriter, node: ast.RenameStmt, sql: str) -> str:
    if node.renameType in FUNCTION_KINDS:
        return await rename_function(binder, writer, node)
    return await _other(node)(binder, writer, node, sql)


async def _alter_owner(binder: Binder, writer: CatalogWriter, node: ast.AlterOwnerStmt, sql: str) -> str:
    if node.objectType in FUNCTION_KINDS:
        fn = find_function(binder, node.object, kind=node.objectType)
        return await alter_owner(binder, writer, fn, node.newowner, node.objectType)
    return await _other(node)(binder, writer, node, sql)


async def _comment(binder: Binder, writer: CatalogWriter, node: ast.CommentStmt, sql: str) -> str:
    if node.objtype in FUNCTION_KINDS:
        fn = find_function(binder, node.object, kind=node.objtype)
        _must_own(binder, fn)
        writer.put_function(replace(fn, comment=node.comment))
        return "COMMENT"
    return await _other(node)(binder, writer, node, sql)


HANDLERS = {
    ast.CreateFunctionStmt: create_function,
    ast.AlterFunctionStmt: alter_function,
    ast.AlterObjectSchemaStmt: set_schema,
    ast.DropStmt: _drop,
    ast.RenameStmt: _rename,
    ast.AlterOwnerStmt: _alter_owner,
    ast.CommentStmt: _comment,
}

__all__ = ["FUNCTION_KINDS", "HANDLERS", "find_function", "signature"]
