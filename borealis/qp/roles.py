"""The session's side of roles: SET ROLE, SET SESSION AUTHORIZATION, and the role
directory IAM authentication asks (dsql-behaviour.md §2.1, §5).

- `SET ROLE r` makes `r` the current role (current_user) when the session user is a
  member of it, directly or not (PostgreSQL's rule; DSQL's admin is no superuser, so it
  first grants itself the role: `GRANT app TO admin`). `SET ROLE NONE` / `RESET ROLE`
  go back to the session user. DSQL accepts SET ROLE but refuses `role` as a startup
  parameter (`qp.rules`).
- `SET SESSION AUTHORIZATION r` changes the session user: DSQL refuses the parameter
  (`setting configuration parameter "session_authorization" not supported`); in relaxed
  mode admin may switch to any role and back (PostgreSQL's superuser rule), other
  roles only to themselves.

Privileges are checked when a statement is bound, so prepared statements are rebound
when the current role changes (`Session._bind`).

`CatalogRoleDirectory` implements `wire.iam.RoleDirectory` over the catalog: each
question reads the latest committed catalog version in a short read-only transaction
(one point read) and answers from the snapshot of that version, which `CatalogCache`
keeps; so a CREATE ROLE or AWS IAM GRANT is seen by the next connection attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pglast import ast
from pglast.enums import VariableSetKind

from borealis.catalog.model import CatalogSnapshot
from borealis.catalog.roles import ADMIN_NAME
from borealis.catalog.store import CatalogCache
from borealis.core import errors
from borealis.qp import rules
from borealis.wire import backend as wb

ROLE_SETTINGS = frozenset({"role", "session_authorization"})

__all__ = ["ADMIN_NAME", "ROLE_SETTINGS", "CatalogRoleDirectory", "set_role"]


def _value(node: ast.VariableSetStmt) -> str | None:
    """The role a SET names; None for RESET / DEFAULT / NONE."""
    if node.kind in (VariableSetKind.VAR_RESET, VariableSetKind.VAR_SET_DEFAULT):
        return None
    if node.kind != VariableSetKind.VAR_SET_VALUE or not node.args or len(node.args) != 1:
        raise errors.FeatureNotSupported(what=f"this form of SET {node.name} is not supported")
    arg = node.args[0]
    value = getattr(getattr(arg, "val", None), "sval", None)
    if value is None:
        raise errors.InvalidParameterValue(what=f'invalid value for parameter "{node.name}"')
    return None if node.name == "role" and value.lower() == "none" else value


async def set_role(session: Any, node: ast.VariableSetStmt) -> list[wb.QueryEvent]:
    key = node.name.lower()
    value = _value(node)
    if node.kind == VariableSetKind.VAR_SET_VALUE:
        rules.check_set(key, session.compat)  # DSQL: no SET SESSION AUTHORIZATION
    tag = "RESET" if node.kind == VariableSetKind.VAR_RESET else "SET"
    catalog: CatalogSnapshot = await session._catalog(session._transaction())
    auth = catalog.auth
    if key == "role":
        if value is not None:
            role = auth.role(value)
            if role is None:
                raise errors.UndefinedRole(name=value)
            me = auth.oid_of(session.user)
            if me is None or not auth.is_member(me, role.oid):
                raise errors.PrivilegeDenied(what=f'permission denied to set role "{value}"')
        session.role = value
        session.settings["role"] = value or "none"
        return [wb.CommandComplete(tag)]
    authenticated = session.info.user
    target = value or authenticated
    if auth.role(target) is None:
        raise errors.UndefinedRole(name=target)
    if target != authenticated and authenticated != ADMIN_NAME:
        raise errors.PrivilegeDenied(what="permission denied to set session authorization")
    session.user = target
    session.role = None
    session.settings["role"] = "none"
    session.settings["session_authorization"] = target
    session.settings["is_superuser"] = "on" if target == ADMIN_NAME else "off"
    return [wb.ParameterChanged("session_authorization", target),
            wb.ParameterChanged("is_superuser", session.settings["is_superuser"]),
            wb.CommandComplete(tag)]


class CatalogRoleDirectory:
    """`wire.iam.RoleDirectory` over the catalog (see the module docstring)."""

    def __init__(self, client_factory: Callable[[], Any], catalog: CatalogCache) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._catalog = catalog

    async def _snapshot(self) -> CatalogSnapshot:
        if self._client is None:
            self._client = self._client_factory()
        txn = self._client.begin()
        try:
            return await self._catalog.snapshot(txn)
        finally:
            txn.abort()  # read-only: nothing to commit

    async def login_role(self, name: str) -> bool:
        role = (await self._snapshot()).auth.role(name)
        return role is not None and role.login

    async def mapped_arns(self, name: str) -> frozenset[str]:
        role = (await self._snapshot()).auth.role(name)
        return frozenset(m.arn for m in role.iam) if role is not None else frozenset()
