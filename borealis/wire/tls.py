"""TLS for the PostgreSQL endpoint: a local CA, a server certificate, an SSLContext.

On first start `ensure_certificates(directory)` creates a self-signed CA and a server
certificate signed by it, so clients can use `sslmode=verify-full` with
`sslrootcert=<directory>/ca.crt` (or `SSL_CERT_FILE`). Later starts reuse them; the
server certificate (never the CA, which clients may have been told to trust) is
re-issued when the requested names change or it is about to expire. The names default
to localhost; `server_names(region)` adds what DSQL clients connect to,
``*.dsql.<region>.on.aws`` (put ``<cluster id>.dsql.<region>.on.aws`` in /etc/hosts and
the unmodified connectors verify the certificate with `sslmode=verify-full`), plus any
endpoint names the operator gives.

Both ways into TLS that libpq knows end here: the SSLRequest upgrade, and direct TLS
(libpq 17+ `sslnegotiation=direct`) where the very first byte is a TLS handshake record
and the client must have negotiated ALPN ``postgresql``.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ALPN_PROTOCOL = "postgresql"
TLS_HANDSHAKE_RECORD = 0x16  # first byte of a TLS ClientHello
DEFAULT_SERVER_NAMES: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
CA_VALID_DAYS = 3650
SERVER_CERT_VALID_DAYS = 397  # within what browsers and macOS accept for a leaf
SERVER_CERT_RENEW_DAYS = 30  # re-issue when less than this remains
_CLOCK_SKEW_ALLOWANCE = datetime.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class CertificatePaths:
    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path


def certificate_paths(directory: str | os.PathLike[str]) -> CertificatePaths:
    root = Path(directory)
    return CertificatePaths(
        ca_cert=root / "ca.crt",
        ca_key=root / "ca.key",
        server_cert=root / "server.crt",
        server_key=root / "server.key",
    )


def dsql_endpoint_pattern(region: str) -> str:
    """The wildcard covering every cluster endpoint of `region`."""
    return f"*.dsql.{region}.on.aws"


def server_names(region: str, extra: Sequence[str] = ()) -> tuple[str, ...]:
    """Localhost, the region's DSQL endpoint wildcard, then `extra`, without repeats."""
    names = [*DEFAULT_SERVER_NAMES, dsql_endpoint_pattern(region), *extra]
    return tuple(dict.fromkeys(name.lower() for name in names))


def ensure_certificates(
    directory: str | os.PathLike[str], names: Sequence[str] = DEFAULT_SERVER_NAMES
) -> CertificatePaths:
    """Create (or reuse) the CA and a server certificate valid for `names`.

    `names` are DNS names (wildcards allowed) or IP addresses.
    """
    paths = certificate_paths(directory)
    paths.ca_cert.parent.mkdir(parents=True, exist_ok=True)
    if not (paths.ca_cert.exists() and paths.ca_key.exists()):
        _write_ca(paths)
    if _server_cert_stale(paths, names):
        _write_server_cert(paths, names)
    return paths


def server_ssl_context(paths: CertificatePaths) -> ssl.SSLContext:
    """The server side: TLS 1.2+, our certificate, ALPN `postgresql`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(paths.server_cert, paths.server_key)
    context.set_alpn_protocols([ALPN_PROTOCOL])
    return context


def client_ssl_context(ca_cert: str | os.PathLike[str]) -> ssl.SSLContext:
    """A verifying client context trusting only our CA (for tests and tools)."""
    context = ssl.create_default_context(cafile=str(ca_cert))
    context.set_alpn_protocols([ALPN_PROTOCOL])
    return context


def is_tls_handshake(first_byte: bytes) -> bool:
    return first_byte[:1] == bytes([TLS_HANDSHAKE_RECORD])


# --- generation -------------------------------------------------------------------------


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _new_key() -> ec.EllipticCurvePrivateKey:
    # P-256: fast to generate and accepted by every client library we target.
    return ec.generate_private_key(ec.SECP256R1())


def _write_ca(paths: CertificatePaths) -> None:
    key = _new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Borealis local CA")])
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW_ALLOWANCE)
        .not_valid_after(now + datetime.timedelta(days=CA_VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_key(paths.ca_key, key)
    _write_cert(paths.ca_cert, cert)


def _write_server_cert(paths: CertificatePaths, names: Sequence[str]) -> None:
    ca_key = serialization.load_pem_private_key(paths.ca_key.read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{paths.ca_key} is not an EC key")
    key = _new_key()
    now = _now()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW_ALLOWANCE)
        .not_valid_after(now + datetime.timedelta(days=SERVER_CERT_VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_general_names(names)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(paths.server_key, key)
    _write_cert(paths.server_cert, cert)


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _general_names(names: Sequence[str]) -> list[x509.GeneralName]:
    result: list[x509.GeneralName] = []
    for name in names:
        try:
            result.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            result.append(x509.DNSName(name))
    return result


def _server_cert_stale(paths: CertificatePaths, names: Sequence[str]) -> bool:
    if not (paths.server_cert.exists() and paths.server_key.exists()):
        return True
    cert = x509.load_pem_x509_certificate(paths.server_cert.read_bytes())
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return True
    if set(san) != set(_general_names(names)):
        return True
    remaining = cert.not_valid_after_utc - _now()
    return remaining < datetime.timedelta(days=SERVER_CERT_RENEW_DAYS)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_atomically(path, data, mode=0o600)  # libpq-style tools refuse readable keys


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    _write_atomically(path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with open(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
