"""INSERT, UPDATE and DELETE: binding, constraint checks, and the writes they buffer.

A row lives at `relation.prefix | encode(primary key)` with the whole row as its value;
each secondary index entry is one more key (see `catalog.model`). Writes go into the
transaction's buffer (`qp.txn`), and reads in the same statement see them, so a
statement that inserts the same key twice fails like PostgreSQL does.

Uniqueness is checked by reading the key at the snapshot: a visible row with that key is
23505 now; a concurrent transaction inserting the same key writes the same storage key,
which the adjudicator turns into a write-write conflict (OC000) at COMMIT.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import Any

from pglast import ast
from pglast.enums import OnConflictAction

from borealis.catalog.model import Index, Relation, relation_prefix
from borealis.core import errors, oids, values
from borealis.qp.sequences import check_identity_update, identity_default, identity_overrides
from borealis.sql import coerce as C
from borealis.sql import fk, index_keys
from borealis.sql.bind import Binder, _column_name, _hidden_name
from borealis.sql.dsql_limits import check_row_write, dsql_mode
from borealis.sql.expr import Col, Const, Expr, volatile_besides_sequences
from borealis.sql.plan import (
    BATCH_ROWS,
    ExecContext,
    NeedRows,
    Node,
    OutCol,
    Scan,
    arm,
    begin_evaluation,
    evaluate,
    held_rows,
    subqueries_of,
)
from borealis.sql.planner import optimize
from borealis.sql.privileges import dml_letters
from borealis.sql.scope import RangeEntry, Scope

BOOL, UNKNOWN = 16, 705
KEY_COLUMN = "__storage_key"  # the row's key, carried through UPDATE/DELETE plans


# -- shared row machinery ---------------------------------------------------------------

class RowCodec:
    """Keys, index entries and constraint checks for one relation."""

    def __init__(self, binder: Binder, rel: Relation) -> None:
        self.rel = rel
        self.binder = binder
        self.scope = scope = Scope()
        scope.add(_target_entry(rel, None))
        self.checks = []
        from borealis.sql.parse import parse
        for con in rel.constraints:
            if con.kind == "c" and con.expr:
                node = parse(f"SELECT {con.expr}")[0].node.targetList[0].val
                with binder.clause("check constraints"):
                    check = binder.condition(node, scope, "CHECK")
                self.checks.append((con.name, check.compile()))
        self.generated = []
        for i, c in enumerate(rel.columns):
            if c.generated and not c.dropped:
                node = parse(f"SELECT {c.generated}")[0].node.targetList[0].val
                with binder.clause("column generation expressions"):
                    expr = binder.expr(node, scope)
                self.generated.append((i, assign(binder, expr, c, "default expression").compile()))
        self.pk_positions = [rel.position[a] for a in rel.primary_key]
        self.indexes = index_keys.row_entries(binder, rel)  # secondary: columns or expressions
        pk = set(self.pk_positions)
        self.not_null = [i for i, c in enumerate(rel.columns)
                         if (c.not_null or i in pk) and not c.dropped]
        # -0.0 and 0.0 are one key: a float key column goes through `_key_value`.
        self._float_key = any(rel.columns[p].type_oid in (oids.FLOAT4, oids.FLOAT8)
                              for p in self.pk_positions)

    def row_key(self, row: tuple, rng) -> bytes:
        rel = self.rel
        if not rel.primary_key:
            return rel.prefix + rel.key_codec.encode((rng.randbytes(16),))
        return rel.prefix + rel.key_codec.encode([_key_value(row[p]) for p in self.pk_positions])

    def row_keys(self, rows: list[tuple], rng) -> list[bytes]:
        """`row_key` of each row."""
        rel = self.rel
        if not rel.primary_key or self._float_key:
            return [self.row_key(row, rng) for row in rows]
        return rel.key_codec.encode_rows(rows, self.pk_positions, rel.prefix)

    def complete_many(self, rows: list[tuple]) -> tuple[list[tuple], errors.BorealisError | None]:
        """`complete` of each full row, up to the first that fails: (rows before it, its
        error or None). Without generated columns or CHECK constraints, NOT NULL is one
        C-level scan per column, and only a batch with a NULL there goes row by row."""
        if not self.generated and not self.checks \
                and not any(None in map(itemgetter(i), rows) for i in self.not_null):
            return list(map(tuple, rows)), None
        out: list[tuple] = []
        try:
            for row in rows:
                out.append(self.complete(list(row)))
        except errors.BorealisError as exc:
            return out, exc
        return out, None

    def index_entries(self, row: tuple, row_key: bytes,
                      only: int | None = None) -> list[tuple[Index, bytes, bool]]:
        """(index, entry key, is a uniqueness-checked key) for each secondary index, or
        for index `only` (an oid): a backfill computes no other index's expressions."""
        out = []
        pk_tail = row_key[len(self.rel.prefix):]
        for entries in self.indexes:
            if only is not None and entries.index.oid != only:
                continue
            vals = entries.key_values(row)
            if vals is None:
                continue  # a partial index the row is not in
            index = entries.index
            head = entries.codec.encode(vals)
            unique = index.unique and (index.nulls_not_distinct or all(v is not None for v in vals))
            out.append((index, relation_prefix(index.oid) + head + (b"" if unique else pk_tail), unique))
        return out

    def unique_detail(self, index: Index, row: tuple, verb: str = "already exists") -> str | None:
        """The DETAIL of a violation of a secondary unique index: `Key (k)=(v) already exists.`"""
        for entries in self.indexes:
            if entries.index.oid == index.oid:
                return index_keys.unique_detail(self.rel, entries, row, verb)
        return None

    def complete(self, row: list[Any]) -> tuple:
        """Generated columns, NOT NULL and CHECK on a full new row."""
        for i, fn in self.generated:
            row[i] = fn(tuple(row))
        rel = self.rel
        for i in self.not_null:
            if row[i] is None:
                c = rel.columns[i]
                raise errors.NotNullViolation(column=c.name, table=rel.name,
                                              detail=f"Failing row contains {_row_text(rel, row)}.")
        out = tuple(row)
        for name, check in self.checks:
            if check(out) is False:
                raise errors.CheckViolation(table=rel.name, name=name,
                                            detail=f"Failing row contains {_row_text(rel, row)}.")
        return out


def _target_entry(rel: Relation, alias: ast.Alias | None) -> RangeEntry:
    """A row of `rel` as its constraints, and an INSERT's ON CONFLICT and RETURNING, see
    it: by the table's name, or by the alias that hides it."""
    dropped = rel.dropped_names
    cols = [OutCol(c.name, c.type_oid, c.typmod, rel.oid, c.attnum) for c in rel.columns]
    if alias is None:
        return RangeEntry(rel.name, cols, hidden=dropped, internal=dropped)
    return RangeEntry(alias.aliasname, cols, hidden=dropped, internal=dropped,
                      relname=_hidden_name(rel, alias.aliasname))


def _key_value(v: Any) -> Any:
    if isinstance(v, float) and v == 0:
        return 0.0  # -0.0 and 0.0 are one key, as in PostgreSQL
    return v


def _row_text(rel: Relation, row) -> str:
    from borealis.sql import types as T
    parts = []
    for c, v in zip(rel.columns, row):
        if c.dropped:
            continue
        if v is None:
            parts.append("null")
        else:
            info = T.type_by_oid(c.type_oid)
            parts.append(_clip(info.text_out(v) if info else str(v)))
    return "(" + ", ".join(parts) + ")"


ROW_TEXT_VALUE_BYTES_MAX = 64


def _clip(text: str) -> str:
    """A value in a "Failing row contains" detail: as PostgreSQL, at most 64 bytes (whole
    characters) of it, then "..."."""
    data = text.encode()
    if len(data) <= ROW_TEXT_VALUE_BYTES_MAX:
        return text
    return data[:ROW_TEXT_VALUE_BYTES_MAX].decode(errors="ignore") + "..."


def _unique_name(rel: Relation, index: Index | None) -> str:
    if index is None:
        for con in rel.constraints:
            if con.kind == "p":
                return con.name
        return f"{rel.name}_pkey"
    return index.name


async def write_row(ctx: ExecContext, codec: RowCodec, row: tuple, *,
                    old_key: bytes | None = None, old_row: tuple | None = None,
                    check_key: bool = True) -> bytes:
    """Buffer the row (and its index entries), checking uniqueness at the snapshot."""
    txn = ctx.txn
    rng = ctx.session.random if ctx.session is not None else __import__("random")
    key = old_key if old_key is not None and not codec.rel.primary_key else codec.row_key(row, rng)
    encoded = values.dumps(row)
    new_entries = codec.index_entries(row, key)
    check_row_write(ctx.session, codec.rel, row, key, encoded, new_entries)  # DSQL's sizes
    if check_key and key != old_key and await txn.get(key) is not None:
        raise _pk_violation(codec, row)
    old_entries = {}
    if old_row is not None and old_key is not None:
        old_entries = {e[1]: e for e in codec.index_entries(old_row, old_key)}
        if key != old_key:
            txn.delete(old_key)
            txn.mark_modified(old_key)
    for index, entry_key, unique in new_entries:
        if entry_key in old_entries:
            old_entries.pop(entry_key)
            if txn.writes.get(entry_key, b"") == key:
                continue
        if unique:  # invalid too: a building or failed unique index is enforced (DSQL)
            existing = await txn.get(entry_key)
            if existing is not None and existing != (old_key or key):
                raise errors.UniqueViolation(name=index.name, detail=codec.unique_detail(index, row))
        txn.put(entry_key, key)
    for entry_key in old_entries:
        txn.delete(entry_key)
    txn.put(key, encoded)
    txn.mark_modified(key)  # DSQL's rows-per-transaction limit (qp.txn)
    fk.row_written(ctx, codec, key, row, old_key, old_row)  # checked at the statement's end
    return key


async def write_new_rows(ctx: ExecContext, codec: RowCodec, rows: list[tuple]) -> list[bytes]:
    """`write_row` for a batch of new rows (INSERT without ON CONFLICT, COPY): the same
    checks with the same outcome, but one look-up for the whole batch instead of a
    storage read per row and unique index entry (`Transaction.get_many_dense`: a load
    into an empty stretch of keys reads nothing), and the keys, encodings and writes
    made a batch at a time.

    The outcome is that of `write_row` row after row: the first offending row raises,
    with the rows before it buffered. A key repeated inside the batch is caught by the
    batch's own map of what it wrote, one already stored (or written earlier in the
    transaction) by the prefetched values; an error while checking row i's sizes is
    raised after rows 0..i-1 were checked and buffered, since a unique violation among
    them comes first in row order. When nothing conflicts and the row limit cannot be
    reached (the common case), the writes are buffered in one `put_many`."""
    txn = ctx.txn
    rel = codec.rel
    session = ctx.session
    rng = session.random if session is not None else __import__("random")
    has_pk = bool(rel.primary_key)
    keys = codec.row_keys(rows, rng)
    encoded = values.dumps_many(rows)
    entries = [codec.index_entries(row, key) for row, key in zip(rows, keys)] \
        if codec.indexes else None
    failure: errors.BorealisError | None = None
    if dsql_mode(session):
        for i, row in enumerate(rows):
            try:  # DSQL's sizes
                check_row_write(session, rel, row, keys[i], encoded[i], entries[i] if entries else [])
            except errors.BorealisError as exc:
                failure = exc
                rows, keys, encoded = rows[:i], keys[:i], encoded[:i]
                entries = entries[:i] if entries else entries
                break
    # What is stored (or written earlier in the transaction) under each key the batch
    # checks: its row keys, then each unique index's entries, each a dense probe.
    groups: list[list[bytes]] = [keys] if has_pk else []  # fresh random keys: no look-up
    if entries:
        by_index: dict[int, list[bytes]] = {}
        for row_entries in entries:
            for index, k, unique in row_entries:
                if unique:
                    by_index.setdefault(index.oid, []).append(k)
        groups.extend(by_index.values())
    looked = [(group, await txn.get_many_dense(group)) for group in groups]
    clean = all(got.count(None) == len(got) and len(set(group)) == len(group)
                for group, got in looked)  # nothing stored, nothing repeated
    limits = txn.limits
    if clean and (limits is None or len(txn.modified_rows) + len(keys) <= limits.modified_rows_max):
        # No row limit in reach either: no row can fail its checks, and the writes go
        # in as `write_row` would order them.
        if entries:
            put_keys: list[bytes] = []
            put_values: list[bytes] = []
            for key, value, row_entries in zip(keys, encoded, entries):
                for _, k, _ in row_entries:
                    put_keys.append(k)
                    put_values.append(key)
                put_keys.append(key)
                put_values.append(value)
            txn.put_many(put_keys, put_values)
        else:
            txn.put_many(keys, encoded)
        txn.mark_modified_many(keys)  # DSQL's rows-per-transaction limit (qp.txn)
        if rel.foreign_keys:
            for key, row in zip(keys, rows):
                fk.row_written(ctx, codec, key, row)  # checked at the statement's end
    else:
        found = {k: v for group, got in looked for k, v in zip(group, got)}
        _write_checked(ctx, codec, rows, keys, encoded, entries, found, has_pk)
    if failure is not None:
        raise failure
    return keys


def _write_checked(ctx: ExecContext, codec: RowCodec, rows, keys, encoded, entries,
                   found: dict[bytes, bytes | None], has_pk: bool) -> None:
    """Row by row, as `write_row`: unique checks against what was stored before the
    batch (`found`) and what this batch wrote, then the row's writes."""
    txn = ctx.txn
    batch: dict[bytes, bytes] = {}  # unique keys this batch wrote → the row key
    for i, (row, key, value) in enumerate(zip(rows, keys, encoded)):
        if has_pk and (found[key] is not None or key in batch):
            raise _in_batch(_pk_violation(codec, row), i)
        for index, entry_key, unique in entries[i] if entries else ():
            if unique:  # invalid too: a building or failed unique index is enforced (DSQL)
                existing = batch.get(entry_key, found[entry_key])
                if existing is not None and existing != key:
                    raise _in_batch(errors.UniqueViolation(
                        name=index.name, detail=codec.unique_detail(index, row)), i)
                batch[entry_key] = key
            txn.put(entry_key, key)
        txn.put(key, value)
        batch[key] = key
        txn.mark_modified(key)  # DSQL's rows-per-transaction limit (qp.txn)
        fk.row_written(ctx, codec, key, row)  # checked at the statement's end


def _in_batch(exc: errors.BorealisError, position: int) -> errors.BorealisError:
    """`exc`, marked with the position in its batch (`write_new_rows`'s rows, or a
    source batch of `run_insert`) of the row that raised it (`batch_position`), so
    that COPY can name the line it came from."""
    exc.batch_position = position  # type: ignore[attr-defined]
    return exc


def _pk_violation(codec: RowCodec, row: tuple) -> errors.UniqueViolation:
    return errors.UniqueViolation(
        name=_unique_name(codec.rel, None),
        detail=f"Key ({', '.join(c.name for c in _pk_cols(codec.rel))})=("
               f"{', '.join(_text(row[p], codec.rel.columns[p].type_oid) for p in codec.pk_positions)}) already exists.")


async def delete_row(ctx: ExecContext, codec: RowCodec, key: bytes, row: tuple) -> None:
    for _, entry_key, _ in codec.index_entries(row, key):
        ctx.txn.delete(entry_key)
    ctx.txn.delete(key)
    ctx.txn.mark_modified(key)
    fk.row_deleted(ctx, codec, key, row)  # acted on at the statement's end


def _pk_cols(rel: Relation):
    by = {c.attnum: c for c in rel.columns}
    return [by[a] for a in rel.primary_key]


def _text(v: Any, oid: int) -> str:
    from borealis.sql import types as T
    if v is None:
        return "null"
    info = T.type_by_oid(oid)
    return info.text_out(v) if info else str(v)


# -- INSERT ---------------------------------------------------------------------------

@dataclass
class InsertPlan:
    relation: Relation
    codec: RowCodec
    source: Node
    targets: list[int]  # positions in the stored row, one per source column
    defaults: list[tuple[int, Expr]]  # positions not targeted, with their defaults
    on_conflict: str | None = None  # None, "nothing", "update"
    conflict_index: Index | None = None  # None = the primary key
    conflict_any: bool = False  # no conflict target: the primary key and every unique index
    update_sets: list[tuple[int, Expr]] = field(default_factory=list)  # over existing+excluded
    update_where: Expr | None = None
    returning: list[Expr] = field(default_factory=list)
    returning_cols: list[OutCol] = field(default_factory=list)
    ctes: list[ModifyingCte] = field(default_factory=list)  # its WITH queries that write

    command = "INSERT"  # (the statement's name in messages)


def bind_insert(binder: Binder, stmt: ast.InsertStmt, parent: Scope | None = None) -> InsertPlan:
    """INSERT; `parent`: the WITH level around it when it is a WITH query itself."""
    with binder.statement_level() as top:
        plan = _bind_insert(binder, stmt, parent)
        if top:
            plan.ctes = binder.take_modifying()
        return plan


def _bind_insert(binder: Binder, stmt: ast.InsertStmt, parent: Scope | None) -> InsertPlan:
    rel = binder.relation(stmt.relation, privileges=dml_letters(stmt))  # 42501
    if getattr(rel, "virtual_rows", None) is not None:
        rel.refuse_write()  # a system catalog (catalog.virtual)
    if rel.kind != "r":
        what = "sequence" if rel.kind == "S" else "view"
        raise errors.WrongObjectType(what=f'cannot {"change" if rel.kind == "S" else "insert into"} {what} "{rel.name}"')
    # WITH: the CTEs are visible to the source query and its subqueries (so are a SQL
    # function's parameters, and an enclosing WITH's queries)
    ctes = parent
    if stmt.withClause is not None:
        ctes = Scope(parent if parent is not None else getattr(binder, "root_scope", None))
        binder.bind_with(stmt.withClause, ctes)
    live = rel.live_columns
    if stmt.cols:
        names = [c.name for c in stmt.cols]
        cols = []
        for n in names:
            col = rel.column_by_name.get(n)
            if col is None:
                raise errors.UndefinedColumn(
                    f'column "{n}" of relation "{rel.name}" does not exist')
            if col in cols:
                raise errors.DuplicateColumn(
                    f'column "{n}" specified more than once')
            cols.append(col)
    else:
        cols = list(live)
        width = _source_width(stmt.selectStmt)
        if width is not None and width < len(cols):
            cols = cols[:width]  # PostgreSQL fills the columns not given with defaults
    source = _insert_source(binder, stmt, cols, ctes)
    if len(source.columns) < len(cols):
        if stmt.cols:
            raise errors.SyntaxError(what="INSERT has more target columns than expressions")
        cols = cols[:len(source.columns)]  # a query's width shows once it is bound
    for i, c in enumerate(cols):
        if c.generated and not _all_default(stmt.selectStmt, i):
            raise errors.GeneratedAlways(
                f'cannot insert a non-DEFAULT value into column "{c.name}"',
                detail=f'Column "{c.name}" is a generated column.')
    positions = [rel.position[c.attnum] for c in cols]
    targeted = set(positions)
    defaults = []
    for i, c in enumerate(rel.columns):
        if i in targeted or c.dropped or c.generated:
            continue
        defaults.append((i, _default_expr(binder, c)))
    defaults.extend(identity_overrides(binder, stmt, cols, positions))  # 428C9, OVERRIDING
    codec = RowCodec(binder, rel)
    plan = InsertPlan(rel, codec, source, positions, defaults)
    target = _target_entry(rel, stmt.relation.alias)
    if stmt.onConflictClause is not None:
        _bind_on_conflict(binder, stmt.onConflictClause, plan, target)
    if stmt.returningClause is not None:
        scope = Scope()
        scope.add(target)
        _bind_returning(binder, stmt.returningClause, plan, scope)
    return plan


def _all_default(select, i: int) -> bool:
    """Whether every row of an INSERT's VALUES says DEFAULT for its `i`th column (the
    one value a generated column takes)."""
    return isinstance(select, ast.SelectStmt) and bool(select.valuesLists) \
        and all(i < len(row) and isinstance(row[i], ast.SetToDefault) for row in select.valuesLists)


def _source_width(select) -> int | None:
    if select is None:
        return 0  # DEFAULT VALUES: every column gets its default
    if isinstance(select, ast.SelectStmt) and select.valuesLists:
        return max(len(row) for row in select.valuesLists)
    if isinstance(select, ast.SelectStmt) and select.targetList and select.op.value == 0 \
            and not any(isinstance(t.val, ast.ColumnRef) and isinstance(t.val.fields[-1], ast.A_Star)
                        for t in select.targetList):
        return len(select.targetList)
    return None


def _default_expr(binder: Binder, col) -> Expr:
    """Column `col`'s DEFAULT (or identity value, or NULL), bound. CREATE TABLE and ALTER
    COLUMN SET DEFAULT bind a new default this way too (`check_default`)."""
    if col.identity:
        return identity_default(binder, col)
    if col.default is None:
        return Const(col.type_oid, None)
    from borealis.sql.parse import parse
    node = parse(f"SELECT {col.default}")[0].node.targetList[0].val
    with binder.clause("DEFAULT expressions"):
        expr = binder.expr(node, None)
    return assign(binder, expr, col, "default expression")


def check_default(binder: Binder, col) -> None:
    """Refuse a DEFAULT no INSERT could evaluate (a column reference, a subquery, an
    aggregate, a set-returning function, a type with no assignment cast, an unknown
    function) when it is declared, as PostgreSQL does, rather than at every INSERT."""
    if col.default is not None and not col.identity:
        # Without the typmod: a value too long for varchar(n) or numeric(p, s) fails
        # at INSERT, as in PostgreSQL, whose length coercion is not run before.
        _default_expr(binder, replace(col, typmod=-1))


def assign(binder: Binder, expr: Expr, col, what: str = "expression") -> Expr:
    """`expr` converted to column `col`'s type as a value stored there (INSERT, UPDATE,
    a default): 42804 names the column, as PostgreSQL's does."""
    try:
        return binder.coerce(expr, col.type_oid, col.typmod, "assignment")
    except errors.DatatypeMismatch as exc:
        raise errors.DatatypeMismatch(
            what=f'column "{col.name}" is of type {C.type_name(col.type_oid)} but {what} is '
                 f"of type {C.type_name(expr.oid)}", hint=exc.hint) from None


def _insert_source(binder: Binder, stmt: ast.InsertStmt, cols, ctes: Scope | None) -> Node:
    from borealis.sql.plan import Project, Values
    select = stmt.selectStmt
    if select is None:  # DEFAULT VALUES
        return Values([[]], [])
    if isinstance(select, ast.SelectStmt) and select.valuesLists and select.op.value == 0 \
            and not select.sortClause and select.limitCount is None:
        rows = []
        for lst in select.valuesLists:
            if len(lst) > len(cols):
                raise errors.SyntaxError(what="INSERT has more expressions than target columns")
            if len(lst) < len(cols):
                raise errors.SyntaxError(what="INSERT has more target columns than expressions")
            row = []
            for item, col in zip(lst, cols):
                if isinstance(item, ast.SetToDefault):
                    row.append(_default_expr(binder, col))
                else:
                    with binder.clause("VALUES"):
                        e = binder.expr(item, ctes or getattr(binder, "root_scope", None))
                    row.append(assign(binder, e, col))
            rows.append(row)
        return Values(rows, [OutCol(c.name, c.type_oid, c.typmod) for c in cols])
    q = binder.bind_keeping_unknown(select, ctes)
    if len(q.columns) > len(cols):
        raise errors.SyntaxError(what="INSERT has more expressions than target columns")
    given = cols[:len(q.columns)]  # the rest get their defaults (see bind_insert)
    exprs = [assign(binder, Col(qc.oid, i, typmod=qc.typmod), col)
             for i, (qc, col) in enumerate(zip(q.columns, given))]
    return Project(optimize(q.node), exprs, [OutCol(c.name, c.type_oid, c.typmod) for c in given])


def _bind_on_conflict(binder: Binder, clause: ast.OnConflictClause, plan: InsertPlan,
                      target: RangeEntry) -> None:
    rel = plan.relation
    index = None
    if clause.infer is not None and clause.infer.indexElems:
        # Columns and expressions, and a WHERE for a partial index (sql.index_keys).
        index = index_keys.infer_arbiter(binder, rel, clause.infer)
    elif clause.infer is not None and clause.infer.conname:
        index = _constraint_index(rel, clause.infer.conname)
    if index is not None and index.primary:
        index = None
    plan.conflict_index = index
    plan.conflict_any = clause.infer is None  # DO NOTHING: a conflict in any unique index
    if clause.action == OnConflictAction.ONCONFLICT_NOTHING:
        plan.on_conflict = "nothing"
        return
    if clause.infer is None:
        raise errors.SyntaxError(what="ON CONFLICT DO UPDATE requires inference specification or constraint name",
                                 hint="For example, ON CONFLICT (column_name).")
    plan.on_conflict = "update"
    scope = Scope()
    dropped = rel.dropped_names
    scope.add(target)
    scope.add(RangeEntry("excluded", [OutCol(c.name, c.type_oid, c.typmod) for c in rel.columns],
                         hidden=dropped, internal=dropped))
    seen: set[str] = set()
    for target in clause.targetList:
        col = _set_target(rel, target, seen)
        if isinstance(target.val, ast.SetToDefault):
            e = _default_expr(binder, col)
        else:
            with binder.clause("UPDATE"):
                e = assign(binder, binder.expr(target.val, scope), col)
        plan.update_sets.append((rel.position[col.attnum], e))
    if clause.whereClause is not None:
        with binder.clause("WHERE"):
            plan.update_where = binder.condition(clause.whereClause, scope, "WHERE")


def _set_target(rel: Relation, target: ast.ResTarget, seen: set[str]):
    """The column an UPDATE's (or ON CONFLICT DO UPDATE's) SET assigns, once each."""
    col = rel.column_by_name.get(target.name)
    if col is None:
        raise errors.UndefinedColumn(f'column "{target.name}" of relation "{rel.name}" does not exist')
    if target.indirection:
        raise errors.FeatureNotSupported(what="assignment to a subfield or element is not supported")
    if col.name in seen:
        raise errors.SyntaxError(what=f'multiple assignments to same column "{col.name}"')
    seen.add(col.name)
    if col.generated and not isinstance(target.val, ast.SetToDefault):
        raise errors.GeneratedAlways(
            f'column "{col.name}" can only be updated to DEFAULT',
            detail=f'Column "{col.name}" is a generated column.')
    return col


def _constraint_index(rel: Relation, name: str) -> Index:
    """ON CONFLICT ON CONSTRAINT name: the index of that primary key or unique
    constraint (a plain unique index is no constraint, as in PostgreSQL)."""
    con = next((c for c in rel.constraints if c.name == name), None)
    if con is None:
        raise errors.UndefinedObject(what=f'constraint "{name}" for table "{rel.name}" does not exist')
    index = next((i for i in rel.indexes if con.kind in ("p", "u") and i.oid == con.index_oid), None)
    if index is None or not index.valid:
        raise errors.InvalidColumnReference(
            what="there is no unique or exclusion constraint matching the ON CONFLICT specification")
    return index


def _bind_returning(binder: Binder, clause, plan, scope: Scope) -> None:
    with binder.clause("RETURNING"):
        _bind_returning_list(binder, clause, plan, scope)


def _bind_returning_list(binder: Binder, clause, plan, scope: Scope) -> None:
    exprs = clause.exprs if hasattr(clause, "exprs") else clause
    targets = binder.expand_targets(exprs, scope)
    for t, name in targets:
        e = t if isinstance(t, Expr) else binder.expr(t, scope)
        if e.oid == UNKNOWN:
            e = C.coerce(e, 25)
        plan.returning.append(e)
        plan.returning_cols.append(binder.out_col(e, name, scope))


async def run_insert(plan: InsertPlan, ctx: ExecContext, *,
                     end_statement: bool = True) -> tuple[int, list[tuple]]:
    """Insert the source's rows. `end_statement=False` (COPY's batches) leaves the
    foreign-key checks queued for the caller's `fk.end_statement`."""
    codec = plan.codec
    width = len(plan.relation.columns)
    defaults = [(i, e.compile()) for i, e in plan.defaults]
    returning = [e.compile() for e in plan.returning]
    subs = subqueries_of(list(plan.returning))
    arm(subs, ctx)
    default_subs = subqueries_of([e for _, e in plan.defaults])  # nextval: identity, serial
    arm(default_subs, ctx)
    count, out = 0, []
    written_keys: set[bytes] = set()  # rows this statement inserted or updated
    # Plain INSERT/COPY rows are checked and buffered a batch at a time (one storage
    # read per batch); defaults that call functions with effects (nextval), RETURNING
    # subqueries and ON CONFLICT keep the row-at-a-time path, whose interleaving of
    # evaluation and writes they can observe.
    batched = plan.on_conflict is None and not default_subs and not subs
    async for batch in plan.source.batches(ctx):
        if batched:
            rows, failure = _complete_rows(plan, batch, width, defaults)
            await write_new_rows(ctx, codec, rows)
            if failure is not None:
                raise _in_batch(failure, len(rows))
            count += len(rows)
            for row in rows if returning else ():
                out.append(await evaluate(lambda r: tuple(f(r) for f in returning), row,
                                          len(subs)))
            continue
        for n, src in enumerate(batch):
            try:
                written = await _insert_source_row(plan, ctx, src, n, width, defaults,
                                                   len(default_subs), written_keys)
            except errors.BorealisError as exc:
                _in_batch(exc, n)
                raise
            if written is None:
                continue
            count += 1
            if returning:
                out.append(await evaluate(lambda r: tuple(f(r) for f in returning), written,
                                          len(subs)))
    await finish_ctes(plan.ctes, ctx)
    if end_statement:
        await fk.end_statement(ctx)  # foreign keys: checks and actions, as PostgreSQL's AFTER triggers
    return count, out


async def _insert_source_row(plan: InsertPlan, ctx: ExecContext, src: tuple, n: int,
                             width: int, defaults: list, default_subs: int,
                             written_keys: set[bytes]) -> tuple | None:
    """Row `n` of a source batch, its defaults filled in, inserted one at a time."""
    row: list[Any] = [None] * width
    for pos, v in zip(plan.targets, src):
        row[pos] = v
    if default_subs:
        # A fresh row object per inserted row: a sequence call runs once per row.
        filled = await evaluate(lambda r: [f(r) for _, f in defaults], (n,), default_subs)
        for (pos, _), v in zip(defaults, filled):
            row[pos] = v
    else:
        for pos, f in defaults:
            row[pos] = f(())
    return await _insert_one(plan, ctx, plan.codec.complete(row), written_keys)


def copy_buffers_rows(plan: InsertPlan) -> bool:
    """Whether COPY into `plan`'s table reads rows ahead of inserting them, as
    PostgreSQL's multi-insert COPY does: not when a default COPY computes is volatile,
    nextval() aside (`volatile_besides_sequences`), as PostgreSQL decides it."""
    return plan.on_conflict is None and \
        not any(volatile_besides_sequences(e) for _, e in plan.defaults)


async def complete_rows(plan: InsertPlan, rows: list[tuple], ctx: ExecContext
                        ) -> tuple[list[tuple], errors.BorealisError | None]:
    """The full rows of COPY's source rows (defaults, generated columns, NOT NULL,
    CHECK), up to the first that fails: (rows before it, its error or None). For a
    plan `copy_buffers_rows` accepts.

    A nextval() default (an identity column, a serial-like default) takes its values
    in row order, the session's block of the sequence answering without I/O until it
    runs out, for the whole batch before the rows are checked: when a row then fails,
    the rows after it have used values too (gaps, which sequences may always have;
    currval is the last row's)."""
    width = len(plan.relation.columns)
    defaults = [(i, e.compile()) for i, e in plan.defaults]
    subs = subqueries_of([e for _, e in plan.defaults])
    if not subs:
        return _complete_rows(plan, rows, width, defaults)
    arm(subs, ctx)

    def fill(row: tuple) -> list:
        return [f(row) for _, f in defaults]
    filled: list[list] = []
    failure: errors.BorealisError | None = None
    try:
        for n in range(len(rows)):
            row = (n,)  # a fresh row object per row: a sequence call runs once per row
            evaluation = begin_evaluation()
            try:
                filled.append(fill(row))  # the session's block answers: no await
            except NeedRows:
                filled.append(await evaluate(fill, row, len(subs), evaluation))
    except errors.BorealisError as exc:  # after the rows before it
        failure = exc
    done, bad = _complete_rows(plan, rows[:len(filled)], width, defaults, filled)
    return done, bad or failure


def _complete_rows(plan: InsertPlan, batch, width: int, defaults, filled=None
                   ) -> tuple[list[tuple], errors.BorealisError | None]:
    """The full rows of a batch (targets, constant defaults, generated columns, NOT NULL,
    CHECK), up to the first row that fails: (rows before it, its error or None). With
    `filled`, each row's default values, computed already."""
    codec = plan.codec
    targets = plan.targets
    if not defaults and targets == list(range(width)) and set(map(len, batch)) <= {width}:
        rows = list(map(tuple, batch))  # every column given, in table order (COPY)
    else:
        rows = []
        try:
            for n, src in enumerate(batch):
                row: list[Any] = [None] * width
                for pos, v in zip(targets, src):
                    row[pos] = v
                if filled is None:
                    for pos, f in defaults:
                        row[pos] = f(())
                else:
                    for (pos, _), v in zip(defaults, filled[n]):
                        row[pos] = v
                rows.append(row)
        except errors.BorealisError as exc:  # a default failed: after the rows before it
            done, failure = codec.complete_many(rows)
            return done, failure or exc
    return codec.complete_many(rows)


async def _insert_one(plan: InsertPlan, ctx: ExecContext, row: tuple,
                      written_keys: set[bytes]) -> tuple | None:
    codec = plan.codec
    if plan.on_conflict is None:
        await write_row(ctx, codec, row)
        return row
    existing_key, existing = await _find_conflict(plan, ctx, row)
    if existing is None:
        written_keys.add(await write_row(ctx, codec, row))
        return row
    if plan.on_conflict == "nothing":
        return None
    if existing_key in written_keys or ctx.txn.wrote_in_statement(ctx.view, existing_key):
        # (by this command, or by another part of the statement: a WITH query)
        raise errors.CardinalityViolation(
            what="ON CONFLICT DO UPDATE command cannot affect row a second time",
            hint="Ensure that no rows proposed for insertion within the same command have "
                 "duplicate constrained values.")
    combined = existing + row
    exprs = [e for _, e in plan.update_sets]
    if plan.update_where is not None:
        exprs.append(plan.update_where)
    subs = subqueries_of(exprs)
    arm(subs, ctx)
    if plan.update_where is not None and \
            await evaluate(plan.update_where.compile(), combined, len(subs)) is not True:
        return None
    updated = list(existing)
    fns = [(pos, e.compile()) for pos, e in plan.update_sets]
    values = await evaluate(lambda r: [f(r) for _, f in fns], combined, len(subs))
    for (pos, _), v in zip(fns, values):
        updated[pos] = v
    new = codec.complete(updated)
    written_keys.add(await write_row(ctx, codec, new, old_key=existing_key, old_row=existing))
    return new


async def _find_conflict(plan: InsertPlan, ctx: ExecContext, row: tuple):
    codec = plan.codec
    txn = ctx.txn
    if plan.conflict_index is None:
        key = codec.row_key(row, ctx.session.random if ctx.session else None)
        raw = await txn.get(key)
        if raw is not None or not plan.conflict_any:
            return (key, _pad(values.loads(raw), len(codec.rel.columns))) if raw is not None else (None, None)
    # A partial arbiter has no entry for a row outside its predicate: no conflict there.
    for index, entry_key, unique in codec.index_entries(row, b""):
        if unique and (plan.conflict_any or index.oid == plan.conflict_index.oid):
            row_key = await txn.get(entry_key)
            raw = await txn.get(row_key) if row_key is not None else None
            if raw is not None:
                return row_key, _pad(values.loads(raw), len(codec.rel.columns))
    return None, None


def _pad(row: tuple, width: int) -> tuple:
    return row + (None,) * (width - len(row)) if len(row) < width else row


# -- UPDATE / DELETE ------------------------------------------------------------------

@dataclass
class ModifyPlan:
    kind: str  # update, delete
    relation: Relation
    codec: RowCodec
    source: Node  # rows: target columns first, then FROM/USING columns
    sets: list[tuple[int, Expr]] = field(default_factory=list)
    returning: list[Expr] = field(default_factory=list)
    returning_cols: list[OutCol] = field(default_factory=list)
    ctes: list[ModifyingCte] = field(default_factory=list)  # its WITH queries that write

    @property
    def command(self) -> str:
        return self.kind.upper()


async def run_dml(plan: InsertPlan | ModifyPlan, ctx: ExecContext, *,
                  end_statement: bool = True) -> tuple[int, list[tuple]]:
    """`run_insert` or `run_modify`: (rows affected, RETURNING rows)."""
    if isinstance(plan, InsertPlan):
        return await run_insert(plan, ctx, end_statement=end_statement)
    return await run_modify(plan, ctx, end_statement=end_statement)


def bind_modify(binder: Binder, stmt: ast.UpdateStmt | ast.DeleteStmt,
                parent: Scope | None = None) -> ModifyPlan:
    """UPDATE or DELETE; `parent`: the WITH level around it when it is a WITH query."""
    with binder.statement_level() as top:
        plan = _bind_modify(binder, stmt, parent)
        if top:
            plan.ctes = binder.take_modifying()
        return plan


def _bind_modify(binder: Binder, stmt: ast.UpdateStmt | ast.DeleteStmt,
                 parent: Scope | None) -> ModifyPlan:
    is_update = isinstance(stmt, ast.UpdateStmt)
    rel = binder.relation(stmt.relation, privileges=dml_letters(stmt))  # 42501
    if getattr(rel, "virtual_rows", None) is not None:
        rel.refuse_write()  # a system catalog (catalog.virtual)
    if rel.kind == "S":
        raise errors.WrongObjectType(what=f'cannot change sequence "{rel.name}"')
    if rel.kind != "r":
        raise errors.WrongObjectType(what=f'cannot {"update" if is_update else "delete from"} view "{rel.name}"')
    # a SQL function's parameters, or an enclosing WITH's queries
    scope = Scope(parent if parent is not None else getattr(binder, "root_scope", None))
    if stmt.withClause is not None:
        binder.bind_with(stmt.withClause, scope)
    alias = stmt.relation.alias.aliasname if stmt.relation.alias else rel.name
    cols = [OutCol(c.name, c.type_oid, c.typmod, rel.oid, c.attnum) for c in rel.columns]
    key_col = OutCol(KEY_COLUMN, 17)
    internal = rel.dropped_names | {KEY_COLUMN}  # in no RETURNING * or t.*
    scope.add(RangeEntry(alias, [*cols, key_col], hidden=internal, internal=internal,
                         relation_oid=rel.oid, relname=_hidden_name(rel, alias)))
    node: Node = Scan(rel, alias, [*cols, key_col], emit_key=True)
    extra = stmt.fromClause if is_update else stmt.usingClause
    if extra:
        from borealis.sql.plan import NestedLoopJoin
        other = binder.bind_from(extra, scope)
        node = NestedLoopJoin(node, other, "inner", None, node.columns + other.columns)
    if stmt.whereClause is not None:
        from borealis.sql.plan import Filter
        with binder.clause("WHERE"):
            node = Filter(node, binder.condition(stmt.whereClause, scope, "WHERE"))
    plan = ModifyPlan("update" if is_update else "delete", rel, RowCodec(binder, rel), optimize(node))
    if is_update:
        seen: set[str] = set()
        for target in stmt.targetList:
            col = _set_target(rel, target, seen)
            val = target.val
            if isinstance(val, ast.MultiAssignRef) and isinstance(val.source, ast.RowExpr):
                val = val.source.args[val.colno - 1]  # SET (a, b) = (x, y)
            check_identity_update(col, val)
            if isinstance(val, ast.SetToDefault):
                e = _default_expr(binder, col)
            else:
                with binder.clause("UPDATE"):
                    e = assign(binder, binder.expr(val, scope), col)
            plan.sets.append((rel.position[col.attnum], e))
    if stmt.returningClause is not None:
        _bind_returning(binder, stmt.returningClause, plan, scope)
    return plan


async def run_modify(plan: ModifyPlan, ctx: ExecContext, *,
                     end_statement: bool = True) -> tuple[int, list[tuple]]:
    """Update or delete the source's rows (`end_statement` as in `run_insert`)."""
    codec = plan.codec
    rel = plan.relation
    width = len(rel.columns)
    sets = [(pos, e.compile()) for pos, e in plan.sets]
    returning = [e.compile() for e in plan.returning]
    rows = await plan.source.all_rows(ctx)  # read fully before writing: no Halloween problem
    subs = subqueries_of([e for _, e in plan.sets] + list(plan.returning))
    arm(subs, ctx)
    # Rows another part of the statement changed already (a WITH query that writes,
    # run while the source was read or before this one) are left alone: PostgreSQL
    # skips a row its own command modified, so only one of the changes takes place.
    done = ctx.txn.written_in_statement(ctx.view)
    count, out = 0, []
    for src in rows:
        old = tuple(src[:width])
        key = src[width]
        if key in done:
            continue
        done.add(key)
        if plan.kind == "delete":
            await delete_row(ctx, codec, key, old)
            count += 1
            if returning:
                out.append(await evaluate(lambda r: tuple(f(r) for f in returning), src, len(subs)))
            continue
        new = list(old)
        values = await evaluate(lambda r: [f(r) for _pos, f in sets], src, len(subs))
        for (pos, _f), v in zip(sets, values):
            new[pos] = v
        new_row = codec.complete(new)
        await write_row(ctx, codec, new_row, old_key=key, old_row=old)
        count += 1
        if returning:
            out.append(await evaluate(lambda r: tuple(f(r) for f in returning),
                                      new_row + tuple(src[width:]), len(subs)))
    await finish_ctes(plan.ctes, ctx)
    if end_statement:
        await fk.end_statement(ctx)  # foreign keys: checks and actions, as PostgreSQL's AFTER triggers
    return count, out


# -- WITH queries that write ----------------------------------------------------------

@dataclass(eq=False)
class ModifyingCte(Node):
    """A WITH query that is an INSERT, UPDATE or DELETE. As in PostgreSQL it runs
    exactly once, to completion, whether or not anything reads it: when the statement
    first reads it (a `CteScan`, which keeps its RETURNING rows in `ExecContext.once`),
    or else after the statement's own work (`finish_ctes`). Like every part of the
    statement it reads the tables as they were before the statement (the statement's
    view, `qp.txn`), so no part sees another's writes, and a row that one part changed
    is left alone by the others (`run_modify`); its foreign-key checks run with the
    statement's, at the end."""

    columns: list[OutCol]
    plan: Any  # InsertPlan | ModifyPlan
    name: str

    @property
    def returns_nothing(self) -> bool:
        return not self.plan.returning

    @property
    def children(self) -> tuple[Node, ...]:  # (EXPLAIN)
        return (self.plan.source,)

    @property
    def explain_name(self) -> str:
        return f"{self.plan.command.capitalize()} on {self.plan.relation.name}"

    async def batches(self, ctx):
        check_dml_allowed(ctx, self.plan.command)
        _, rows = await run_dml(self.plan, ctx, end_statement=False)
        if rows:
            yield rows


async def finish_ctes(ctes: list[ModifyingCte], ctx: ExecContext) -> None:
    """Run the statement's data-modifying WITH queries that nothing read."""
    for cte in ctes:
        if id(cte) not in ctx.once:
            ctx.once[id(cte)] = await cte.all_rows(ctx)


@dataclass(eq=False)
class SelectWithWrites(Node):
    """A top-level SELECT whose WITH queries write: the query, then those WITH queries
    it did not read, then the foreign-key checks of all of them, all before its first
    row goes out. As PostgreSQL runs such a query to completion on the first Execute,
    a portal suspended after some rows, or a SQL function taking the first row, has
    done all its writes and checks (53200 past SORT_ROWS_MAX rows, as a sort)."""

    child: Node
    ctes: list[ModifyingCte]
    columns: list[OutCol]

    @property
    def children(self) -> tuple[Node, ...]:  # (EXPLAIN ANALYZE measures the WITH queries)
        return (self.child, *self.ctes)

    async def batches(self, ctx):
        rows = await held_rows(self.child, ctx)
        await finish_ctes(self.ctes, ctx)
        await fk.end_statement(ctx)
        for i in range(0, len(rows), BATCH_ROWS):
            yield rows[i:i + BATCH_ROWS]


def check_dml_allowed(ctx: ExecContext, command: str) -> None:
    """An INSERT / UPDATE / DELETE not run as a statement of its own (a SQL function's,
    a WITH query's) counts as the transaction's DML (DSQL's DDL/DML rule) and is
    refused in a read-only transaction (25006)."""
    session = ctx.session
    if session is None:
        return
    if getattr(session, "transaction_read_only", False):
        raise errors.ReadOnlyTransaction(what=command)
    txn = ctx.txn
    if txn is not None and hasattr(txn, "dml_statements"):
        from borealis.qp import rules
        rules.check_dml(txn, getattr(session, "compat", None))


def statement_columns(plan) -> list[OutCol] | None:
    return plan.returning_cols or None


__all__ = ["InsertPlan", "ModifyPlan", "bind_insert", "bind_modify", "run_dml", "run_insert",
           "run_modify", "_column_name"]
