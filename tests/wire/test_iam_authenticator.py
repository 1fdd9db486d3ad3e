"""`borealis.wire.iam`: the IAM authenticator's rules, the credentials file, and the
`borealis token` command and start options (no server: the end-to-end tests are in
test_iam_auth.py)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

import botocore.session
import pytest

from borealis import cli
from borealis.core.errors import BorealisError
from borealis.wire import iam, sigv4
from borealis.wire.auth import AuthMethod

NOW = 1_795_000_000.0
REGION = "us-east-1"
ENDPOINT = "abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws"
HOSTS = ("localhost", "127.0.0.1", "*.dsql.us-east-1.on.aws")
ADMIN_KEY = iam.AccessKey("BRLSADMINADMINADMIN0", "admin-secret", iam.ADMIN_PRINCIPAL_ARN)
APP_ARN = "arn:aws:iam::000000000000:role/app"
APP_KEY = iam.AccessKey("BRLSAPPAPPAPPAPPAPP0", "app-secret", APP_ARN,
                        actions=frozenset({"DbConnect"}))


def token(key=ADMIN_KEY, action="DbConnectAdmin", *, host=ENDPOINT, region=REGION, now=NOW,
          expires_s=900, secret=None):
    return sigv4.sign_token(host=host, action=action, access_key_id=key.access_key_id,
                            secret_access_key=secret or key.secret_access_key, region=region,
                            now=now, expires_s=expires_s, session_token=key.session_token)


def authenticator(mode=iam.AuthMode.IAM, roles=None, now=NOW):
    if roles is None:
        roles = iam.InMemoryRoleDirectory()
        roles.add_role("app", arns=[APP_ARN])
        roles.add_role("nologin", login=False, arns=[APP_ARN])
        roles.add_role("unmapped")
    return iam.IamAuthenticator(iam.StaticAccessKeys([ADMIN_KEY, APP_KEY]), roles,
                                region=REGION, hosts=HOSTS, mode=mode, clock=lambda: now)


def check(auth, user, password) -> bool:
    return asyncio.run(auth.check_password(user, password))


def refused(auth, user, password) -> BorealisError:
    with pytest.raises(BorealisError) as info:
        check(auth, user, password)
    return info.value


# --- the rules ----------------------------------------------------------------------------


def test_asks_for_a_cleartext_password():
    auth = authenticator()
    assert asyncio.run(auth.method("admin", "postgres")) is AuthMethod.PASSWORD
    assert asyncio.run(auth.scram_secret("admin")) is None


def test_admin_and_mapped_role_connect():
    auth = authenticator()
    assert check(auth, "admin", token())
    assert check(auth, "app", token(APP_KEY, "DbConnect"))


def test_botocore_token_for_admin():
    session = botocore.session.get_session()
    session.set_credentials(ADMIN_KEY.access_key_id, ADMIN_KEY.secret_access_key)
    client = session.create_client("dsql", region_name=REGION)
    auth = authenticator(now=time.time())
    assert check(auth, "admin", client.generate_db_connect_admin_auth_token(ENDPOINT, REGION))


@pytest.mark.parametrize("user, action", [("admin", "DbConnect"), ("app", "DbConnectAdmin")])
def test_wrong_user_to_action_mapping(user, action):
    err = refused(authenticator(), user, token(ADMIN_KEY, action))
    assert err.sqlstate == "28000"
    assert err.message == f"Wrong user to action mapping. user: {user}, action: {action}"


@pytest.mark.parametrize("password, why", [
    ("", "malformed"),
    ("hunter2", "malformed"),
    (token(secret="wrong"), "signature"),
    (token(now=NOW - 901), "expired"),
    (token(now=NOW + 3600), "not yet valid"),
    (token(region="eu-west-1"), "region"),
    (token(host="evil.example.com"), "host"),
    (token(iam.AccessKey("BRLSUNKNOWNUNKNOWN00", "s", iam.ADMIN_PRINCIPAL_ARN)), "unknown"),
])
def test_bad_tokens(password, why):
    err = refused(authenticator(), "admin", password)
    assert err.sqlstate == "28P01"
    assert err.message == 'IAM authentication failed for user "admin"'
    assert why in err.detail


def test_expires_beyond_a_week_has_dsqls_message():
    err = refused(authenticator(), "admin", token(expires_s=604801))
    assert "X-Amz-Expires must be less than a week (in seconds)" in err.message


def test_unknown_or_nologin_role():
    auth = authenticator()
    for user in ("nonexistent_user", "nologin"):
        err = refused(auth, user, token(APP_KEY, "DbConnect"))
        assert err.sqlstate == "28000"
        assert err.message == f"Role {user} does not exist"


def test_principal_must_be_mapped_to_the_role():
    err = refused(authenticator(), "unmapped", token(APP_KEY, "DbConnect"))
    assert err.sqlstate == "28000"
    assert APP_ARN in err.detail
    assert "AWS IAM GRANT unmapped" in err.hint


def test_key_actions_act_as_its_iam_policy():
    err = refused(authenticator(), "admin", token(APP_KEY, "DbConnectAdmin"))
    assert err.sqlstate == "28000"
    assert "DbConnectAdmin" in err.detail


def test_signature_is_checked_before_roles_are_looked_at():
    class Spy(iam.InMemoryRoleDirectory):
        asked = 0

        async def login_role(self, name):
            Spy.asked += 1
            return await super().login_role(name)

    auth = authenticator(roles=Spy())
    refused(auth, "someone", token(APP_KEY, "DbConnect", secret="wrong"))
    assert Spy.asked == 0


def test_insecure_mode_skips_signature_key_region_and_host_only():
    auth = authenticator(mode=iam.AuthMode.INSECURE_ANY_SIGNATURE)
    stranger = iam.AccessKey("AKIAANYTHING", "whatever", "arn:aws:iam::1:user/x")
    assert check(auth, "admin", token(stranger, region="eu-west-1", host="evil.example.com"))
    assert check(auth, "unmapped", token(stranger, "DbConnect"))
    assert refused(auth, "admin", token(stranger, now=NOW - 1000)).sqlstate == "28P01"
    assert refused(auth, "admin", "garbage").sqlstate == "28P01"
    assert refused(auth, "admin", token(stranger, "DbConnect")).sqlstate == "28000"
    assert refused(auth, "nobody", token(stranger, "DbConnect")).message == (
        "Role nobody does not exist")


def test_iam_mode_needs_keys():
    with pytest.raises(ValueError):
        iam.IamAuthenticator(None, iam.InMemoryRoleDirectory(), region=REGION)


# --- the credentials file -------------------------------------------------------------------


def test_first_start_creates_one_private_admin_key(tmp_path):
    path = iam.ensure_credentials(tmp_path)
    assert path == tmp_path / "iam" / "credentials.json"
    assert os.stat(path).st_mode & 0o777 == 0o600
    (key,) = iam.load_credentials(path)
    assert key.principal_arn == "arn:aws:iam::000000000000:role/borealis-admin"
    assert key.access_key_id.startswith("BRLS") and len(key.access_key_id) == 20
    assert len(key.secret_access_key) == 40
    assert key.actions == sigv4.ACTIONS
    before = path.read_bytes()
    assert iam.ensure_credentials(tmp_path) == path
    assert path.read_bytes() == before  # never regenerated


def test_credentials_file_is_reloaded_when_it_changes(tmp_path):
    path = tmp_path / "keys.json"
    iam.write_credentials(path, [ADMIN_KEY])
    keys = iam.CredentialsFile(path)
    assert keys.lookup(APP_KEY.access_key_id) is None
    iam.write_credentials(path, [ADMIN_KEY, APP_KEY])
    assert keys.lookup(APP_KEY.access_key_id) == APP_KEY
    path.write_text("[{")  # half-edited: the previous keys stay
    assert keys.lookup(APP_KEY.access_key_id) == APP_KEY


@pytest.mark.parametrize("entries, complaint", [
    ({}, "non-empty JSON list"),
    ([], "non-empty JSON list"),
    (["x"], "expected an object"),
    ([{"access_key_id": "A", "secret_access_key": "s"}], "principal_arn"),
    ([{"access_key_id": "A", "secret_access_key": "s", "principal_arn": "role/x"}], "IAM ARN"),
    ([{"access_key_id": "A/B", "secret_access_key": "s", "principal_arn": "arn:x"}], "'/'"),
    ([{"access_key_id": "A", "secret_access_key": "s", "principal_arn": "arn:x",
       "actions": ["connect"]}], "actions"),
    ([{"access_key_id": "A", "secret_access_key": "s", "principal_arn": "arn:x",
       "color": "red"}], "unknown field"),
    ([{"access_key_id": "A", "secret_access_key": "s", "principal_arn": "arn:x"}] * 2, "twice"),
])
def test_credentials_file_validation(tmp_path, entries, complaint):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(entries))
    with pytest.raises(ValueError, match=complaint):
        iam.load_credentials(path)


def test_choose_key():
    keys = [APP_KEY, ADMIN_KEY]
    assert iam.choose_key(keys, "DbConnectAdmin") == ADMIN_KEY
    assert iam.choose_key(keys, "DbConnect") == APP_KEY
    assert iam.choose_key([ADMIN_KEY, APP_KEY], "DbConnect") == ADMIN_KEY
    assert iam.choose_key([ADMIN_KEY, APP_KEY], "DbConnect", user="app") == APP_KEY
    assert iam.choose_key(keys, "DbConnect", ADMIN_KEY.access_key_id) == ADMIN_KEY
    with pytest.raises(ValueError, match="may not use"):
        iam.choose_key(keys, "DbConnectAdmin", APP_KEY.access_key_id)
    with pytest.raises(ValueError, match="no access key"):
        iam.choose_key(keys, "DbConnect", "NOPE")


# --- the CLI --------------------------------------------------------------------------------


def test_token_command_signs_with_the_data_dirs_key(tmp_path, capsys):
    path = iam.ensure_credentials(tmp_path)
    (key,) = iam.load_credentials(path)
    assert cli.main(["token", "--data-dir", str(tmp_path), "--expires", "60"]) == 0
    printed = capsys.readouterr().out.strip()
    parsed = sigv4.parse_token(printed)
    assert (parsed.host, parsed.action, parsed.expires_s) == ("127.0.0.1", "DbConnectAdmin", 60)
    sigv4.check_signature(parsed, key.secret_access_key)
    auth = iam.IamAuthenticator(iam.CredentialsFile(path), iam.InMemoryRoleDirectory(),
                                region=REGION, hosts=HOSTS)
    assert check(auth, "admin", printed)


def test_token_command_for_a_role_elsewhere(tmp_path, capsys):
    path = tmp_path / "keys.json"
    iam.write_credentials(path, [ADMIN_KEY, APP_KEY])
    assert cli.main(["token", "--iam-credentials", str(path), "--user", "app",
                     "--host", ENDPOINT, "--region", "eu-west-1"]) == 0
    parsed = sigv4.parse_token(capsys.readouterr().out.strip())
    assert (parsed.action, parsed.access_key_id, parsed.host, parsed.region) == (
        "DbConnect", APP_KEY.access_key_id, ENDPOINT, "eu-west-1")


def test_token_command_errors(tmp_path, capsys):
    assert cli.main(["token", "--data-dir", str(tmp_path / "nothing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["token", "--data-dir", str(tmp_path), "--expires", "604801"])


def test_frontend_settings_defaults(tmp_path):
    # What tests/sql/conftest.py passes: trust and optional TLS.
    bare = cli.frontend_settings(str(tmp_path / "a"),
                                 argparse.Namespace(host="127.0.0.1", port=0, compat="relaxed"))
    assert (bare.auth, bare.tls_required, bare.credentials) == ("trust", False, None)
    start = cli._parser().parse_args(["start", "--region", "eu-west-1", "--endpoint", "db.lan"])
    dsql = cli.frontend_settings(str(tmp_path / "b"), start)
    assert (dsql.auth, dsql.tls_required, dsql.region) == ("iam", True, "eu-west-1")
    assert "*.dsql.eu-west-1.on.aws" in dsql.server_names and "db.lan" in dsql.server_names
    assert dsql.credentials == tmp_path / "b" / "iam" / "credentials.json"
    relaxed = cli.frontend_settings(str(tmp_path / "c"),
                                    cli._parser().parse_args(["start", "--compat", "relaxed"]))
    assert (relaxed.auth, relaxed.tls_required) == ("iam", False)
    forced = cli.frontend_settings(
        str(tmp_path / "c"), cli._parser().parse_args(["start", "--compat", "relaxed",
                                                       "--tls", "required"]))
    assert forced.tls_required
    with pytest.raises(ValueError, match="region"):
        cli.frontend_settings(str(tmp_path / "d"),
                              cli._parser().parse_args(["start", "--region", "Mars"]))


def test_certificate_follows_the_region_and_endpoints(tmp_path):
    from cryptography import x509

    def sans():
        cert = x509.load_pem_x509_certificate((tmp_path / "tls" / "server.crt").read_bytes())
        general = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return set(general.get_values_for_type(x509.DNSName))

    cli.frontend_settings(str(tmp_path), cli._parser().parse_args(["start"]))
    ca = (tmp_path / "tls" / "ca.crt").read_bytes()
    assert sans() == {"localhost", "*.dsql.us-east-1.on.aws"}
    cli.frontend_settings(str(tmp_path), cli._parser().parse_args(
        ["start", "--region", "ap-southeast-2", "--endpoint", "DB.example.com"]))
    assert sans() == {"localhost", "*.dsql.ap-southeast-2.on.aws", "db.example.com"}
    assert (tmp_path / "tls" / "ca.crt").read_bytes() == ca  # clients keep trusting it
