"""Throughput and latency of the main routes on the local stack, for 1, 8 and 32 concurrent
clients, and what the local gateway adds to calling the handler directly.

Each client is a thread with its own HTTP session, sending its share of requests one after
another; every client repays its own loan (contention on one loan is tested in
tests/e2e/test_concurrency.py). The whole local system runs (moto's server, the gateway, every
function in its own process, the stream and queue workers), on this machine's cores, so the
figures compare changes here; they are not AWS's.

The gateway's overhead is measured on GET /v1/loans/{id} with one client: over HTTP, through the
gateway's pipeline in-process (authorizer and function, no socket), and the function alone
(invoked with the event the gateway built).
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tests.support.client import ApiClient, HttpClient
from tests.support.data import active_loan, customer_body, key

ADMIN = "lms_bench-admin-key"
CLIENTS = (1, 8, 32)
REQUESTS_PER_CLIENT = 8
ROUTES = ("GET /v1/loans/{id}", "POST /v1/loans/{id}/repayments", "POST /v1/customers")
DIRECT_SAMPLES = 40


@pytest.fixture(scope="module")
def local_stack():
    from devstack.stack import LocalStack

    stack = LocalStack(port=0, admin_key=ADMIN, log_level="ERROR").start()
    stack.emulator.meter.wait_until_quiet(limit=120, poll=0.25)  # the opening funds reach the ledger
    yield stack
    stack.stop()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def call(http: HttpClient, route: str, loan_id: int):
    if route == "GET /v1/loans/{id}":
        return http.get(f"/v1/loans/{loan_id}")
    if route == "POST /v1/loans/{id}/repayments":
        body = {"transactionDate": "2026-05-23", "transactionAmount": "1.00", "paymentTypeId": 1, "receiptNumber": "B"}
        return http.post(f"/v1/loans/{loan_id}/repayments", body, headers=key())
    return http.post("/v1/customers", customer_body())


def test_throughput_and_latency_of_the_main_routes(benchmark, local_stack):
    url = local_stack.gateway.url
    setup = HttpClient(url, ADMIN)
    loans = [active_loan(setup)["id"] for _ in range(max(CLIENTS))]
    results: dict[str, dict] = {}

    def run_level(route: str, clients: int, progress, task) -> dict:
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        errors: list[str] = []

        def client(index: int) -> None:
            http = HttpClient(url, ADMIN)
            for _ in range(REQUESTS_PER_CLIENT):
                started = time.perf_counter()
                try:
                    reply = call(http, route, loans[index])
                except requests.RequestException as err:  # a refused or reset connection
                    errors.append(type(err).__name__)
                else:
                    latencies.append(time.perf_counter() - started)
                    statuses[reply.status] = statuses.get(reply.status, 0) + 1
                progress.advance(task)

        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(client, range(clients)))
        seconds = time.perf_counter() - started
        return {
            "clients": clients,
            "requests": clients * REQUESTS_PER_CLIENT,
            "requestsPerSecond": round(len(latencies) / seconds, 1),
            "p50Ms": round(percentile(latencies, 0.5) * 1000, 1),
            "p99Ms": round(percentile(latencies, 0.99) * 1000, 1),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "connectionErrors": len(errors),
        }

    def measure_all() -> None:
        total = len(ROUTES) * sum(CLIENTS) * REQUESTS_PER_CLIENT
        with Progress(TextColumn("throughput"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as progress:
            task = progress.add_task("requests", total=total)
            for route in ROUTES:
                results[route] = {}
                for clients in CLIENTS:
                    local_stack.emulator.meter.wait_until_quiet(seconds=1, limit=60, poll=0.25)
                    results[route][str(clients)] = run_level(route, clients, progress, task)

    benchmark.pedantic(measure_all, rounds=1, iterations=1)
    local_stack.emulator.meter.wait_until_quiet(seconds=2, limit=120, poll=0.25)  # the workers are done
    overhead = gateway_overhead(local_stack, loans[0])
    benchmark.extra_info.update({"routes": results, "gatewayOverhead": overhead})
    for route, levels in results.items():
        for level in levels.values():
            print(f"\n{route} x{level['clients']}: {level}")
    print(f"\ngateway overhead: {overhead}")
    for route, levels in results.items():
        assert levels["32"]["connectionErrors"] == 0, (route, levels["32"])
        expected = 201 if route == "POST /v1/customers" else 200
        assert all(set(level["statuses"]) == {str(expected)} for level in levels.values()), (route, levels)


def gateway_overhead(local_stack, loan_id: int) -> dict:
    """Median milliseconds of GET /v1/loans/{id}: over HTTP, through the pipeline in-process, and
    the function alone."""
    api = local_stack.gateway.api
    http, in_process = HttpClient(local_stack.gateway.url, ADMIN), ApiClient(api, ADMIN)
    path = f"/v1/loans/{loan_id}"
    captured: dict = {}
    invoke = local_stack.functions.invoke

    def capture(function_id, event, *args, **kwargs):
        if function_id != local_stack.stack.authorizer:
            captured.setdefault("call", (function_id, event))
        return invoke(function_id, event, *args, **kwargs)

    local_stack.functions.invoke = capture
    try:
        assert in_process.get(path).status == 200
    finally:
        local_stack.functions.invoke = invoke
    function_id, event = captured["call"]

    def median_ms(request) -> float:
        samples = []
        for _ in range(DIRECT_SAMPLES):
            started = time.perf_counter()
            request()
            samples.append(time.perf_counter() - started)
        return round(statistics.median(samples) * 1000, 2)

    over_http = median_ms(lambda: http.get(path))
    pipeline = median_ms(lambda: in_process.get(path))
    function = median_ms(lambda: invoke(function_id, event))
    return {
        "httpMs": over_http,
        "pipelineInProcessMs": pipeline,
        "functionAloneMs": function,
        "gatewayOverheadMs": round(over_http - function, 2),
        "httpServerShareMs": round(over_http - pipeline, 2),
    }
