"""The Authentication API and the OAuth service of the simulator.

``/token/authenticate`` (basic and certificate logins), ``/token/refresh``,
``/token/validate``, ``/token/logout``, and the OAuth device grant with rotating refresh
tokens, as Anaplan documents them (``anaplan-api.md`` §4).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anaplan_pandas.simulator.server import Simulator


class AuthRoutes:
    """Handlers of the authentication calls (mixed into the request handler)."""

    sim: Simulator
    headers: Any
    body: bytes


    def _token_info(self, token: str, status: int, message: str) -> None:
        expires = self.sim._tokens[token] + self.sim.faults.clock_skew
        self._json(status, {
            "meta": {"validationUrl": f"{self.sim.auth_url}/token/validate"},
            "status": "SUCCESS",
            "statusMessage": message,
            "tokenInfo": {"expiresAt": int(expires * 1000), "tokenId": str(uuid.uuid4()),
                          "tokenValue": token, "refreshTokenId": str(uuid.uuid4())},
        })

    def _auth_failure(self, status: int, code: str, message: str) -> None:
        self._send(status, json.dumps({"status": code, "statusMessage": message}).encode(),
                   "application/json")

    def _authenticate(self) -> None:
        scheme, _, encoded = self.headers.get("Authorization", "").partition(" ")
        if scheme == "CACertificate":
            self._certificate_login(encoded)
            return
        if scheme != "Basic":
            self._auth_failure(400, "FAILURE_BAD_HEADER", "Bad Authorization header")
            return
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            self._auth_failure(400, "FAILURE_BAD_HEADER", "Bad Authorization header")
            return
        if self.sim.users.get(user) != password:
            self._auth_failure(401, "FAILURE_BAD_CREDENTIAL", "Invalid credentials")
            return
        self._token_info(self.sim._new_token(), 201, "Login successful")

    def _certificate_login(self, encoded: str) -> None:
        from anaplan_pandas.simulator.certificates import verify_login

        faults = self.sim.faults
        try:
            body = json.loads(self.body or b"{}")
            verify_login(encoded, body, self.sim.trusted_authorities,
                         require_v2=faults.require_v2,
                         timestamp_unit=faults.certificate_timestamp_unit)
        except ValueError as error:
            self._auth_failure(401, "FAILURE_BAD_CREDENTIAL", f"Certificate refused: {error}")
            return
        self._token_info(self.sim._new_token(), 201, "Login successful")

    def _oauth_error(self, status: int, error: str, description: str) -> None:
        self._send(status, json.dumps({"error": error, "error_description": description})
                   .encode(), "application/json")

    def _oauth_body(self) -> dict[str, Any] | None:
        try:
            body = json.loads(self.body or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("client_id") not in self.sim.oauth_clients:
            self._oauth_error(401, "invalid_client", "Unknown client")
            return None
        return body

    def _device_code(self) -> None:
        body = self._oauth_body()
        if body is None:
            return
        device_code, user_code = uuid.uuid4().hex, uuid.uuid4().hex[:8].upper()
        interval = self.sim.faults.device_interval
        with self.sim._lock:
            self.sim.device_grants[device_code] = {
                "user_code": user_code, "client_id": body["client_id"], "approved": False,
                "last_poll": 0.0, "interval": interval,
            }
        uri = f"{self.sim.base_url}/activate"
        self._json(200, {"device_code": device_code, "user_code": user_code,
                         "verification_uri": uri,
                         "verification_uri_complete": f"{uri}?user_code={user_code}",
                         "expires_in": 900, "interval": interval})

    def _oauth_token(self) -> None:
        body = self._oauth_body()
        if body is None:
            return
        grant_type = body.get("grant_type")
        if grant_type == "urn:ietf:params:oauth:grant-type:device_code":
            with self.sim._lock:
                grant = self.sim.device_grants.get(str(body.get("device_code")))
                if grant is None:
                    self._oauth_error(400, "expired_token", "Unknown or expired device code")
                    return
                now = time.monotonic()
                too_soon = now - grant["last_poll"] < grant["interval"] * 0.9
                grant["last_poll"] = now
                if too_soon:
                    self._oauth_error(400, "slow_down", "Polling too fast")
                    return
                if not grant["approved"]:
                    self._oauth_error(400, "authorization_pending", "Waiting for the user")
                    return
                del self.sim.device_grants[str(body["device_code"])]
        elif grant_type == "refresh_token":
            with self.sim._lock:
                owner = self.sim.refresh_tokens.pop(str(body.get("refresh_token")), None)
            if owner != body["client_id"]:
                self._oauth_error(400, "invalid_grant", "Refresh token invalid or already used")
                return
        else:
            self._oauth_error(400, "unsupported_grant_type", f"Unsupported {grant_type!r}")
            return
        refresh = uuid.uuid4().hex + uuid.uuid4().hex  # rotated at every use
        with self.sim._lock:
            self.sim.refresh_tokens[refresh] = body["client_id"]
        self._json(200, {"access_token": self.sim._new_token(), "refresh_token": refresh,
                         "token_type": "Bearer", "scope": "openid email offline_access",
                         "expires_in": int(self.sim.faults.token_lifetime)})

    def _bearer_token(self) -> str | None:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        return token if scheme == "AnaplanAuthToken" else None

    def _refresh(self) -> None:
        token = self._bearer_token()
        if not self.sim._token_valid(token):
            self._auth_failure(401, "FAILURE_BAD_CREDENTIAL", "Token expired or invalid")
            return
        assert token is not None
        with self.sim._lock:
            if self.sim.faults.token_refresh == "rotate":  # a new value; the old one dies
                del self.sim._tokens[token]
                token = None
            else:  # as observed live: the same value, its expiry extended
                self.sim._tokens[token] = time.time() + self.sim.faults.token_lifetime
        self._token_info(token or self.sim._new_token(), 200, "Token refreshed")

    def _validate(self) -> None:
        token = self._bearer_token()
        if not self.sim._token_valid(token):
            self._auth_failure(401, "FAILURE_BAD_CREDENTIAL", "Token expired or invalid")
            return
        self._json(200, {"statusMessage": "Token validated",
                         "tokenInfo": {"expiresAt": int(self.sim._tokens[token or ""] * 1000)}})

    def _logout(self) -> None:
        token = self._bearer_token()
        with self.sim._lock:
            self.sim._tokens.pop(token or "", None)
        self._send(204, b"", "application/json")
