"""Database roles, role memberships, IAM mappings and privileges, as catalog records.

Aurora DSQL has PostgreSQL's role and privilege model with two twists
(dsql-behaviour.md §5): the bootstrap role `admin` is not a superuser for privileges
(it "has no permissions on objects other users create" and cannot grant on them; it can
grant itself other roles instead), and logins are IAM principals mapped to roles with
`AWS IAM GRANT role TO 'arn:...'`. This module is the data side: the records, the ACL
algebra and one index per catalog snapshot. Enforcement is `sql.privileges`; the
statements are `sql.role_ddl`.

Records (frozen dataclasses, stored like every other descriptor by `catalog.store`, each
under its own key in the catalog range, so every change bumps the catalog version and
concurrent transactions get OC001 exactly as after any DDL):

    'a' <role oid>     `Role`: name, LOGIN, INHERIT, who created it, the roles granted
                       it (`members`: GRANT this TO member) and its IAM mappings (`iam`)
    'g' <object oid>   `ObjectAcl`: the ACL of one schema, relation or function, as
                       PostgreSQL's aclitem list; absent = the object's default ACL
    'd' <record oid>   `DefaultAcl`: ALTER DEFAULT PRIVILEGES for (role, schema, kind)

Decisions:

- ACLs are separate records, not a field of `Schema` / `Relation`: ALTER TABLE and the
  other DDL rewrite relation descriptors without knowing about privileges, and a GRANT
  rewrites only the ACL record. DROP removes the object's ACL record with it.
- Grantees and grantors are role OIDs (PUBLIC is 0), so a role rename touches only the
  role record; owners stay names (`Relation.owner`, `Schema.owner`, which predate roles)
  and a rename rewrites the descriptors the role owns.
- Memberships live on the *granted* role's record, so `GRANT app TO admin` never writes
  `admin`, which exists implicitly (OID 10, LOGIN) and is never stored or modified.
- An absent ACL is PostgreSQL's `acldefault`: the owner holds every privilege of the
  object's kind (tables and views `arwdDxt`, sequences `rwU`, schemas `UC`, functions
  `X` plus EXECUTE for PUBLIC); the `public` schema's default also grants USAGE to
  PUBLIC (PostgreSQL 15+: CREATE on it is the owner's only). The first GRANT or REVOKE
  stores the default plus the change, as PostgreSQL does, so `relacl` is NULL until then.
- The owner always holds every grant option on its object (it may grant even after
  revoking its own privileges), and a role has the privileges of the roles it is a
  member of when it INHERITs (the default).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

ADMIN_NAME = "admin"
ADMIN_OID = 10
PUBLIC_OID = 0  # the grantee PUBLIC in an aclitem
ROLES_MAX = 10_000  # Borealis's own bound on roles (DSQL documents none)
IAM_MAPPINGS_MAX = 1_000  # per role

# Privilege keywords → aclitem letters, per object kind (PostgreSQL 16).
TABLE_PRIVILEGES = {"SELECT": "r", "INSERT": "a", "UPDATE": "w", "DELETE": "d",
                    "TRUNCATE": "D", "REFERENCES": "x", "TRIGGER": "t"}
SEQUENCE_PRIVILEGES = {"USAGE": "U", "SELECT": "r", "UPDATE": "w"}
SCHEMA_PRIVILEGES = {"USAGE": "U", "CREATE": "C"}
FUNCTION_PRIVILEGES = {"EXECUTE": "X"}
PRIVILEGES_BY_KIND = {"table": TABLE_PRIVILEGES, "view": TABLE_PRIVILEGES,
                      "sequence": SEQUENCE_PRIVILEGES, "schema": SCHEMA_PRIVILEGES,
                      "function": FUNCTION_PRIVILEGES}
LETTER_NAMES = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "D": "TRUNCATE",
                "x": "REFERENCES", "t": "TRIGGER", "U": "USAGE", "C": "CREATE", "X": "EXECUTE"}
ACL_ORDER = "arwdDxtXUCTc"  # the order aclitem text lists letters in


def all_letters(kind: str) -> str:
    """Every privilege letter of an object kind, in aclitem order."""
    letters = set(PRIVILEGES_BY_KIND[kind].values())
    return "".join(ch for ch in ACL_ORDER if ch in letters)


def ordered(letters: Iterable[str]) -> str:
    have = set(letters)
    return "".join(ch for ch in ACL_ORDER if ch in have)


def relation_kind(kind: str) -> str:
    """A relation's privilege kind from its relkind: table, view or sequence."""
    return {"v": "view", "S": "sequence"}.get(kind, "table")


# -- records --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Membership:
    """`member` is granted the role whose record holds this (pg_auth_members)."""

    member: int
    grantor: int
    admin_option: bool = False


@dataclass(frozen=True)
class IamMapping:
    """AWS IAM GRANT role TO 'arn' (sys.iam_pg_role_mappings)."""

    iam_oid: int
    arn: str
    grantor: int


@dataclass(frozen=True)
class Role:
    oid: int
    name: str
    login: bool = False
    inherit: bool = True
    created_by: int = ADMIN_OID
    members: tuple[Membership, ...] = ()
    iam: tuple[IamMapping, ...] = ()


ADMIN_ROLE = Role(ADMIN_OID, ADMIN_NAME, login=True, created_by=ADMIN_OID)


@dataclass(frozen=True)
class AclItem:
    """One aclitem: `grantee` holds `privileges` (letters) from `grantor`; `grantable`
    is the subset it holds WITH GRANT OPTION."""

    grantee: int
    grantor: int
    privileges: str
    grantable: str = ""


@dataclass(frozen=True)
class ObjectAcl:
    oid: int  # the schema, relation or function
    kind: str  # "schema", "relation", "function"
    items: tuple[AclItem, ...] = ()


@dataclass(frozen=True)
class DefaultAcl:
    """ALTER DEFAULT PRIVILEGES [FOR ROLE role] [IN SCHEMA schema] (pg_default_acl):
    what objects of `objtype` ("r" tables, "S" sequences, "f" functions, "n" schemas)
    that `role` creates (in `schema`, or anywhere when 0) start with."""

    oid: int
    role: int
    schema: int
    objtype: str
    items: tuple[AclItem, ...] = ()


RECORD_TYPES = {"Role": Role, "ObjectAcl": ObjectAcl, "DefaultAcl": DefaultAcl}


def decode_record(kind: str, fields: dict) -> Any:
    """A record from `catalog.store`'s encoding (its dataclass name and `asdict`)."""
    fields = dict(fields)
    if kind == "Role":
        fields["members"] = tuple(Membership(**m) for m in fields.get("members", ()))
        fields["iam"] = tuple(IamMapping(**m) for m in fields.get("iam", ()))
        return Role(**fields)
    fields["items"] = tuple(AclItem(**i) for i in fields.get("items", ()))
    return RECORD_TYPES[kind](**fields)


# -- ACL algebra --------------------------------------------------------------------------

def default_acl(kind: str, owner: int, *, public_schema: bool = False) -> tuple[AclItem, ...]:
    """PostgreSQL's acldefault for an object of `kind` owned by `owner`."""
    items = [AclItem(owner, owner, all_letters(kind))]
    if kind == "function":
        items.append(AclItem(PUBLIC_OID, owner, "X"))
    if kind == "schema" and public_schema:
        items.append(AclItem(PUBLIC_OID, owner, "U"))
    return tuple(items)


def grant(items: tuple[AclItem, ...], grantee: int, grantor: int, letters: str,
          grant_option: bool) -> tuple[AclItem, ...]:
    """`items` with `letters` granted to `grantee` by `grantor`."""
    out, done = [], False
    for item in items:
        if item.grantee == grantee and item.grantor == grantor:
            item = AclItem(grantee, grantor, ordered(item.privileges + letters),
                           ordered(item.grantable + (letters if grant_option else "")))
            done = True
        out.append(item)
    if not done and letters:
        out.append(AclItem(grantee, grantor, ordered(letters), ordered(letters) if grant_option else ""))
    return tuple(out)


def revoke(items: tuple[AclItem, ...], grantee: int, grantor: int, letters: str,
           grant_option_only: bool) -> tuple[AclItem, ...]:
    """`items` with `letters` (or only their grant options) revoked from `grantee` as
    granted by `grantor`; items left empty disappear."""
    out = []
    for item in items:
        if item.grantee == grantee and item.grantor == grantor:
            privileges = item.privileges if grant_option_only else ordered(
                ch for ch in item.privileges if ch not in letters)
            grantable = ordered(ch for ch in item.grantable if ch not in letters and ch in privileges)
            if not privileges:
                continue
            item = AclItem(grantee, grantor, privileges, grantable)
        out.append(item)
    return tuple(out)


_PLAIN_NAME = re.compile(r"[A-Za-z0-9_]+")


def _acl_name(name: str) -> str:
    """aclitem's quoting of a role name: plain names as they are, others in quotes."""
    if _PLAIN_NAME.fullmatch(name):
        return name
    return '"' + name.replace('"', '""') + '"'


# -- one snapshot's view of roles and privileges -------------------------------------------

@dataclass
class RoleIndex:
    """Roles, memberships and ACLs of one catalog snapshot (`CatalogSnapshot.auth`)."""

    roles: tuple[Role, ...]
    acls: tuple[ObjectAcl, ...]
    default_acls: tuple[DefaultAcl, ...]
    _closures: dict[int, frozenset[int]] = field(default_factory=dict, repr=False)

    @cached_property
    def by_oid(self) -> dict[int, Role]:
        out = {ADMIN_OID: ADMIN_ROLE}
        out.update((r.oid, r) for r in self.roles)
        return out

    @cached_property
    def by_name(self) -> dict[str, Role]:
        return {r.name: r for r in self.by_oid.values()}

    @cached_property
    def acl_by_oid(self) -> dict[int, ObjectAcl]:
        return {a.oid: a for a in self.acls}

    @cached_property
    def memberships(self) -> dict[int, list[tuple[int, Membership]]]:
        """member oid → [(granted role oid, membership)]."""
        out: dict[int, list[tuple[int, Membership]]] = {}
        for role in self.by_oid.values():
            for m in role.members:
                out.setdefault(m.member, []).append((role.oid, m))
        return out

    def role(self, name: str) -> Role | None:
        return self.by_name.get(name)

    def name_of(self, oid: int) -> str | None:
        if oid == PUBLIC_OID:
            return "PUBLIC"
        role = self.by_oid.get(oid)
        return role.name if role is not None else None

    def oid_of(self, name: str) -> int | None:
        role = self.by_name.get(name)
        return role.oid if role is not None else None

    def granted_roles(self, oid: int) -> list[tuple[int, Membership]]:
        return self.memberships.get(oid, [])

    def closure(self, oid: int) -> frozenset[int]:
        """The roles whose privileges `oid` has: itself and, through INHERIT, every role
        it is a member of, directly or not."""
        found = self._closures.get(oid)
        if found is not None:
            return found
        out = {oid}
        todo = [oid]
        while todo:  # bounded: each role is visited once
            current = todo.pop()
            role = self.by_oid.get(current)
            if role is not None and not role.inherit:
                continue  # NOINHERIT: its grants' privileges are not passed on
            for granted, _ in self.granted_roles(current):
                if granted not in out:
                    out.add(granted)
                    todo.append(granted)
        result = frozenset(out)
        self._closures[oid] = result
        return result

    def is_member(self, oid: int, role_oid: int) -> bool:
        """`oid` is `role_oid` or a member of it, directly or not (INHERIT or not): what
        SET ROLE and pg_has_role(..., 'MEMBER') ask."""
        seen = {oid}
        todo = [oid]
        while todo:
            current = todo.pop()
            if current == role_oid:
                return True
            for granted, _ in self.granted_roles(current):
                if granted not in seen:
                    seen.add(granted)
                    todo.append(granted)
        return False

    def has_privs_of(self, oid: int, role_oid: int) -> bool:
        return role_oid in self.closure(oid)

    # -- ACLs --------------------------------------------------------------------------

    def stored_acl(self, oid: int) -> tuple[AclItem, ...] | None:
        acl = self.acl_by_oid.get(oid)
        return acl.items if acl is not None else None

    def acl(self, oid: int, kind: str, owner: int, *, public_schema: bool = False) -> tuple[AclItem, ...]:
        stored = self.stored_acl(oid)
        if stored is not None:
            return stored
        return default_acl(kind, owner, public_schema=public_schema)

    def privileges(self, oid: int, items: tuple[AclItem, ...], owner: int, *,
                   grant_option: bool = False) -> set[str]:
        """The letters role `oid` holds in `items` (its own, inherited and PUBLIC's);
        with `grant_option`, those it may grant (all of them for the owner)."""
        roles = self.closure(oid)
        held: set[str] = set()
        for item in items:
            if item.grantee in roles or (item.grantee == PUBLIC_OID and not grant_option):
                held.update(item.grantable if grant_option else item.privileges)
        if grant_option and owner in roles:
            held.update(ACL_ORDER)
        return held

    def format_acl(self, items: tuple[AclItem, ...]) -> list[str]:
        """aclitem[] text: `grantee=letters/grantor`, `*` after a grantable letter."""
        out = []
        for item in items:
            grantee = "" if item.grantee == PUBLIC_OID else _acl_name(
                self.name_of(item.grantee) or str(item.grantee))
            grantor = _acl_name(self.name_of(item.grantor) or str(item.grantor))
            letters = "".join(ch + ("*" if ch in item.grantable else "") for ch in item.privileges)
            out.append(f"{grantee}={letters}/{grantor}")
        return out

    def defaults_for(self, role: int, schema: int, objtype: str) -> list[DefaultAcl]:
        return [d for d in self.default_acls
                if d.role == role and d.objtype == objtype and d.schema in (0, schema)]
