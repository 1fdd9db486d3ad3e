"""The SQL type registry (DESIGN.md §6): one `TypeInfo` per PostgreSQL type OID with
text/binary I/O, typmod application, ordering and key eligibility, plus casts.

Modules: `registry` (TypeInfo, lookups, typmods, format_type), `casts` (pg_cast,
coercion contexts, select_common_type), and one codec module per family: `numbers`,
`strings`, `datetimes`, `interval` (the `Interval` value class), `jsontypes`,
`arrays`, `records`.

Values are plain Python objects (see `borealis.core.values`): int, float, Decimal,
str, bytes, bool, uuid.UUID, datetime.date/time/datetime, `Interval`, tuples for
arrays (`MDArray` for two or more dimensions, see `arrays`), `Record` tuples for row
values (`records`), None for NULL. json/jsonb values are str (jsonb in canonical form).
"""

from borealis.sql.types._common import (
    CHAR,
    INT2VECTOR,
    NAME,
    OID,
    OIDVECTOR,
    REGCLASS,
    REGTYPE,
)
from borealis.sql.types.arrays import MDArray
from borealis.sql.types.arrays import dims as array_dims
from borealis.sql.types.arrays import flatten as flatten_array
from borealis.sql.types.casts import (
    Coercion,
    can_coerce,
    cast,
    cast_function,
    coercion,
    common_type,
    implicit_cast,
    is_binary_coercible,
)
from borealis.sql.types.datetimes import TRANSACTION_TIMESTAMP, add_interval, interval_between
from borealis.sql.types.interval import Interval, interval_add, interval_typmod, negate_interval
from borealis.sql.types.jsontypes import json_text
from borealis.sql.types.numbers import DSQL_NUMERIC_TYPMOD, numeric_typmod
from borealis.sql.types.records import RECORD, Record, RowDesc, make_record, record_class
from borealis.sql.types.registry import (
    RELATION_RESOLVER,
    RelationResolver,
    TypeInfo,
    all_types,
    array_type,
    element_type,
    find_type,
    format_type,
    make_typmod,
    parse_type,
    require_type,
    type_by_name,
    type_by_oid,
    typmod_from,
)

__all__ = [
    "CHAR",
    "DSQL_NUMERIC_TYPMOD",
    "INT2VECTOR",
    "NAME",
    "OID",
    "OIDVECTOR",
    "REGCLASS",
    "RECORD",
    "REGTYPE",
    "RELATION_RESOLVER",
    "TRANSACTION_TIMESTAMP",
    "Coercion",
    "Interval",
    "MDArray",
    "Record",
    "RelationResolver",
    "RowDesc",
    "TypeInfo",
    "add_interval",
    "all_types",
    "array_dims",
    "array_type",
    "can_coerce",
    "cast",
    "cast_function",
    "coercion",
    "common_type",
    "element_type",
    "find_type",
    "flatten_array",
    "format_type",
    "implicit_cast",
    "interval_add",
    "interval_between",
    "interval_typmod",
    "is_binary_coercible",
    "json_text",
    "make_record",
    "make_typmod",
    "negate_interval",
    "numeric_typmod",
    "parse_type",
    "record_class",
    "require_type",
    "type_by_name",
    "type_by_oid",
    "typmod_from",
]
