"""Each function's environment holds the settings its code reads, and no other.

What a function's code reads is found in its code: the handler and every `lms` module it imports,
directly or through others (imports inside functions included), and each settings field those
modules name. A setting the code reads but the template does not give would fail at that read on
AWS (`lms.config`); one the template gives but no code reads is a setting too many.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest
from cfnlint.decode import decode_str

from devstack.template import TEMPLATE_PATH
from lms.config import DEPLOYMENT_SETTINGS, Settings
from tests.conftest import STACK

LAYER = Path(__file__).resolve().parents[2] / "layers" / "shared"
FIELDS = set(Settings.model_fields)
ALIAS = {name: field.alias for name, field in Settings.model_fields.items()}
# Tuning knobs the template sets from its parameters: a function reading one must be told it,
# or it would run with the default instead of the deployment's choice.
CONFIGURED = {
    "PAYOUT_PROVIDER",
    "AUTH_CACHE_TTL_SECONDS",
    "RATE_LIMIT_PER_MINUTE",
    "RATE_LIMIT_PER_HOUR",
    "RATE_LIMIT_PER_DAY",
    "LENDER_TIME_ZONE",
}
GIVEN_BY_TEMPLATE = {ALIAS[name] for name in DEPLOYMENT_SETTINGS} | CONFIGURED
SETTINGS = set(ALIAS.values())


def _module_file(name: str) -> Path | None:
    base = LAYER.joinpath(*name.split("."))
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.exists()), None)


def _imported(path: Path, package: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            names |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    found = set()
    for name in names:
        parts = name.split(".")
        if parts[0] == "lms":
            found |= {".".join(parts[:i]) for i in range(1, len(parts) + 1) if _module_file(".".join(parts[:i]))}
    return found


@cache
def settings_read(module_file: Path) -> frozenset[str]:
    seen: set[str] = set()
    todo = [(module_file, "")]
    read: set[str] = set()
    while todo:
        path, package = todo.pop()
        read |= set(re.findall(r"\.(\w+)\b", path.read_text(encoding="utf-8"))) & FIELDS
        for name in _imported(path, package) - seen:
            seen.add(name)
            found = _module_file(name)
            todo.append((found, name if found.name == "__init__.py" else name.rpartition(".")[0]))
    return frozenset(ALIAS[field] for field in read)


@pytest.mark.parametrize("function", sorted(STACK.functions))
def test_the_environment_holds_exactly_the_settings_the_code_reads(function):
    spec = STACK.functions[function]
    given = set(spec.environment) & SETTINGS
    needed = settings_read(spec.module_file) & GIVEN_BY_TEMPLATE
    assert needed <= given, f"{function} reads {sorted(needed - given)} but the template does not give it"
    assert given <= settings_read(spec.module_file), f"{function} is given {sorted(given - needed)} it never reads"


def test_the_globals_give_only_what_every_function_reads():
    template = decode_str(TEMPLATE_PATH.read_text(encoding="utf-8"))[0]
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert set(variables) == {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"}


def test_the_analysis_sees_settings_read_deep_in_the_layer():
    """The push reads the accounting system's settings in lms.integration, two imports down."""
    push = settings_read(STACK.functions["PushToAccountingFunction"].module_file)
    assert {"ACCOUNTING_BASE_URL", "ACCOUNTING_API_KEY_SECRET", "PUSH_DLQ_URL"} <= push
    assert "PUSH_QUEUE_URL" not in settings_read(STACK.functions["GetOfficeFunction"].module_file)
    assert "WEBHOOK_QUEUE_URL" not in STACK.functions["GetLoanFunction"].environment
