"""anaplan-pandas: read Anaplan views, lists and exports of any size into pandas DataFrames.

Examples
--------
>>> import anaplan_pandas as ap
>>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID
>>> with Simulator(revenue_rows=2880) as sim:  # a local Anaplan; leave out the URLs for yours
...     df = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, auth=sim.credentials,
...                       api_url=sim.api_url, auth_url=sim.auth_url, progress=None)
>>> df.shape
(2880, 8)
"""

from anaplan_pandas.api.background import BackgroundRead
from anaplan_pandas.api.connection import Connection, connect
from anaplan_pandas.api.discovery import exports, lists, models, modules, views, workspaces
from anaplan_pandas.api.exports import read_export, save_export
from anaplan_pandas.api.options import ReadOptions
from anaplan_pandas.api.views import (
    read_list,
    read_view,
    save_list,
    save_view,
    start_list_read,
    start_view_read,
)
from anaplan_pandas.catalog.catalog import Catalog
from anaplan_pandas.catalog.export_definition import UnsupportedExportError
from anaplan_pandas.catalog.targets import Target
from anaplan_pandas.exceptions import (
    AmbiguousNameError,
    AnaplanConnectionError,
    AnaplanError,
    AnaplanHTTPError,
    AnaplanTimeoutError,
    AuthenticationError,
    ExportFailedError,
    IncompleteReadError,
    ModelBusyError,
    NotFoundError,
    RateLimitError,
    ReadRequestCancelledError,
    ReadRequestError,
    ReadRequestTimeoutError,
    UnexpectedResponseError,
    full_traceback,
)
from anaplan_pandas.http.auth import AnaplanAuth, BasicAuth, TokenAuth
from anaplan_pandas.http.certificate import CertificateAuth
from anaplan_pandas.http.oauth import OAuthDeviceAuth
from anaplan_pandas.http.retry import RetryPolicy
from anaplan_pandas.http.transport import Transport
from anaplan_pandas.run.poll import PollSchedule
from anaplan_pandas.run.signals import Terminated, stop_on_sigterm
from anaplan_pandas.sources.export_task import ExportTask
from anaplan_pandas.sources.read_request import ReadRequest
from anaplan_pandas.sources.request_status import ReadRequestStatus, RequestState

__version__ = "0.1.0"

__all__ = [
    "AmbiguousNameError",
    "AnaplanAuth",
    "AnaplanConnectionError",
    "AnaplanError",
    "AnaplanHTTPError",
    "AnaplanTimeoutError",
    "AuthenticationError",
    "BackgroundRead",
    "BasicAuth",
    "Catalog",
    "CertificateAuth",
    "Connection",
    "ExportFailedError",
    "ExportTask",
    "IncompleteReadError",
    "ModelBusyError",
    "NotFoundError",
    "OAuthDeviceAuth",
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
    "Terminated",
    "TokenAuth",
    "Transport",
    "UnexpectedResponseError",
    "UnsupportedExportError",
    "__version__",
    "connect",
    "exports",
    "full_traceback",
    "lists",
    "models",
    "modules",
    "read_export",
    "read_list",
    "read_view",
    "save_export",
    "save_list",
    "save_view",
    "start_list_read",
    "start_view_read",
    "stop_on_sigterm",
    "views",
    "workspaces",
]
