"""DDL for sequences and identity columns (DSQL §2.3; DESIGN.md §3, §7).

- CREATE SEQUENCE [IF NOT EXISTS] name [AS type] [INCREMENT [BY] n] [MINVALUE n | NO
  MINVALUE] [MAXVALUE n | NO MAXVALUE] [START [WITH] n] [CACHE n] [[NO] CYCLE]
  [OWNED BY t.c | NONE]; ALTER SEQUENCE (the same options, RESTART [WITH n]);
  DROP SEQUENCE [IF EXISTS] ... [CASCADE].
- Identity columns: `GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(options)]` in CREATE
  TABLE, and ALTER TABLE ... ALTER COLUMN ... ADD GENERATED ... AS IDENTITY, SET
  GENERATED, SET <option>, RESTART, DROP IDENTITY. An identity column owns a sequence
  named `<table>_<column>_seq` (dependency "i": it goes with the column).
- SERIAL, BIGSERIAL, SMALLSERIAL (relaxed mode only): an integer column, NOT NULL, with
  DEFAULT nextval of a sequence it owns (dependency "a").

Rules follow PostgreSQL's (option defaults and checks, messages, SQLSTATEs). In
`Compat.DSQL` mode DSQL's apply on top: CACHE must be given and be 1 or at least
`limits.SEQUENCE_MIN_CACHE`, sequences and identity columns are bigint only, SERIAL
does not exist (its type name is unknown, as in DSQL), at most `limits.MAX_SEQUENCES`.

A column default that calls nextval/currval/setval of a named sequence is stored with
the sequence's OID (`nextval(CAST(16390 AS regclass))`) and the OID is recorded in
`Column.default_sequences`: renaming the sequence keeps the default working, dropping
it needs CASCADE (2BP01 otherwise), and the catalogs show the current name
(`display_default_sequences`), the way PostgreSQL stores a regclass constant.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from typing import Any

from pglast import ast, parse_sql
from pglast.enums import AlterTableType, ConstrType
from pglast.visitors import Visitor

from borealis.catalog import virtual as V
from borealis.catalog.model import (
    INT2_OID,
    INT4_OID,
    INT8_OID,
    SEQUENCE_TYPE_BOUNDS,
    Column,
    Relation,
    Schema,
    SequenceOptions,
    sequence_columns,
    sequence_state_key,
)
from borealis.catalog.store import CatalogWriter
from borealis.core import errors, limits
from borealis.core.limits import Compat
from borealis.qp.sequences import decode_state, encode_state, initial_state
from borealis.sql import alter_columns
from borealis.sql import types as T
from borealis.sql.bind import Binder, type_from_ast
from borealis.sql.ddl import _ident, _target_schema, deparse

SERIAL_TYPES = {"serial": INT4_OID, "serial4": INT4_OID, "bigserial": INT8_OID,
                "serial8": INT8_OID, "smallserial": INT2_OID, "serial2": INT2_OID}
SEQUENCE_FUNCTIONS = frozenset({"nextval", "currval", "setval"})
NAME_SUFFIX_TRIES_MAX = 10_000  # "<table>_<col>_seq", then ...seq1, seq2, ...


def _dsql(binder: Binder) -> bool:
    return getattr(binder.ctx.settings, "compat", Compat.DSQL) == Compat.DSQL


def _forget(binder: Binder, oid: int) -> None:
    seqs = getattr(binder.ctx.settings, "sequences", None)
    if seqs is not None:
        seqs.forget(oid)


# -- options ------------------------------------------------------------------------------

def _int_option(elem: ast.DefElem) -> int:
    arg = elem.arg
    if isinstance(arg, ast.Integer):
        return arg.ival
    if isinstance(arg, ast.Float):
        try:
            value = int(arg.fval)
        except ValueError:
            value = None
        if value is not None and -(1 << 63) <= value < (1 << 63):
            return value
        raise errors.NumericValueOutOfRange(value=arg.fval, type="bigint")
    raise errors.SyntaxError(what=f"{elem.defname} requires a numeric value")


def parse_options(elems, *, for_identity: bool = False) -> dict[str, Any]:
    """The options a statement gave, by name. A name with value None means NO
    MINVALUE / NO MAXVALUE / RESTART without a value."""
    given: dict[str, Any] = {}
    for elem in elems or ():
        name = elem.defname
        if name in given:
            raise errors.SyntaxError(what="conflicting or redundant options")
        if name == "as":
            given[name] = type_from_ast(elem.arg)[0]
        elif name in ("increment", "start", "cache"):
            given[name] = _int_option(elem)
        elif name in ("minvalue", "maxvalue", "restart"):
            given[name] = _int_option(elem) if elem.arg is not None else None
        elif name == "cycle":
            given[name] = bool(elem.arg.boolval)
        elif name == "owned_by" or (name == "sequence_name" and for_identity):
            given[name] = [s.sval for s in elem.arg]
        elif name == "generated" and for_identity:
            given[name] = chr(elem.arg.ival)
        else:
            raise errors.SyntaxError(what=f'option "{name}" not recognized')
    return given


def _type_label(oid: int) -> str:
    return T.format_type(oid, None)


def build_options(binder: Binder, base: SequenceOptions | None, given: dict[str, Any], *,
                  last_value: int | None = None) -> tuple[SequenceOptions, int | None]:
    """The sequence's new options (PostgreSQL's defaults and checks) and the value a
    RESTART sets, if any. `base` is None for a new sequence; `last_value` is the
    current state on ALTER, checked against new bounds as PostgreSQL does."""
    dsql = _dsql(binder)
    creating = base is None
    old = base or SequenceOptions()
    type_oid = given.get("as", old.type_oid)
    if type_oid not in SEQUENCE_TYPE_BOUNDS:
        if dsql:
            raise errors.SequenceTypeNotBigint()
        raise errors.InvalidParameterValue(what="sequence type must be smallint, integer, or bigint")
    if dsql and type_oid != INT8_OID:
        raise errors.SequenceTypeNotBigint()
    if dsql and "cache" in given and given["cache"] != 1 and given["cache"] < limits.SEQUENCE_MIN_CACHE:
        raise errors.SequenceCacheInvalid(cache=given["cache"])
    if dsql and creating and "cache" not in given:
        raise errors.SequenceCacheRequired()
    increment = given.get("increment", old.increment)
    if increment == 0:
        raise errors.InvalidParameterValue(what="INCREMENT must not be zero")
    type_lo, type_hi = SEQUENCE_TYPE_BOUNDS[type_oid]
    old_lo, old_hi = SEQUENCE_TYPE_BOUNDS[old.type_oid]
    retyped = not creating and "as" in given
    if "maxvalue" in given and given["maxvalue"] is not None:
        max_value = given["maxvalue"]
    elif creating or "maxvalue" in given or (retyped and old.max_value == old_hi):
        max_value = type_hi if increment > 0 else -1
    else:
        max_value = old.max_value
    if "minvalue" in given and given["minvalue"] is not None:
        min_value = given["minvalue"]
    elif creating or "minvalue" in given or (retyped and old.min_value == old_lo):
        min_value = 1 if increment > 0 else type_lo
    else:
        min_value = old.min_value
    label = _type_label(type_oid)
    if not type_lo <= max_value <= type_hi:
        raise errors.InvalidParameterValue(
            what=f"MAXVALUE ({max_value}) is out of range for sequence data type {label}")
    if not type_lo <= min_value <= type_hi:
        raise errors.InvalidParameterValue(
            what=f"MINVALUE ({min_value}) is out of range for sequence data type {label}")
    if min_value >= max_value:
        raise errors.InvalidParameterValue(
            what=f"MINVALUE ({min_value}) must be less than MAXVALUE ({max_value})")
    if "start" in given:
        start = given["start"]
    elif creating:
        start = min_value if increment > 0 else max_value
    else:
        start = old.start
    _check_bounds("START value", start, min_value, max_value)
    restart = None
    if "restart" in given:
        restart = given["restart"] if given["restart"] is not None else start
        _check_bounds("RESTART value", restart, min_value, max_value)
    elif last_value is not None:
        _check_bounds("RESTART value", last_value, min_value, max_value)
    cache = given.get("cache", old.cache)
    if cache <= 0:
        raise errors.InvalidParameterValue(what=f"CACHE ({cache}) must be greater than zero")
    cycle = given.get("cycle", old.cycle)
    options = replace(old, type_oid=type_oid, start=start, increment=increment,
                      min_value=min_value, max_value=max_value, cache=cache, cycle=cycle)
    return options, restart


def _check_bounds(what: str, value: int, lo: int, hi: int) -> None:
    if value < lo:
        raise errors.InvalidParameterValue(what=f"{what} ({value}) cannot be less than MINVALUE ({lo})")
    if value > hi:
        raise errors.InvalidParameterValue(what=f"{what} ({value}) cannot be greater than MAXVALUE ({hi})")


def _owner(binder: Binder, seq_schema_oid: int, names: list[str]) -> tuple[int, int]:
    """OWNED BY table.column (or NONE): (table oid, attnum), (0, 0) for none."""
    if len(names) == 1:
        if names[0] == "none":
            return 0, 0
        raise errors.SyntaxError(what="invalid OWNED BY option",
                                 hint="Specify OWNED BY table.column or OWNED BY NONE.")
    *table_names, col_name = names
    table = binder.find_relation(table_names[-2] if len(table_names) > 1 else None, table_names[-1])
    if table is None:
        raise errors.UndefinedTable(name=table_names[-1])
    if table.kind not in ("r", "v") or getattr(table, "virtual_rows", None) is not None:
        raise errors.WrongObjectType(what=f'sequence cannot be owned by relation "{table.name}"')
    if table.schema_oid != seq_schema_oid:
        raise errors.ObjectNotInPrerequisiteState(
            what="sequence must be in same schema as table it is linked to")
    col = table.column_by_name.get(col_name)
    if col is None:
        raise errors.UndefinedColumn(f'column "{col_name}" of relation "{table.name}" does not exist')
    return table.oid, col.attnum


# -- CREATE, ALTER, DROP SEQUENCE -----------------------------------------------------------

async def create_sequence(binder: Binder, writer: CatalogWriter, node: ast.CreateSeqStmt) -> str:
    rv = node.sequence
    if rv.relpersistence == "t":
        raise errors.FeatureNotSupported(what="temporary sequences are not supported")
    schema = _target_schema(binder, rv.schemaname)
    name = _ident(rv.relname)
    if binder.catalog.name_taken(schema.oid, name):
        if node.if_not_exists:
            return "CREATE SEQUENCE"
        raise errors.DuplicateTable(name=name)
    given = parse_options(node.options)
    _check_sequence_count(binder)
    options, _ = build_options(binder, None, given)
    if "owned_by" in given:
        options = replace(options, owned_by=_owner(binder, schema.oid, given["owned_by"]))
    await _put_new_sequence(writer, schema, name, options)
    return "CREATE SEQUENCE"


def _check_sequence_count(binder: Binder, adding: int = 1) -> None:
    if not _dsql(binder):
        return
    count = sum(1 for r in binder.catalog.relations if r.kind == "S")
    if count + adding > limits.MAX_SEQUENCES:
        raise errors.ProgramLimitExceeded(
            what=f"creating more than {limits.MAX_SEQUENCES} sequences not allowed")


async def _put_new_sequence(writer: CatalogWriter, schema: Schema, name: str,
                            options: SequenceOptions) -> Relation:
    rel = Relation(await writer.allocate_oid(), schema.oid, name, "S", sequence_columns(),
                   sequence=options)
    writer.put_relation(rel)
    writer.txn.put(sequence_state_key(rel.oid), initial_state(options))
    return rel


def _sequence_named(binder: Binder, rv: ast.RangeVar) -> Relation | None:
    rel = binder.find_relation(rv.schemaname, rv.relname)
    if rel is not None and (rel.kind != "S" or rel.sequence is None):
        raise errors.WrongObjectType(what=f'"{rel.name}" is not a sequence')
    return rel


async def alter_sequence(binder: Binder, writer: CatalogWriter, node: ast.AlterSeqStmt) -> str:
    rel = _sequence_named(binder, node.sequence)
    if rel is None:
        if node.missing_ok:
            return "ALTER SEQUENCE"
        raise errors.UndefinedTable(name=node.sequence.relname)
    given = parse_options(node.options)
    options = rel.sequence
    assert options is not None
    if "owned_by" in given and options.identity:
        raise errors.FeatureNotSupported(
            what="cannot change ownership of identity sequence",
            detail=f'Sequence "{rel.name}" is linked to table '
                   f'"{_table_name(binder, options.owned_by[0])}".')
    await _alter(binder, writer, rel, given)
    return "ALTER SEQUENCE"


def _table_name(binder: Binder, oid: int) -> str:
    table = binder.catalog.relation_by_oid(oid)
    return table.name if table is not None else str(oid)


async def _alter(binder: Binder, writer: CatalogWriter, rel: Relation, given: dict[str, Any]) -> Relation:
    key = sequence_state_key(rel.oid)
    raw = await writer.txn.get(key)
    last_value = decode_state(raw)[0] if raw is not None else None
    options, restart = build_options(binder, rel.sequence, given, last_value=last_value)
    if "owned_by" in given:
        options = replace(options, owned_by=_owner(binder, rel.schema_oid, given["owned_by"]))
    if restart is not None:
        writer.txn.put(key, encode_state(restart, False))
    new = rel.with_changes(sequence=options)
    writer.put_relation(new)
    _forget(binder, rel.oid)  # this session's reserved values are from before the change
    return new


async def drop_sequences(binder: Binder, writer: CatalogWriter, node: ast.DropStmt) -> str:
    """DROP SEQUENCE [IF EXISTS] s, ... [CASCADE]: every name is resolved first; the
    column defaults and views that use them refuse the drop (2BP01, one DETAIL for all,
    as DROP TABLE's) or, with CASCADE, lose the default and go."""
    from borealis.sql.ddl import _refuse_dependents
    rels: list[Relation] = []
    for obj in node.objects:
        names = [s.sval for s in obj]
        rel = binder.find_relation(names[-2] if len(names) > 1 else None, names[-1])
        if rel is None or rel.kind != "S":
            if rel is None and node.missing_ok:
                continue
            if rel is None:
                raise errors.UndefinedTable(f'sequence "{names[-1]}" does not exist')
            hint = {"r": "Use DROP TABLE to remove a table.", "v": "Use DROP VIEW to remove a view."}
            raise errors.WrongObjectType(what=f'"{rel.name}" is not a sequence',
                                         hint=hint.get(rel.kind))
        options = rel.sequence
        assert options is not None
        if options.identity and options.owned_by[0]:
            table = binder.catalog.relation_by_oid(options.owned_by[0])
            col = _column(table, options.owned_by[1]) if table is not None else None
            if table is not None and col is not None:
                owner = f"column {col.name} of table {binder.described(table)}"
                raise errors.DependentObjectsStillExist(
                    what=f"cannot drop sequence {binder.described(rel)} because {owner} requires it",
                    hint=f"You can drop {owner} instead.")
        if all(r.oid != rel.oid for r in rels):
            rels.append(rel)
    named = {r.oid for r in rels}
    if node.behavior.value != 1:  # not CASCADE
        _refuse_dependents(binder, writer, rels, alter_columns.described(binder, rels[0])
                           if len(rels) == 1 else None)
    drop_dependents(binder, writer, rels, named)
    for rel in rels:
        drop_sequence(writer, rel)
        _forget(binder, rel.oid)
    return "DROP SEQUENCE"


def drop_sequence(writer: CatalogWriter, rel: Relation) -> None:
    writer.txn.delete(sequence_state_key(rel.oid))
    writer.drop_relation(rel)


def drop_owned_sequences(writer: CatalogWriter, table: Relation, attnum: int | None = None) -> None:
    """A table (or column) takes the sequences it owns with it: its identity and serial
    sequences, and those given OWNED BY."""
    for seq in writer.snapshot.owned_sequences(table.oid, attnum):
        drop_sequence(writer, seq)


def sequence_users(binder: Binder, seq: Relation,
                   table: Relation | None = None) -> list[tuple[Relation, Column]]:
    """The columns whose default calls `seq`; those of `table` (one an ALTER TABLE is
    changing) as its earlier subcommands left them."""
    users = binder.catalog.sequence_users(seq.oid)
    if table is None:
        return users
    return [*((t, c) for t, c in users if t.oid != table.oid),
            *((table, c) for c in table.live_columns if seq.oid in c.default_sequences)]


def dependent_lines(binder: Binder, writer: CatalogWriter, seqs: list[Relation],
                    dropping: set[int], shown: set[int],
                    gone: frozenset[tuple[int, int]] = frozenset(),
                    table: Relation | None = None) -> list[str]:
    """PostgreSQL's DETAIL lines for what depends on sequences a DROP takes (named, or
    going with the table, column or schema that owns them): column defaults that call
    one, outside the relations `dropping` and the columns `gone` (table OID, attnum),
    and views that read one (with the views over them), outside `shown`, which the
    ones named here join. `table`: the one an ALTER TABLE is changing, as it is now.
    Per sequence in the order they were made, as PostgreSQL lists them (a serial
    column's default with its table); the owning table's other defaults last, as it
    can only have been given them later (ALTER TABLE). (PostgreSQL orders by when each
    default was made, which is not recorded here: a default given to an older table
    after a view was made is listed before the view.)"""
    out: list[str] = []
    for seq in seqs:
        target = alter_columns.described(binder, seq)
        owner = seq.sequence.owned_by if seq.sequence is not None else (0, 0)
        entries: list[tuple[tuple[int, int], list[str]]] = []
        for view, why in alter_columns.views_reading(binder, writer, [seq], dropping):
            if view.oid in shown:
                continue
            shown.add(view.oid)
            line = f"view {binder.described(view)} depends on {why}"
            if why == target or not entries:
                entries.append(((view.oid, 0), [line]))
            else:  # a view over the one before
                entries[-1][1].append(line)
        for user, col in sequence_users(binder, seq, table):
            if user.oid not in dropping and (user.oid, col.attnum) not in gone:
                later = user.oid == owner[0] and col.attnum != owner[1]
                key = (1 << 62 if later else user.oid, col.attnum)
                entries.append((key, [f"default value for column {col.name} of table "
                                      f"{binder.described(user)} depends on {target}"]))
        out.extend(line for _, lines in sorted(entries, key=lambda e: e[0]) for line in lines)
    return out


def drop_dependents(binder: Binder, writer: CatalogWriter, seqs: list[Relation],
                    dropping: set[int]) -> None:
    """DROP ... CASCADE of sequences (named, or going with what owns them): the views
    that read one go, and the columns outside `dropping` whose default calls one lose
    their default, as PostgreSQL drops the default with the sequence."""
    if not seqs:
        return
    for view, _ in alter_columns.views_reading(binder, writer, seqs, dropping):
        writer.drop_relation(view)
    oids = {seq.oid for seq in seqs}
    tables = {table.oid: table for seq in seqs
              for table, _ in binder.catalog.sequence_users(seq.oid) if table.oid not in dropping}
    for table in tables.values():
        current = writer.current(table)
        if current is not None:  # (None: this statement dropped it)
            writer.put_relation(without_defaults(current, oids))


def without_defaults(rel: Relation, seq_oids: set[int]) -> Relation:
    """`rel` with no default that calls one of the sequences `seq_oids`."""
    if not any(seq_oids.intersection(c.default_sequences) for c in rel.columns):
        return rel
    return rel.with_changes(columns=tuple(
        replace(c, default=None, default_sequences=()) if seq_oids.intersection(c.default_sequences)
        else c for c in rel.columns))


def _column(table: Relation, attnum: int) -> Column | None:
    return next((c for c in table.columns if c.attnum == attnum and not c.dropped), None)


# -- columns: identity, serial, defaults that call sequences ------------------------------------

def serial_columns(binder: Binder, elts, table: str) -> tuple[list, dict[str, int]]:
    """CREATE TABLE's elements with SERIAL types replaced by their integer types, and
    which columns they were (name → type). In DSQL mode nothing is replaced: the type
    name is then unknown (42704 `type "serial" does not exist`), as in DSQL."""
    out, serials = [], {}
    for elt in elts or ():
        if isinstance(elt, ast.ColumnDef) and not _dsql(binder):
            names = [n.sval for n in elt.typeName.names]
            serial = SERIAL_TYPES.get(names[-1]) if len(names) == 1 and not elt.typeName.arrayBounds \
                else None
            if serial is not None:
                if any(c.contype in (ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_IDENTITY)
                       for c in elt.constraints or ()):
                    raise errors.SyntaxError(
                        what=f'multiple default values specified for column "{elt.colname}" of '
                             f'table "{table}"')
                elt = copy.copy(elt)
                elt.typeName = ast.TypeName(names=(ast.String("pg_catalog"),
                                                   ast.String(T.type_by_oid(serial).name)))
                serials[_ident(elt.colname)] = serial
        out.append(elt)
    return out, serials


def identity_constraint(elt: ast.ColumnDef, table: str) -> ast.Constraint | None:
    """The column's GENERATED ... AS IDENTITY clause (42601 when given twice or with a
    DEFAULT, as PostgreSQL)."""
    found = None
    has_default = False
    for con in elt.constraints or ():
        if con.contype == ConstrType.CONSTR_IDENTITY:
            if found is not None:
                raise errors.SyntaxError(
                    what=f'multiple identity specifications for column "{elt.colname}" of table "{table}"')
            found = con
        elif con.contype == ConstrType.CONSTR_DEFAULT:
            has_default = True
    if found is not None and has_default:
        raise errors.SyntaxError(
            what=f'both default and identity specified for column "{elt.colname}" of table "{table}"')
    return found


async def table_sequences(binder: Binder, writer: CatalogWriter, schema: Schema, table: str,
                          table_oid: int, elts, columns: list[Column],
                          serials: dict[str, int]) -> list[Column]:
    """CREATE TABLE: the sequences of identity and serial columns, and defaults that
    call sequences resolved to OIDs. Returns the columns to store."""
    identities = {}
    for elt in elts or ():
        if isinstance(elt, ast.ColumnDef):
            con = identity_constraint(elt, table)
            if con is not None:
                identities[_ident(elt.colname)] = con
    taken: set[str] = set()
    out = []
    for col in columns:
        con = identities.get(col.name)
        if con is not None:
            seq = await _identity_sequence(binder, writer, schema, table, table_oid, col,
                                           parse_options(con.options, for_identity=True), taken)
            col = replace(col, identity=con.generated_when, not_null=True,
                          identity_sequence=seq.oid)
        elif col.name in serials:
            _check_sequence_count(binder)
            name = _free_name(binder, schema, f"{table}_{col.name}_seq", taken)
            options, _ = build_options(binder, None, {"as": serials[col.name]})
            seq = await _put_new_sequence(writer, schema, name, replace(options, owned_by=(table_oid, col.attnum)))
            col = replace(col, not_null=True, default=f"nextval(CAST({seq.oid} AS regclass))",
                          default_sequences=(seq.oid,))
        elif col.default is not None:
            text, used = canonical_default(binder, col.default)
            col = replace(col, default=text, default_sequences=used)
        out.append(col)
    return out


async def _identity_sequence(binder: Binder, writer: CatalogWriter, schema: Schema, table: str,
                             table_oid: int, col: Column, given: dict[str, Any],
                             taken: set[str]) -> Relation:
    _check_identity_type(binder, col)
    if "as" in given:
        raise errors.SyntaxError(what='option "as" not recognized')
    given.pop("generated", None)
    seq_schema = schema
    if "sequence_name" in given:
        names = given.pop("sequence_name")
        if len(names) > 1:
            seq_schema = _target_schema(binder, names[-2])
        name = _ident(names[-1])
        if binder.catalog.name_taken(seq_schema.oid, name) or name in taken:
            raise errors.DuplicateTable(name=name)
        taken.add(name)
    else:
        name = _free_name(binder, schema, f"{table}_{col.name}_seq", taken)
    _check_sequence_count(binder)
    options, _ = build_options(binder, None, {**given, "as": col.type_oid})
    options = replace(options, owned_by=(table_oid, col.attnum), identity=True)
    return await _put_new_sequence(writer, seq_schema, name, options)


def _check_identity_type(binder: Binder, col: Column) -> None:
    if col.type_oid not in SEQUENCE_TYPE_BOUNDS or (_dsql(binder) and col.type_oid != INT8_OID):
        if _dsql(binder):
            raise errors.IdentityTypeNotBigint(type=_type_label(col.type_oid))
        raise errors.InvalidParameterValue(what="identity column type must be smallint, integer, or bigint")


def _free_name(binder: Binder, schema: Schema, base: str, taken: set[str]) -> str:
    """PostgreSQL's choice of an implicit name: `base`, else base1, base2, ..."""
    for n in range(NAME_SUFFIX_TRIES_MAX):
        suffix = str(n) if n else ""
        head = _ident(base)
        while len((head + suffix).encode()) > 63:
            head = head[:-1]
        name = head + suffix
        if not binder.catalog.name_taken(schema.oid, name) and name not in taken:
            taken.add(name)
            return name
    raise errors.DuplicateTable(name=base)


async def alter_identity(binder: Binder, writer: CatalogWriter, rel: Relation,
                         cmd: ast.AlterTableCmd) -> Relation:
    """ALTER TABLE ... ALTER COLUMN ... ADD GENERATED / SET GENERATED / SET options /
    RESTART / DROP IDENTITY. Returns the table with the column changed."""
    col = rel.column_by_name.get(cmd.name)
    if col is None:
        raise errors.UndefinedColumn(f'column "{cmd.name}" of relation "{rel.name}" does not exist')
    where = f'column "{col.name}" of relation "{rel.name}"'
    if cmd.subtype == AlterTableType.AT_AddIdentity:
        _check_identity_type(binder, col)
        if col.identity:
            raise errors.ObjectNotInPrerequisiteState(what=f"{where} is already an identity column")
        if not col.not_null:
            raise errors.ObjectNotInPrerequisiteState(
                what=f"{where} must be declared NOT NULL before identity can be added")
        if col.default is not None:
            raise errors.ObjectNotInPrerequisiteState(what=f"{where} already has a default value")
        schema = binder.catalog.schema_by_oid(rel.schema_oid)
        assert schema is not None
        seq = await _identity_sequence(binder, writer, schema, rel.name, rel.oid, col,
                                       parse_options(cmd.def_.options, for_identity=True), set())
        new = replace(col, identity=cmd.def_.generated_when, identity_sequence=seq.oid)
    elif not col.identity:
        if cmd.subtype == AlterTableType.AT_DropIdentity and cmd.missing_ok:
            return rel
        raise errors.ObjectNotInPrerequisiteState(what=f"{where} is not an identity column")
    elif cmd.subtype == AlterTableType.AT_DropIdentity:
        seq = binder.catalog.relation_by_oid(col.identity_sequence)
        if seq is not None:
            # Another default or a view calling the sequence keeps it (PostgreSQL's
            # DROP IDENTITY has no CASCADE).
            from borealis.sql.ddl import _refuse_dependents
            _refuse_dependents(binder, writer, [seq], alter_columns.described(binder, seq),
                               table=rel)
            drop_sequence(writer, seq)
            _forget(binder, seq.oid)
        new = replace(col, identity="", identity_sequence=0)
    else:  # AT_SetIdentity: GENERATED, RESTART and sequence options
        given = parse_options(cmd.def_, for_identity=True)
        generated = given.pop("generated", col.identity)
        if "as" in given or "owned_by" in given or "sequence_name" in given:
            raise errors.SyntaxError(what="invalid option for an identity column")
        seq = binder.catalog.relation_by_oid(col.identity_sequence)
        if seq is not None and given:
            await _alter(binder, writer, seq, given)
        new = replace(col, identity=generated)
    return rel.with_changes(columns=tuple(new if c.attnum == col.attnum else c for c in rel.columns))


def column_with_default(binder: Binder, rel: Relation, col: Column, node: ast.Node | None) -> Column:
    """ALTER COLUMN SET DEFAULT / DROP DEFAULT (not on an identity column: 42601)."""
    if col.identity:
        raise errors.SyntaxError(
            what=f'column "{col.name}" of relation "{rel.name}" is an identity column',
            hint="Use ALTER TABLE ... ALTER COLUMN ... DROP IDENTITY instead." if node is None else None)
    if node is None:
        return replace(col, default=None, default_sequences=())
    from borealis.sql.dml import check_default
    text, used = canonical_default(binder, deparse(node))
    new = replace(col, default=text, default_sequences=used)
    check_default(binder, new)
    return new


class _SequenceNames(Visitor):
    """Rewrites the regclass constant a sequence function is called with (`'s'`,
    `'s'::regclass`) to the sequence's OID."""

    def __init__(self, resolve) -> None:
        super().__init__()
        self.resolve = resolve
        self.changed = False

    def visit_FuncCall(self, ancestors, node: ast.FuncCall) -> None:
        if node.funcname[-1].sval not in SEQUENCE_FUNCTIONS or not node.args \
                or len(node.funcname) > 1 and node.funcname[0].sval != "pg_catalog":
            return  # (a function of that name in another schema is a user's)
        first = node.args[0]
        literal = first.arg if isinstance(first, ast.TypeCast) else first
        if not (isinstance(literal, ast.A_Const) and isinstance(literal.val, ast.String)):
            return
        if isinstance(first, ast.TypeCast) and first.typeName.names[-1].sval != "regclass":
            return  # `'s'::text` is looked up when called, as in PostgreSQL: no dependency
        oid = self.resolve(literal.val.sval)
        cast = ast.TypeCast(arg=ast.A_Const(val=ast.Integer(oid)),
                            typeName=ast.TypeName(names=(ast.String("regclass"),)))
        node.args = (cast, *node.args[1:])
        self.changed = True


def canonical_default(binder: Binder, text: str) -> tuple[str, tuple[int, ...]]:
    """A default's SQL text with sequence names resolved to OIDs, and those OIDs."""
    if not any(f in text.lower() for f in SEQUENCE_FUNCTIONS):
        return text, ()
    (raw,) = parse_sql("SELECT " + text)
    expr = raw.stmt.targetList[0].val
    used = canonical_sequences(binder, expr)
    if used is None:
        return text, ()
    return deparse(expr), used


def canonical_sequences(binder: Binder, node: ast.Node, *,
                        missing_ok: bool = False) -> tuple[int, ...] | None:
    """Rewrites in `node` (a default, a view's query) the relation each
    nextval/currval/setval names to its OID, as PostgreSQL stores a regclass constant:
    the sequence is found by the search path now, and renaming it later changes
    nothing. The sequences named, each once (None: no call to rewrite). A name that
    finds no relation is 42P01, or with `missing_ok` left out."""
    names = V.CatalogNames(binder.catalog, V.current_search_path(binder.ctx))
    used: list[int] = []

    def resolve(name: str) -> int:
        try:
            oid = names.relation_oid(name)
        except errors.BorealisError:
            if not missing_ok:
                raise
            return 0
        rel = binder.catalog.relation_by_oid(oid)
        if rel is not None and rel.kind == "S" and oid not in used:
            used.append(oid)
        return oid
    visitor = _SequenceNames(resolve)
    visitor(node)
    return tuple(used) if visitor.changed else None


# `CAST(16390 AS regclass)` in a deparsed text, not inside a string or quoted name
# (matched first, and kept): `'see CAST(1 AS regclass)'` is a literal.
_OID_CAST = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|CAST\((\d+) AS regclass\)""")


def sequences_named(text: str) -> set[int]:
    """The relations a stored text names by OID (`CAST(16390 AS regclass)`)."""
    return {int(m.group(1)) for m in _OID_CAST.finditer(text) if m.group(1)}


def sequences_called(binder: Binder, node: ast.Node) -> set[int]:
    """The sequences a parsed text calls by name, `nextval('s')`, resolved with the
    search path now (a view stored before views named them by OID); `node` stays."""
    return set(canonical_sequences(binder, copy.deepcopy(node), missing_ok=True) or ())


def display_default_sequences(text: str, relation_name) -> str:
    """A stored default as PostgreSQL shows it: `nextval('name'::regclass)`, the name
    as regclass prints it now (`relation_name(oid)`: qualified if not visible)."""
    def name(match: re.Match) -> str:
        if match.group(1) is None:
            return match.group(0)  # a string or a quoted name, as it is
        found = relation_name(int(match.group(1)))
        if found is None:
            return match.group(1) + "::regclass"
        return "'" + found.replace("'", "''") + "'::regclass"
    return _OID_CAST.sub(name, text)


__all__ = ["alter_identity", "alter_sequence", "canonical_default", "column_with_default",
           "create_sequence", "dependent_lines", "display_default_sequences", "drop_dependents",
           "drop_owned_sequences", "drop_sequences", "sequence_users", "sequences_called",
           "sequences_named", "serial_columns",
           "table_sequences", "without_defaults"]
