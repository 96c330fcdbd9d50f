"""The public surface cannot drift by accident."""

from __future__ import annotations

import importlib.resources

import anaplan_pandas


def test_exported_names():
    assert sorted(anaplan_pandas.__all__) == sorted([
        "AmbiguousNameError", "AnaplanAuth", "AnaplanConnectionError", "AnaplanError",
        "AnaplanHTTPError", "AnaplanTimeoutError", "AuthenticationError", "BackgroundRead",
        "BasicAuth", "Catalog", "CertificateAuth", "Connection",
        "ExportFailedError", "ExportTask", "IncompleteReadError", "ModelBusyError",
        "NotFoundError", "OAuthDeviceAuth",
        "PollSchedule", "RateLimitError", "ReadOptions", "ReadRequest",
        "ReadRequestCancelledError", "ReadRequestError", "ReadRequestStatus",
        "ReadRequestTimeoutError", "RequestState", "RetryPolicy", "Target", "Terminated",
        "TokenAuth",
        "Transport", "UnexpectedResponseError", "UnsupportedExportError", "__version__",
        "connect", "exports", "full_traceback",
        "lists", "models",
        "modules", "read_export", "read_list", "read_view", "save_export", "save_list",
        "save_view",
        "start_list_read", "start_view_read", "stop_on_sigterm", "views", "workspaces",
    ])
    for name in anaplan_pandas.__all__:
        assert hasattr(anaplan_pandas, name)


def test_every_error_has_one_root():
    errors = [getattr(anaplan_pandas, n) for n in anaplan_pandas.__all__ if n.endswith("Error")]
    assert all(issubclass(e, anaplan_pandas.AnaplanError) for e in errors)


def test_ships_py_typed():
    assert importlib.resources.files("anaplan_pandas").joinpath("py.typed").is_file()
