"""Certificate (CA) authentication: log in with a certificate and its private key.

Anaplan's payload, version 2 (the default; required since 2026): ``encodedData`` is an
8-byte big-endian timestamp followed by at least 100 random bytes, ``encodedSignedData``
its SHA512withRSA signature, ``encodedDataFormat`` is ``"v2"``, and the PEM certificate,
base64-encoded, goes in the ``Authorization: CACertificate …`` header. Version 1 (random
bytes only) is kept as an option for tenants that still expect it.

The timestamp's unit is not settled by Anaplan's documents (``anaplan-api.md`` §4.3): the
vendor's example decodes to seconds, one open-source client sends milliseconds. Seconds are
the default; ``timestamp_unit="ms"`` switches.

Environment variables read when an argument is left out:

``ANAPLAN_CERTIFICATE``
    The certificate: a PEM file's path, or the PEM text itself.
``ANAPLAN_PRIVATE_KEY``
    The private key: a PEM file's path, or the PEM text itself.
``ANAPLAN_PRIVATE_KEY_PASSWORD``
    The key's password, if it is encrypted.
"""

from __future__ import annotations

import base64
import os
import struct
import time
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from anaplan_pandas.exceptions import AuthenticationError
from anaplan_pandas.http.auth import AnaplanAuth, _token_info

CERTIFICATE_ENV = "ANAPLAN_CERTIFICATE"
PRIVATE_KEY_ENV = "ANAPLAN_PRIVATE_KEY"
KEY_PASSWORD_ENV = "ANAPLAN_PRIVATE_KEY_PASSWORD"

RANDOM_BYTES = 150


class CertificateAuth(AnaplanAuth):
    """Log in with a CA-issued certificate and its RSA private key.

    Parameters
    ----------
    certificate, private_key : str, bytes or path, optional
        PEM text or the path of a PEM file; ``None`` reads ``ANAPLAN_CERTIFICATE`` and
        ``ANAPLAN_PRIVATE_KEY``. The key is read into memory, never written anywhere.
    key_password : str, optional
        Password of an encrypted key (default ``ANAPLAN_PRIVATE_KEY_PASSWORD``).
    payload : {"v2", "v1"}
        The signed payload's format.
    timestamp_unit : {"s", "ms"}
        Unit of the v2 timestamp.

    Examples
    --------
    >>> from anaplan_pandas.simulator.certificates import TestAuthority
    >>> authority = TestAuthority()
    >>> cert_pem, key_pem = authority.issue("integration@example.com")
    >>> CertificateAuth(cert_pem, key_pem)
    CertificateAuth(subject='CN=integration@example.com', payload='v2')
    """

    def __init__(
        self,
        certificate: str | bytes | os.PathLike[str] | None = None,
        private_key: str | bytes | os.PathLike[str] | None = None,
        *,
        key_password: str | None = None,
        payload: Literal["v2", "v1"] = "v2",
        timestamp_unit: Literal["s", "ms"] = "s",
        auth_url: str | None = None,
        verify: bool | str = True,
    ) -> None:
        super().__init__(auth_url, verify=verify)
        if payload not in ("v1", "v2") or timestamp_unit not in ("s", "ms"):
            raise ValueError("payload must be 'v2' or 'v1', timestamp_unit 's' or 'ms'.")
        self.payload = payload
        self.timestamp_unit = timestamp_unit
        loaded = _load(x509.load_pem_x509_certificate,
                       _pem(certificate, CERTIFICATE_ENV, "certificate"))
        if loaded is None:
            raise AuthenticationError(
                "The certificate is not a PEM certificate (-----BEGIN CERTIFICATE-----)."
            )
        self.certificate = loaded
        password = key_password if key_password is not None else os.environ.get(KEY_PASSWORD_ENV)
        self._key_password = password
        key = _load(serialization.load_pem_private_key,
                    _pem(private_key, PRIVATE_KEY_ENV, "private key"),
                    password.encode() if password else None)
        if key is None:
            raise AuthenticationError(
                "The private key could not be read: it is not a PEM key, or its password "
                f"is wrong or missing ({KEY_PASSWORD_ENV})."
            )
        if not isinstance(key, rsa.RSAPrivateKey):
            raise AuthenticationError("Anaplan certificates use RSA keys; this key is not RSA.")
        self._key = key

    def __repr__(self) -> str:
        return (
            f"CertificateAuth(subject={self.certificate.subject.rfc4514_string()!r}, "
            f"payload={self.payload!r})"
        )

    _refusal_advice = (
        "Check that the certificate is registered for the user in Anaplan's administration, "
        "that it has not expired, and that the key belongs to it."
    )

    def _secrets(self) -> list[str]:
        return [*super()._secrets(), self._key_password or ""]

    def signed_payload(self) -> dict[str, str]:
        """A fresh ``encodedData``/``encodedSignedData`` body (new random bytes each call)."""
        data = os.urandom(RANDOM_BYTES)
        body = {}
        if self.payload == "v2":
            now = time.time()
            stamp = int(now * 1000) if self.timestamp_unit == "ms" else int(now)
            data = struct.pack(">Q", stamp) + data
            body["encodedDataFormat"] = "v2"
        signature = self._key.sign(data, padding.PKCS1v15(), hashes.SHA512())
        body["encodedData"] = base64.b64encode(data).decode()
        body["encodedSignedData"] = base64.b64encode(signature).decode()
        return body

    def _obtain(self) -> tuple[str, float]:
        # Exactly the certificate block: a PEM file often holds the private key too, and
        # that must never leave this process.
        pem = self.certificate.public_bytes(serialization.Encoding.PEM)
        header = base64.b64encode(pem).decode()
        response = self._post(
            "/token/authenticate",
            headers={"Authorization": f"CACertificate {header}"},
            json=self.signed_payload(),
        )
        return _token_info(response, "authenticate")


def _pem(value: str | bytes | os.PathLike[str] | None, env: str, what: str) -> bytes:
    """PEM bytes from PEM text, a file path, or the environment variable ``env``."""
    if value is None:
        value = os.environ.get(env)
        if not value:
            raise AuthenticationError(f"No {what}: pass it, or set {env} to a PEM file's path.")
    if isinstance(value, bytes):
        return value
    text = os.fspath(value)
    if "-----BEGIN" in text:
        return text.encode()
    data = _load(lambda: Path(text).expanduser().read_bytes())
    if data is None:
        # Never quote the value, nor chain the error that does: it may be the key itself,
        # pasted without its PEM lines.
        raise AuthenticationError(
            f"Could not read the {what}: pass PEM text (with its -----BEGIN line) or the "
            f"path of a readable PEM file, or set {env}."
        )
    return data


def _load(load: Any, *args: Any) -> Any:
    """``load(*args)``, or ``None`` if it fails.

    The failure, which may quote key material, is dropped here, so that no error raised
    afterwards carries it in its context.
    """
    try:
        return load(*args)
    except (OSError, ValueError, TypeError):
        return None
