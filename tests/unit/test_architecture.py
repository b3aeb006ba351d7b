"""The architecture, enforced: handlers go through services, and AWS errors are translated in storage.

- A handler (`functions/*/app.py`) validates, calls a service and shapes the response: it imports
  no AWS SDK (`boto3`, `botocore`), no DynamoDB access (`lms.storage`) and no store
  (`lms.<context>.store`, `lms.integration.event_store`).
- Only `lms/storage/` imports `botocore`: the SDK's errors become storage exceptions there
  (`ConditionFailed`, `ItemTooLarge`), which the stores turn into the errors of `lms.errors`.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = sorted(ROOT.glob("functions/*/app.py"))
LAYER = ROOT / "layers" / "shared"
LMS = LAYER / "lms"
STORAGE = LMS / "storage"

FORBIDDEN_IN_HANDLERS = (
    (re.compile(r"^boto3(\.|$)"), "the AWS SDK"),
    (re.compile(r"^botocore(\.|$)"), "the AWS SDK"),
    (re.compile(r"^lms\.storage(\.|$)"), "DynamoDB access"),
    (re.compile(r"^lms\.(\w+\.)*store$"), "a store"),
    (re.compile(r"^lms\.integration\.event_store$"), "a store"),
)
BOTOCORE = ((re.compile(r"^botocore(\.|$)"), "the AWS SDK's core"),)


def imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, what the source says, the modules it may name) of each import, nested ones included.

    `from a.b import c` names `a.b` and, as `c` may be a submodule, `a.b.c`.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, f"import {alias.name}", [alias.name]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level and LAYER in path.parents:  # relative: resolve against the module's package
                package = path.relative_to(LAYER).with_suffix("").parts[: -node.level]
                base = ".".join((*package, *([node.module] if node.module else [])))
            source = f"from {'.' * node.level}{node.module or ''} import {', '.join(a.name for a in node.names)}"
            yield node.lineno, source, [base, *(f"{base}.{alias.name}" for alias in node.names)]


class Violation(NamedTuple):
    path: Path
    line: int
    source: str
    module: str
    what: str

    def __str__(self) -> str:
        shown = self.path.relative_to(ROOT) if ROOT in self.path.parents else self.path
        return f"  {shown}:{self.line}: {self.source}  ({self.module} is {self.what})"


def violations(paths: list[Path], rules: tuple[tuple[re.Pattern, str], ...]) -> list[Violation]:
    """Each import that breaks a rule, in file and line order."""
    found = []
    for path in paths:
        for line, source, modules in sorted(imports(path)):
            broken = next(((m, what) for m in modules for pattern, what in rules if pattern.match(m)), None)
            if broken:
                found.append(Violation(path, line, source, *broken))
    return found


def test_every_handler_is_found():
    assert len(HANDLERS) > 40, f"expected the functions' handlers under {ROOT / 'functions'}, found {len(HANDLERS)}"


def test_handlers_go_through_services():
    offending = violations(HANDLERS, FORBIDDEN_IN_HANDLERS)
    assert not offending, (
        "Handlers must go through services (lms.<context>.service), never import the AWS SDK, "
        "lms.storage or a store directly; move the access into a service method:\n" + "\n".join(map(str, offending))
    )


def test_only_storage_imports_botocore():
    modules = sorted(LMS.rglob("*.py"))
    assert len(modules) > 30, f"expected the shared layer's modules under {LMS}, found {len(modules)}"
    outside_storage = [path for path in modules if STORAGE not in path.parents]
    offending = violations(outside_storage, BOTOCORE)
    assert not offending, (
        "Only lms/storage/ may import botocore: translate the SDK's errors there (into storage exceptions "
        "such as ConditionFailed and ItemTooLarge, or errors of lms.errors) and catch those instead:\n"
        + "\n".join(map(str, offending))
    )


def test_the_checks_see_what_they_look_for(tmp_path):
    """Each forbidden form is caught, and allowed ones are not, so a passing test means something."""
    handler = tmp_path / "app.py"
    handler.write_text(
        "import boto3\n"
        "import botocore.exceptions as errors\n"
        "from lms.storage import dynamo\n"
        "from lms.storage.pagination import page_of\n"
        "from lms.ledger import store\n"
        "from lms.offices.store import OfficeStore\n"
        "from lms.integration.event_store import EventStore\n"
        "def later():\n"
        "    from botocore.exceptions import ClientError\n"
        "from lms.ledger.service import LedgerService\n"
        "from lms.integration.service import IntegrationService\n"
        "from lms.api.responses import page_response\n"
    )
    flagged = [found.line for found in violations([handler], FORBIDDEN_IN_HANDLERS)]
    assert flagged == [1, 2, 3, 4, 5, 6, 7, 9]
    assert [found.line for found in violations([handler], BOTOCORE)] == [2, 9]


# ---------------------------------------------------------------------- translation in storage
class _SizeRefusingClient:
    """Answers PutItem as DynamoDB does when the item would exceed 400 KB."""

    def put_item(self, **_):
        from botocore.exceptions import ClientError

        error = {"Code": "ValidationException", "Message": "Item size has exceeded the maximum allowed size"}
        raise ClientError({"Error": error}, "PutItem")


def test_an_item_too_large_becomes_a_storage_error_then_loan_history_full(monkeypatch):
    from lms.errors import ResourceExhausted
    from lms.loans.storage.store import LoanStore
    from lms.storage import dynamo

    monkeypatch.setattr(dynamo.Table, "_client", property(lambda _self: _SizeRefusingClient()))
    table = dynamo.Table("core")
    with pytest.raises(dynamo.ItemTooLarge, match="maximum allowed size"):
        table.put({"PK": "X", "SK": "Y"})

    class Saved:  # what LoanStore.save reads of a loan before the write fails
        id = 7
        version = 3

    from lms.loans.storage.history import LoanWrite, StoredHistory

    monkeypatch.setattr("lms.loans.storage.store.plan_write", lambda loan, version: LoanWrite(b"", [], StoredHistory()))
    monkeypatch.setattr(
        "lms.loans.storage.store.loan_item", lambda loan, version, write: {"PK": "LOAN#7", "SK": "LOAN"}
    )
    with pytest.raises(ResourceExhausted) as raised:
        LoanStore(table).save(Saved())
    assert raised.value.reason == "LOAN_HISTORY_FULL"
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_every_numeric_id_in_a_route_is_the_one_positive_id_type():
    """`lms.api.params.IdPath` everywhere: the same bound (1 or more) and the same documentation."""
    from lms.api.openapi_document import DOCUMENT_PATH

    document = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    numeric = [
        (path, method, parameter["name"], parameter["schema"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter["schema"].get("type") == "integer"
    ]
    assert len(numeric) == 28  # GET /v1/loans/{id}/statement is the 28th
    odd = [
        (path, method, name)
        for path, method, name, schema in numeric
        if (schema.get("minimum"), schema.get("description")) != (1, "Numeric id, 1 or more")
    ]
    assert odd == []
