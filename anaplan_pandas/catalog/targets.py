"""What is being read: a view, a list or an export action, in a model, in a workspace.

Ids are checked before any request is sent, so a wrong-shaped id fails at once with a
``ValueError`` instead of starting a read request that can only fail.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Literal

ObjectKind = Literal["view", "list", "export"]

_HEX32 = re.compile(r"[0-9A-Fa-f]{32}")
_NUMERIC_ID = re.compile(r"[0-9]{1,20}")


def check_workspace_id(workspace_id: object) -> str:
    """Return ``workspace_id`` if it has the shape of an Anaplan workspace id.

    Examples
    --------
    >>> check_workspace_id("8a8196b15b7dbae6015b8694411d13fe")
    '8a8196b15b7dbae6015b8694411d13fe'
    """
    return _check_hex32(workspace_id, "workspace_id", "8a8196b15b7dbae6015b8694411d13fe")


def check_model_id(model_id: object) -> str:
    """Return ``model_id`` if it has the shape of an Anaplan model id.

    Examples
    --------
    >>> check_model_id("75A40874E6B64FA3AE0743278996850F")
    '75A40874E6B64FA3AE0743278996850F'
    """
    return _check_hex32(model_id, "model_id", "75A40874E6B64FA3AE0743278996850F")


def check_request_id(request_id: object, source: str = "request_id") -> str:
    """Return ``request_id`` if it has the shape of Anaplan's read request ids (32 hex).

    The id goes into the path of authenticated calls, so nothing else may pass, wherever
    it comes from (an argument, the command line, or the server's own answer).

    Examples
    --------
    >>> check_request_id("0A06B0739F0E47BB92E2326C603D86EC")
    '0A06B0739F0E47BB92E2326C603D86EC'
    >>> check_request_id("../../lists/101000000007/readRequests/ABC")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: request_id must be 32 hexadecimal characters such as ..., got '../../lists/...'.
    """
    if not isinstance(request_id, str) or not _HEX32.fullmatch(request_id):
        raise ValueError(
            f"{source} must be 32 hexadecimal characters such as "
            f"0A06B0739F0E47BB92E2326C603D86EC, got {request_id!r}."
        )
    return request_id


def check_object_id(object_id: object, kind: ObjectKind) -> str:
    """Return a view or list id as a string of digits.

    Examples
    --------
    >>> check_object_id(101000000001, "view")
    '101000000001'
    """
    name = f"{kind}_id"
    if isinstance(object_id, bool) or not isinstance(object_id, (str, int)):
        raise ValueError(
            f"{name} must be a number such as 101000000001, got {type(object_id).__name__} "
            f"{object_id!r}."
        )
    text = str(object_id).strip()
    if not _NUMERIC_ID.fullmatch(text):
        raise ValueError(
            f"{name} must be a number such as 101000000001, got {object_id!r}. "
            f"Find the id with the Anaplan API's /models/{{modelId}}/{kind}s listing."
        )
    return text


def _check_hex32(value: object, name: str, example: str) -> str:
    if not isinstance(value, str) or not _HEX32.fullmatch(value.strip()):
        raise ValueError(
            f"{name} must be 32 hexadecimal characters such as {example}, got {value!r}. "
            "Copy it from the model's URL in Anaplan or from the API's listings."
        )
    return value.strip()


@dataclass(frozen=True)
class Target:
    """A view, list or export action in a model: the object of a read.

    Examples
    --------
    >>> t = Target.of("view", "8a8196b15b7dbae6015b8694411d13fe",
    ...               "75A40874E6B64FA3AE0743278996850F", 101000000001)
    >>> t.path
    '/workspaces/8a8196b15b7dbae6015b8694411d13fe/models/75A40874E6B64FA3AE0743278996850F/views/101000000001'
    """

    kind: ObjectKind
    workspace_id: str
    model_id: str
    object_id: str
    #: The workspace, model and object as the user named them (``None`` where an id was
    #: given), so that messages name them the same way.
    names: tuple[str | None, str | None, str | None] | None = field(default=None, compare=False)

    @classmethod
    def of(
        cls, kind: ObjectKind, workspace_id: object, model_id: object, object_id: object
    ) -> Target:
        """Build a target from user input, checking the shape of every id."""
        if kind not in ("view", "list", "export"):
            raise ValueError(f"kind must be 'view', 'list' or 'export', got {kind!r}.")
        return cls(
            kind,
            check_workspace_id(workspace_id),
            check_model_id(model_id),
            check_object_id(object_id, kind),
        )

    @property
    def path(self) -> str:
        """The API path of the view or list, below the ``/2/0`` base."""
        return (
            f"/workspaces/{self.workspace_id}/models/{self.model_id}/{self.kind}s/{self.object_id}"
        )

    def describe(self) -> str:
        """A phrase naming the object for error messages and progress displays.

        Examples
        --------
        >>> t = Target.of("view", "8a8196b15b7dbae6015b8694411d13fe",
        ...               "75A40874E6B64FA3AE0743278996850F", 101000000001)
        >>> t.named("Sales", "FP&A", "Revenue").describe()
        "view 'Revenue' (101000000001) in model 'FP&A' (workspace 'Sales')"
        """
        workspace, model, obj = self.names or (None, None, None)
        thing = f"{obj!r} ({self.object_id})" if obj else self.object_id
        return (f"{self.kind} {thing} in model {repr(model) if model else self.model_id} "
                f"(workspace {repr(workspace) if workspace else self.workspace_id})")

    def named(self, workspace: str | None, model: str | None, obj: str | None) -> Target:
        """The same target, remembering the names the user gave (``None`` for ids)."""
        return dataclasses.replace(self, names=(workspace, model, obj))
