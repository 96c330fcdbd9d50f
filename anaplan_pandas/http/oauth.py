"""OAuth 2.0 for Anaplan: the device grant and refresh tokens, rotatable ones included.

The device grant suits single sign-on users, who have no password to give: the user
opens a link, confirms a short code, and the script or notebook goes on. The refresh token
it receives then renews the access token without the user; a *rotatable* refresh token
is replaced at every use, and each new one is handed to ``on_refresh_token`` so it can be
stored for the next run.

Access tokens are sent as ``AnaplanAuthToken …``, which Anaplan accepts on every API
(``Bearer`` is refused by some, ``anaplan-api.md`` §4.1).

The OAuth service: ``oauth_url=``, ``region=``, ``ANAPLAN_OAUTH_URL`` or ``ANAPLAN_REGION``
(default ``https://us1a.app.anaplan.com``).
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Callable

import requests

from anaplan_pandas.exceptions import (
    AnaplanConnectionError,
    AuthenticationError,
    UnexpectedResponseError,
)
from anaplan_pandas.http.auth import AnaplanAuth
from anaplan_pandas.http.urls import resolve_oauth_url

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

Prompt = Callable[[str, str, str | None], None]


def show_device_prompt(verification_uri: str, user_code: str, complete_uri: str | None) -> None:
    """Tell the user where to confirm the login: a link in Jupyter, a line in a terminal."""
    from anaplan_pandas.progress.widget import in_jupyter

    if in_jupyter():
        from IPython.display import HTML, display

        link = html.escape(complete_uri or verification_uri)
        display(HTML(
            f'To sign in to Anaplan, open <a href="{link}" target="_blank">{link}</a> '
            f"and confirm the code <b>{html.escape(user_code)}</b>."
        ))
    else:
        print(
            f"To sign in to Anaplan, open {complete_uri or verification_uri} and confirm "
            f"the code {user_code}.",
            file=sys.stderr,
            flush=True,
        )


class OAuthDeviceAuth(AnaplanAuth):
    """Log in through an OAuth client: the device grant, then its refresh tokens.

    Parameters
    ----------
    client_id : str
        The OAuth client's id (Administration › Security › OAuth Clients).
    refresh_token : str, optional
        A refresh token from an earlier login: no prompt unless it is refused.
    client_secret : str, optional
        For authorization-code clients, sent with refresh requests.
    on_refresh_token : callable, optional
        Called with each new refresh token (rotatable tokens change at every use).
    prompt : callable, optional
        Shows the verification link and code; by default a link in Jupyter, a line on
        standard error in a terminal.
    oauth_url, region : str, optional
        The OAuth service, or the region whose service to use (``ANAPLAN_OAUTH_URL``,
        ``ANAPLAN_REGION``; default ``https://us1a.app.anaplan.com``).
    device_timeout : float
        How long to wait for the user to confirm, in seconds.

    Examples
    --------
    >>> OAuthDeviceAuth("d1f5e8c0a2b34f6e9c7d", refresh_token="kept-secret")
    OAuthDeviceAuth(client_id='d1f5e8c0a2b34f6e9c7d')
    """

    def __init__(
        self,
        client_id: str,
        *,
        refresh_token: str | None = None,
        client_secret: str | None = None,
        on_refresh_token: Callable[[str], None] | None = None,
        prompt: Prompt | None = None,
        oauth_url: str | None = None,
        region: str | None = None,
        scope: str = "openid profile email offline_access",
        device_timeout: float = 900.0,
        verify: bool | str = True,
    ) -> None:
        super().__init__(verify=verify)
        self.client_id = client_id
        self.oauth_url = resolve_oauth_url(oauth_url, region)
        self.scope = scope
        self.device_timeout = device_timeout
        self.on_refresh_token = on_refresh_token
        self.prompt = prompt or show_device_prompt
        self._refresh_token = refresh_token
        self._client_secret = client_secret

    def __repr__(self) -> str:
        return f"OAuthDeviceAuth(client_id={self.client_id!r})"

    _refusal_advice = (
        "Check the OAuth client id, and that the client allows the device grant (it is not "
        "available with single sign-on on every tenant); sign in again if the refresh token "
        "has expired."
    )

    def _secrets(self) -> list[str]:
        return [*super()._secrets(), self._refresh_token or "", self._client_secret or ""]

    def close(self) -> None:
        """Forget the access token (OAuth tokens are not logged out)."""
        with self._lock:
            self._token = None
            self._closed = True

    def _obtain(self) -> tuple[str, float]:
        if self._refresh_token:
            try:
                return self._refresh()
            except AuthenticationError as error:
                if error.status_code not in (400, 401):
                    raise  # the service is unwell: keep the refresh token for later
                self._refresh_token = None  # expired or already used: sign in again
        return self._device_login()

    def _renew(self, token: str) -> tuple[str, float]:
        return self._obtain()

    def _refresh(self) -> tuple[str, float]:
        body = {"grant_type": "refresh_token", "client_id": self.client_id,
                "refresh_token": self._refresh_token}
        if self._client_secret:
            body["client_secret"] = self._client_secret
        return self._tokens(self._post("/oauth/token", base=self.oauth_url, json=body))

    def _device_login(self) -> tuple[str, float]:
        started = self._post(
            "/oauth/device/code", base=self.oauth_url,
            json={"client_id": self.client_id, "scope": self.scope},
        )
        grant = _json(started, "device/code")
        try:
            device_code = grant["device_code"]
            interval = float(grant.get("interval", 5))
            self.prompt(grant["verification_uri"], grant["user_code"],
                        grant.get("verification_uri_complete"))
        except (KeyError, TypeError, ValueError):
            raise UnexpectedResponseError(
                f"The OAuth device grant answer lacks its codes: keys {sorted(grant)}."
            ) from None
        deadline = time.monotonic() + min(self.device_timeout, float(grant.get("expires_in", 900)))
        body = {"grant_type": DEVICE_GRANT, "client_id": self.client_id, "device_code": device_code}
        while time.monotonic() < deadline:
            time.sleep(interval)
            failure = ""
            try:
                response = self._http.post(  # type: ignore[union-attr]
                    self.oauth_url + "/oauth/token", json=body, timeout=(10, 60),
                    verify=self.verify, allow_redirects=False,
                )
            except requests.RequestException as error:
                failure = type(error).__name__
            if failure:
                raise AnaplanConnectionError(
                    f"Lost the OAuth service at {self.oauth_url} while waiting for the device "
                    f"login ({failure}); sign in again."
                )
            if response.ok:
                return self._tokens(response)
            error = _json(response, "token").get("error")
            if error == "authorization_pending":
                continue
            if error == "slow_down":
                interval += 5
                continue
            raise AuthenticationError(
                f"The device login ended with {error!r}: the code was refused or expired. "
                "Start again and confirm the code within its time.",
                status_code=response.status_code,
                server_message=str(error),
            )
        raise AuthenticationError(
            "Nobody confirmed the device code in time; start again and confirm the code."
        )

    def _tokens(self, response: requests.Response) -> tuple[str, float]:
        answer = _json(response, "token")
        try:
            access = str(answer["access_token"])
            lifetime = float(answer.get("expires_in", 2100))
        except (KeyError, TypeError, ValueError):
            raise UnexpectedResponseError(
                f"The OAuth token answer has no access_token: keys {sorted(answer)}."
            ) from None
        new_refresh = answer.get("refresh_token")
        if new_refresh and new_refresh != self._refresh_token:
            self._refresh_token = str(new_refresh)
            if self.on_refresh_token is not None:
                self.on_refresh_token(self._refresh_token)
        return access, lifetime


def _json(response: requests.Response, call: str) -> dict:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise UnexpectedResponseError(
            f"The OAuth service answered /oauth/{call} with HTTP {response.status_code} and "
            f"no JSON object ({len(response.content)} bytes)."
        )
    return body
