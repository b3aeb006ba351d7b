"""Configuration is read once, at cold start, and a missing or wrong variable names itself."""

from __future__ import annotations

import importlib.util
import itertools

import pytest

from lms.config import DEPLOYMENT_SETTINGS, Settings, get_settings, reset_settings
from lms.errors import ConfigurationError
from tests.conftest import STACK

# The deployment's settings have no default: a function given one gets it checked at cold start, a
# function reading one it was not given fails at that read (each function gets only its own).
REQUIRED = sorted(Settings.model_fields[name].alias for name in DEPLOYMENT_SETTINGS)
FIELD = {f.alias: name for name, f in Settings.model_fields.items()}
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
        "COB_PAGES_QUEUE_URL",
        "COB_WORK_QUEUE_URL",
        "IDEMPOTENCY_TABLE",
        "LEDGER_TABLE",
        "LMS_TABLE",
        "PAYOUT_QUEUE_URL",
        "PORTFOLIO_RECORD_QUEUE_URL",
        "PUSH_DLQ_URL",
        "PUSH_QUEUE_URL",
        "REVENUE_PAGES_QUEUE_URL",
        "REVENUE_WORK_QUEUE_URL",
        "WEBHOOK_QUEUE_URL",
    ]


@pytest.mark.parametrize("variable", REQUIRED)
def test_a_missing_variable_is_named(monkeypatch, variable):
    monkeypatch.delenv(variable)
    settings = get_settings()  # a function that does not read it starts
    with pytest.raises(ConfigurationError) as refused:
        getattr(settings, FIELD[variable])
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
    monkeypatch.setenv("BASE_CURRENCY", "TZS")
    monkeypatch.setenv("ACCOUNTING_BASE_URL", "https://accounting.example.com")
    reset_settings()
    with pytest.raises(ConfigurationError) as refused:
        _ = get_settings().push_queue_url
    assert "PUSH_QUEUE_URL (SQS FIFO queue of the push) is not set" in str(refused.value)


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


GIVEN = {
    name: sorted(set(spec.environment) & set(REQUIRED))
    for name, spec in STACK.functions.items()
    if name != "BootstrapFunction" and set(spec.environment) & set(REQUIRED)
}


@pytest.mark.parametrize("function", sorted(GIVEN))
def test_every_function_fails_at_cold_start_with_a_bad_setting_it_is_given(monkeypatch, function):
    """Not at its first request: importing the handler (what a cold start does) checks the settings.

    The bootstrap reads them per request instead, so that CloudFormation hears FAILED naming the
    variable rather than waiting for an answer (tests/integration/test_bootstrap_answers.py)."""
    variable = GIVEN[function][0]
    monkeypatch.setenv(variable, "")
    with pytest.raises(ConfigurationError, match=f"{variable} .* is invalid"):
        import_function(STACK.functions[function])


def test_a_function_without_a_setting_it_reads_fails_naming_it(monkeypatch):
    """The relay reads the push queue: given an environment without it, the read names it."""
    from lms.integration.queue import send_in_order

    for variable in set(STACK.functions["RelayOutboxFunction"].environment) - {"PUSH_QUEUE_URL"}:
        monkeypatch.setenv(variable, STACK.functions["RelayOutboxFunction"].environment[variable])
    monkeypatch.delenv("PUSH_QUEUE_URL")
    with pytest.raises(ConfigurationError, match=r"PUSH_QUEUE_URL \(SQS FIFO queue of the push\) is not set"):
        send_in_order([])
