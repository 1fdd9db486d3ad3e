"""Aurora DSQL's size and count limits, checked where SQL writes rows or creates objects.

The values are the named constants of `core/limits.py` (dsql-behaviour.md §3); the
messages and SQLSTATEs are DSQL's, from the `ERRORS` table. Every check applies in
`Compat.DSQL` mode only; relaxed mode keeps PostgreSQL's behaviour. The per-transaction
limits (rows, bytes, age) are counted by the transaction itself (`qp.txn`, `qp.session`).

```
 write time (INSERT, UPDATE, upsert, COPY)   key ≤ 1 KiB: the encoded primary key, and
                                              each index's encoded key columns
                                              column ≤ 1 MiB, row ≤ 2 MiB: encoded sizes
 DDL time                                     255 columns, 8 key columns per PK/index,
                                              24 indexes per table (PK included),
                                              10 schemas, 1,000 tables, 5,000 views,
                                              view definition ≤ 2 MiB
```

The schema count leaves out `public` (every database has it): ten schemas can be
created, an inference since DSQL does not say whether `public` counts.
"""

from __future__ import annotations

from typing import Any

from borealis.catalog.model import PUBLIC_SCHEMA_OID
from borealis.core import errors, limits, values
from borealis.core.limits import Compat


def dsql_mode(session: Any) -> bool:
    """Whether `session` (a `qp.session.Session`, or None outside one) runs DSQL's rules."""
    return session is not None and getattr(session, "compat", None) is Compat.DSQL


# -- write time ------------------------------------------------------------------------

def check_row_write(session: Any, rel: Any, row: tuple, key: bytes, encoded: bytes,
                    entries: list[tuple[Any, bytes, bool]]) -> None:
    """Key, column and row sizes of one row about to be written (54000)."""
    if not dsql_mode(session):
        return
    pk = key[len(rel.prefix):]
    if len(pk) > limits.MAX_KEY_BYTES:
        raise errors.KeySizeTooLarge()
    for _, entry_key, unique in entries:
        # entry = index prefix (5 bytes) | index columns [| primary key]
        own = len(entry_key) - len(rel.prefix) - (0 if unique else len(pk))
        if own > limits.MAX_KEY_BYTES:
            raise errors.KeySizeTooLarge()
    if len(encoded) > limits.MAX_COLUMN_BYTES:
        for value in row:
            if value is not None and len(values.dumps((value,))) > limits.MAX_COLUMN_BYTES:
                raise errors.ColumnSizeTooLarge()
    if len(encoded) > limits.MAX_ROW_BYTES:
        raise errors.RowSizeTooLarge()


# -- DDL time --------------------------------------------------------------------------

def _session(binder: Any) -> Any:
    return binder.ctx.settings


def check_table_shape(binder: Any, columns: int, keys: list[tuple[int, ...]], indexes: int) -> None:
    """A table's columns, key columns of its primary key and unique constraints, and
    index count (CREATE TABLE and changes to an existing table)."""
    if not dsql_mode(_session(binder)):
        return
    if columns > limits.MAX_TABLE_COLUMNS:
        raise errors.TableColumnLimit()
    for key in keys:
        if len(key) > limits.MAX_KEY_COLUMNS:
            raise errors.IndexKeyColumnLimit()
    if indexes > limits.MAX_INDEXES_PER_TABLE:
        raise errors.IndexLimit()


def check_new_index(binder: Any, rel: Any, key_columns: int) -> None:
    """CREATE INDEX on `rel` (its current indexes include the primary key's)."""
    check_table_shape(binder, 0, [(0,) * key_columns], len(rel.indexes) + 1)


def check_new_relation(binder: Any, kind: str) -> None:
    """One more table ("r") or view ("v") in the database."""
    if not dsql_mode(_session(binder)):
        return
    count = sum(1 for r in binder.catalog.relations if r.kind == kind)
    if kind == "r" and count >= limits.MAX_TABLES:
        raise errors.TableLimit()
    if kind == "v" and count >= limits.MAX_VIEWS:
        raise errors.ViewLimit()


def check_view_definition(binder: Any, definition: str) -> None:
    if dsql_mode(_session(binder)) and len(definition.encode()) > limits.MAX_VIEW_DEFINITION_BYTES:
        raise errors.ViewDefinitionTooLarge()


def check_new_schema(binder: Any) -> None:
    if not dsql_mode(_session(binder)):
        return
    created = sum(1 for s in binder.catalog.schemas if s.oid != PUBLIC_SCHEMA_OID)
    if created >= limits.MAX_SCHEMAS:
        raise errors.SchemaLimit()
