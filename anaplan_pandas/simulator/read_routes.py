"""The simulator's large read requests: start, status, pages (paced, broken on demand), DELETE.

A request exports over time (``availablePages`` grows), its pages can be fetched while it is
``IN_PROGRESS``, a DELETE frees it (404 afterwards), and the fault knobs break pages, cut
them short, throttle them or cancel the request, as a tenant does on a bad day.
"""

from __future__ import annotations

import json
import socket
import time
from typing import TYPE_CHECKING, Any

from anaplan_pandas.simulator.faults import Faults, broken_page
from anaplan_pandas.simulator.records import PageFetch, ReadRequestRecord
from anaplan_pandas.simulator.sample_model import MODEL_ID, REVENUE_VIEW_ID

if TYPE_CHECKING:
    from anaplan_pandas.simulator.server import Simulator


class ReadRoutes:
    """Handler methods for the four calls of a large read request."""

    sim: Simulator
    args: dict[str, str]
    body: bytes
    query: dict[str, str]
    headers: Any
    wfile: Any

    def _read_payload(self, record: ReadRequestRecord, *, full: bool) -> dict[str, Any]:
        state, pages, successful = record.status(time.monotonic())
        base = self.sim.api_url + (f"/workspaces/{record.workspace_id}" if record.workspace_id
                                   else "")
        faults = self.sim.faults
        if faults.request_state and record.deleted_state is None:
            state = faults.request_state
        payload: dict[str, Any] = {
            "requestId": faults.request_id or record.request_id,
            "requestState": state,
            "url": f"{base}/models/{MODEL_ID}/{record.kind}s/{record.object_id}/readRequests/"
                   f"{record.request_id}",
        }
        if full:
            payload[f"{record.kind}Id"] = int(record.object_id)
            payload["availablePages"] = pages
            payload["successful"] = successful
        return {f"{record.kind}ReadRequest": payload}

    def _start_read(self) -> None:
        if not self._model_ok():
            return
        kind, object_id = self.args["kind"], self.args["obj"]
        source = self.sim.model.views if kind == "view" else self.sim.model.lists
        if object_id not in source:
            self._error(404, "Not Found")
            return
        export_type = "TABULAR_MULTI_COLUMN"
        if kind == "view":
            try:
                export_type = json.loads(self.body or b"{}").get("exportType", "")
            except (ValueError, AttributeError):
                self._error(400, "Bad Request: the body is not JSON")
                return
            if export_type not in ("TABULAR_MULTI_COLUMN", "TABULAR_SINGLE_COLUMN",
                                   "GRID_ALL_PAGES", "GRID_CURRENT_PAGE") or (
                    export_type != "TABULAR_MULTI_COLUMN" and self.sim.faults.time_across_columns
                    and object_id == REVENUE_VIEW_ID):
                self._error(400, f"Invalid exportType {export_type!r}")
                return
        record = self.sim._start_request(kind, object_id, self.args.get("ws") or "", export_type)
        self._ok(f"{kind}ReadRequest", **self._read_payload(record, full=False))

    def _record_of(self) -> ReadRequestRecord | None:
        if not self._model_ok():
            return None
        with self.sim._lock:
            self.sim._expire(time.monotonic())
            record = self.sim.requests.get(self.args["rid"])
        if record is None or (record.kind, record.object_id) != (self.args["kind"],
                                                                 self.args["obj"]):
            self._error(404, "Not Found")
            return None
        return record

    def _read_status(self) -> None:
        record = self._record_of()
        if record is not None:
            self._ok(f"{record.kind}ReadRequest", **self._read_payload(record, full=True))

    def _read_page(self) -> None:
        record = self._record_of()
        if record is None:
            return
        page_no = int(self.args["page"])
        state, available, _ = record.status(time.monotonic())
        if page_no >= available:
            self._error(404, f"Page {page_no} is not available")
            return
        if page_no % 100 == 0:
            record.last_activity = time.monotonic()
        faults = self.sim.faults
        if faults.page_charset.lower() not in ("utf-8", "utf8"):
            text = record.export.page(page_no).decode("utf-8", "replace")
            body = text.encode(faults.page_charset, "replace")
            encoding = "identity"
        elif faults.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
            body, encoding = record.export.gzipped(page_no), "gzip"
        else:
            body, encoding = record.export.page(page_no), "identity"
        headers = {"Content-Type": "text/csv"}
        if encoding == "gzip":
            headers["Content-Encoding"] = "gzip"
        if self.sim._break_page(record.request_id, page_no):
            kind = self.sim._choice(faults.broken_kinds)
            # From page 2 on, once pages 0 and 1 have shown that every page repeats it.
            repeated = page_no > 1 and record.export.layout.header == "every"
            header = record.export.header if repeated else b""
            whole = page_no == 0 or record.export.layout.split == "rows"
            body, headers = broken_page(kind, record.export.page(page_no), header,
                                        whole_records=whole)
            encoding = f"broken:{kind}"
        with self.sim._lock:
            self.sim.page_fetches.append(PageFetch(record.request_id, page_no, state, encoding))
        with self.sim._lock:
            self.sim._pages_in_flight += 1
            self.sim.max_concurrent_pages = max(self.sim.max_concurrent_pages,
                                                self.sim._pages_in_flight)
        try:
            self._send_page(body, headers, faults)
        finally:
            with self.sim._lock:
                self.sim._pages_in_flight -= 1

    def _send_page(self, body: bytes, headers: dict[str, str], faults: Faults) -> None:
        if faults.page_delay:
            time.sleep(faults.page_delay)
        truncate = self.sim._roll(faults.truncate_pages)
        self.send_response(200)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.status_sent = 200
        if truncate:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        _write_throttled(self.wfile, body, faults.bandwidth)

    def _delete_read(self) -> None:
        record = self._record_of()
        if record is None:
            return
        answer = self.sim.faults.delete_status
        if answer is not None and answer >= 400:
            self._error(answer, "Forbidden" if answer == 403 else "Refused")
            return
        state, _, _ = record.status(time.monotonic())
        final = "COMPLETE" if state == "COMPLETE" else "CANCELLED"
        with self.sim._lock:
            record.deleted_state = final
            self.sim.requests.pop(record.request_id, None)
            self.sim.completed_requests[record.request_id] = record.complete_at()
        if answer == 204:
            self._send(204, b"", "application/json")
            return
        payload = self._read_payload(record, full=False)
        payload[f"{record.kind}ReadRequest"].update(requestState=final, successful=True)
        self._ok(f"{record.kind}ReadRequest", **payload)


def _write_throttled(stream: Any, body: bytes, bandwidth: float | None) -> None:
    if not bandwidth:
        stream.write(body)
        return
    chunk = max(1024, int(bandwidth / 50))
    started = time.monotonic()
    for sent in range(0, len(body), chunk):
        stream.write(body[sent : sent + chunk])
        ahead = (sent + chunk) / bandwidth - (time.monotonic() - started)
        if ahead > 0:
            time.sleep(ahead)
