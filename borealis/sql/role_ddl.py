"""Role and privilege statements: CREATE / ALTER / DROP ROLE, GRANT / REVOKE, ALTER DEFAULT
PRIVILEGES, OWNER TO, and DSQL's AWS IAM GRANT / REVOKE (dsql-behaviour.md §4.4, §5).

Each is a catalog transaction like any DDL (`sql.ddl.execute_ddl` dispatches here): it
reads the snapshot, writes `catalog.roles` records with `CatalogWriter`, which bumps the
catalog version, so the change applies from the next transaction and concurrent
transactions that read the catalog get OC001, as in DSQL.

Who may do what (DSQL's model on PostgreSQL's rules; `admin` is not a superuser):

    CREATE / ALTER / DROP ROLE, RENAME      admin only (role attributes are not honoured)
    AWS IAM GRANT / REVOKE                  admin only; the role must exist with LOGIN
    GRANT / REVOKE on an object             its owner, or a holder of the grant option
                                            (grants are recorded as the owner's)
    GRANT / REVOKE role TO / FROM role      admin, or a holder of the role's ADMIN OPTION;
                                            nobody grants `admin`
    ALTER DEFAULT PRIVILEGES [FOR ROLE r]   members of r (default: the current role)
    ALTER ... OWNER TO r                    the owner, if a member of r, and r may CREATE
                                            in the schema (schemas: admin only)

In DSQL mode, role attributes other than LOGIN / NOLOGIN / INHERIT / NOINHERIT
(PASSWORD, SUPERUSER, CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS, CONNECTION LIMIT,
VALID UNTIL, SYSID) are refused with 0A000 `role option <WORD> not supported` (DSQL does
not honour them; the wording is an inference); relaxed mode accepts and ignores them, as
PostgreSQL scripts expect. `ALTER ROLE ... SET` is refused by the parse gate in both
(`unsupported statement: AlterRoleSet`).

Column-level privileges are refused (0A000). GRANT ON FUNCTION names a SQL function
(`sql.function_ddl`; EXECUTE, PUBLIC's by default, checked when a call is bound); the
built-in functions belong to the system (42501) and grant EXECUTE to PUBLIC already.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, GrantTargetType, ObjectType, RoleSpecType

from borealis.catalog import roles as R
from borealis.catalog.model import CatalogSnapshot
from borealis.catalog.store import CatalogWriter
from borealis.core import errors
from borealis.core.limits import Compat
from borealis.sql import privileges as P
from borealis.sql.parse import IamGrantStmt

NAME_BYTES_MAX = 63
DEPENDENCIES_SHOWN_MAX = 100  # lines of DROP ROLE's detail, like PostgreSQL's report
REVOKE_CASCADE_MAX = 10_000  # dependent grants one REVOKE ... CASCADE may follow
# An IAM principal: arn:<partition>:iam::<12-digit account>:role|user/[path/]name
IAM_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:iam::\d{12}:(?:role|user)/(?:[\w+=,.@-]+/)*[\w+=,.@-]+")
IAM_ARN_CHARS_MAX = 2048
_HONOURED = {"canlogin", "inherit", "addroleto", "rolemembers", "adminmembers"}
_OPTION_WORDS = {"password": "PASSWORD", "superuser": "SUPERUSER", "createdb": "CREATEDB",
                 "createrole": "CREATEROLE", "isreplication": "REPLICATION",
                 "bypassrls": "BYPASSRLS", "connectionlimit": "CONNECTION LIMIT",
                 "validUntil": "VALID UNTIL", "sysid": "SYSID"}


def _ident(name: str) -> str:
    raw = name.encode()
    return name if len(raw) <= NAME_BYTES_MAX else raw[:NAME_BYTES_MAX].decode(errors="ignore")


def _compat(binder: Any) -> Compat:
    return getattr(binder.ctx.settings, "compat", Compat.DSQL)


def _actor(binder: Any) -> int:
    """The acting role; statements run with no session act as admin."""
    role = P.acting_role(binder.ctx)
    return R.ADMIN_OID if role is None else role


def _auth(binder: Any) -> R.RoleIndex:
    return binder.ctx.catalog.auth


def _session_name(binder: Any, which: str) -> str:
    session = binder.ctx.settings
    return getattr(session, which, None) or R.ADMIN_NAME


def _spec_name(binder: Any, spec: ast.RoleSpec) -> str | None:
    """A RoleSpec's role name (None for PUBLIC)."""
    kind = spec.roletype
    if kind == RoleSpecType.ROLESPEC_PUBLIC:
        return None
    if kind in (RoleSpecType.ROLESPEC_CURRENT_USER, RoleSpecType.ROLESPEC_CURRENT_ROLE):
        return _session_name(binder, "current_user")
    if kind == RoleSpecType.ROLESPEC_SESSION_USER:
        return _session_name(binder, "session_user")
    return spec.rolename


def _spec_role(binder: Any, roles: _Roles, spec: ast.RoleSpec, *, public: bool = False) -> int:
    name = _spec_name(binder, spec)
    if name is None:
        if not public:
            raise errors.UndefinedRole(name="public")
        return R.PUBLIC_OID
    return roles.get(name).oid


class _Roles:
    """The role records one statement reads and changes (several changes to one record
    accumulate), written back by `flush`."""

    def __init__(self, binder: Any) -> None:
        self.auth = _auth(binder)
        self.by_oid: dict[int, R.Role] = dict(self.auth.by_oid)
        self.changed: set[int] = set()
        self.dropped: set[int] = set()

    def find(self, name: str) -> R.Role | None:
        return next((r for oid, r in self.by_oid.items() if r.name == name and oid not in self.dropped),
                    None)

    def get(self, name: str) -> R.Role:
        role = self.find(name)
        if role is None:
            raise errors.UndefinedRole(name=name)
        return role

    def put(self, role: R.Role) -> None:
        self.by_oid[role.oid] = role
        self.changed.add(role.oid)

    def granted_roles(self, member: int) -> list[R.Role]:
        return [r for r in self.by_oid.values() if any(m.member == member for m in r.members)]

    def is_member(self, oid: int, target: int) -> bool:
        seen, todo = {oid}, [oid]
        while todo:
            current = todo.pop()
            if current == target:
                return True
            for role in self.granted_roles(current):
                if role.oid not in seen:
                    seen.add(role.oid)
                    todo.append(role.oid)
        return False

    def flush(self, writer: CatalogWriter) -> None:
        for oid in sorted(self.changed - self.dropped):
            if oid == R.ADMIN_OID:
                raise errors.InternalError(what="the admin role is never stored")
            writer.put_role(self.by_oid[oid])
        for oid in sorted(self.dropped):
            writer.drop_role(self.auth.by_oid[oid])


def _require_admin(binder: Any, what: str) -> None:
    if _actor(binder) != R.ADMIN_OID:
        raise errors.PrivilegeDenied(what=f"permission denied to {what}",
                                     detail="Only the admin role may manage roles.")


# -- CREATE / ALTER / DROP ROLE ------------------------------------------------------------

def _check_role_name(name: str) -> None:
    if name in ("public", "none") or name.startswith("pg_"):
        raise errors.ReservedName(f'role name "{name}" is reserved',
                                  detail='Role names starting with "pg_" are reserved.'
                                  if name.startswith("pg_") else None)


def _role_options(binder: Any, options) -> dict[str, Any]:
    """The honoured options; DSQL mode refuses the others, relaxed mode ignores them."""
    out: dict[str, Any] = {}
    for opt in options or ():
        if opt.defname in _HONOURED:
            out[opt.defname] = opt.arg
        elif _compat(binder) is Compat.DSQL:
            word = _OPTION_WORDS.get(opt.defname, opt.defname.upper())
            raise errors.FeatureNotSupported(what=f"role option {word} not supported")
    return out


def _add_member(roles: _Roles, granted: R.Role, member: int, grantor: int,
                admin_option: bool) -> None:
    if granted.oid == R.ADMIN_OID:
        raise errors.PrivilegeDenied(what='permission denied to grant role "admin"',
                                     detail="The admin role cannot be granted to other roles.")
    if member == granted.oid or roles.is_member(granted.oid, member):
        member_name = roles.by_oid[member].name if member in roles.by_oid else str(member)
        raise errors.InvalidGrantOperation(
            what=f'role "{member_name}" is a member of role "{granted.name}"'
            if member != granted.oid else f'role "{granted.name}" cannot be a member of itself')
    kept = [m for m in granted.members if m.member != member]
    old = next((m for m in granted.members if m.member == member), None)
    admin_option = admin_option or (old is not None and old.admin_option)
    grantor = old.grantor if old is not None else grantor
    roles.put(replace(granted, members=(*kept, R.Membership(member, grantor, admin_option))))


async def create_role(binder: Any, writer: CatalogWriter, node: ast.CreateRoleStmt, sql: str) -> str:
    _require_admin(binder, "create role")
    name = _ident(node.role)
    _check_role_name(name)
    roles = _Roles(binder)
    if roles.find(name) is not None:
        raise errors.DuplicateRole(name=name)
    if len(roles.by_oid) >= R.ROLES_MAX:
        raise errors.ProgramLimitExceeded(what=f"more than {R.ROLES_MAX} roles not allowed")
    options = _role_options(binder, node.options)
    login_default = node.stmt_type.name == "ROLESTMT_USER"
    login = options["canlogin"].boolval if "canlogin" in options else login_default
    inherit = options["inherit"].boolval if "inherit" in options else True
    role = R.Role(await writer.allocate_oid(), name, login=bool(login), inherit=bool(inherit),
                  created_by=_actor(binder))
    roles.put(role)
    actor = _actor(binder)
    for spec in options.get("addroleto") or ():
        _add_member(roles, roles.get(_spec_name(binder, spec) or "public"), role.oid, actor, False)
    for key, admin_option in (("rolemembers", False), ("adminmembers", True)):
        for spec in options.get(key) or ():
            member = roles.get(_spec_name(binder, spec) or "public")
            _add_member(roles, roles.by_oid[role.oid], member.oid, actor, admin_option)
    roles.flush(writer)
    return "CREATE ROLE"


def _alterable(binder: Any, roles: _Roles, name: str, what: str) -> R.Role:
    role = roles.get(name)
    if role.oid == R.ADMIN_OID:
        raise errors.PrivilegeDenied(what=f"permission denied to {what} role",
                                     detail="The admin role cannot be modified.")
    return role


async def alter_role(binder: Any, writer: CatalogWriter, node: ast.AlterRoleStmt, sql: str) -> str:
    _require_admin(binder, "alter role")
    roles = _Roles(binder)
    name = _spec_name(binder, node.role)
    if name is None:
        raise errors.UndefinedRole(name="public")
    role = _alterable(binder, roles, name, "alter")
    options = _role_options(binder, node.options)
    if "canlogin" in options:
        role = replace(role, login=bool(options["canlogin"].boolval))
    if "inherit" in options:
        role = replace(role, inherit=bool(options["inherit"].boolval))
    roles.put(role)
    for spec in options.get("rolemembers") or ():  # ALTER GROUP g ADD|DROP USER u
        member = roles.get(_spec_name(binder, spec) or "public")
        current = roles.by_oid[role.oid]
        if node.action == -1:
            roles.put(replace(current, members=tuple(m for m in current.members if m.member != member.oid)))
        else:
            _add_member(roles, current, member.oid, _actor(binder), False)
    roles.flush(writer)
    return "ALTER ROLE"


async def rename_role(binder: Any, writer: CatalogWriter, node: ast.RenameStmt, sql: str) -> str:
    _require_admin(binder, "rename role")
    roles = _Roles(binder)
    role = _alterable(binder, roles, node.subname, "rename")
    new_name = _ident(node.newname)
    _check_role_name(new_name)
    if role.name == _session_name(binder, "session_user"):
        raise errors.FeatureNotSupported(what="session user cannot be renamed")
    if role.name == _session_name(binder, "current_user"):
        raise errors.FeatureNotSupported(what="current user cannot be renamed")
    if roles.find(new_name) is not None:
        raise errors.DuplicateRole(name=new_name)
    roles.put(replace(role, name=new_name))
    roles.flush(writer)
    catalog: CatalogSnapshot = binder.ctx.catalog
    for schema in catalog.schemas:  # owners are names
        if schema.owner == role.name:
            writer.set_owner(schema, new_name)
    for rel in catalog.relations:
        if rel.owner == role.name:
            writer.set_owner(rel, new_name)
    for fn in catalog.functions:
        if fn.owner == role.name:
            writer.set_owner(fn, new_name)
    return "ALTER ROLE"


def _dependencies(binder: Any, role: R.Role) -> list[str]:
    """What keeps a role from being dropped (PostgreSQL's DETAIL lines, plus DSQL's IAM
    mappings)."""
    catalog: CatalogSnapshot = binder.ctx.catalog
    auth = catalog.auth
    lines = [f"IAM role mapping {m.arn}" for m in role.iam]
    for schema in catalog.schemas:
        if schema.owner == role.name:
            lines.append(f"owner of schema {schema.name}")
    for rel in catalog.relations:
        if rel.owner == role.name:
            lines.append(f"owner of {R.relation_kind(rel.kind)} {rel.name}")
    for fn in catalog.functions:
        if fn.owner == role.name:
            lines.append(f"owner of function {fn.name}")
    names = {s.oid: ("schema", s.name) for s in catalog.schemas}
    names.update((r.oid, (R.relation_kind(r.kind), r.name)) for r in catalog.relations)
    names.update((f.oid, ("function", f.name)) for f in catalog.functions)
    for acl in auth.acls:
        if any(role.oid in (i.grantee, i.grantor) for i in acl.items) and acl.oid in names:
            kind, name = names[acl.oid]
            lines.append(f"privileges for {kind} {name}")
    for d in auth.default_acls:
        if d.role == role.oid or any(role.oid in (i.grantee, i.grantor) for i in d.items):
            what = {"r": "relations", "S": "sequences", "f": "functions", "n": "schemas"}[d.objtype]
            lines.append(f"privileges for default privileges on new {what} belonging to role "
                         f"{auth.name_of(d.role)}")
    return lines


async def drop_role(binder: Any, writer: CatalogWriter, node: ast.DropRoleStmt, sql: str) -> str:
    _require_admin(binder, "drop role")
    roles = _Roles(binder)
    for spec in node.roles:
        name = _spec_name(binder, spec)
        if name is None:
            raise errors.UndefinedRole(name="public")
        role = roles.find(name)
        if role is None:
            if node.missing_ok:
                continue
            raise errors.UndefinedRole(name=name)
        if name == _session_name(binder, "current_user"):
            raise errors.ObjectInUse(what="current user cannot be dropped")
        if name == _session_name(binder, "session_user"):
            raise errors.ObjectInUse(what="session user cannot be dropped")
        lines = _dependencies(binder, role)
        if lines:
            shown = lines[:DEPENDENCIES_SHOWN_MAX]
            if len(lines) > len(shown):
                shown.append(f"and {len(lines) - len(shown)} other objects")
            raise errors.RoleHasDependencies(
                role=name, detail="\n".join(shown),
                hint=f"Run AWS IAM REVOKE {name} FROM '<arn>' first." if role.iam else None)
        for granted in roles.granted_roles(role.oid):  # memberships go with the role
            roles.put(replace(granted, members=tuple(m for m in granted.members
                                                     if m.member != role.oid)))
        roles.dropped.add(role.oid)
    roles.flush(writer)
    return "DROP ROLE"


# -- GRANT / REVOKE role ----------------------------------------------------------------------

async def grant_role(binder: Any, writer: CatalogWriter, node: ast.GrantRoleStmt, sql: str) -> str:
    roles = _Roles(binder)
    actor = _actor(binder)
    options = {o.defname: getattr(o.arg, "boolval", True) for o in node.opt or ()}
    unknown = sorted(set(options) - {"admin", "inherit", "set"})  # INHERIT / SET: accepted
    if unknown:
        raise errors.SyntaxError(what=f'unrecognized role option "{unknown[0]}"')
    admin_option = bool(options.get("admin", False))
    for priv in node.granted_roles:
        granted = roles.get(priv.priv_name)
        if granted.oid == R.ADMIN_OID:
            raise errors.PrivilegeDenied(what='permission denied to grant role "admin"',
                                         detail="The admin role cannot be granted to other roles.")
        if actor != R.ADMIN_OID and not any(m.member == actor and m.admin_option
                                            for m in roles.by_oid[granted.oid].members):
            raise errors.PrivilegeDenied(
                what=f'permission denied to {"grant" if node.is_grant else "revoke"} role "{granted.name}"',
                detail=f'Only roles with the ADMIN option on role "{granted.name}" may '
                       f'{"grant" if node.is_grant else "revoke"} this role.')
        for spec in node.grantee_roles:
            member = roles.get(_spec_name(binder, spec) or "public")
            current = roles.by_oid[granted.oid]
            if node.is_grant:
                _add_member(roles, current, member.oid, actor, admin_option)
            elif "admin" in options:  # REVOKE ADMIN OPTION FOR
                roles.put(replace(current, members=tuple(
                    replace(m, admin_option=False) if m.member == member.oid else m
                    for m in current.members)))
            else:
                roles.put(replace(current, members=tuple(m for m in current.members
                                                         if m.member != member.oid)))
    roles.flush(writer)
    return "GRANT ROLE" if node.is_grant else "REVOKE ROLE"


# -- GRANT / REVOKE privileges -----------------------------------------------------------------

_KIND_OF_OBJTYPE = {ObjectType.OBJECT_TABLE: "table", ObjectType.OBJECT_SEQUENCE: "sequence",
                    ObjectType.OBJECT_SCHEMA: "schema", ObjectType.OBJECT_FUNCTION: "function",
                    ObjectType.OBJECT_PROCEDURE: "function", ObjectType.OBJECT_ROUTINE: "function"}


def _letters(node: ast.GrantStmt, kind: str, objkind: str) -> str:
    """The aclitem letters a GRANT / REVOKE names for one object of kind `objkind`,
    written for objects of `kind` (GRANT ... ON TABLE may name a sequence)."""
    words = R.PRIVILEGES_BY_KIND[objkind]
    if not node.privileges:  # ALL [PRIVILEGES]
        return R.all_letters(objkind)
    out = []
    for priv in node.privileges:
        if priv.cols:
            raise errors.FeatureNotSupported(what="column privileges are not supported")
        word = priv.priv_name.upper()
        if word not in words:
            if kind == "table" and objkind == "sequence" and word in R.TABLE_PRIVILEGES:
                continue  # PostgreSQL: a warning, and the sequence's privileges only
            raise errors.InvalidGrantOperation(what=f"invalid privilege type {word} for {kind}")
        out.append(words[word])
    return R.ordered(out)


def _objects(binder: Any, node: ast.GrantStmt, kind: str) -> list[tuple[str, Any]]:
    """[(object kind, Schema | Relation)] a GRANT / REVOKE applies to."""
    catalog: CatalogSnapshot = binder.ctx.catalog
    if node.targtype == GrantTargetType.ACL_TARGET_ALL_IN_SCHEMA:
        if kind not in ("table", "sequence"):
            raise errors.FeatureNotSupported(what=f"ALL {kind.upper()}S IN SCHEMA is not supported")
        out = []
        for s in node.objects:
            schema = catalog.schema(s.sval)
            if schema is None:
                raise errors.UndefinedSchema(name=s.sval)
            for rel in sorted(catalog.relations, key=lambda r: r.oid):
                if rel.schema_oid == schema.oid and (rel.kind == "S") == (kind == "sequence"):
                    out.append((R.relation_kind(rel.kind), rel))
        return out
    if kind == "schema":
        out = []
        for s in node.objects:
            if s.sval in P.SYSTEM_SCHEMA_NAMES:
                raise errors.PermissionDenied(kind="schema", name=s.sval)
            schema = catalog.schema(s.sval)
            if schema is None:
                raise errors.UndefinedSchema(name=s.sval)
            out.append(("schema", schema))
        return out
    if kind == "function":  # SQL functions (sql.function_ddl); built-ins are the system's
        from borealis.sql.function_ddl import find_function
        from borealis.sql.functions import SCALARS
        out = []
        for obj in node.objects:
            fn = find_function(binder, obj, missing_ok=True)
            if fn is None and obj.objname[-1].sval in SCALARS:
                raise errors.PermissionDenied(kind="function", name=obj.objname[-1].sval)
            out.append(("function", fn or find_function(binder, obj)))
        return out
    out = []
    for rv in node.objects:
        rel = binder.relation(rv, privileges="")
        if P.is_virtual(rel):
            raise errors.PermissionDenied(kind="table", name=rel.name)
        if kind == "sequence" and rel.kind != "S":
            raise errors.WrongObjectType(what=f'"{rel.name}" is not a sequence')
        out.append((R.relation_kind(rel.kind), rel))
    return out


class _Acls:
    """The ACLs one statement changes (several grantees of one object accumulate)."""

    def __init__(self, catalog: CatalogSnapshot) -> None:
        self.catalog = catalog
        self.items: dict[int, tuple[R.AclItem, ...]] = {}
        self.kinds: dict[int, str] = {}

    def current(self, objkind: str, obj: Any) -> tuple[R.AclItem, ...]:
        if obj.oid not in self.items:
            acl = P.object_acl(self.catalog, objkind, obj)
            self.items[obj.oid] = acl
            self.kinds[obj.oid] = objkind if objkind in ("schema", "function") else "relation"
        return self.items[obj.oid]

    def flush(self, writer: CatalogWriter) -> None:
        for oid, items in self.items.items():
            writer.put_acl(R.ObjectAcl(oid, self.kinds[oid], items))


def _grantor(catalog: CatalogSnapshot, actor: int, objkind: str, obj: Any,
             letters: str) -> tuple[int, str]:
    """Who a GRANT / REVOKE is recorded as, and which of `letters` it may grant:
    the owner when the actor has the owner's privileges, else the actor's role holding
    the most of the grant options (42501 if it holds no privilege on the object)."""
    owner = P.owner_oid(catalog, obj.owner)
    auth = catalog.auth
    if auth.has_privs_of(actor, owner):
        return owner, letters
    acl = P.object_acl(catalog, objkind, obj)
    best, best_letters = actor, ""
    for role in sorted(auth.closure(actor), key=lambda r: (r != actor, r)):
        grantable = "".join(ch for ch in letters if any(
            i.grantee == role and ch in i.grantable for i in acl))
        if len(grantable) > len(best_letters):
            best, best_letters = role, grantable
    if not best_letters:
        held = P.object_privileges(catalog, actor, objkind, obj)
        if not held:
            raise errors.PermissionDenied(kind=objkind, name=obj.name)
    return best, best_letters


async def grant(binder: Any, writer: CatalogWriter, node: ast.GrantStmt, sql: str) -> str:
    if node.targtype == GrantTargetType.ACL_TARGET_DEFAULTS:
        raise errors.InternalError(what="GRANT ... defaults outside ALTER DEFAULT PRIVILEGES")
    kind = _KIND_OF_OBJTYPE.get(node.objtype)
    if kind is None:
        what = node.objtype.name.removeprefix("OBJECT_").replace("_", " ")
        raise errors.FeatureNotSupported(what=f"GRANT and REVOKE on {what} are not supported")
    if node.grantor is not None:
        raise errors.FeatureNotSupported(what="GRANTED BY is not supported")
    catalog: CatalogSnapshot = binder.ctx.catalog
    roles = _Roles(binder)
    grantees = [_spec_role(binder, roles, spec, public=True) for spec in node.grantees]
    if node.is_grant and node.grant_option and R.PUBLIC_OID in grantees:
        raise errors.InvalidGrantOperation(what="grant options can only be granted to roles")
    actor = _actor(binder)
    acls = _Acls(catalog)
    for objkind, obj in _objects(binder, node, kind):
        letters = _letters(node, kind, objkind)
        grantor, allowed = _grantor(catalog, actor, objkind, obj, letters)
        items = acls.current(objkind, obj)
        for grantee in grantees:
            if node.is_grant:
                items = R.grant(items, grantee, grantor, allowed, bool(node.grant_option))
            else:
                items = _revoke(items, grantee, grantor, allowed, bool(node.grant_option),
                                node.behavior.value == 1, P.owner_oid(catalog, obj.owner))
        acls.items[obj.oid] = items
    acls.flush(writer)
    if not acls.items:
        writer.bump()  # ALL TABLES IN an empty schema: still a catalog change
    return "GRANT" if node.is_grant else "REVOKE"


def _revoke(items: tuple[R.AclItem, ...], grantee: int, grantor: int, letters: str,
            grant_option_only: bool, cascade: bool, owner: int) -> tuple[R.AclItem, ...]:
    """REVOKE, with the grants that depended on the revoked grant options: an error
    without CASCADE, revoked with it (recursively)."""
    todo = [(grantee, grantor, letters, grant_option_only)]
    steps = 0
    while todo:
        steps += 1
        if steps > REVOKE_CASCADE_MAX:
            raise errors.ProgramLimitExceeded(what="too many dependent privileges to revoke")
        who, by, what, option_only = todo.pop()
        before = next((i for i in items if i.grantee == who and i.grantor == by), None)
        items = R.revoke(items, who, by, what, option_only)
        if before is None or who == owner:
            continue
        lost = [ch for ch in what if ch in before.grantable
                and not any(ch in i.grantable for i in items if i.grantee == who)]
        for item in items:
            dependent = "".join(ch for ch in lost if ch in item.privileges)
            if item.grantor == who and dependent:
                if not cascade:
                    raise errors.DependentPrivileges(hint="Use CASCADE to revoke them too.")
                todo.append((item.grantee, who, dependent, False))
    return items


# -- ALTER DEFAULT PRIVILEGES ---------------------------------------------------------------

_DEFAULT_OBJTYPES = {ObjectType.OBJECT_TABLE: ("r", "table"), ObjectType.OBJECT_SEQUENCE: ("S", "sequence"),
                     ObjectType.OBJECT_FUNCTION: ("f", "function"),
                     ObjectType.OBJECT_ROUTINE: ("f", "function"), ObjectType.OBJECT_SCHEMA: ("n", "schema")}


async def alter_default_privileges(binder: Any, writer: CatalogWriter,
                                   node: ast.AlterDefaultPrivilegesStmt, sql: str) -> str:
    catalog: CatalogSnapshot = binder.ctx.catalog
    roles = _Roles(binder)
    actor = _actor(binder)
    options = {o.defname: o.arg for o in node.options or ()}
    targets = [roles.get(_spec_name(binder, s) or "public").oid for s in options.get("roles") or ()] \
        or [actor]
    for target in targets:
        if not catalog.auth.is_member(actor, target):
            raise errors.PrivilegeDenied(what="permission denied to change default privileges")
    schemas = []
    for s in options.get("schemas") or ():
        schema = catalog.schema(s.sval)
        if schema is None:
            raise errors.UndefinedSchema(name=s.sval)
        schemas.append(schema.oid)
    action: ast.GrantStmt = node.action
    objtype, kind = _DEFAULT_OBJTYPES.get(action.objtype, (None, None))
    if objtype is None:
        raise errors.FeatureNotSupported(what="ALTER DEFAULT PRIVILEGES for this object type is not supported")
    if objtype == "n" and schemas:
        raise errors.InvalidGrantOperation(
            what="cannot use IN SCHEMA clause when using GRANT/REVOKE ON SCHEMAS")
    letters = _letters(action, kind, kind)
    grantees = [_spec_role(binder, roles, spec, public=True) for spec in action.grantees]
    if action.is_grant and action.grant_option and R.PUBLIC_OID in grantees:
        raise errors.InvalidGrantOperation(what="grant options can only be granted to roles")
    for target in targets:
        for schema_oid in schemas or [0]:
            existing = next((d for d in catalog.auth.default_acls if d.role == target
                             and d.schema == schema_oid and d.objtype == objtype), None)
            base = R.default_acl(kind, target) if schema_oid == 0 else ()
            items = existing.items if existing is not None else base
            for grantee in grantees:
                if action.is_grant:
                    items = R.grant(items, grantee, target, letters, bool(action.grant_option))
                else:
                    items = R.revoke(items, grantee, target, letters, bool(action.grant_option))
            oid = existing.oid if existing is not None else await writer.allocate_oid()
            same_as_default = items == base
            writer.put_default_acl(R.DefaultAcl(oid, target, schema_oid, objtype,
                                                () if same_as_default else items))
    return "ALTER DEFAULT PRIVILEGES"


# -- OWNER TO ---------------------------------------------------------------------------------

def _new_owner(binder: Any, spec: ast.RoleSpec, obj_owner: str) -> R.Role:
    roles = _Roles(binder)
    new = roles.get(_spec_name(binder, spec) or "public")
    actor = _actor(binder)
    catalog: CatalogSnapshot = binder.ctx.catalog
    if not catalog.auth.is_member(actor, new.oid):
        raise errors.PrivilegeDenied(what=f'must be able to SET ROLE "{new.name}"')
    return new


def _owner_acl(writer: CatalogWriter, catalog: CatalogSnapshot, oid: int, kind: str,
               old: int, new: int) -> None:
    """PostgreSQL's aclnewowner: the old owner's entries become the new owner's."""
    items = catalog.auth.stored_acl(oid)
    if items is None:
        return
    out: tuple[R.AclItem, ...] = ()
    for item in items:
        grantee = new if item.grantee == old else item.grantee
        grantor = new if item.grantor == old else item.grantor
        out = R.grant(out, grantee, grantor, item.privileges, False)
        out = R.grant(out, grantee, grantor, item.grantable, True)
    writer.put_acl(R.ObjectAcl(oid, kind, out))


async def alter_owner(binder: Any, writer: CatalogWriter, node: ast.AlterOwnerStmt, sql: str) -> str:
    """ALTER SCHEMA s OWNER TO r (other objects' OWNER TO are ALTER TABLE's)."""
    if node.objectType != ObjectType.OBJECT_SCHEMA:
        what = node.objectType.name.removeprefix("OBJECT_")
        raise errors.FeatureNotSupported(what=f"ALTER {what} OWNER TO is not supported")
    catalog: CatalogSnapshot = binder.ctx.catalog
    name = node.object.sval
    schema = catalog.schema(name)
    if schema is None:
        raise errors.UndefinedSchema(name=name)
    actor = _actor(binder)
    if not P.is_owner(catalog, actor, schema.owner):
        raise errors.MustBeOwner(kind="schema", name=name)
    new = _new_owner(binder, node.newowner, schema.owner)
    if actor != R.ADMIN_OID:
        raise errors.PermissionDenied(kind="database", name=P.DATABASE_NAME)
    if new.name != schema.owner:
        _owner_acl(writer, catalog, schema.oid, "schema", P.owner_oid(catalog, schema.owner), new.oid)
        writer.set_owner(schema, new.name)
    return "ALTER SCHEMA"


async def alter_table_owner(binder: Any, writer: CatalogWriter, node: ast.AlterTableStmt) -> str:
    """ALTER TABLE / VIEW / SEQUENCE name OWNER TO role (with the sequences it owns)."""
    if len(node.cmds) != 1:
        raise errors.FeatureNotSupported(what="OWNER TO with other ALTER TABLE subcommands is not supported")
    catalog: CatalogSnapshot = binder.ctx.catalog
    rel = binder.relation(node.relation, privileges="") if not node.missing_ok else \
        binder.find_relation(node.relation.schemaname, node.relation.relname)
    tag = {"v": "ALTER VIEW", "S": "ALTER SEQUENCE"}.get(rel.kind if rel else "r", "ALTER TABLE")
    if rel is None:
        return tag
    if P.is_virtual(rel):
        raise errors.MustBeOwner(kind="table", name=rel.name)
    actor = _actor(binder)
    if not P.is_owner(catalog, actor, rel.owner):
        raise errors.MustBeOwner(kind=R.relation_kind(rel.kind), name=rel.name)
    new = _new_owner(binder, node.cmds[0].newowner, rel.owner)
    schema = catalog.schema_by_oid(rel.schema_oid)
    if schema is not None and actor != R.ADMIN_OID and "C" not in P.schema_privileges(catalog, new.oid, schema):
        raise errors.PermissionDenied(kind="schema", name=schema.name)
    if new.name == rel.owner:
        return tag
    old = P.owner_oid(catalog, rel.owner)
    for changed in [rel, *(catalog.owned_sequences(rel.oid) if rel.kind == "r" else ())]:
        _owner_acl(writer, catalog, changed.oid, "relation", old, new.oid)
        writer.set_owner(changed, new.name)
    return tag


def is_owner_change(node: ast.AlterTableStmt) -> bool:
    return any(cmd.subtype == AlterTableType.AT_ChangeOwner for cmd in node.cmds or ())


# -- AWS IAM GRANT / REVOKE --------------------------------------------------------------------

async def iam_grant(binder: Any, writer: CatalogWriter, node: IamGrantStmt, sql: str) -> str:
    if len(node.arn) > IAM_ARN_CHARS_MAX or not IAM_ARN.fullmatch(node.arn):
        raise errors.IamArnInvalid(detail=f"got {node.arn[:200]!r}; expected "
                                          "arn:aws:iam::<12-digit account>:role/<name>")
    if _actor(binder) != R.ADMIN_OID:
        raise errors.IamTrustDenied(role=node.role)
    roles = _Roles(binder)
    role = roles.find(node.role)
    if role is None:
        raise errors.IamGrantRoleMissing(role=node.role)
    if role.oid == R.ADMIN_OID:
        raise errors.IamTrustDenied(role=node.role, detail="admin connects with the DbConnectAdmin "
                                    "action of the cluster's IAM policy; it needs no mapping")
    if node.is_grant:
        if not role.login:
            raise errors.IamRoleNeedsLogin(role=node.role)
        if not any(m.arn == node.arn for m in role.iam):
            if len(role.iam) >= R.IAM_MAPPINGS_MAX:
                raise errors.ProgramLimitExceeded(
                    what=f"more than {R.IAM_MAPPINGS_MAX} IAM roles mapped to role {role.name}")
            mapping = R.IamMapping(await writer.allocate_oid(), node.arn, R.ADMIN_OID)
            roles.put(replace(role, iam=(*role.iam, mapping)))
        else:
            writer.bump()
        roles.flush(writer)
        return "AWS IAM GRANT"
    if not any(m.arn == node.arn for m in role.iam):
        raise errors.IamMappingMissing(role=node.arn)
    roles.put(replace(role, iam=tuple(m for m in role.iam if m.arn != node.arn)))
    roles.flush(writer)
    return "AWS IAM REVOKE"


HANDLERS = {
    ast.CreateRoleStmt: create_role,
    ast.AlterRoleStmt: alter_role,
    ast.DropRoleStmt: drop_role,
    ast.GrantStmt: grant,
    ast.GrantRoleStmt: grant_role,
    ast.AlterDefaultPrivilegesStmt: alter_default_privileges,
    ast.AlterOwnerStmt: alter_owner,
    IamGrantStmt: iam_grant,
}

__all__ = ["HANDLERS", "alter_table_owner", "is_owner_change", "rename_role"]

