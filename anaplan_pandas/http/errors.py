"""What a failed call means for the user: typed errors with advice, never a secret.

The retry loop (:mod:`anaplan_pandas.http.retry`) returns an answer or gives up; these
functions turn what it ends with into the errors of :mod:`anaplan_pandas.exceptions`, with
Anaplan's own ``status.message`` in them and every secret the auth object holds redacted.
"""

from __future__ import annotations

from collections.abc import Callable

import requests

from anaplan_pandas.exceptions import (
    AnaplanConnectionError,
    AnaplanError,
    AnaplanHTTPError,
    AuthenticationError,
    ModelBusyError,
    NotFoundError,
    RateLimitError,
    UnexpectedResponseError,
)
from anaplan_pandas.http.bodies import BrokenBodyError
from anaplan_pandas.http.retry import retry_after_seconds

Redact = Callable[[str], str]


def failure_error(
    method: str, path: str, what: str, error: Exception, tries: int, redact: Redact
) -> AnaplanError:
    """The error of a call that got no usable answer (``tries`` tries)."""
    times = _tries(tries)
    if isinstance(error, BrokenBodyError):
        return UnexpectedResponseError(
            f"Anaplan answered {method} {path} for {what} with a broken body {times} "
            f"({redact(str(error))}); none of it was used. Try again later; "
            "if it persists, the service or a proxy between you and it is damaging "
            "the data."
        )
    doubt = ""
    if method == "POST" and not never_reached_server(error):
        doubt = (
            " The call may have reached Anaplan, so a read request may have been started "
            "and will expire unused after 30 minutes; it was not sent again to avoid "
            "starting a second one."
        )
    return AnaplanConnectionError(
        f"{method} {path} for {what} failed {times}: {_failure_name(error)}.{doubt} "
        "Check the network and api_url, then try again."
    )



def redirect_error(method: str, what: str, response: requests.Response
                   ) -> UnexpectedResponseError:
    """The error of a redirect, which is never followed."""
    target = requests.utils.urlparse(response.headers.get("Location", ""))
    where = f"{target.scheme}://{target.netloc}" if target.netloc else "another path"
    return UnexpectedResponseError(
        f"Anaplan answered {method} for {what} with a redirect (HTTP "
        f"{response.status_code}) to {where}. Redirects are not followed, so that "
        f"credentials only go to the hosts you named; if {where} is your tenant's "
        "Integration API, pass api_url= (or set ANAPLAN_API_URL) to it."
    )



def status_error(
    method: str, path: str, what: str, response: requests.Response, tries: int, redact: Redact
) -> AnaplanHTTPError:
    """The error of an answer with an error status."""
    status = response.status_code
    message = redact(server_message(response))
    said = f"HTTP {status}: {message}"
    if status == 401:
        return AuthenticationError(
            f"Anaplan did not accept the credentials for {what} ({said}). Check the user "
            "name and password or token (a token expires after 35 minutes); under single "
            "sign-on the user must be an exception user to use a password.",
            status_code=status,
            server_message=message,
        )
    if status in (403, 404):
        return NotFoundError(
            f"Anaplan found no {what}, or the user has no access to it ({said}). Check "
            "the ids, and that the user has a role in the model.",
            status_code=status,
            server_message=message,
        )
    if status == 409:
        return ModelBusyError(
            f"The model is busy and refused {method} for {what} ({said}). Wait until the "
            "running import, export or save has finished, then try again.",
            status_code=status,
            server_message=message,
        )
    if status == 429:
        wait = retry_after_seconds(response)
        hint = (f" after the {wait:g} seconds Anaplan asked for (Retry-After)"
                if wait is not None else " in a minute")
        return RateLimitError(
            f"Anaplan rate-limited {method} for {what} ({said}) {_tries(tries)}. "
            f"Try again{hint}, or make fewer calls at once.",
            status_code=status,
            server_message=message,
            retry_after=wait,
        )
    doubt = ""
    if method == "POST" and status >= 500:
        doubt = (
            " The call reached Anaplan, so a read request may have been started anyway; "
            "it expires unused after 30 minutes. It was not sent again."
        )
    elif status >= 500:
        doubt = f" ({_tries(tries)}); try again later"
    return AnaplanHTTPError(
        f"Anaplan answered {method} for {what} with {said}{doubt}.",
        status_code=status,
        server_message=message,
    )



def _tries(tries: int) -> str:
    return "once" if tries == 1 else f"{tries} times"


def _failure_name(error: Exception) -> str:
    if isinstance(error, BrokenBodyError):
        return str(error)
    return type(error).__name__


def never_reached_server(error: Exception) -> bool:
    """Whether a failed call provably never reached the server (so a POST may be resent).

    Examples
    --------
    >>> never_reached_server(requests.exceptions.ConnectTimeout())
    True
    """
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError):
        text = repr(error.args[0]) if error.args else ""
        return "NewConnectionError" in text or "NameResolutionError" in text
    return False


def server_message(response: requests.Response) -> str:
    """Anaplan's explanation in an error body, or the HTTP reason phrase.

    Examples
    --------
    >>> r = requests.Response(); r._content = b'{"status": {"code": 404, "message": "Not Found"}}'
    >>> server_message(r)
    'Not Found'
    """
    try:
        body = response.json()
    except ValueError:
        return response.reason or "no message"
    if isinstance(body, dict):
        status = body.get("status")
        if isinstance(status, dict) and status.get("message"):
            return str(status["message"])
        for key in ("statusMessage", "error_description", "message"):
            if body.get(key):
                return str(body[key])
    return response.reason or "no message"
