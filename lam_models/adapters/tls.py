"""A self-signed CA and a broker certificate for the local SASL_SSL broker (python ``cryptography``).

``ensure_tls(folder)`` writes, once:

* ``ca.pem``: the CA certificate, what clients trust (``LAM_KAFKA__SSL_CAFILE``);
* ``ca.key``: the CA private key (mode 0600), kept so the broker certificate can be re-issued;
* ``broker.pem``: the broker's unencrypted PKCS#8 key followed by its certificate chain, the file a
  ``ssl.keystore.type=PEM`` keystore reads (mode 0600).

The broker certificate names ``localhost`` and ``127.0.0.1`` (and any extra host names), so clients
keep hostname verification on. Nothing here is a secret a client needs: clients trust ``ca.pem``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from lam_models.files import write_private

CA_DAYS = 3650
LEAF_DAYS = 825


@dataclass(frozen=True)
class TlsFiles:
    """Where the CA and the broker key + chain live."""

    folder: Path

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca.key"

    @property
    def broker_pem(self) -> Path:
        return self.folder / "broker.pem"

    def complete(self) -> bool:
        return all(p.is_file() for p in (self.ca_cert, self.ca_key, self.broker_pem))


def ensure_tls(folder: Path, hosts: tuple[str, ...] = ("localhost", "127.0.0.1")) -> TlsFiles:
    """Create the CA and the broker certificate in ``folder`` unless they are already there."""
    files = TlsFiles(folder)
    if files.complete():
        return files
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError as exc:  # pragma: no cover - pinned in scripts/constraints.txt
        raise RuntimeError("the secure local broker needs the `cryptography` package: run scripts/bootstrap.sh") from exc

    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    pem = serialization.Encoding.PEM

    if files.ca_cert.is_file() and files.ca_key.is_file():
        ca_key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
        ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lam-pipelines local CA")])
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name).issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        write_private(files.ca_key, ca_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        files.ca_cert.write_bytes(ca_cert.public_bytes(pem))

    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + dt.timedelta(days=LEAF_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    chain = (key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
             + cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    write_private(files.broker_pem, chain)
    return files
