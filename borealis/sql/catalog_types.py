"""The reg* types catalog queries cast to besides regclass and regtype.

psql writes `stxnamespace::pg_catalog.regnamespace::pg_catalog.text`, other tools use
`::regrole` and `::regproc`. Each is an OID whose text form is a name looked up in the
running statement's catalog, through the same per-statement resolver as regclass
(`types.RELATION_RESOLVER`, a `catalog.virtual.CatalogNames`):

- regnamespace: schema names (`pg_catalog`, `information_schema`, user schemas);
- regrole: role names (`admin` is OID 10; see `catalog.virtual.role_oid`);
- regproc: the SQL functions of the catalog (`sql.routine_catalog`); built-ins have no
  pg_proc rows, so only their numbers (and '-' for 0) convert.

They are added to the type registry and its cast table when this module is imported
(unless the registry already has them), with the casts PostgreSQL has between them
and oid / the integer types.
"""

from __future__ import annotations

from borealis.core import errors
from borealis.sql.types import _common as c
from borealis.sql.types import casts, numbers, registry

REGPROC, REGPROC_ARRAY = 24, 1008
REGNAMESPACE, REGNAMESPACE_ARRAY = 4089, 4090
REGROLE, REGROLE_ARRAY = 4096, 4097


def _number(s: str) -> int | None:
    t = s.strip(c.PG_SPACE)
    if t == "-":
        return 0
    if t.isascii() and t.isdigit():
        return numbers.oid_in(t)
    return None


def _resolver_call(method: str, *args):
    resolver = registry.RELATION_RESOLVER.get()
    fn = getattr(resolver, method, None) if resolver is not None else None
    return fn(*args) if fn is not None else None


def regnamespace_in(s: str, typmod: int = -1) -> int:
    number = _number(s)
    if number is not None:
        return number
    oid = _resolver_call("namespace_oid", s.strip(c.PG_SPACE))
    if oid is None:
        raise errors.UndefinedSchema(name=s.strip(c.PG_SPACE))
    return oid


def regnamespace_out(v: int) -> str:
    if v == 0:
        return "-"
    name = _resolver_call("namespace_name", v)
    return name if name is not None else str(v)


def regrole_in(s: str, typmod: int = -1) -> int:
    number = _number(s)
    if number is not None:
        return number
    from borealis.catalog.virtual import role_oid, split_qualified
    name = split_qualified(s)[-1]
    if registry.RELATION_RESOLVER.get() is None:
        return role_oid(name)
    oid = _resolver_call("role_oid", name)  # the statement's catalog (catalog.roles)
    if oid is None:
        raise errors.UndefinedRole(name=name)
    return oid


def regrole_out(v: int) -> str:
    if v == 0:
        return "-"
    name = _resolver_call("role_name", v)
    return name if name is not None else str(v)


def regproc_in(s: str, typmod: int = -1) -> int:
    number = _number(s)
    if number is None:
        number = _resolver_call("function_oid", s.strip(c.PG_SPACE))  # a SQL function
    if number is None:
        raise errors.UndefinedFunction(f'function "{s.strip(c.PG_SPACE)}" does not exist')
    return number


def regproc_out(v: int) -> str:
    if v == 0:
        return "-"
    name = _resolver_call("function_name", v)
    return name if name is not None else str(v)


def _install() -> None:
    codecs = {REGPROC: ("regproc", REGPROC_ARRAY, regproc_in, regproc_out),
              REGNAMESPACE: ("regnamespace", REGNAMESPACE_ARRAY, regnamespace_in,
                             regnamespace_out),
              REGROLE: ("regrole", REGROLE_ARRAY, regrole_in, regrole_out)}
    for oid, (name, array_oid, text_in, text_out) in codecs.items():
        if registry.type_by_oid(oid) is not None:
            continue
        registry._scalar(oid, name, name, 4, True, "i", "N", array_oid,
                         (text_in, text_out, numbers.oid_recv, numbers.oid_send))
        registry._NAMES[name] = oid
        registry._NAMES["_" + name] = array_oid
        imp, asg = casts.Coercion.IMPLICIT, casts.Coercion.ASSIGNMENT
        rows = [
            (20, oid, imp, casts._int8_to_oid), (21, oid, imp, lambda v: v & 0xFFFFFFFF),
            (23, oid, imp, lambda v: v & 0xFFFFFFFF), (c.OID, oid, imp, None),
            (oid, c.OID, imp, None), (oid, 20, asg, None), (oid, 23, asg, casts._oid_to_int4),
            (25, oid, imp, text_in), (1043, oid, imp, text_in),
        ]
        for src, dst, ctx, fn in rows:
            casts._CASTS.setdefault((src, dst), (ctx, fn))
    casts._CACHE.clear()


_install()
