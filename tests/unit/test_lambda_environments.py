"""Why a repayment went missing, and the local Lambda environments that keep requests apart.

Root cause: Powertools' event handler keeps the request it is resolving on a class attribute
(`BaseRouter.current_event`), shared by every resolver in the process. On Lambda that is safe: an
execution environment serves one request at a time. The old local harness ran each "container" as
a thread of one process, so a handler could read a concurrent request's event, take that
request's Idempotency-Key and replay its answer: 200 twice, one transaction stored.
"""

from __future__ import annotations

import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from devstack.lambdas import ConcurrentInlineInvocation, Functions
from devstack.template import FunctionSpec, Stack


def proxy_event(request: str) -> dict:
    return {
        "resource": "/echo",
        "path": "/echo",
        "httpMethod": "GET",
        "headers": {"x-request": request},
        "multiValueHeaders": {"x-request": [request]},
        "requestContext": {"resourcePath": "/echo", "httpMethod": "GET", "stage": "test", "requestId": request},
        "body": None,
        "isBase64Encoded": False,
    }


def test_root_cause_two_resolvers_in_one_process_share_the_current_request():
    """The forced interleaving: A is inside its handler when B is resolved; A then reads B's event."""
    inside, go_on = threading.Event(), threading.Event()

    def container() -> APIGatewayRestResolver:
        app = APIGatewayRestResolver()

        @app.get("/echo")
        def echo():
            if app.current_event.headers["x-request"] == "A":
                inside.set()
                go_on.wait(10)
            return {"request": app.current_event.headers["x-request"]}

        return app

    a, b = container(), container()  # two "containers": separate resolvers, one process
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(a.resolve, proxy_event("A"), None)
        assert inside.wait(10)
        second = b.resolve(proxy_event("B"), None)
        go_on.set()
        first = first.result(10)
    assert '"request":"B"' in second["body"]
    assert '"request":"B"' in first["body"], "request A read request B's event"


ECHO_FUNCTION = '''
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

app = APIGatewayRestResolver()


def checkpoint():
    """A place for a test to pause this environment."""


@app.get("/echo")
def echo():
    checkpoint()
    return {"request": app.current_event.headers["x-request"]}


def handler(event, context):
    return app.resolve(event, context)
'''


@pytest.fixture
def echo_stack(tmp_path: Path) -> Stack:
    (tmp_path / "app.py").write_text(textwrap.dedent(ECHO_FUNCTION), encoding="utf-8")
    spec = FunctionSpec(logical_id="EchoFunction", code_dir=tmp_path, handler="app.handler", environment={})
    return Stack(
        resources={}, parameters={}, functions={"EchoFunction": spec}, routes=[], authorizer=None, gateway_responses={}
    )


def test_process_environments_keep_each_request_apart(echo_stack):
    """The same interleaving through the local Lambda runtime: A paused in its handler, B run whole."""
    with Functions(echo_stack).running() as functions:
        paused = functions.breakpoint("EchoFunction", "lambda_EchoFunction:checkpoint")
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(functions.invoke, "EchoFunction", proxy_event("A"))
            assert paused.wait_reached(30)
            second = functions.invoke("EchoFunction", proxy_event("B"))
            paused.release()
            first = first.result(30)
        assert functions.sizes() == {"EchoFunction": 2}  # B needed an environment of its own
    assert '"request":"A"' in first["body"]
    assert '"request":"B"' in second["body"]


def test_inline_environments_refuse_to_run_two_invocations_at_once(echo_stack):
    functions = Functions(echo_stack, inline=True)
    container = functions.pools["EchoFunction"]._acquire()
    inside, go_on = threading.Event(), threading.Event()
    container.module.checkpoint = lambda: (inside.set(), go_on.wait(10))
    functions.pools["EchoFunction"]._release(container)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(functions.invoke, "EchoFunction", proxy_event("A"))
        assert inside.wait(10)
        with pytest.raises(ConcurrentInlineInvocation, match="one invocation at a time"):
            functions.invoke("EchoFunction", proxy_event("B"))
        go_on.set()
        assert '"request":"A"' in first.result(10)["body"]


def test_an_environment_that_fails_to_start_is_reported_and_not_kept(echo_stack):
    spec = echo_stack.functions["EchoFunction"]
    (spec.code_dir / "app.py").write_text("raise RuntimeError('no configuration')\n", encoding="utf-8")
    with Functions(echo_stack).running() as functions:
        with pytest.raises(Exception, match="no configuration"):
            functions.invoke("EchoFunction", proxy_event("A"))
        assert functions.sizes() == {}
