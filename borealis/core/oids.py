"""PostgreSQL type OIDs used across Borealis.

These are the OIDs of PostgreSQL's built-in types, as clients see them in
RowDescription and ParameterDescription messages. The catalog, the SQL layer and the
key/row encodings all identify column types by these numbers, so they must match
PostgreSQL's `pg_type` exactly.
"""

BOOL = 16
BYTEA = 17
INT8 = 20
INT2 = 21
INT4 = 23
TEXT = 25
JSON = 114
FLOAT4 = 700
FLOAT8 = 701
UNKNOWN = 705
BPCHAR = 1042
VARCHAR = 1043
DATE = 1082
TIME = 1083
TIMESTAMP = 1114
TIMESTAMPTZ = 1184
INTERVAL = 1186
NUMERIC = 1700
UUID = 2950
JSONB = 3802
