"""Privilege checks: who may read, write and change what (PostgreSQL's model, DSQL's admin).

The records and the ACL algebra are `catalog.roles`; this module applies them while a
statement is bound, against the same catalog snapshot the statement reads (so a GRANT
or REVOKE, which bumps the catalog version, applies from the next transaction, as in
DSQL, dsql-behaviour.md §5):

```
 Binder.relation(rv, letters) ─▶ resolve(): USAGE on the schema (an unqualified name
                                 skips schemas without it, like PostgreSQL's search
                                 path), then `letters` on the relation → 42501
 bind_view ─ the view body is checked as the view's owner (`acting_as`)
 execute_ddl ─▶ check_ddl(): CREATE on the target schema; ownership of the object that
                DROP / ALTER / COMMENT / CREATE INDEX change; CREATE SCHEMA is admin's
 has_table_privilege & co. ─▶ the same rules, as SQL functions
```

Whose privileges: the session's current role (`Session.current_user`: the login role,
or the one `SET ROLE` chose). A session user that is not a role of the catalog (only
possible with `--auth trust`, or after its role was dropped) has the privileges of
PUBLIC and nothing more. Binds with no session (internal re-binds, the job runner) are
not checked.

DSQL's `admin` is not a superuser here: it holds exactly what PostgreSQL's privilege
rules give it, i.e. everything on what it owns (it owns what it creates, and the
`public` schema) and nothing on what other roles create unless granted, or unless it
grants itself their role (`GRANT app TO admin`), as DSQL documents. Single-user setups,
where admin creates everything, see no difference.

Where PostgreSQL checks column by column, Borealis checks the table: UPDATE and DELETE
need SELECT as well when they read columns (a WHERE clause, SET expressions that name
columns, RETURNING), INSERT needs SELECT for RETURNING and UPDATE for ON CONFLICT DO
UPDATE. Column-level grants (`GRANT SELECT (a) ON t`) are refused. SELECT ... FOR
UPDATE needs only SELECT. A FOREIGN KEY needs REFERENCES on the table it points to;
nextval / setval / currval check the sequence at run time (`check_sequence_call`, from
`qp.sequences`), except an identity column's own sequence. CREATE VIEW binds its body
as the creating role, so that role needs SELECT on what the view reads when it creates
it (PostgreSQL checks only when the view is used, as its owner, which Borealis does too).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pglast import ast
from pglast.enums import ObjectType

from borealis.catalog import roles as R
from borealis.catalog.model import (
    INFORMATION_SCHEMA_OID,
    PG_CATALOG_OID,
    PUBLIC_SCHEMA_OID,
    SYS_SCHEMA_OID,
    CatalogSnapshot,
    Relation,
    Schema,
)
from borealis.core import errors

NOBODY = -1  # the acting role of a session whose user is not a role: PUBLIC's privileges
SYSTEM_SCHEMAS = frozenset({PG_CATALOG_OID, INFORMATION_SCHEMA_OID, SYS_SCHEMA_OID})
SYSTEM_SCHEMA_NAMES = frozenset({"pg_catalog", "information_schema", "sys"})
DATABASE_NAME = "postgres"


# -- who is acting -----------------------------------------------------------------------

def acting_role(ctx: Any) -> int | None:
    """The OID of the role whose privileges apply to this bind, None when unchecked."""
    session = getattr(ctx, "settings", None)
    if getattr(session, "current_user", None) is None:
        return None  # no session: an internal bind
    name = getattr(ctx, "acting_as", None) or session.current_user
    oid = ctx.catalog.auth.oid_of(name)
    return oid if oid is not None else NOBODY


@contextmanager
def acting_as(ctx: Any, owner: str) -> Iterator[None]:
    """Check what is bound inside as `owner` (a view's body: PostgreSQL checks the
    relations a view reads with its owner's privileges)."""
    before = getattr(ctx, "acting_as", None)
    ctx.acting_as = owner
    try:
        yield
    finally:
        ctx.acting_as = before


def owner_oid(catalog: CatalogSnapshot, owner: str) -> int:
    oid = catalog.auth.oid_of(owner)
    return oid if oid is not None else NOBODY - 1  # an owner no session can act as


def is_owner(catalog: CatalogSnapshot, role: int, owner: str) -> bool:
    """`role` has the privileges of the owner role (is it, or inherits it)."""
    return catalog.auth.has_privs_of(role, owner_oid(catalog, owner))


# -- what a role holds -------------------------------------------------------------------

def schema_acl(catalog: CatalogSnapshot, schema: Schema) -> tuple[R.AclItem, ...]:
    return catalog.auth.acl(schema.oid, "schema", owner_oid(catalog, schema.owner),
                            public_schema=schema.oid == PUBLIC_SCHEMA_OID)


def relation_acl(catalog: CatalogSnapshot, rel: Relation) -> tuple[R.AclItem, ...]:
    return catalog.auth.acl(rel.oid, R.relation_kind(rel.kind), owner_oid(catalog, rel.owner))


def schema_privileges(catalog: CatalogSnapshot, role: int, schema: Schema, *,
                      grant_option: bool = False) -> set[str]:
    if schema.oid in SYSTEM_SCHEMAS:
        return set() if grant_option else {"U"}
    return catalog.auth.privileges(role, schema_acl(catalog, schema),
                                   owner_oid(catalog, schema.owner), grant_option=grant_option)


def relation_privileges(catalog: CatalogSnapshot, role: int, rel: Relation, *,
                        grant_option: bool = False) -> set[str]:
    if is_virtual(rel):
        return set() if grant_option else {"r"}  # system catalogs: SELECT for PUBLIC
    return catalog.auth.privileges(role, relation_acl(catalog, rel),
                                   owner_oid(catalog, rel.owner), grant_option=grant_option)


def function_acl(catalog: CatalogSnapshot, fn: Any) -> tuple[R.AclItem, ...]:
    return catalog.auth.acl(fn.oid, "function", owner_oid(catalog, fn.owner))


def function_privileges(catalog: CatalogSnapshot, role: int, fn: Any, *,
                        grant_option: bool = False) -> set[str]:
    """EXECUTE ("X") of a SQL function: PUBLIC holds it unless revoked."""
    return catalog.auth.privileges(role, function_acl(catalog, fn), owner_oid(catalog, fn.owner),
                                   grant_option=grant_option)


def object_acl(catalog: CatalogSnapshot, objkind: str, obj: Any) -> tuple[R.AclItem, ...]:
    """The ACL of a schema, a function, or a relation (table, view, sequence)."""
    if objkind == "schema":
        return schema_acl(catalog, obj)
    if objkind == "function":
        return function_acl(catalog, obj)
    return relation_acl(catalog, obj)


def object_privileges(catalog: CatalogSnapshot, role: int, objkind: str, obj: Any, *,
                      grant_option: bool = False) -> set[str]:
    if objkind == "schema":
        return schema_privileges(catalog, role, obj, grant_option=grant_option)
    if objkind == "function":
        return function_privileges(catalog, role, obj, grant_option=grant_option)
    return relation_privileges(catalog, role, obj, grant_option=grant_option)


def is_virtual(rel: Relation) -> bool:
    return getattr(rel, "virtual_rows", None) is not None


def schema_usable(catalog: CatalogSnapshot, role: int, schema: Schema | None) -> bool:
    return schema is None or "U" in schema_privileges(catalog, role, schema)


# -- checks at bind time ------------------------------------------------------------------

def check_relation(ctx: Any, rel: Relation, letters: str) -> None:
    """42501 unless the acting role holds every privilege in `letters` on `rel`."""
    role = acting_role(ctx)
    if role is None or not letters or is_virtual(rel):
        return
    if rel.kind != "r" and any(ch in "awdD" for ch in letters):
        return  # INSERT / UPDATE / DELETE of a view or sequence: refused for its kind
    held = relation_privileges(ctx.catalog, role, rel)
    if any(ch not in held for ch in letters):
        raise errors.PermissionDenied(kind=R.relation_kind(rel.kind), name=rel.name)


def check_schema(ctx: Any, schema: Schema, letter: str) -> None:
    role = acting_role(ctx)
    if role is None:
        return
    if letter not in schema_privileges(ctx.catalog, role, schema):
        raise errors.PermissionDenied(kind="schema", name=schema.name)


def resolve(binder: Any, rv: ast.RangeVar, rel: Relation | None, letters: str) -> Relation | None:
    """`Binder.relation`'s checks on what `find_relation` found (None: not found).

    A qualified name in a schema without USAGE is 42501 for the schema (even when the
    relation does not exist, as in PostgreSQL); an unqualified name skips such schemas
    on the search path. Then the relation itself needs `letters`."""
    ctx = binder.ctx
    role = acting_role(ctx)
    if role is None:
        return rel
    catalog = ctx.catalog
    if rv.schemaname is not None:
        schema = catalog.schema(rv.schemaname)
        if schema is not None and not schema_usable(catalog, role, schema):
            raise errors.PermissionDenied(kind="schema", name=schema.name)
    elif rel is not None and not is_virtual(rel) \
            and not schema_usable(catalog, role, catalog.schema_by_oid(rel.schema_oid)):
        rel = _search_usable(binder, role, rv.relname)
    if rel is not None:
        check_relation(ctx, rel, letters)
    return rel


def _search_usable(binder: Any, role: int, name: str) -> Relation | None:
    catalog = binder.ctx.catalog
    for sname in binder.ctx.search_path:
        schema = catalog.schema(sname)
        if schema is not None and schema_usable(catalog, role, schema):
            rel = catalog.relation(schema.oid, name)
            if rel is not None:
                return rel
    virtual = binder.ctx.virtual
    return virtual.relation("pg_catalog", name) if virtual is not None else None


def dml_letters(stmt: ast.Node) -> str:
    """The privileges an INSERT, UPDATE or DELETE needs on its target table."""
    if isinstance(stmt, ast.InsertStmt):
        letters = "a"
        conflict = getattr(stmt, "onConflictClause", None)
        if conflict is not None and conflict.action is not None and conflict.action.name == "ONCONFLICT_UPDATE":
            letters += "wr"
        if getattr(stmt, "returningClause", None) is not None:
            letters += "r"
        return letters
    if isinstance(stmt, ast.UpdateStmt):
        reads = getattr(stmt, "whereClause", None) is not None or getattr(stmt, "returningClause", None) is not None \
            or any(_names_columns(t.val) for t in stmt.targetList or ())
        return "w" + ("r" if reads else "")
    reads = getattr(stmt, "whereClause", None) is not None or getattr(stmt, "returningClause", None) is not None
    return "d" + ("r" if reads else "")


def _names_columns(node: Any) -> bool:
    """Does an expression tree mention a column (a ColumnRef), subqueries included?"""
    todo, seen = [node], 0
    while todo and seen < 100_000:
        seen += 1
        current = todo.pop()
        if isinstance(current, ast.ColumnRef):
            return True
        if isinstance(current, (tuple, list)):
            todo.extend(current)
        elif isinstance(current, ast.Node):
            todo.extend(getattr(current, name) for name in current)
    return False


# -- DDL -------------------------------------------------------------------------------------

def check_ddl(binder: Any, node: Any) -> None:
    """Before a DDL statement runs: the privileges PostgreSQL asks of it (the
    statements of `sql.role_ddl` check their own)."""
    role = acting_role(binder.ctx)
    if role is None:
        return
    check = _DDL_CHECKS.get(type(node))
    if check is not None:
        check(binder, role, node)


def _must_own_relation(binder: Any, role: int, schemaname: str | None, name: str,
                       kind: str | None = None) -> None:
    catalog = binder.ctx.catalog
    if schemaname is not None:
        schema = catalog.schema(schemaname)
        if schema is not None and not schema_usable(catalog, role, schema):
            raise errors.PermissionDenied(kind="schema", name=schema.name)
    rel = binder.find_relation(schemaname, name)
    if rel is None:
        return  # the statement reports it
    if is_virtual(rel):
        raise errors.MustBeOwner(kind=kind or "table", name=rel.name)
    if is_owner(catalog, role, rel.owner):
        return
    schema = catalog.schema_by_oid(rel.schema_oid)
    if schema is not None and is_owner(catalog, role, schema.owner) and kind == "drop":
        return  # PostgreSQL: the schema's owner may drop what is in it
    raise errors.MustBeOwner(kind=R.relation_kind(rel.kind), name=rel.name)


def _must_own_index(binder: Any, role: int, names: list[str]) -> None:
    catalog = binder.ctx.catalog
    schemas = [names[-2]] if len(names) > 1 else list(binder.ctx.search_path)
    for sname in schemas:
        schema = catalog.schema(sname)
        found = catalog.index(schema.oid, names[-1]) if schema is not None else None
        if found is not None:
            if not is_owner(catalog, role, found[0].owner):
                raise errors.MustBeOwner(kind="index", name=found[1].name)
            return


def _must_own_schema(binder: Any, role: int, name: str) -> None:
    catalog = binder.ctx.catalog
    if name in SYSTEM_SCHEMA_NAMES:
        raise errors.MustBeOwner(kind="schema", name=name)
    schema = catalog.schema(name)
    if schema is not None and not is_owner(catalog, role, schema.owner):
        raise errors.MustBeOwner(kind="schema", name=name)


def _create_in(binder: Any, role: int, schemaname: str | None) -> None:
    """CREATE on the schema a new relation goes to (the first existing schema of the
    search path when unqualified, as DDL picks it)."""
    catalog = binder.ctx.catalog
    if schemaname in SYSTEM_SCHEMA_NAMES:
        raise errors.PermissionDenied(kind="schema", name=schemaname)
    name = schemaname or next((s for s in binder.ctx.search_path if catalog.schema(s)), None)
    schema = catalog.schema(name) if name is not None else None
    if schema is not None:
        check_schema(binder.ctx, schema, "C")


def _check_create_schema(binder: Any, role: int, node: ast.CreateSchemaStmt) -> None:
    """Only admin holds CREATE on the database. AUTHORIZATION (another owner) is not
    supported: the new schema belongs to the role that creates it."""
    if role != R.ADMIN_OID:
        raise errors.PermissionDenied(kind="database", name=DATABASE_NAME)
    spec = getattr(node, "authrole", None)
    named = getattr(spec, "rolename", None)
    if spec is not None and (named != binder.ctx.settings.current_user or not node.schemaname):
        raise errors.FeatureNotSupported(what="CREATE SCHEMA ... AUTHORIZATION another role is not supported")


def _check_drop(binder: Any, role: int, node: ast.DropStmt) -> None:
    kind = node.removeType
    for obj in node.objects or ():
        if kind == ObjectType.OBJECT_SCHEMA:
            name = obj.sval if isinstance(obj, ast.String) else obj[-1].sval
            _must_own_schema(binder, role, name)
            continue
        names = [s.sval for s in obj] if isinstance(obj, (tuple, list)) else []
        if not names:
            continue
        if kind == ObjectType.OBJECT_INDEX:
            _must_own_index(binder, role, names)
        elif kind in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_SEQUENCE):
            _must_own_relation(binder, role, names[-2] if len(names) > 1 else None, names[-1], "drop")


def _check_rename(binder: Any, role: int, node: ast.RenameStmt) -> None:
    kind = node.renameType
    if kind == ObjectType.OBJECT_ROLE:
        return  # sql.role_ddl
    if kind == ObjectType.OBJECT_SCHEMA:
        _must_own_schema(binder, role, node.subname)
    elif kind == ObjectType.OBJECT_INDEX and node.relation is not None:
        rv = node.relation
        _must_own_index(binder, role, [rv.schemaname, rv.relname] if rv.schemaname else [rv.relname])
    elif node.relation is not None:
        _must_own_relation(binder, role, node.relation.schemaname, node.relation.relname)


def _check_comment(binder: Any, role: int, node: ast.CommentStmt) -> None:
    kind = node.objtype
    if kind == ObjectType.OBJECT_SCHEMA:
        _must_own_schema(binder, role, node.object.sval)
        return
    names = [s.sval for s in node.object] if isinstance(node.object, (tuple, list)) else []
    if not names:
        return
    if kind == ObjectType.OBJECT_COLUMN and len(names) >= 2:
        _must_own_relation(binder, role, names[-3] if len(names) > 2 else None, names[-2])
    elif kind == ObjectType.OBJECT_INDEX:
        _must_own_index(binder, role, names)
    elif kind in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_SEQUENCE):
        _must_own_relation(binder, role, names[-2] if len(names) > 1 else None, names[-1])


def _check_view(binder: Any, role: int, node: ast.ViewStmt) -> None:
    _create_in(binder, role, node.view.schemaname)
    if node.replace:
        rel = binder.find_relation(node.view.schemaname, node.view.relname)
        if rel is not None and not is_virtual(rel) and not is_owner(binder.ctx.catalog, role, rel.owner):
            raise errors.MustBeOwner(kind=R.relation_kind(rel.kind), name=rel.name)


def _foreign_key_targets(node: ast.Node) -> Iterator[ast.RangeVar]:
    """The tables FOREIGN KEY constraints of a CREATE / ALTER TABLE reference."""
    elements: list = []
    if isinstance(node, ast.CreateStmt):
        for elt in node.tableElts or ():
            elements.append(elt)
            elements.extend(getattr(elt, "constraints", None) or ())
    else:
        elements.extend(cmd.def_ for cmd in node.cmds or () if isinstance(cmd.def_, ast.Constraint))
    for con in elements:
        if isinstance(con, ast.Constraint) and getattr(con, "pktable", None) is not None:
            yield con.pktable


def _check_references(binder: Any, role: int, node: ast.Node) -> None:
    """REFERENCES on each table a new foreign key points to."""
    for rv in _foreign_key_targets(node):
        rel = binder.find_relation(rv.schemaname, rv.relname)
        if rel is not None:
            check_relation(binder.ctx, rel, "x")


def _check_create_table(binder: Any, role: int, node: ast.CreateStmt) -> None:
    _create_in(binder, role, node.relation.schemaname)
    _check_references(binder, role, node)


def _check_alter_table(binder: Any, role: int, node: ast.AlterTableStmt) -> None:
    _must_own_relation(binder, role, node.relation.schemaname, node.relation.relname)
    _check_references(binder, role, node)


_DDL_CHECKS = {
    ast.CreateSchemaStmt: _check_create_schema,
    ast.CreateStmt: _check_create_table,
    ast.ViewStmt: _check_view,
    ast.CreateSeqStmt: lambda b, r, n: _create_in(b, r, n.sequence.schemaname),
    ast.IndexStmt: lambda b, r, n: _must_own_relation(b, r, n.relation.schemaname, n.relation.relname),
    ast.DropStmt: _check_drop,
    ast.AlterTableStmt: _check_alter_table,
    ast.AlterSeqStmt: lambda b, r, n: _must_own_relation(b, r, n.sequence.schemaname, n.sequence.relname),
    ast.RenameStmt: _check_rename,
    ast.CommentStmt: _check_comment,
}


# -- sequences at run time ----------------------------------------------------------------------

def check_sequence_call(session: Any, catalog: CatalogSnapshot | None, rel: Relation,
                        function: str) -> None:
    """nextval needs USAGE or UPDATE, setval UPDATE, currval USAGE or SELECT on the
    sequence; an identity column's own sequence is not checked (PostgreSQL checks the
    INSERT instead)."""
    name = getattr(session, "current_user", None)
    if catalog is None or name is None or (rel.sequence is not None and rel.sequence.identity):
        return
    oid = catalog.auth.oid_of(name)
    held = relation_privileges(catalog, oid if oid is not None else NOBODY, rel)
    wanted = {"nextval": "Uw", "setval": "w", "currval": "Ur"}.get(function, "")
    if wanted and not any(ch in held for ch in wanted):
        raise errors.PermissionDenied(kind="sequence", name=rel.name)


# -- has_table_privilege & co. ---------------------------------------------------------------

_OID_TYPES = frozenset({26, 2205, 4089, 4096, 20, 21, 23})  # oid, regclass, regnamespace, regrole, ints
BOOL, TEXT = 16, 25
_TABLE_WORDS = {**R.TABLE_PRIVILEGES, "MAINTAIN": ""}
_COLUMN_WORDS = {k: R.TABLE_PRIVILEGES[k] for k in ("SELECT", "INSERT", "UPDATE", "REFERENCES")}
_DATABASE_WORDS = {"CREATE": "C", "CONNECT": "c", "TEMPORARY": "T", "TEMP": "T"}
_ROLE_WORDS = {"MEMBER": "m", "USAGE": "u", "SET": "s"}


def _wanted(text: str, words: dict[str, str]) -> list[tuple[str, bool]]:
    """'SELECT, UPDATE WITH GRANT OPTION' → [(letter, with grant option)]."""
    out = []
    for part in text.split(","):
        word = " ".join(part.split()).upper()
        grant_option = word.endswith(" WITH GRANT OPTION") or word.endswith(" WITH ADMIN OPTION")
        if grant_option:
            word = word.rsplit(" WITH ", 1)[0]
        if word not in words:
            raise errors.InvalidParameterValue(what=f'unrecognized privilege type: "{part.strip()}"')
        out.append((words[word], grant_option))
    return out


class _Subject:
    """The role a privilege function asks about: given, or the current user."""

    def __init__(self, binder: Any) -> None:
        self.catalog: CatalogSnapshot = binder.ctx.catalog
        self.session = binder.ctx.settings

    def role(self, given: Any) -> int:
        auth = self.catalog.auth
        if given is None:
            name = getattr(self.session, "current_user", None) or R.ADMIN_NAME
            oid = auth.oid_of(name)
            return oid if oid is not None else NOBODY
        if isinstance(given, int):
            return given
        if given.lower() == "public":
            return R.PUBLIC_OID
        oid = auth.oid_of(given)
        if oid is None:
            raise errors.UndefinedRole(name=given)
        return oid


def _relation(subject: _Subject, binder: Any, given: Any) -> Relation | None:
    from borealis.catalog import virtual as V
    catalog = subject.catalog
    if isinstance(given, int):
        return catalog.relation_by_oid(given) or V.virtual_relation_by_oid(given)
    names = V.CatalogNames(catalog, V.current_search_path(binder.ctx))
    oid = names.lookup(given)
    if oid is None:
        raise errors.UndefinedTable(name=given)
    rel = catalog.relation_by_oid(oid) or V.virtual_relation_by_oid(oid)
    if rel is None:  # an index
        raise errors.WrongObjectType(what=f'"{given}" is an index')
    return rel


def _schema(catalog: CatalogSnapshot, given: Any) -> Schema | None:
    from borealis.catalog import virtual as V
    if isinstance(given, int):
        found = [s for s in V.builtin_schemas() if s.oid == given]
        return found[0] if found else catalog.schema_by_oid(given)
    found = [s for s in V.builtin_schemas() if s.name == given]
    schema = found[0] if found else catalog.schema(given)
    if schema is None:
        raise errors.UndefinedSchema(name=given)
    return schema


def _role_holds(subject: _Subject, role: int, held_fn, wanted: list[tuple[str, bool]]) -> bool:
    plain = held_fn(role, False)
    grantable = held_fn(role, True) if any(g for _, g in wanted) else set()
    return any((letter in grantable) if g else (letter in plain) for letter, g in wanted)


def _bind_privilege_function(name: str, binder: Any, args: list) -> Any:
    from borealis.sql.expr import Call
    from borealis.sql.functions import _arity
    counts = {"has_column_privilege": (3, 4)}.get(name, (2, 3))
    _arity(name, args, *counts)
    coerced = tuple(a if a.oid in _OID_TYPES else binder.coerce(a, TEXT) for a in args)
    subject = _Subject(binder)
    catalog = subject.catalog

    def answer(*values: Any) -> bool | None:
        if any(v is None for v in values):
            return None
        values = tuple(int(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in values)
        user = values[0] if len(values) == counts[1] else None
        rest = values[1:] if len(values) == counts[1] else values
        role = subject.role(user)
        return _answer(name, binder, subject, catalog, role, rest)
    return Call(BOOL, name=name, fn=answer, args=coerced, strict=False, volatile=True)


def _answer(name: str, binder: Any, subject: _Subject, catalog: CatalogSnapshot, role: int,
            rest: tuple) -> bool | None:
    auth = catalog.auth
    if name in ("has_table_privilege", "has_any_column_privilege", "has_column_privilege",
                "has_sequence_privilege"):
        rel = _relation(subject, binder, rest[0])
        if rel is None:
            return None
        if name == "has_sequence_privilege":
            if rel.kind != "S":
                raise errors.WrongObjectType(what=f'"{rel.name}" is not a sequence')
            words = R.SEQUENCE_PRIVILEGES
        else:
            words = _TABLE_WORDS if name == "has_table_privilege" else _COLUMN_WORDS
        wanted = _wanted(rest[-1], words)
        return _role_holds(subject, role, lambda r, g: relation_privileges(
            catalog, r, rel, grant_option=g), wanted)
    if name == "has_schema_privilege":
        schema = _schema(catalog, rest[0])
        if schema is None:
            return None
        wanted = _wanted(rest[-1], R.SCHEMA_PRIVILEGES)
        return _role_holds(subject, role, lambda r, g: schema_privileges(
            catalog, r, schema, grant_option=g), wanted)
    if name == "has_database_privilege":
        wanted = _wanted(rest[-1], _DATABASE_WORDS)
        return any(letter != "C" or role == R.ADMIN_OID for letter, _ in wanted)
    if name == "pg_has_role":
        target = subject.role(rest[0])
        wanted = _wanted(rest[-1], _ROLE_WORDS)
        for letter, admin_option in wanted:
            if admin_option:
                granted = auth.by_oid.get(target)
                if granted is not None and any(m.member == role and m.admin_option
                                               for m in granted.members):
                    return True
            elif auth.has_privs_of(role, target) if letter == "u" else auth.is_member(role, target):
                return True
        return False
    return True  # functions (EXECUTE is PUBLIC's), languages, types, ...


PRIVILEGE_FUNCTIONS = ("has_table_privilege", "has_schema_privilege", "has_sequence_privilege",
                       "has_any_column_privilege", "has_column_privilege",
                       "has_database_privilege", "pg_has_role")


def privilege_function(name: str):
    """The binder of a privilege function `sql.catalog_functions` registers."""
    return lambda binder, args: _bind_privilege_function(name, binder, args)
