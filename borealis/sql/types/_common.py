"""Shared pieces of the type registry: OIDs not yet in `core.oids`, PostgreSQL's idea of
whitespace, binary structs and the error constructors every codec uses.
"""

from __future__ import annotations

import struct

from borealis.core import errors

# pg_type OIDs that `borealis.core.oids` does not list (yet): catalog and array types.
CHAR = 18  # "char": one byte, used by the catalogs
NAME = 19
INT2VECTOR = 22
OID = 26
OIDVECTOR = 30
REGCLASS = 2205
REGTYPE = 2206

JSON_ARRAY = 199
BOOL_ARRAY = 1000
BYTEA_ARRAY = 1001
CHAR_ARRAY = 1002
NAME_ARRAY = 1003
INT2_ARRAY = 1005
INT2VECTOR_ARRAY = 1006
INT4_ARRAY = 1007
TEXT_ARRAY = 1009
OIDVECTOR_ARRAY = 1013
BPCHAR_ARRAY = 1014
VARCHAR_ARRAY = 1015
INT8_ARRAY = 1016
FLOAT4_ARRAY = 1021
FLOAT8_ARRAY = 1022
OID_ARRAY = 1028
TIMESTAMP_ARRAY = 1115
DATE_ARRAY = 1182
TIME_ARRAY = 1183
TIMESTAMPTZ_ARRAY = 1185
INTERVAL_ARRAY = 1187
NUMERIC_ARRAY = 1231
REGCLASS_ARRAY = 2210
REGTYPE_ARRAY = 2211
UUID_ARRAY = 2951
JSONB_ARRAY = 3807

VARHDRSZ = 4
"""PostgreSQL adds this to the length in varchar/bpchar/numeric typmods."""

PG_SPACE = " \t\n\r\v\f"
"""C isspace() in the C locale; str.strip() with no argument strips far more."""

INT16 = struct.Struct(">h")
INT32 = struct.Struct(">i")
UINT32 = struct.Struct(">I")
INT64 = struct.Struct(">q")
FLOAT32 = struct.Struct(">f")
FLOAT64 = struct.Struct(">d")


def bad_syntax(typname: str, value: str) -> errors.BorealisError:
    """22P02 for unparsable text input."""
    return errors.InvalidTextRepresentation(type=typname, value=value)


def bad_binary(what: str = "incorrect binary data format") -> errors.BorealisError:
    """22P03 for a binary value of the wrong size or shape."""
    return errors.InvalidBinaryRepresentation(what=what)


def out_of_range(message: str) -> errors.BorealisError:
    """22003 with a message other than the `value "…" is out of range` template."""
    return errors.NumericValueOutOfRange(message)


def unpack_exact(fmt: struct.Struct, data: bytes) -> int | float:
    """Unpack a fixed-size binary value, rejecting short or long input."""
    if len(data) != fmt.size:
        raise bad_binary()
    return fmt.unpack(data)[0]


def no_typmod(value: object, typmod: int, explicit: bool = False) -> object:
    """`apply_typmod` of a type that has no modifiers."""
    return value
