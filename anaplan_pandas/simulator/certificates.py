"""A throw-away certificate authority for the simulator's certificate logins.

Keys are generated in memory when asked for; nothing is written to disk.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import struct
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

#: How far a v2 timestamp may be from the server's clock.
CLOCK_SKEW_SECONDS = 300


class TestAuthority:
    """A CA that issues user certificates, as a tenant's PKI would.

    Examples
    --------
    >>> authority = TestAuthority()
    >>> certificate, key = authority.issue("integration@example.com")
    >>> certificate.startswith(b"-----BEGIN CERTIFICATE-----")
    True
    """

    __test__ = False  # not a pytest test class

    def __init__(self, name: str = "anaplan-pandas test CA") -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(self._key, hashes.SHA256())
        )

    @property
    def pem(self) -> bytes:
        """The CA certificate, PEM-encoded."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def issue(
        self, user: str, *, key_password: str | None = None, days: int = 30
    ) -> tuple[bytes, bytes]:
        """Issue a certificate for ``user``; return its PEM and its private key's PEM."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user)]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=days))
            .sign(self._key, hashes.SHA256())
        )
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(key_password.encode())
            if key_password
            else serialization.NoEncryption()
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
        return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def verify_login(
    header_value: str,
    body: dict,
    trusted: list[x509.Certificate],
    *,
    require_v2: bool = True,
    timestamp_unit: str = "s",
) -> str:
    """Check a certificate login as Anaplan does; return the user, or raise ``ValueError``."""
    try:
        pem = base64.b64decode(header_value, validate=True)
        certificate = x509.load_pem_x509_certificate(pem)
        data = base64.b64decode(body["encodedData"], validate=True)
        signature = base64.b64decode(body["encodedSignedData"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise ValueError(f"malformed certificate login: {error}") from None
    if not any(_issued_by(certificate, authority) for authority in trusted):
        raise ValueError("certificate not issued by a trusted authority")
    now = datetime.datetime.now(datetime.timezone.utc)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise ValueError("certificate expired or not yet valid")
    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    try:
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA512())
    except InvalidSignature:
        raise ValueError("signature does not match the certificate") from None
    if body.get("encodedDataFormat") == "v2":
        if len(data) < 8 + 100:
            raise ValueError("v2 payload needs 8 timestamp bytes and 100 random bytes")
        (stamp,) = struct.unpack(">Q", data[:8])
        seconds = stamp / 1000 if timestamp_unit == "ms" else stamp
        if abs(seconds - time.time()) > CLOCK_SKEW_SECONDS:
            raise ValueError("v2 timestamp too far from the server's clock")
    elif require_v2:
        raise ValueError("the v1 payload is no longer accepted; send encodedDataFormat v2")
    elif len(data) < 100:
        raise ValueError("payload needs at least 100 random bytes")
    return certificate.subject.rfc4514_string()


def _issued_by(certificate: x509.Certificate, authority: x509.Certificate) -> bool:
    if certificate.issuer != authority.subject:
        return False
    key = authority.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    hash_algorithm = certificate.signature_hash_algorithm
    assert hash_algorithm is not None
    try:
        key.verify(
            certificate.signature, certificate.tbs_certificate_bytes, padding.PKCS1v15(),
            hash_algorithm,
        )
    except InvalidSignature:
        return False
    return True
