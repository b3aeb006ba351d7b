"""Issue 26, case 9: the bootstrap custom resource answers CloudFormation on every failure (an
import or configuration error, its time limit), and CloudFormation waits minutes, not an hour."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading

import pytest

from devstack.container import LambdaContext
from tests.conftest import STACK
from tests.deploy.conftest import ROOT


@pytest.fixture
def bootstrap_app(monkeypatch):
    spec = importlib.util.spec_from_file_location("bootstrap_app_under_test", ROOT / "functions/bootstrap/app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # imports nothing of the layer: that happens per request
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(module, "_send", lambda e, c, status, reason="", data=None: sent.append((status, reason)))
    module.sent = sent
    return module


def _event() -> dict:
    event = json.loads((ROOT / "events" / "bootstrap.json").read_text())
    event["ResourceProperties"]["AdminKeySecretArn"] = "AdminApiKeySecret"
    return event


def _context(seconds: float) -> LambdaContext:
    return LambdaContext("BootstrapFunction", "req-1", seconds, 128)


def test_an_import_failure_is_answered_failed(bootstrap_app, monkeypatch):
    monkeypatch.setitem(sys.modules, "lms.bootstrap", None)  # `import lms.bootstrap` raises ImportError
    bootstrap_app.lambda_handler(_event(), _context(60))
    [(status, reason)] = bootstrap_app.sent
    assert status == "FAILED" and reason.startswith("ModuleNotFoundError: import of lms.bootstrap"), reason


def test_a_configuration_error_is_answered_failed(bootstrap_app, monkeypatch):
    from lms.config import reset_settings

    monkeypatch.delenv("LMS_TABLE")
    reset_settings()
    bootstrap_app.lambda_handler(_event(), _context(60))
    [(status, reason)] = bootstrap_app.sent
    assert status == "FAILED" and "LMS_TABLE" in reason, reason
    monkeypatch.undo()
    reset_settings()


def test_the_time_limit_is_answered_failed_before_lambda_stops_the_function(bootstrap_app, monkeypatch):
    answered = threading.Event()
    real_send = bootstrap_app._send

    def send_and_note(*args, **kwargs):
        real_send(*args, **kwargs)
        answered.set()

    monkeypatch.setattr(bootstrap_app, "_send", send_and_note)
    # The work outlasts the time left: it ends only once the timer has answered.
    monkeypatch.setattr(bootstrap_app, "_work", lambda event: answered.wait(30) and {})
    monkeypatch.setattr(bootstrap_app, "ANSWER_MARGIN_SECONDS", 0)
    bootstrap_app.lambda_handler(_event(), _context(0.2))
    [(status, reason)] = bootstrap_app.sent
    assert status == "FAILED" and reason.startswith("bootstrap did not finish within"), reason


def test_a_failing_bootstrap_is_answered_once(bootstrap_app, monkeypatch, aws):
    def broken(event):
        raise RuntimeError("the table is not there")

    monkeypatch.setattr(bootstrap_app, "_work", broken)
    bootstrap_app.lambda_handler(_event(), _context(60))
    assert bootstrap_app.sent == [("FAILED", "RuntimeError: the table is not there")]


def test_cloudformation_waits_minutes_for_the_bootstrap_not_an_hour():
    resource = STACK.resources["Bootstrap"]["Properties"]
    function = STACK.resources["BootstrapFunction"]["Properties"]
    assert function["Timeout"] < int(resource["ServiceTimeout"]) <= 900
