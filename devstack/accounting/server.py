"""The local accounting system's HTTP side: the receiving end of lms-to-accounting-push.md.

Contract endpoints (POST, JSON, header `X-LMS-API-Key` required):

    /lms-integration/disbursement      -> DISBURSEMENT
    /lms-integration/revenue-report    -> REVENUE_REPORT
    /lms-integration/repayment         -> REPAYMENT
    /lms-integration/early-settlement  -> EARLY_SETTLEMENT
    /lms-integration/reversal          -> REVERSAL, only with AccountingServer(reversals_enabled=True)
                                          or `--reversals`; otherwise 404 like any unknown path.

Header `X-LMS-Event-Id` (optional, e.g. "12-3": loan 12, event 3) identifies the event:

    - its value is kept on the request log entry and on the invoice or payment the event created;
    - if an event with that id was already ACCEPTED, the answer is that first success body again and
      the books do not change (the log entry gets "duplicateOf": <seq of the applied request>);
      reusing it for another event type or a different body fails instead, as a sender bug;
    - if every earlier attempt with that id FAILED, the request is processed normally;
    - a blank value fails validation; without the header nothing is de-duplicated.

Reversal body (not in the seed contract; the platform's events.reversal() sends exactly this):

    {"customerId": "C1", "customerName": "Jane Doe", "loanId": "L1",   required, non-blank strings
     "reversedEventId": "L1-3",          required: X-LMS-Event-Id of an accepted event of this loan
     "reversedEventType": "REPAYMENT",   required: DISBURSEMENT | REVENUE_REPORT | REPAYMENT |
                                         EARLY_SETTLEMENT, and the original's type
     "reversalDate": "2026-06-20",       required, yyyy-MM-dd
     "reason": "bounced"}                string, may be empty or absent

    It undoes what the original did (see ledger.py): a payment's allocations go back onto the same
    invoices and an early settlement re-opens the loan; a revenue report only while nothing was
    applied against its invoice; a disbursement only once every later event is reversed, after which
    the loan takes a new DISBURSEMENT (DISB-<loanId>-<n>) and every other event fails as
    "no disbursement". Success: {"success": true, "status": "PUSHED", "eventType": "REVERSAL",
    "message", "invoiceIds": [invoices touched]}; any refusal is the usual 200 FAILED body. A reversal
    is itself de-duplicated by its own X-LMS-Event-Id.

Answers, in the order they are decided:

    401 {"success": false, "status": "UNAUTHORIZED", "message": ...}
        missing or wrong key; decided from the headers alone, the body is never parsed.
    400 {"success": false, "status": "BAD_REQUEST", "message": "Malformed JSON body"}
        body is not UTF-8 JSON, is empty, holds NaN/Infinity, or is not a JSON object.
    200 {"success": true, "status": "PUSHED", "message": ..., "eventType": ..., "invoiceIds": [...]}
    200 {"success": false, "status": "FAILED", "message": ..., "eventType": ..., "errors": ["field: reason", ...]}
        validation or ordering failure; nothing in the books changes.
    500 {"success": false, "status": "INTERNAL_SERVER_ERROR", "message": "Unexpected server failure"}
    404 for any other path (405 for another method on a contract path).

Local-only endpoints (no key; this is a test and demo tool):

    GET  /invoices[?loanId=X]  one loan's books {"loanId", "customer", "invoices", "payments",
                               "outstandingPrincipal", "openInterest", "disbursed", "settled",
                               "settlementDate"} (404 if unknown), or {"loans": [...]} for all loans.
                               Invoices and payments carry "eventId" and "reversed",
                               "reversalDate", "reversalReason", "reversalEventId"; a reversed
                               invoice stays listed with a zero balance, so the sums stay right.
    GET  /events[?loanId=X]    {"events": [...]}: every request received on a contract path, in
                               order, accepted or not (401/400/injected faults too), with the body,
                               "eventId" and "duplicateOf".
    GET  /health               {"status": "ok"}
    GET  /_control/outage      {"outage": null | {"mode", "status", "seconds", "remaining"}}
    POST /_control/outage      fault injection for the next contract POSTs (before the key check,
                               as a proxy or a crashed service would answer):
        {"status": 503, "count": 3}                  the next 3 answer 503 (429/500/502/503/504)
                                                     without processing; count defaults to 1.
        {"mode": "timeout", "seconds": 5, "count": 1} sleep, then answer 200 {"success": false,
                                                     "status": "TIMEOUT"} without processing, so a
                                                     client with a shorter timeout gives up.
        {"mode": "random", "rate": 0.3, "seed": 7, "seconds": 3, "slowSeconds": 0.2}
                                                     until reset, each contract POST fails with
                                                     probability `rate`, one of (equally likely):
                                                     429/500/502/503/504 or a timeout (unprocessed,
                                                     as above), a slow answer (processed, answered
                                                     after slowSeconds) or a lost answer
                                                     (processed, answered after `seconds`: past the
                                                     client's timeout, so it sends again and must
                                                     be recognised by its X-LMS-Event-Id).
        {"mode": "reset"}                            clear any pending fault.
    POST /_control/reset       clear the books, the request log and any pending fault.

Amounts are JSON numbers printed from Decimal (simplejson, use_decimal) and parsed back with
parse_float=Decimal; no float touches money.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import random
import socket
import threading
import traceback
from dataclasses import dataclass
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import simplejson

from devstack.accounting.ledger import (
    DISBURSEMENT,
    EARLY_SETTLEMENT,
    EVENT_ID_FIELD,
    REPAYMENT,
    REVENUE_REPORT,
    REVERSAL,
    Books,
)
from devstack.http_server import LocalHTTPServer

API_KEY_HEADER = "X-LMS-API-Key"
EVENT_ID_HEADER = EVENT_ID_FIELD
ENDPOINTS = {
    "/lms-integration/disbursement": DISBURSEMENT,
    "/lms-integration/revenue-report": REVENUE_REPORT,
    "/lms-integration/repayment": REPAYMENT,
    "/lms-integration/early-settlement": EARLY_SETTLEMENT,
}
REVERSAL_PATH = "/lms-integration/reversal"
MAX_BODY = 1024 * 1024
FAULT_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_FAULT_SECONDS = 300
MALFORMED = "Malformed JSON body"


class _BadBody(Exception):
    """The request body cannot be framed or parsed; the message is what the client is told."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object with Decimal numbers, or _BadBody."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as err:  # JSONDecodeError is a ValueError
        raise _BadBody(MALFORMED) from err
    if not isinstance(value, dict):
        raise _BadBody(MALFORMED)
    return value


def to_json(value: Any) -> bytes:
    return simplejson.dumps(value, use_decimal=True, ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Fault injection
# ---------------------------------------------------------------------------------------------


@dataclass
class Fault:
    mode: str  # "status" or "timeout" (not processed), "late" (processed, answered after `seconds`)
    status: int
    seconds: Decimal
    remaining: int

    def view(self) -> dict[str, Any]:
        return {"mode": self.mode, "status": self.status, "seconds": self.seconds, "remaining": self.remaining}


def _control_int(spec: dict[str, Any], name: str, default: int) -> int:
    value = spec.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value


class RandomFaults:
    """Faults drawn at random for every contract POST, until reset (seeded: a run replays)."""

    KINDS = ("429", "500", "502", "503", "504", "timeout", "slow", "lost")

    def __init__(self, rate: Decimal, seed: int, seconds: Decimal, slow_seconds: Decimal):
        self.rate, self.seed, self.seconds, self.slow_seconds = rate, seed, seconds, slow_seconds
        self._random = random.Random(seed)
        self.drawn: dict[str, int] = {}

    def draw(self) -> Fault | None:
        if self._random.random() >= self.rate:
            return None
        kind = self._random.choice(self.KINDS)
        self.drawn[kind] = self.drawn.get(kind, 0) + 1
        if kind == "timeout":
            return Fault("timeout", 200, self.seconds, 1)
        if kind in ("slow", "lost"):
            return Fault("late", 200, self.slow_seconds if kind == "slow" else self.seconds, 1)
        return Fault("status", int(kind), Decimal(0), 1)

    def view(self) -> dict[str, Any]:
        return {
            "mode": "random",
            "rate": self.rate,
            "seed": self.seed,
            "seconds": self.seconds,
            "slowSeconds": self.slow_seconds,
            "drawn": dict(sorted(self.drawn.items())),
        }


def _control_seconds(spec: dict[str, Any], name: str, default: int | Decimal) -> Decimal:
    seconds = spec.get(name, default)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, Decimal)) or not 0 < seconds <= MAX_FAULT_SECONDS:
        raise ValueError(f"{name} must be a number in (0, {MAX_FAULT_SECONDS}]")
    return Decimal(seconds)


def fault_from(spec: dict[str, Any]) -> Fault | RandomFaults | None:
    """Parse a /_control/outage body; None means "clear". ValueError explains a bad spec."""
    mode = spec.get("mode", "status")
    if mode == "reset":
        return None
    if mode == "random":
        rate = spec.get("rate", Decimal("0.3"))
        if isinstance(rate, bool) or not isinstance(rate, (int, Decimal)) or not 0 < rate <= 1:
            raise ValueError("rate must be a number in (0, 1]")
        return RandomFaults(
            Decimal(rate),
            _control_int(spec, "seed", 0),
            _control_seconds(spec, "seconds", 5),
            _control_seconds(spec, "slowSeconds", Decimal("0.2")),
        )
    count = _control_int(spec, "count", 1)
    if count < 1:
        raise ValueError("count must be at least 1")
    if mode == "status":
        status = _control_int(spec, "status", 503)
        if status not in FAULT_STATUSES:
            raise ValueError(f"status must be one of {sorted(FAULT_STATUSES)}")
        return Fault("status", status, Decimal(0), count)
    if mode == "timeout":
        return Fault("timeout", 200, _control_seconds(spec, "seconds", 5), count)
    raise ValueError("mode must be one of status, timeout, random, reset")


class FaultInjector:
    """At most one pending fault; each contract POST consumes one of its count (random faults
    stay until reset and draw one per POST)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: Fault | RandomFaults | None = None

    def arm(self, fault: Fault | RandomFaults | None) -> None:
        with self._lock:
            self._pending = fault

    def take(self) -> Fault | None:
        with self._lock:
            fault = self._pending
            if fault is None:
                return None
            if isinstance(fault, RandomFaults):
                return fault.draw()
            fault.remaining -= 1
            if fault.remaining == 0:
                self._pending = None
            return Fault(fault.mode, fault.status, fault.seconds, fault.remaining)

    def view(self) -> dict[str, Any] | None:
        with self._lock:
            return self._pending.view() if self._pending else None


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


class AccountingServer:
    """A real HTTP peer for the accounting push, on 127.0.0.1; port 0 picks a free port."""

    def __init__(
        self,
        port: int = 0,
        api_key: str = "local-accounting-key",
        vat_rate: Decimal = Decimal("18"),
        reversals_enabled: bool = False,
    ):
        if not api_key:
            raise ValueError("api_key must not be empty")
        self.api_key = api_key
        self.reversals_enabled = reversals_enabled
        # The reversal endpoint is not in the seed contract, so by default it does not exist at all.
        self.endpoints = {**ENDPOINTS, REVERSAL_PATH: REVERSAL} if reversals_enabled else dict(ENDPOINTS)
        self.books = Books(vat_rate)
        self.faults = FaultInjector()
        # Set on stop so a simulated timeout does not hold its thread for the full sleep.
        self._stopping = threading.Event()
        self._server = LocalHTTPServer(("127.0.0.1", port), _handler_for(self))
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AccountingServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="accounting", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        # shutdown() waits for serve_forever, so it would hang if start() was never called.
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def reset(self) -> None:
        self.books.reset()
        self.faults.arm(None)

    def key_matches(self, presented: str | None) -> bool:
        if presented is None:
            return False
        # Constant-time, as a real key check should be; bytes, because compare_digest refuses non-ASCII str.
        return hmac.compare_digest(presented.encode("utf-8"), self.api_key.encode("utf-8"))

    def wait_out(self, seconds: Decimal) -> None:
        self._stopping.wait(float(seconds))  # a duration, not money

    def __enter__(self) -> AccountingServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _handler_for(service: AccountingServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_AccountingHandler):
        pass

    Handler.service = service
    return Handler


class _AccountingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so every answer carries Content-Length
    server_version = "local-accounting"
    service: AccountingServer

    def setup(self) -> None:
        super().setup()
        # Headers and body are written separately: don't let each answer wait for a delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *_args: Any) -> None:  # the request log is kept in the books instead
        pass

    # -- dispatch ---------------------------------------------------------------------------

    def do_POST(self) -> None:
        self._guarded(self._post)

    def do_GET(self) -> None:
        self._guarded(self._get)

    def _other_method(self) -> None:
        self._discard_body()
        self._not_found(urlsplit(self.path).path)

    do_PUT = do_PATCH = do_DELETE = _other_method  # noqa: N815

    def _guarded(self, serve: Any) -> None:
        try:
            serve()
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (typically during a simulated timeout); nothing left to answer.
            self.close_connection = True
        except Exception:
            traceback.print_exc()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._send(500, _error("INTERNAL_SERVER_ERROR", "Unexpected server failure"))

    def _post(self) -> None:
        path = urlsplit(self.path).path
        endpoints = self.service.endpoints
        if path in endpoints:
            self._push(path, endpoints[path])
        elif path == "/_control/outage":
            self._control_outage()
        elif path == "/_control/reset":
            self._discard_body()
            self.service.reset()
            self._send(200, {"reset": True})
        else:
            self._discard_body()
            self._not_found(path)

    def _get(self) -> None:
        split = urlsplit(self.path)
        loan_id = parse_qs(split.query).get("loanId", [None])[-1]
        books = self.service.books
        if split.path == "/invoices":
            if loan_id is None:
                self._send(200, {"loans": books.loans()})
                return
            loan = books.loan(loan_id)
            if loan is None:
                self._send(404, {"loanId": loan_id, "message": f"No books for loan {loan_id}"})
            else:
                self._send(200, loan)
        elif split.path == "/events":
            self._send(200, {"events": books.events(loan_id)})
        elif split.path == "/health":
            self._send(200, {"status": "ok"})
        elif split.path == "/_control/outage":
            self._send(200, {"outage": self.service.faults.view()})
        else:
            self._not_found(split.path)

    # -- the contract -----------------------------------------------------------------------

    def _push(self, path: str, event_type: str) -> None:
        books = self.service.books
        event_id = self.headers.get(EVENT_ID_HEADER)
        fault = self.service.faults.take()
        if fault is not None and fault.mode != "late":
            self._simulate(fault, path, event_type, event_id)
            return
        if not self.service.key_matches(self.headers.get(API_KEY_HEADER)):
            # Decided on the headers alone. The bytes are drained only to keep the connection's
            # framing intact; they are never parsed.
            self._discard_body()
            message = f"Missing or invalid {API_KEY_HEADER}"
            books.note_unprocessed(
                path=path,
                event_type=event_type,
                http_status=401,
                status="UNAUTHORIZED",
                message=message,
                event_id=event_id,
            )
            self._send(401, _error("UNAUTHORIZED", message))
            return
        try:
            body = parse_json_object(self._read_body())
        except _BadBody as err:
            books.note_unprocessed(
                path=path,
                event_type=event_type,
                http_status=400,
                status="BAD_REQUEST",
                message=str(err),
                event_id=event_id,
            )
            self._send(400, _error("BAD_REQUEST", str(err)))
            return
        outcome = books.receive(event_type, body, path=path, event_id=event_id)
        if fault is not None:  # processed; the answer comes late (or after the client gave up)
            self.service.wait_out(fault.seconds)
        self._send(200, outcome.body())

    def _simulate(self, fault: Fault, path: str, event_type: str, event_id: str | None) -> None:
        # Read the body so the log can show which loan was hit, but never process it.
        try:
            body: dict[str, Any] | None = parse_json_object(self._read_body())
        except _BadBody:
            body = None
        if fault.mode == "timeout":
            message = f"Simulated timeout ({fault.seconds}s); request not processed"
            status_word = "TIMEOUT"
        else:
            status_word = HTTPStatus(fault.status).name
            message = f"Simulated outage (HTTP {fault.status}); request not processed"
        self.service.books.note_unprocessed(
            path=path,
            event_type=event_type,
            http_status=fault.status,
            status=status_word,
            message=message,
            body=body,
            event_id=event_id,
        )
        if fault.mode == "timeout":
            self.service.wait_out(fault.seconds)
        self._send(fault.status, _error(status_word, message))

    def _control_outage(self) -> None:
        try:
            spec = parse_json_object(self._read_body())
            fault = fault_from(spec)
        except (_BadBody, ValueError) as err:
            self._send(400, _error("BAD_REQUEST", str(err)))
            return
        self.service.faults.arm(fault)
        self._send(200, {"outage": self.service.faults.view()})

    # -- bodies -----------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            self.close_connection = True  # cannot tell where this body ends
            raise _BadBody(MALFORMED) from None
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            raise _BadBody(MALFORMED if length < 0 else "Request body too large")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            try:
                size = int(self.rfile.readline(1024).split(b";")[0].strip(), 16)
            except ValueError:
                self.close_connection = True
                raise _BadBody(MALFORMED) from None
            if size == 0:
                break
            total += size
            if total > MAX_BODY:
                self.close_connection = True
                raise _BadBody("Request body too large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF after each chunk
        while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):  # trailers
            pass
        return b"".join(chunks)

    def _discard_body(self) -> None:
        # Unread bytes would be taken for the next request on a keep-alive connection, and closing
        # a socket with unread input makes the kernel send RST, which can eat our answer.
        with contextlib.suppress(_BadBody):
            self._read_body()

    # -- answers ----------------------------------------------------------------------------

    def _not_found(self, path: str) -> None:
        if path in self.service.endpoints:
            self._send(405, _error("METHOD_NOT_ALLOWED", f"{path} accepts POST only"), allow="POST")
        else:
            self._send(404, _error("NOT_FOUND", f"No such endpoint: {self.command} {path}"))

    def _send(self, status: int, payload: Any, *, allow: str | None = None) -> None:
        data = to_json(payload)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if allow:
            self.send_header("Allow", allow)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)


def _error(status: str, message: str) -> dict[str, Any]:
    return {"success": False, "status": status, "message": message}
