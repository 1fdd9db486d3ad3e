"""System information functions that catalog queries call (DESIGN.md §6).

psql's backslash commands, SQLAlchemy's inspector and the drivers' type introspection
read `pg_catalog` through functions as much as through tables: `format_type`,
`pg_get_indexdef`, `pg_get_constraintdef`, `pg_table_is_visible`, `obj_description`,
`pg_get_userbyid`, ... This module registers them in `functions.SCALARS`; each binder
reads the catalog snapshot the statement is bound against (`binder.ctx.catalog`, the
same snapshot the virtual catalogs of `catalog.virtual` compute their rows from), so
a function's answer agrees with the rows it is applied to.

Generic helpers that other parts of the engine may also provide (array_to_string,
quote_ident, json_build_object, array_length, ...) are registered with `setdefault`,
so an implementation registered earlier wins.

Set-returning functions used in select lists by these queries (unnest over int2vector,
generate_subscripts, pg_partition_ancestors) live in `sql.srf`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from borealis.catalog import virtual as V
from borealis.catalog.model import PG_CATALOG_OID, CatalogSnapshot, Index, Relation
from borealis.core import errors
from borealis.sql import catalog_types as _catalog_types  # noqa: F401  (reg* types)
from borealis.sql import coerce as C
from borealis.sql import privileges as _privileges
from borealis.sql import types as T
from borealis.sql.expr import Call, Const, Expr
from borealis.sql.functions import SCALARS, _arity
from borealis.sql.types.arrays import flatten

BOOL, INT2, INT4, INT8, TEXT, NAME, OID, UNKNOWN = 16, 21, 23, 20, 25, 19, 26, 705
JSON, REGCLASS, REGTYPE, NAME_ARRAY, TEXT_ARRAY = 114, 2205, 2206, 1003, 1009

Binder = Any


def _register(*names: str, replace: bool = True):
    def deco(fn):
        for name in names:
            if replace:
                SCALARS[name] = fn
            else:
                SCALARS.setdefault(name, fn)
        return fn
    return deco


def _call(binder: Binder, name: str, result: int, fn: Callable, args: list[Expr],
          types: tuple[int, ...], *, strict: bool = True) -> Expr:
    coerced = tuple(binder.coerce(a, t) for a, t in zip(args, types))
    return Call(result, name=name, fn=fn, args=coerced, strict=strict)


class _Lookup:
    """Catalog facts for one bound statement, built on first use."""

    def __init__(self, binder: Binder) -> None:
        self.catalog: CatalogSnapshot = binder.ctx.catalog
        self.ctx = binder.ctx
        self.session = binder.ctx.settings
        self._relations: dict[int, tuple[Relation, Index | None]] | None = None
        self._constraints: dict[int, tuple[Relation, Any]] | None = None
        self._descriptions: dict | None = None

    @property
    def search_path(self) -> tuple[str, ...]:
        return V.current_search_path(self.ctx)

    @property
    def relations(self) -> dict[int, tuple[Relation, Index | None]]:
        if self._relations is None:
            out: dict[int, tuple[Relation, Index | None]] = {}
            for rel in self.catalog.relations:
                out[rel.oid] = (rel, None)
                for index in rel.indexes:
                    out[V.index_oid(rel, index)] = (rel, index)
            self._relations = out
        return self._relations

    @property
    def constraints(self) -> dict[int, tuple[Relation, Any]]:
        if self._constraints is None:
            self._constraints = {oid: (rel, con) for rel in self.catalog.relations
                                 for oid, con in V.constraints_of(rel)}
        return self._constraints

    @property
    def descriptions(self) -> dict:
        if self._descriptions is None:
            self._descriptions = V.descriptions(self.catalog)
        return self._descriptions

    def roles(self) -> dict[int, str]:
        names = {V.ADMIN, getattr(self.session, "user", None) or V.ADMIN}
        names.update(s.owner for s in self.catalog.schemas)
        names.update(r.owner for r in self.catalog.relations)
        out = {V.role_oid_in(self.catalog, n): n for n in names if n}
        out.update((r.oid, r.name) for r in self.catalog.auth.by_oid.values())  # catalog.roles
        return out


# -- types and expressions ----------------------------------------------------------------

@_register("format_type")
def _format_type(binder: Binder, args: list[Expr]) -> Expr:
    _arity("format_type", args, 2)

    def fmt(oid: int | None, typmod: int | None) -> str | None:
        if oid is None:
            return None
        if T.type_by_oid(oid) is None:
            row = next((r for r in V._type_rows() if r["oid"] == oid), None)
            return row["typname"] if row is not None else "???"
        return T.format_type(oid, typmod)
    return _call(binder, "format_type", TEXT, fmt, args, (OID, INT4), strict=False)


@_register("pg_get_expr")
def _pg_get_expr(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_get_expr", args, 2, 3)
    look = _Lookup(binder)

    def get_expr(text: str | None, relid: int | None = None, pretty: bool | None = False) -> Any:
        # The stored text is the plain form; an index predicate (pg_index.indpred, which
        # psql reads pretty) is printed again from its definition.
        found = look.relations.get(relid) if pretty and text is not None else None
        if found is not None and found[1] is None:
            for index in found[0].indexes:
                if index.predicate is not None \
                        and V.index_predicate_text(found[0], index, pretty=False) == text:
                    return V.index_predicate_text(found[0], index, pretty=True)
        return text
    return _call(binder, "pg_get_expr", TEXT, get_expr, args,
                 (TEXT, OID, BOOL)[: len(args)], strict=False)


@_register("pg_get_indexdef")
def _pg_get_indexdef(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_get_indexdef", args, 1, 3)
    look = _Lookup(binder)

    def indexdef(oid: int | None, column: int | None = 0, pretty: bool | None = False) -> Any:
        if oid is None:
            return None
        found = look.relations.get(oid)
        if found is None or found[1] is None:
            return None
        rel, index = found
        pretty = bool(pretty)
        if not column:  # pretty: the table named as the search path would find it
            return V.index_definition(
                look.catalog, rel, index, V.index_am(binder.ctx.settings)[1], pretty=pretty,
                qualified=not pretty or not V.relation_visible(look.catalog, look.search_path, rel))
        attnums = V.key_columns(rel, index) + V.include_columns(rel, index)
        if column > len(attnums) or column < 0:
            return ""
        if column <= len(index.columns) and attnums[column - 1] == 0:  # an expression key
            from borealis.sql import index_keys
            return index_keys.key_text(rel, index, column, pretty=pretty)
        by_attnum = {c.attnum: c for c in rel.columns}
        col = by_attnum.get(attnums[column - 1])
        return V.quote_ident(col.name) if col is not None else ""
    return _call(binder, "pg_get_indexdef", TEXT, indexdef, args,
                 (OID, INT4, BOOL)[: len(args)], strict=False)


@_register("pg_get_constraintdef")
def _pg_get_constraintdef(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_get_constraintdef", args, 1, 2)
    look = _Lookup(binder)

    def condef(oid: int, pretty: bool | None = False) -> str | None:
        found = look.constraints.get(oid)
        return V.constraint_definition(*found, look.catalog, look.search_path) if found is not None else None
    return _call(binder, "pg_get_constraintdef", TEXT, condef, args, (OID, BOOL)[: len(args)])


@_register("pg_get_viewdef")
def _pg_get_viewdef(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_get_viewdef", args, 1, 2)
    look = _Lookup(binder)
    by_name = args[0].oid in (TEXT, UNKNOWN, 1043)

    def viewdef(key: Any, pretty: Any = None) -> str | None:
        if by_name:
            oid = V.CatalogNames(look.catalog, look.search_path).lookup(key)
        else:
            oid = key
        found = look.relations.get(oid) if oid is not None else None
        if found is None or found[0].kind != "v" or found[1] is not None:
            return None
        return V.view_definition(look.catalog, look.search_path, found[0]) or " ;"
    first = TEXT if by_name else OID
    second = (INT4 if args[1].oid in (INT2, INT4, INT8) else BOOL) if len(args) == 2 else BOOL
    return _call(binder, "pg_get_viewdef", TEXT, viewdef, args, (first, second)[: len(args)])


@_register("pg_get_partkeydef", "pg_get_triggerdef", "pg_get_ruledef",
           "pg_get_statisticsobjdef_columns", "pg_get_function_identity_arguments",
           "pg_get_function_result", "pg_get_function_arguments", "pg_get_functiondef")
def _pg_get_nothing(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_get_partkeydef", args, 1, 2)
    return _call(binder, "pg_get_partkeydef", TEXT, lambda *a: None, args,
                 (OID, BOOL)[: len(args)], strict=False)


@_register("pg_get_serial_sequence")
def _pg_get_serial_sequence(binder: Binder, args: list[Expr]) -> Expr:
    """The sequence a column owns (identity, serial or OWNED BY) as `schema.name`, NULL
    if none. The table name is parsed as SQL (may be qualified or quoted), the column
    name is taken literally, as PostgreSQL does."""
    _arity("pg_get_serial_sequence", args, 2)
    catalog, ctx = binder.ctx.catalog, binder.ctx

    def serial(table: str, column: str) -> str | None:
        oid = V.CatalogNames(catalog, V.current_search_path(ctx)).relation_oid(table)
        rel = catalog.relation_by_oid(oid)
        if rel is None:
            return None
        col = rel.column_by_name.get(column)
        if col is None:
            raise errors.UndefinedColumn(f'column "{column}" of relation "{rel.name}" does not exist')
        owned = catalog.owned_sequences(rel.oid, col.attnum)
        if not owned:
            return None
        seq = owned[0]
        return f"{V.quote_ident(V.schema_name_of(catalog, seq.schema_oid))}.{V.quote_ident(seq.name)}"
    return _call(binder, "pg_get_serial_sequence", TEXT, serial, args, (TEXT, TEXT))


# -- visibility -------------------------------------------------------------------------

@_register("pg_table_is_visible")
def _pg_table_is_visible(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_table_is_visible", args, 1)
    look = _Lookup(binder)

    def visible(oid: int) -> bool | None:
        vrel = V.virtual_relation_by_oid(oid)
        if vrel is not None:
            if vrel.schema_oid == PG_CATALOG_OID:
                return True
            return "information_schema" in look.search_path
        found = look.relations.get(oid)
        if found is None:
            return None
        rel, index = found
        name = index.name if index is not None else rel.name
        return V.relation_visible(look.catalog, look.search_path, name, rel.schema_oid)
    return _call(binder, "pg_table_is_visible", BOOL, visible, args, (OID,))


@_register("pg_type_is_visible")
def _pg_type_is_visible(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_type_is_visible", args, 1)
    known = {r["oid"] for r in V._type_rows()}
    return _call(binder, "pg_type_is_visible", BOOL, lambda oid: True if oid in known else None,
                 args, (OID,))


@_register("pg_collation_is_visible", "pg_function_is_visible", "pg_opclass_is_visible",
           "pg_operator_is_visible", "pg_conversion_is_visible", "pg_opfamily_is_visible",
           "pg_statistics_obj_is_visible", "pg_ts_config_is_visible")
def _always_visible(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_function_is_visible", args, 1)
    return _call(binder, "is_visible", BOOL, lambda oid: True, args, (OID,))


# -- comments -------------------------------------------------------------------------------

def _class_oid(catalog_name: str) -> int | None:
    """The pg_class OID of a system catalog named in obj_description(oid, 'pg_class')."""
    rel = V.virtual_relation("pg_catalog", catalog_name.split(".")[-1])
    return rel.oid if rel is not None else None


@_register("obj_description")
def _obj_description(binder: Binder, args: list[Expr]) -> Expr:
    _arity("obj_description", args, 1, 2)
    look = _Lookup(binder)

    def describe(oid: int, catalog: str | None = None) -> str | None:
        if catalog is None:
            for (objoid, _, sub), text in look.descriptions.items():
                if objoid == oid and sub == 0:
                    return text
            return None
        classoid = _class_oid(catalog)
        return look.descriptions.get((oid, classoid, 0))
    return _call(binder, "obj_description", TEXT, describe, args, (OID, NAME)[: len(args)])


@_register("col_description")
def _col_description(binder: Binder, args: list[Expr]) -> Expr:
    _arity("col_description", args, 2)
    look = _Lookup(binder)
    return _call(binder, "col_description", TEXT,
                 lambda oid, n: look.descriptions.get((oid, V.PG_CLASS_OID, n)),
                 args, (OID, INT4))


@_register("shobj_description")
def _shobj_description(binder: Binder, args: list[Expr]) -> Expr:
    _arity("shobj_description", args, 2)

    def describe(oid: int, catalog: str) -> str | None:
        if oid == V.DATABASE_OID and catalog.split(".")[-1] == "pg_database":
            return "default administrative connection database"
        return None
    return _call(binder, "shobj_description", TEXT, describe, args, (OID, NAME))


# -- roles and privileges ---------------------------------------------------------------------

@_register("pg_get_userbyid")
def _pg_get_userbyid(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_get_userbyid", args, 1)
    look = _Lookup(binder)

    def user(oid: int) -> str:
        return look.roles().get(oid) or f"unknown (OID={oid})"
    return _call(binder, "pg_get_userbyid", NAME, user, args, (OID,))


def _privilege(name: str):
    def bind(binder: Binder, args: list[Expr]) -> Expr:
        _arity(name, args, 2, 3, 4)
        coerced = tuple(binder.coerce(a, TEXT) if a.oid == UNKNOWN else a for a in args)
        return Call(BOOL, name=name, fn=lambda *a: True, args=coerced, strict=False)
    return bind


for _name in ("has_table_privilege", "has_schema_privilege", "has_database_privilege",
              "has_column_privilege", "has_any_column_privilege", "has_function_privilege",
              "has_sequence_privilege", "has_type_privilege", "has_language_privilege",
              "has_tablespace_privilege", "has_foreign_data_wrapper_privilege",
              "has_server_privilege", "pg_has_role"):
    SCALARS[_name] = _privilege(_name)
for _name in _privileges.PRIVILEGE_FUNCTIONS:  # the ones the catalog's ACLs answer
    SCALARS[_name] = _privileges.privilege_function(_name)


# -- names, encodings, sizes ---------------------------------------------------------------------

@_register("pg_encoding_to_char")
def _pg_encoding_to_char(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_encoding_to_char", args, 1)
    names = {0: "SQL_ASCII", 6: "UTF8"}
    return _call(binder, "pg_encoding_to_char", NAME, lambda n: names.get(n, ""), args, (INT4,))


@_register("pg_char_to_encoding")
def _pg_char_to_encoding(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_char_to_encoding", args, 1)
    codes = {"SQL_ASCII": 0, "UTF8": 6, "UNICODE": 6}
    return _call(binder, "pg_char_to_encoding", INT4,
                 lambda s: codes.get(s.upper().replace("-", ""), -1), args, (NAME,))


@_register("current_schema")
def _current_schema(binder: Binder, args: list[Expr]) -> Expr:
    """The first schema of the search path that exists, NULL when none does (PostgreSQL
    skips the names of missing schemas, `$user`'s among them, as CREATE does)."""
    _arity("current_schema", args, 0)
    catalog: CatalogSnapshot = binder.ctx.catalog
    ctx = binder.ctx

    def first() -> str | None:
        return next((s for s in V.current_search_path(ctx) if catalog.schema(s) is not None
                     or s in ("pg_catalog", "information_schema")), None)
    return Call(NAME, name="current_schema", fn=first, args=(), volatile=True)


@_register("current_schemas")
def _current_schemas(binder: Binder, args: list[Expr]) -> Expr:
    _arity("current_schemas", args, 1)
    catalog: CatalogSnapshot = binder.ctx.catalog
    ctx = binder.ctx

    def schemas(implicit: bool) -> tuple:
        out = [s for s in V.current_search_path(ctx) if catalog.schema(s) is not None or s in (
            "pg_catalog", "information_schema")]
        if implicit and "pg_catalog" not in out:
            out.insert(0, "pg_catalog")
        return tuple(out)
    return _call(binder, "current_schemas", NAME_ARRAY, schemas, args, (BOOL,))


@_register("to_regclass")
def _to_regclass(binder: Binder, args: list[Expr]) -> Expr:
    _arity("to_regclass", args, 1)
    catalog, ctx = binder.ctx.catalog, binder.ctx

    def lookup(name: str) -> int | None:
        try:
            return V.CatalogNames(catalog, V.current_search_path(ctx)).lookup(name)
        except errors.BorealisError:
            return None
    return _call(binder, "to_regclass", REGCLASS, lookup, args, (TEXT,))


@_register("to_regtype")
def _to_regtype(binder: Binder, args: list[Expr]) -> Expr:
    _arity("to_regtype", args, 1)

    def lookup(name: str) -> int | None:
        try:
            return T.parse_type(name)[0].oid
        except errors.BorealisError:
            return None
    return _call(binder, "to_regtype", REGTYPE, lookup, args, (TEXT,))


@_register("to_regnamespace")
def _to_regnamespace(binder: Binder, args: list[Expr]) -> Expr:
    _arity("to_regnamespace", args, 1)
    catalog: CatalogSnapshot = binder.ctx.catalog
    fixed = {"pg_catalog": PG_CATALOG_OID, "information_schema": V.INFORMATION_SCHEMA_OID}

    def lookup(name: str) -> int | None:
        if name in fixed:
            return fixed[name]
        s = catalog.schema(name)
        return s.oid if s is not None else None
    return _call(binder, "to_regnamespace", OID, lookup, args, (TEXT,))


def _size_pretty(size: int) -> str:
    """PostgreSQL's pg_size_pretty: bytes below 10 kB, then kB, MB, GB, TB, PB, halves
    rounded away from zero."""
    limit = 10 * 1024
    if abs(size) < limit:
        return f"{size} bytes"
    units = ("kB", "MB", "GB", "TB", "PB")
    size = size >> 9  # one extra bit for rounding
    for i, unit in enumerate(units):
        if abs(size) < limit * 2 - 1 or i == len(units) - 1:
            half = (size + 1) // 2 if size >= 0 else -((-size + 1) // 2)
            return f"{half} {unit}"
        size = size >> 10
    raise AssertionError  # pragma: no cover


@_register("pg_size_pretty")
def _pg_size_pretty(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_size_pretty", args, 1)
    return _call(binder, "pg_size_pretty", TEXT, lambda n: _size_pretty(int(n)), args, (INT8,))


def _zero_size(name: str):
    def bind(binder: Binder, args: list[Expr]) -> Expr:
        _arity(name, args, 1, 2)
        coerced = tuple(binder.coerce(a, TEXT) if a.oid == UNKNOWN else a for a in args)
        return Call(INT8, name=name, fn=lambda *a: 0, args=coerced)
    return bind


for _name in ("pg_relation_size", "pg_table_size", "pg_total_relation_size", "pg_indexes_size",
              "pg_database_size"):
    SCALARS[_name] = _zero_size(_name)


@_register("pg_tablespace_location")
def _pg_tablespace_location(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_tablespace_location", args, 1)
    return _call(binder, "pg_tablespace_location", TEXT, lambda oid: "", args, (OID,))


@_register("pg_is_in_recovery")
def _pg_is_in_recovery(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_is_in_recovery", args, 0)
    return Const(BOOL, False)


# -- generic helpers (registered unless someone else already did) -----------------------------

def _element_out(array_oid: int) -> Callable[[Any], str]:
    elem = T.element_type(array_oid)
    info = T.type_by_oid(elem) if elem is not None else None
    if info is None or elem in (TEXT, NAME, 1043, 1042):
        return str
    return info.text_out


def _array_arg(binder: Binder, arg: Expr, name: str) -> Expr:
    if arg.oid == UNKNOWN:
        return binder.coerce(arg, TEXT_ARRAY)
    if T.element_type(arg.oid) is None:
        raise errors.UndefinedFunction(f"function {name}({C.type_name(arg.oid)}, ...) does not exist",
            hint="No function matches the given name and argument types. "
                 "You might need to add explicit type casts.")
    return arg


@_register("array_to_string", replace=False)
def _array_to_string(binder: Binder, args: list[Expr]) -> Expr:
    _arity("array_to_string", args, 2, 3)
    arr = _array_arg(binder, args[0], "array_to_string")
    out = _element_out(arr.oid)

    def join(values: tuple | None, sep: str | None, null: str | None = None) -> str | None:
        if values is None or sep is None:
            return None
        parts = [out(v) if v is not None else null for v in flatten(values)]
        return sep.join(p for p in parts if p is not None)
    rest = tuple(binder.coerce(a, TEXT) for a in args[1:])
    return Call(TEXT, name="array_to_string", fn=join, args=(arr, *rest), strict=False)


@_register("array_length", replace=False)
def _array_length(binder: Binder, args: list[Expr]) -> Expr:
    _arity("array_length", args, 2)
    arr = _array_arg(binder, args[0], "array_length")
    dim = binder.coerce(args[1], INT4)
    return Call(INT4, name="array_length", args=(arr, dim),
                fn=lambda a, d: (len(a) or None) if d == 1 else None)


@_register("cardinality", replace=False)
def _cardinality(binder: Binder, args: list[Expr]) -> Expr:
    _arity("cardinality", args, 1)
    arr = _array_arg(binder, args[0], "cardinality")
    return Call(INT4, name="cardinality", args=(arr,), fn=len)


def _array_bound(name: str, upper: bool):
    def bind(binder: Binder, args: list[Expr]) -> Expr:
        _arity(name, args, 2)
        arr = _array_arg(binder, args[0], name)
        dim = binder.coerce(args[1], INT4)
        low = 0 if arr.oid in (T.INT2VECTOR, T.OIDVECTOR) else 1  # vectors start at 0

        def bound(a: tuple, d: int) -> int | None:
            if d != 1 or not a:
                return None
            return low + len(a) - 1 if upper else low
        return Call(INT4, name=name, args=(arr, dim), fn=bound)
    return bind


SCALARS.setdefault("array_upper", _array_bound("array_upper", True))
SCALARS.setdefault("array_lower", _array_bound("array_lower", False))


@_register("quote_ident", replace=False)
def _quote_ident(binder: Binder, args: list[Expr]) -> Expr:
    _arity("quote_ident", args, 1)
    return _call(binder, "quote_ident", TEXT, V.quote_ident, args, (TEXT,))


def quote_literal(s: str) -> str:
    body = s.replace("'", "''")
    if "\\" in body:
        return "E'" + body.replace("\\", "\\\\") + "'"
    return "'" + body + "'"


@_register("quote_literal", replace=False)
def _quote_literal(binder: Binder, args: list[Expr]) -> Expr:
    _arity("quote_literal", args, 1)
    out = _to_text(args[0])
    arg = args[0] if args[0].oid != UNKNOWN else binder.coerce(args[0], TEXT)
    return Call(TEXT, name="quote_literal", fn=lambda v: quote_literal(out(v)), args=(arg,))


@_register("quote_nullable", replace=False)
def _quote_nullable(binder: Binder, args: list[Expr]) -> Expr:
    _arity("quote_nullable", args, 1)
    out = _to_text(args[0])
    arg = args[0] if args[0].oid != UNKNOWN else binder.coerce(args[0], TEXT)
    return Call(TEXT, name="quote_nullable", strict=False, args=(arg,),
                fn=lambda v: "NULL" if v is None else quote_literal(out(v)))


def _to_text(expr: Expr) -> Callable[[Any], str]:
    if expr.oid in (TEXT, UNKNOWN, NAME, 1043, 1042):
        return str
    info = T.type_by_oid(expr.oid)
    return info.text_out if info is not None else str


def _json_value(expr: Expr) -> Callable[[Any], str]:
    oid = expr.oid
    if oid in (JSON, 3802):
        return lambda v: "null" if v is None else v
    if oid == BOOL:
        return lambda v: "null" if v is None else ("true" if v else "false")
    if oid in (INT2, INT4, INT8, OID, 700, 701, 1700):
        def number(v: Any) -> str:
            if v is None:
                return "null"
            text = T.type_by_oid(oid).text_out(v) if oid != OID else str(v)
            if isinstance(v, float | Decimal) and text.lower() in ("nan", "infinity", "-infinity"):
                return json.dumps(text)
            return text
        return number
    info = T.type_by_oid(oid)
    if info is not None and info.is_array and info.delimiter == ",":
        inner = _json_value(Const(info.elem_oid, None))
        return lambda v: "null" if v is None else "[" + ",".join(inner(e) for e in v) + "]"
    out = _to_text(expr)
    return lambda v: "null" if v is None else json.dumps(out(v), ensure_ascii=False)


@_register("json_build_object", replace=False)
def _json_build_object(binder: Binder, args: list[Expr]) -> Expr:
    if len(args) % 2:
        raise errors.InvalidParameterValue(
            what="argument list must have even number of elements",
            hint="The arguments of json_build_object() must consist of alternating keys and values.")
    args = [binder.coerce(a, TEXT) if a.oid == UNKNOWN else a for a in args]
    keys = [_to_text(a) for a in args[0::2]]
    vals = [_json_value(a) for a in args[1::2]]

    def build(*values: Any) -> str:
        parts = []
        for i, (k, v) in enumerate(zip(values[0::2], values[1::2])):
            if k is None:
                raise errors.InvalidParameterValue(what="null value not allowed for object key")
            parts.append(json.dumps(keys[i](k), ensure_ascii=False) + " : " + vals[i](v))
        return "{" + ", ".join(parts) + "}"
    return Call(JSON, name="json_build_object", fn=build, args=tuple(args), strict=False)


@_register("pg_relation_is_publishable")
def _pg_relation_is_publishable(binder: Binder, args: list[Expr]) -> Expr:
    """Whether a relation could be in a publication: user tables are."""
    _arity("pg_relation_is_publishable", args, 1)
    look = _Lookup(binder)

    def publishable(oid: int) -> bool:
        found = look.relations.get(oid)
        return found is not None and found[1] is None and found[0].kind == "r"
    return _call(binder, "pg_relation_is_publishable", BOOL, publishable, args, (REGCLASS,))


def like_escape(pattern: str, escape: str) -> str:
    """PostgreSQL's like_escape: rewrite a LIKE pattern with escape character `escape`
    into one that uses the default escape, backslash (`a LIKE b ESCAPE c` parses as
    `a LIKE like_escape(b, c)`)."""
    if escape == "\\":
        return pattern
    if len(escape) > 1:
        raise errors.InvalidParameterValue("invalid escape string",
                                           hint="Escape string must be empty or one character.")
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if escape and ch == escape and i + 1 < len(pattern):
            out.append("\\" + pattern[i + 1])
            i += 2
            continue
        out.append("\\\\" if ch == "\\" else ch)
        i += 1
    return "".join(out)


@_register("like_escape", replace=False)
def _like_escape(binder: Binder, args: list[Expr]) -> Expr:
    _arity("like_escape", args, 2)
    return _call(binder, "like_escape", TEXT, like_escape, args, (TEXT, TEXT))
