"""What a read request's status call answers: its states, and one answer checked field by field.

``NOT_STARTED`` and ``IN_PROGRESS`` keep polling; ``COMPLETE`` with ``successful: true``
ends once every page is delivered; ``COMPLETE`` with ``successful: false`` means the export
failed; ``CANCELLED`` and ``CANCELLING`` mean the data will not arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from anaplan_pandas.catalog.targets import Target, check_request_id
from anaplan_pandas.exceptions import UnexpectedResponseError

EXPORT_TYPES = (
    "TABULAR_MULTI_COLUMN",
    "TABULAR_SINGLE_COLUMN",
    "GRID_ALL_PAGES",
    "GRID_CURRENT_PAGE",
)


def check_export_type(export_type: object) -> str:
    """Return ``export_type`` if read requests offer it.

    Examples
    --------
    >>> check_export_type("TABULAR_SINGLE_COLUMN")
    'TABULAR_SINGLE_COLUMN'
    """
    if export_type not in EXPORT_TYPES or not isinstance(export_type, str):
        raise ValueError(
            f"export_type must be one of {', '.join(EXPORT_TYPES)}, got {export_type!r}."
        )
    return export_type


class RequestState(str, Enum):
    """The ``requestState`` values of a read request."""

    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETE = "COMPLETE"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class ReadRequestStatus:
    """One answer of the status call.

    ``successful`` means something only once ``state`` is ``COMPLETE``.

    Examples
    --------
    >>> s = ReadRequestStatus("0A06B0739F0E47BB92E2326C603D86EC", "IN_PROGRESS", 50, True)
    >>> s.is_complete, s.is_cancelled
    (False, False)
    """

    request_id: str
    state: str
    available_pages: int
    successful: bool | None

    @property
    def is_complete(self) -> bool:
        """Whether the export has finished, successfully or not."""
        return self.state == RequestState.COMPLETE

    @property
    def is_failed(self) -> bool:
        """Whether the export finished with ``successful: false``."""
        return self.is_complete and self.successful is False

    @property
    def is_cancelled(self) -> bool:
        """Whether the request was cancelled or is being cancelled."""
        return self.state in (RequestState.CANCELLED, RequestState.CANCELLING)

    @property
    def is_known(self) -> bool:
        """Whether ``state`` is one of the documented states."""
        return self.state in RequestState.__members__

    @classmethod
    def from_body(cls, body: dict[str, Any], target: Target) -> ReadRequestStatus:
        """Read a ``viewReadRequest`` or ``listReadRequest`` envelope, checking every field."""
        key = f"{target.kind}ReadRequest"
        payload = body.get(key)
        try:
            if not isinstance(payload, dict):
                raise TypeError(f"no {key!r} object")
            request_id = payload["requestId"]
            state = payload["requestState"]
            pages = payload.get("availablePages", 0)
            successful = payload.get("successful")
            if not isinstance(request_id, str) or not isinstance(state, str):
                raise TypeError("requestId and requestState must be strings")
            check_request_id(request_id, "requestId")
            pages = int(pages)
            if pages < 0:
                raise ValueError("availablePages is negative")
            if isinstance(successful, str):
                successful = successful.lower() == "true"
        except (KeyError, TypeError, ValueError) as error:
            raise UnexpectedResponseError(
                f"Anaplan's read request answer for {target.describe()} is malformed "
                f"({error}): {str(body)[:300]!r}"
            ) from None
        return cls(request_id, state, pages, successful)
