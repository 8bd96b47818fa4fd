"""A development certificate authority for real mTLS in the demo and tests.

    tls/ca.pem, tls/ca-key.pem            the CA (ECDSA P-256)
    tls/server.pem, tls/server-key.pem    the gateway (SAN localhost, 127.0.0.1, ::1)
    tls/clients/<agency>.pem, -key.pem    one client certificate per agency, CN = agency id

Production deployments use their own PKI; the gateway only needs a CA bundle,
its server certificate, and client certificates whose CN is the agency id.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = dt.timedelta(days=825)


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def _write_cert(cert: x509.Certificate, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _load(tls: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert = x509.load_pem_x509_certificate((tls / "ca.pem").read_bytes())
    key = serialization.load_pem_private_key((tls / "ca-key.pem").read_bytes(), password=None)
    return cert, key  # type: ignore[return-value]


def _issue(subject_cn: str, ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None, *, server: bool):
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
    )
    if ca is None:  # self-signed CA
        builder = builder.issuer_name(name).add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        return builder.sign(key, hashes.SHA256()), key
    ca_cert, ca_key = ca
    builder = builder.issuer_name(ca_cert.subject).add_extension(
        x509.BasicConstraints(ca=False, path_length=None), critical=True
    )
    if server:
        sans = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.IPAddress(ipaddress.ip_address("::1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        usage = ExtendedKeyUsageOID.SERVER_AUTH
    else:
        usage = ExtendedKeyUsageOID.CLIENT_AUTH
    builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def ensure_ca(tls: Path) -> bool:
    """Create the CA and the server certificate unless present; True when created."""
    if (tls / "ca.pem").exists():
        return False
    ca_cert, ca_key = _issue("regulink development CA", None, server=False)
    _write_key(ca_key, tls / "ca-key.pem")
    _write_cert(ca_cert, tls / "ca.pem")
    cert, key = _issue("localhost", (ca_cert, ca_key), server=True)
    _write_key(key, tls / "server-key.pem")
    _write_cert(cert, tls / "server.pem")
    return True


def issue_client(tls: Path, agency_id: str) -> tuple[Path, Path]:
    """A client certificate for an agency (CN = agency id); returns (cert, key) paths."""
    cert, key = _issue(agency_id, _load(tls), server=False)
    cert_path, key_path = client_paths(tls, agency_id)
    _write_key(key, key_path)
    _write_cert(cert, cert_path)
    return cert_path, key_path


def client_paths(tls: Path, agency_id: str) -> tuple[Path, Path]:
    return tls / "clients" / f"{agency_id}.pem", tls / "clients" / f"{agency_id}-key.pem"
