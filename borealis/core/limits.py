"""Every quota and limit Borealis enforces, in one place (DESIGN.md §7).

The values are Aurora DSQL's (reference/dsql-behaviour.md §3). They apply in the
default `Compat.DSQL` mode; `Compat.RELAXED` (`borealis start --compat relaxed`) lifts
the ones that only exist to match DSQL (transaction size, DDL rules, ASYNC indexes,
mandatory TLS) for users who want a PostgreSQL-like database. Limits that protect the
server itself (message sizes, queue bounds) live with the code they bound.
"""

from __future__ import annotations

import enum


class Compat(enum.Enum):
    DSQL = "dsql"  # behave like Aurora DSQL: its limits, DDL rules and refusals
    RELAXED = "relaxed"  # PostgreSQL-like: DSQL-only restrictions lifted


# -- transactions ---------------------------------------------------------------------
MAX_TXN_MODIFIED_ROWS = 3_000
MAX_TXN_WRITE_BYTES = 10 * 1024 * 1024
MAX_TXN_AGE_S = 300

# -- connections ----------------------------------------------------------------------
MAX_CONNECTIONS = 10_000
CONNECTION_RATE_PER_S = 100
CONNECTION_BURST = 1_000
MAX_CONNECTION_AGE_S = 60 * 60
# A transaction still open when the connection's hour is up may run to its own limit;
# the session is closed when it ends, or after this much longer in any case.
CONNECTION_AGE_GRACE_S = MAX_TXN_AGE_S
# `Compat.RELAXED` keeps the count (it protects the server; `--max-connections`) and
# lifts the rate limit and the lifetime, which only exist to match DSQL.

# -- sizes ----------------------------------------------------------------------------
MAX_KEY_BYTES = 1024  # primary key, and secondary index key
MAX_ROW_BYTES = 2 * 1024 * 1024
MAX_COLUMN_BYTES = 1024 * 1024

# -- schema objects -------------------------------------------------------------------
MAX_TABLE_COLUMNS = 255
MAX_INDEXES_PER_TABLE = 24  # the primary key included
MAX_KEY_COLUMNS = 8  # per primary key or index
MAX_SCHEMAS = 10
MAX_TABLES = 1_000
MAX_VIEWS = 5_000
MAX_VIEW_DEFINITION_BYTES = 2 * 1024 * 1024
MAX_SEQUENCES = 5_000

# -- sequences and identity columns ---------------------------------------------------
SEQUENCE_MIN_CACHE = 65_536  # CACHE must be 1 or at least this

# -- async jobs -----------------------------------------------------------------------
JOB_RETENTION_S = 30 * 60  # finished jobs are purged from sys.jobs after this
