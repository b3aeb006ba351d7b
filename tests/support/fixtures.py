"""Shared fixtures: moto with the template's resources, the local API pipeline, keys per role."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from moto import mock_aws
from moto.core.botocore_stubber import BotocoreStubber

from devstack.emulator import provision
from devstack.gateway import LocalApi
from devstack.lambdas import Functions
from devstack.sources import stream_workers
from lms.auth.api_keys import ApiKeyStore
from lms.auth.roles import Role
from lms.bootstrap import bootstrap
from lms.config import reset_settings
from lms.storage.dynamo import reset_clients
from tests.conftest import STACK
from tests.support.client import ApiClient

ADMIN_KEY = "lms_test-admin-key"
STREAMS: dict[str, str] = {}


@pytest.fixture
def aws(monkeypatch) -> Iterator[None]:
    """moto with every table of template.yaml; requests serialized as DynamoDB serializes item writes."""
    lock = threading.RLock()
    original = BotocoreStubber.process_request

    def serialized(self, request):
        with lock:
            return original(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", serialized)
    with mock_aws():
        reset_clients()
        reset_settings()
        STREAMS.clear()
        STREAMS.update(provision(STACK))
        yield
    reset_clients()


@pytest.fixture
def seeded(aws) -> None:
    bootstrap(admin_key=ADMIN_KEY, seed_demo=True, currency="TZS")


@pytest.fixture
def local_api(seeded) -> LocalApi:
    return LocalApi(STACK, Functions(STACK, inline=True))


@pytest.fixture
def keys(seeded) -> dict[str, str]:
    store = ApiKeyStore()
    found = {"admin": ADMIN_KEY}
    for role in (Role.VIEWER, Role.OPERATOR):
        _, plaintext = store.create(f"test {role.value}", role)
        found[role.value] = plaintext
    return found


@pytest.fixture
def admin(local_api) -> ApiClient:
    return ApiClient(local_api, ADMIN_KEY)


@pytest.fixture
def operator(local_api, keys) -> ApiClient:
    return ApiClient(local_api, keys["operator"])


@pytest.fixture
def viewer(local_api, keys) -> ApiClient:
    return ApiClient(local_api, keys["viewer"])


@pytest.fixture
def drain(aws) -> Callable[[], int]:
    """Deliver every pending stream record to its function now, as Lambda's pollers would, and make
    the payouts they request (the sandbox provider answers at once)."""
    from devstack.sources import sqs_workers

    functions = Functions(STACK, inline=True)
    payouts = [w for w in sqs_workers(STACK, functions) if w.name == "sqs:MakePayoutsFunction"]
    workers = [*stream_workers(STACK, functions, STREAMS), *payouts]

    def run() -> int:
        for rounds in range(100):
            if not any([w.poll() for w in workers]):
                return rounds
        raise AssertionError("streams did not settle")

    return run


def run_workers(logical_id_part: str, default_rounds: int) -> Callable[..., int]:
    """Deliver the messages of the queues whose functions' logical id holds `logical_id_part`, as
    Lambda's SQS pollers would; `only` limits a call to some of them. Answers the rounds it took."""
    from devstack.sources import sqs_workers

    functions = Functions(STACK, inline=True)
    workers = [w for w in sqs_workers(STACK, functions) if logical_id_part in w.fn.logical_id]

    def run(rounds: int = default_rounds, only: str | None = None) -> int:
        for done in range(rounds):
            busy = [w.poll() for w in workers if only is None or only in w.fn.logical_id]
            if not any(busy):
                return done
        return rounds

    return run


@pytest.fixture
def run_queues(aws) -> Callable[..., int]:
    """The close of business's page and work messages (`run_workers`)."""
    return run_workers("CobRun", 60)


@pytest.fixture
def accounting(aws, monkeypatch):
    """The local accounting system over HTTP, with the push pointed at it and the key in Secrets Manager."""
    import boto3

    from devstack.accounting.server import AccountingServer
    from lms.integration.secrets import reset_secrets

    server = AccountingServer(port=0, api_key="test-accounting-key", reversals_enabled=True).start()
    monkeypatch.setenv("ACCOUNTING_BASE_URL", server.url)
    monkeypatch.setenv("ACCOUNTING_REVERSALS_ENABLED", "true")
    monkeypatch.setenv("PUSH_RETRY_BASE_SECONDS", "0")
    monkeypatch.setenv("ACCOUNTING_TIMEOUT_SECONDS", "2")
    reset_settings()
    reset_secrets()
    boto3.client("secretsmanager").put_secret_value(
        SecretId="AccountingApiKeySecret", SecretString="test-accounting-key"
    )
    yield server
    server.stop()
    reset_secrets()


@pytest.fixture
def deliver(drain, accounting) -> Callable[..., int]:
    """Run the whole pipeline until it is quiet: streams (projections, relay), then the push queue."""
    from devstack.sources import sqs_workers

    functions = Functions(STACK, inline=True)
    queues = sqs_workers(STACK, functions)

    def run(rounds: int = 60) -> int:
        for done in range(rounds):
            streams = drain()
            pushed = any([q.poll() for q in queues])
            if not pushed and not streams:
                return done
        return rounds

    return run


@pytest.fixture
def funded(seeded, drain) -> None:
    """The demo seed's opening capital projected into the ledger, so that rails can pay out."""
    drain()


@pytest.fixture
def webhook_pipeline(drain) -> Callable[..., int]:
    """Run the webhook pipeline until it is quiet: the core table's stream (the fan-out among its
    consumers), then the webhook queue, as Lambda's pollers would. A delivery waiting for its
    backoff (an invisible message) ends the run; with WEBHOOK_RETRY_BASE_SECONDS=0 none waits."""
    from devstack.sources import sqs_workers

    functions = Functions(STACK, inline=True)
    queues = [w for w in sqs_workers(STACK, functions) if w.fn.logical_id == "DeliverWebhooksFunction"]
    assert queues, "DeliverWebhooksFunction polls the webhook queue"

    def run(rounds: int = 100) -> int:
        for done in range(rounds):
            streams = drain()
            delivered = any([q.poll() for q in queues])
            if not delivered and not streams:
                return done
        raise AssertionError("the webhook pipeline did not settle")

    return run
