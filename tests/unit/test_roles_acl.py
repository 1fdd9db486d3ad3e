"""The ACL algebra of `catalog.roles`: aclitem text, grants and revokes, membership
closure, and what a role holds (owner's grant options, PUBLIC, NOINHERIT)."""

from __future__ import annotations

from borealis.catalog import roles as R

ADMIN, APP, GRP, SOLO = R.ADMIN_OID, 16384, 16385, 16386


def index(*roles: R.Role, acls: tuple[R.ObjectAcl, ...] = ()) -> R.RoleIndex:
    return R.RoleIndex(tuple(roles), acls, ())


def test_default_acl_and_text():
    auth = index(R.Role(APP, "app", login=True), R.Role(GRP, "Odd Name"))
    assert auth.format_acl(R.default_acl("table", ADMIN)) == ["admin=arwdDxt/admin"]
    assert auth.format_acl(R.default_acl("sequence", APP)) == ["app=rwU/app"]
    assert auth.format_acl(R.default_acl("schema", ADMIN, public_schema=True)) == \
        ["admin=UC/admin", "=U/admin"]
    items = R.grant(R.default_acl("table", ADMIN), GRP, ADMIN, "ra", grant_option=True)
    assert auth.format_acl(items) == ["admin=arwdDxt/admin", '"Odd Name"=a*r*/admin']


def test_grant_merges_and_revoke_removes():
    items = R.grant((), APP, ADMIN, "r", False)
    items = R.grant(items, APP, ADMIN, "wa", True)
    assert items == (R.AclItem(APP, ADMIN, "arw", "aw"),)
    assert R.revoke(items, APP, ADMIN, "a", grant_option_only=True) == \
        (R.AclItem(APP, ADMIN, "arw", "w"),)
    assert R.revoke(items, APP, ADMIN, "arw", grant_option_only=False) == ()
    # Another grantor's grant of the same privilege stays.
    both = R.grant(items, APP, GRP, "r", False)
    assert R.revoke(both, APP, ADMIN, "r", False) == (R.AclItem(APP, ADMIN, "aw", "aw"),
                                                      R.AclItem(APP, GRP, "r", ""))


def test_membership_closure_and_noinherit():
    grp = R.Role(GRP, "grp", members=(R.Membership(APP, ADMIN), R.Membership(SOLO, ADMIN)))
    auth = index(R.Role(APP, "app"), grp, R.Role(SOLO, "solo", inherit=False))
    assert auth.closure(APP) == {APP, GRP}
    assert auth.closure(SOLO) == {SOLO}  # NOINHERIT: only its own privileges...
    assert auth.is_member(SOLO, GRP)  # ... but it may SET ROLE grp
    assert not auth.is_member(GRP, APP)


def test_privileges_held():
    grp = R.Role(GRP, "grp", members=(R.Membership(APP, ADMIN),))
    items = R.grant(R.default_acl("table", ADMIN), GRP, ADMIN, "a", True)
    items = R.grant(items, R.PUBLIC_OID, ADMIN, "r", False)
    auth = index(R.Role(APP, "app"), grp)
    assert auth.privileges(APP, items, ADMIN) == {"a", "r"}  # via grp, and PUBLIC's
    assert auth.privileges(APP, items, ADMIN, grant_option=True) == {"a"}
    assert auth.privileges(ADMIN, (), ADMIN) == set()  # an owner who revoked its own...
    assert set(R.ACL_ORDER) <= auth.privileges(ADMIN, (), ADMIN, grant_option=True)  # ...may grant
