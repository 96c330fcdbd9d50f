"""What a task's status call answers (an export's, an import's, a process's).

Anaplan reports ``taskState`` (``NOT_STARTED``, ``IN_PROGRESS``, ``COMPLETE``,
``CANCELLING``, ``CANCELLED``), ``progress`` as a fraction, ``currentStep`` as text and,
once complete, a ``result`` with ``successful``, ``failureDumpAvailable`` and ``details``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TASK_STATES = ("NOT_STARTED", "IN_PROGRESS", "COMPLETE", "CANCELLING", "CANCELLED")


@dataclass(frozen=True)
class TaskStatus:
    """One answer of the task status call.

    Examples
    --------
    >>> TaskStatus.from_body({"task": {"taskId": "F3", "taskState": "IN_PROGRESS",
    ...                                "progress": 0.25, "currentStep": "Exporting"}}).progress
    0.25
    """

    task_id: str
    state: str
    progress: float | None = None
    step: str = ""
    successful: bool | None = None
    failure_dump: bool = False
    details: list[Any] = field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        """Whether the task has finished, successfully or not."""
        return self.state == "COMPLETE"

    @property
    def is_failed(self) -> bool:
        """Whether the task finished without success."""
        return self.is_complete and self.successful is not True

    @property
    def is_cancelled(self) -> bool:
        """Whether the task was cancelled, or is being cancelled."""
        return self.state in ("CANCELLED", "CANCELLING")

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> TaskStatus:
        """Read a ``task`` envelope, checking the fields that matter."""
        task = body.get("task")
        if not isinstance(task, dict) or not isinstance(task.get("taskId"), str) or \
                not isinstance(task.get("taskState", "NOT_STARTED"), str):
            raise ValueError(f"no task with a taskId and a taskState: {str(body)[:300]!r}")
        result = task.get("result") if isinstance(task.get("result"), dict) else {}
        progress = task.get("progress")
        successful = result.get("successful")
        if isinstance(successful, str):
            successful = successful.lower() == "true"
        details = result.get("details")
        return cls(
            task_id=task["taskId"],
            state=task.get("taskState", "NOT_STARTED"),
            progress=float(progress) if isinstance(progress, (int, float)) else None,
            step=str(task.get("currentStep") or ""),
            successful=successful if isinstance(successful, bool) else None,
            failure_dump=bool(result.get("failureDumpAvailable")),
            details=details if isinstance(details, list) else [],
        )


def detail_text(detail: Any) -> str:
    """What one entry of a task's ``result.details`` says, in a few words."""
    if isinstance(detail, dict):
        return str(detail.get("localMessageText") or detail.get("type") or detail)
    return str(detail)
