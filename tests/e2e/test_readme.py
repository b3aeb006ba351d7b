"""The README's curl examples run, as written, against the local stack."""

import os
import re
import shutil
import subprocess

import pytest

from tests.e2e.conftest import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def readme_script() -> str:
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    return "\n".join(block for block in blocks if "$BASE" in block)


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="the README's examples use curl and jq")
def test_readme_examples_run(stack):
    script = readme_script()
    script = re.sub(
        r"^export BASE=.*$",
        f"export BASE={stack.base_url} TOKEN={stack.admin_key} ACCOUNTING_BASE_URL={stack.accounting_url}",
        script,
        flags=re.M,
    )
    script = script.replace('"externalId": "ext-001"', '"externalId": "readme-ext-001"')
    script += (
        '\necho "RESULT $(curl -s "$BASE/v1/loans/$LID" -H "Authorization: Bearer $TOKEN" | jq -r .status)'
        ' | $(curl -s "$BASE/v1/loans/$LID2" -H "Authorization: Bearer $TOKEN" | jq -r .status)'
        ' | $(curl -s "$BASE/v1/loans/$LID3" -H "Authorization: Bearer $TOKEN" | jq -r .status)"\n'
    )
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout[-3000:]
    assert "RESULT Closed (obligations met) | Closed (obligations met) | Closed (obligations met)" in result.stdout, (
        result.stdout[-3000:]
    )
    # The revenue run's reports reached the accounting system, and the June repayment paid both.
    assert '{"revenueMonth":"2026-05","amount":628.57,"openBalance":0}' in result.stdout, result.stdout[-3000:]
    assert '{"revenueMonth":"2026-06","amount":471.43,"openBalance":0}' in result.stdout, result.stdout[-3000:]
    canonical = (
        "invalid_argument|failed_precondition|unauthenticated|permission_denied|not_found|already_exists|aborted"
    )
    errors = re.findall(rf'"code": "({canonical}|resource_exhausted|internal)"', result.stdout)
    # Only the deliberate ones: the second approval, and the disbursement from an unfunded rail.
    assert errors == ["failed_precondition", "failed_precondition"], result.stdout[-3000:]
    assert "Insufficient funds in disbursement account 1100-RWF: 0 available, 50000 needed" in result.stdout
    assert '"available": 60000' in result.stdout
