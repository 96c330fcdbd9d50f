"""anaplan-pandas: read Anaplan views and lists of any size into pandas DataFrames.

Examples
--------
>>> import anaplan_pandas as ap
>>> df = ap.read_view(workspace_id, model_id, view_id,
...                   auth=("analyst@example.com", "secret"))  # doctest: +SKIP
"""

from anaplan_pandas.auth import AnaplanAuth, BasicAuth, TokenAuth
from anaplan_pandas.exceptions import (
    AnaplanConnectionError,
    AnaplanError,
    AnaplanHTTPError,
    AuthenticationError,
    ExportFailedError,
    ModelBusyError,
    NotFoundError,
    RateLimitError,
    ReadRequestCancelledError,
    ReadRequestError,
    ReadRequestTimeoutError,
    UnexpectedResponseError,
)
from anaplan_pandas.read_request import PollSchedule, ReadRequest, ReadRequestStatus, RequestState
from anaplan_pandas.reader import ReadOptions, connect, read_list, read_view
from anaplan_pandas.targets import Target
from anaplan_pandas.transport import RetryPolicy, Transport

__version__ = "0.1.0"

__all__ = [
    "AnaplanAuth",
    "AnaplanConnectionError",
    "AnaplanError",
    "AnaplanHTTPError",
    "AuthenticationError",
    "BasicAuth",
    "ExportFailedError",
    "ModelBusyError",
    "NotFoundError",
    "PollSchedule",
    "RateLimitError",
    "ReadOptions",
    "ReadRequest",
    "ReadRequestCancelledError",
    "ReadRequestError",
    "ReadRequestStatus",
    "ReadRequestTimeoutError",
    "RequestState",
    "RetryPolicy",
    "Target",
    "TokenAuth",
    "Transport",
    "UnexpectedResponseError",
    "__version__",
    "connect",
    "read_list",
    "read_view",
]
