"""The SQL layer: parse → bind → plan → execute (DESIGN.md §6).

Importing it registers the SQL-only value types (interval) with the value codec, so
rows holding them can be stored and sent between roles.
"""

import struct

from borealis.core import values as _values
from borealis.sql.types.interval import Interval as _Interval

_IV = struct.Struct(">iiq")


def _pack_interval(v: _Interval) -> bytes:
    return _IV.pack(v.months, v.days, v.microseconds)


def _unpack_interval(data: bytes) -> _Interval:
    months, days, micros = _IV.unpack(data)
    return _Interval(months, days, micros)


_values.register(_values.EXT_INTERVAL, _Interval, _pack_interval, _unpack_interval)


# System information functions (format_type, pg_get_indexdef, ...) for catalog queries.
# pg_get_functiondef & co. of SQL functions (routine_catalog) replace catalog_functions' stubs.
from borealis.sql import catalog_functions as _catalog_functions  # noqa: E402, F401
from borealis.sql import routine_catalog as _routine_catalog  # noqa: E402, F401
