"""Certificate generation and the TLS contexts (no server needed)."""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
import threading

import pytest
from cryptography import x509

from borealis.wire import tls

pytestmark = pytest.mark.timeout(30)


def sans(path) -> set:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return set(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)


def test_default_names_and_private_keys(tmp_path):
    paths = tls.ensure_certificates(tmp_path)
    assert sans(paths.server_cert) == {
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    }
    assert os.stat(paths.server_key).st_mode & 0o777 == 0o600
    assert os.stat(paths.ca_key).st_mode & 0o777 == 0o600
    ca = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_reuse_and_reissue_on_new_names(tmp_path):
    first = tls.ensure_certificates(tmp_path)
    ca_before = first.ca_cert.read_bytes()
    server_before = first.server_cert.read_bytes()
    tls.ensure_certificates(tmp_path)
    assert first.server_cert.read_bytes() == server_before  # reused
    names = ("localhost", "*.dsql.us-east-1.on.aws")
    again = tls.ensure_certificates(tmp_path, names)
    assert again.ca_cert.read_bytes() == ca_before  # the CA clients trust never changes
    assert again.server_cert.read_bytes() != server_before
    assert x509.DNSName("*.dsql.us-east-1.on.aws") in sans(again.server_cert)


def test_handshake_verifies_and_negotiates_alpn(tmp_path):
    paths = tls.ensure_certificates(tmp_path, ("localhost", "abc.dsql.us-east-1.on.aws"))
    server_context = tls.server_ssl_context(paths)
    client_context = tls.client_ssl_context(paths.ca_cert)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    result = {}

    def serve():
        conn, _ = listener.accept()
        with server_context.wrap_socket(conn, server_side=True) as tls_conn:
            result["alpn"] = tls_conn.selected_alpn_protocol()
            tls_conn.sendall(b"ok")

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        with client_context.wrap_socket(raw, server_hostname="abc.dsql.us-east-1.on.aws") as c:
            assert c.recv(2) == b"ok"
            assert c.selected_alpn_protocol() == "postgresql"
    finally:
        thread.join(10)
        listener.close()
    assert result["alpn"] == "postgresql"


def test_wrong_hostname_fails_verification(tmp_path):
    paths = tls.ensure_certificates(tmp_path)
    client_context = tls.client_ssl_context(paths.ca_cert)
    server_context = tls.server_ssl_context(paths)
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        conn, _ = listener.accept()
        try:
            server_context.wrap_socket(conn, server_side=True).close()
        except (ssl.SSLError, OSError):
            conn.close()

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        raw = socket.create_connection(listener.getsockname(), timeout=10)
        with pytest.raises(ssl.SSLCertVerificationError):
            client_context.wrap_socket(raw, server_hostname="example.com")
        raw.close()
    finally:
        thread.join(10)
        listener.close()


def test_is_tls_handshake():
    assert tls.is_tls_handshake(b"\x16\x03\x01")
    assert not tls.is_tls_handshake(b"\x00\x00\x00\x08")
    assert not tls.is_tls_handshake(b"")
