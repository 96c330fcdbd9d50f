"""Every error anaplan-pandas raises, under one root.

::

    AnaplanError
    ├── AnaplanHTTPError            the server answered with an error status
    │   ├── AuthenticationError     401, bad or missing credentials
    │   ├── NotFoundError           403/404: no such object, or no access to it
    │   ├── ModelBusyError          409: the model is busy (an import, export or save runs)
    │   └── RateLimitError          429 once the retries are spent
    ├── AnaplanConnectionError      no answer: refused, reset or timed out
    ├── AnaplanTimeoutError         the caller's timeout= passed
    ├── AmbiguousNameError          a name that matches several objects
    ├── UnexpectedResponseError     a body that is not what the API documents
    └── ReadRequestError            a large read request went wrong
        ├── ExportFailedError       COMPLETE with ``successful: false``
        ├── ReadRequestCancelledError  CANCELLED or CANCELLING
        ├── IncompleteReadError     a declared page or chunk the server does not serve
        └── ReadRequestTimeoutError    the caller's deadline passed (also an
                                       AnaplanTimeoutError)

Messages name the object (workspace, model, view or list, request id) and say what to do
next. They never contain a token, password or key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anaplan_pandas.catalog.targets import Target


class AnaplanError(Exception):
    """Root of every error raised by anaplan-pandas.

    Examples
    --------
    >>> try:
    ...     raise NotFoundError("no view 101000000001", status_code=404)
    ... except AnaplanError as error:
    ...     print(type(error).__name__)
    NotFoundError
    """

    def _render_traceback_(self) -> list[str]:
        """How IPython and Jupyter show this error: the message and its advice, up front.

        The frames inside anaplan-pandas would bury the message under screens of traceback;
        :func:`full_traceback` prints them when they are wanted.
        """
        return [f"{type(self).__name__}: {self}", "",
                "(The full traceback: anaplan_pandas.full_traceback())"]

    def append(self, text: str) -> None:
        """Add a sentence to the message (what happened while cleaning up, for example).

        Examples
        --------
        >>> error = AnaplanError("The read failed.")
        >>> error.append("The request was not deleted.")
        >>> str(error)
        'The read failed. The request was not deleted.'
        """
        first = self.args[0] if self.args else ""
        self.args = (f"{first} {text}".strip(), *self.args[1:])


class AnaplanHTTPError(AnaplanError):
    """The Anaplan API answered with an error status.

    Attributes
    ----------
    status_code : int or None
        The HTTP status, or ``None`` when no request was made.
    server_message : str or None
        Anaplan's own explanation (``status.message`` or ``statusMessage``), if it sent one.
    """

    def __init__(
        self, message: str, *, status_code: int | None = None, server_message: str | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.server_message = server_message


class AuthenticationError(AnaplanHTTPError):
    """The credentials were missing, wrong, or no longer accepted (HTTP 401)."""


class NotFoundError(AnaplanHTTPError):
    """The object does not exist, or the user has no access to it (HTTP 403 or 404).

    Anaplan answers 404 rather than 403 when the user lacks a role on a model, so the two
    cannot be told apart.
    """


class ModelBusyError(AnaplanHTTPError):
    """The model is busy with another action (HTTP 409); try again when it has finished."""


class RateLimitError(AnaplanHTTPError):
    """Anaplan kept answering 429 after every retry.

    Attributes
    ----------
    retry_after : float or None
        The wait, in seconds, that the server suggested last.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = 429,
        server_message: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, server_message=server_message)
        self.retry_after = retry_after


class AnaplanConnectionError(AnaplanError):
    """The server could not be reached, or the connection broke, after every retry."""


class AnaplanTimeoutError(AnaplanError):
    """The caller's ``timeout=`` passed before the work was done."""


class AmbiguousNameError(AnaplanError):
    """A workspace, model, view or list name matches more than one object; pass the id."""


class UnexpectedResponseError(AnaplanError):
    """The server sent a body that is not what the API documents (not JSON, missing keys)."""


class ReadRequestError(AnaplanError):
    """A large read request could not deliver its data.

    Attributes
    ----------
    request_id : str
        Anaplan's id of the read request (of the task, for a bulk export action).
    target : Target
        The view, list or export action being read, with its workspace and model.
    deleted : bool
        Whether the request was deleted on the server before this error was raised.
    """

    def __init__(self, message: str, *, request_id: str, target: Target, deleted: bool) -> None:
        super().__init__(message)
        self.request_id = request_id
        self.target = target
        self.deleted = deleted

    @property
    def workspace_id(self) -> str:
        """The workspace of the view or list."""
        return self.target.workspace_id

    @property
    def model_id(self) -> str:
        """The model of the view or list."""
        return self.target.model_id

    @property
    def view_id(self) -> str | None:
        """The view id, or ``None`` when a list was read."""
        return self.target.object_id if self.target.kind == "view" else None

    @property
    def list_id(self) -> str | None:
        """The list id, or ``None`` when a view was read."""
        return self.target.object_id if self.target.kind == "list" else None


class ExportFailedError(ReadRequestError):
    """Anaplan finished the export with ``successful: false``.

    Anaplan's advice is to delete the failed request and start a new one; ``read_view`` and
    ``read_list`` delete it for you and can retry by themselves (``retries=``). For a bulk
    export action (``read_export``) :attr:`details` holds what Anaplan said of the failed
    task, and :attr:`failure_dump` whether it kept a dump of the rows that failed.
    """

    details: list = []  # noqa: RUF012 (never mutated; set per instance)
    failure_dump: bool = False

    @property
    def export_id(self) -> str | None:
        """The export action's id, or ``None`` when a view or list was read."""
        return self.target.object_id if self.target.kind == "export" else None


class ReadRequestCancelledError(ReadRequestError):
    """The read request was cancelled on the server (``CANCELLED`` or ``CANCELLING``)."""


class IncompleteReadError(ReadRequestError):
    """A page or chunk the server declared but does not serve, or a count that changed.

    The message names the part and the counts seen; the request has been cleaned up. Start
    a new read.
    """


class ReadRequestTimeoutError(ReadRequestError, AnaplanTimeoutError):
    """The export did not finish before the caller's deadline (``timeout=``)."""


def full_traceback() -> None:
    """Print the whole traceback of the last error, which Jupyter showed in short.

    Examples
    --------
    >>> import sys
    >>> sys.last_value = None
    >>> full_traceback()
    No error has been raised in this session yet.
    """
    import sys
    import traceback

    error = getattr(sys, "last_value", None)
    if error is None:
        print("No error has been raised in this session yet.")
        return
    traceback.print_exception(type(error), error, error.__traceback__)
