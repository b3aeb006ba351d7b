"""Configuration is read once, at cold start, and a missing or wrong variable names itself."""

from __future__ import annotations

import importlib.util
import itertools

import pytest

from lms.config import Settings, get_settings, reset_settings
from lms.errors import ConfigurationError
from tests.conftest import STACK

REQUIRED = sorted(f.alias for f in Settings.model_fields.values() if f.is_required())
_fresh = itertools.count()


@pytest.fixture(autouse=True)
def fresh_settings():
    reset_settings()
    yield
    reset_settings()


def import_function(spec) -> None:
    module_spec = importlib.util.spec_from_file_location(f"cold_start_{next(_fresh)}", spec.module_file)
    module_spec.loader.exec_module(importlib.util.module_from_spec(module_spec))


def test_the_deployment_variables_are_required():
    assert REQUIRED == [
        "ACCOUNTING_API_KEY_SECRET",
        "ACCOUNTING_BASE_URL",
        "ACCOUNTING_REVERSALS_ENABLED",
        "BASE_CURRENCY",
        "IDEMPOTENCY_TABLE",
        "LEDGER_TABLE",
        "LMS_TABLE",
        "PAYOUT_QUEUE_URL",
        "PUSH_DLQ_URL",
        "PUSH_QUEUE_URL",
        "REVENUE_PAGES_QUEUE_URL",
        "REVENUE_WORK_QUEUE_URL",
        "WEBHOOK_QUEUE_URL",
    ]


@pytest.mark.parametrize("variable", REQUIRED)
def test_a_missing_variable_is_named(monkeypatch, variable):
    monkeypatch.delenv(variable)
    with pytest.raises(ConfigurationError) as refused:
        get_settings()
    assert str(refused.value).startswith(f"Configuration error: {variable} (")
    assert str(refused.value).endswith(") is not set")


def test_every_problem_is_named_at_once(monkeypatch):
    monkeypatch.delenv("PUSH_QUEUE_URL")
    monkeypatch.setenv("BASE_CURRENCY", "shillings")
    monkeypatch.setenv("ACCOUNTING_BASE_URL", "accounting.example.com")
    with pytest.raises(ConfigurationError) as refused:
        get_settings()
    message = str(refused.value)
    assert "BASE_CURRENCY (Chart of accounts currency) is invalid: String should match pattern" in message
    assert "ACCOUNTING_BASE_URL (Where the accounting system listens) is invalid" in message
    assert "PUSH_QUEUE_URL (SQS FIFO queue of the push) is not set" in message


def test_an_empty_variable_is_as_bad_as_a_missing_one(monkeypatch):
    monkeypatch.setenv("LMS_TABLE", "")
    with pytest.raises(ConfigurationError, match=r"LMS_TABLE .* is invalid"):
        get_settings()


def test_tuning_knobs_have_defaults_and_are_validated(monkeypatch):
    monkeypatch.delenv("AUTH_CACHE_TTL_SECONDS", raising=False)
    assert get_settings().auth_cache_ttl_seconds == 60
    reset_settings()
    monkeypatch.setenv("IDEMPOTENCY_TTL_SECONDS", "5")
    with pytest.raises(ConfigurationError, match="IDEMPOTENCY_TTL_SECONDS is invalid: Input should be greater"):
        get_settings()


def test_the_template_environment_gives_every_setting(monkeypatch):
    settings = get_settings()
    assert settings.base_currency == "TZS"
    assert settings.accounting_reversals_enabled is False
    assert settings.table_name == STACK.functions["GetOfficeFunction"].environment["LMS_TABLE"]


@pytest.mark.parametrize("function", sorted(set(STACK.functions) - {"BootstrapFunction"}))
def test_every_function_fails_at_cold_start_without_its_queue(monkeypatch, function):
    """Not at its first push: importing the handler (what a cold start does) reads the settings.

    The bootstrap reads them per request instead, so that CloudFormation hears FAILED naming the
    variable rather than waiting for an answer (tests/integration/test_bootstrap_answers.py)."""
    monkeypatch.delenv("PUSH_QUEUE_URL")
    with pytest.raises(ConfigurationError, match="PUSH_QUEUE_URL"):
        import_function(STACK.functions[function])
