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
    # The close of business: the never-paid loan went overdue, took its penalty once, changed bucket
    # on the days its arrears aged, is on the delinquent list, and the collections receiver heard.
    late = [
        '{"overdueSince":"2026-05-30","bucket":"181+","inArrears":true,'
        '"arrears":{"principal":10000,"interest":1100,"fees":0,"penalties":0,"total":11100}}',
        '{"type":"Charge","date":"2026-06-03","amount":500,"penalties":500}',
        '{"principal":10000,"interest":1100,"fees":0,"penalties":500,"total":11600}',
        '[{"date":"2026-05-31","bucket":"1-30"},{"date":"2026-06-30","bucket":"31-60"},'
        '{"date":"2026-07-30","bucket":"61-90"},{"date":"2026-08-29","bucket":"91-180"},'
        '{"date":"2026-11-27","bucket":"181+"}]',
        '"customerName":"Ada Lovelace","bucket":"181+","overdueSince":"2026-05-30","total":11600}',
        '{"event":"loan.overdue","bucket":"181+","overdueSince":"2026-05-30"}',
        # The portfolio reports of the late-penalty product's book, as JSON and as CSV.
        '{"grossOutstandingPrincipal":10000,"loans":1,"bands":[{"name":"PAR1","principal":10000,"ratio":1},'
        '{"name":"PAR30","principal":10000,"ratio":1},{"name":"PAR60","principal":10000,"ratio":1},'
        '{"name":"PAR90","principal":10000,"ratio":1}]}',
        "currency,asOf,officeId,productId,bucket,loans,outstandingPrincipal,overduePrincipal,overdueInterest,"
        "overdueFees,overduePenalties,overdueTotal,recordedAt\n",
        ",181+,1,10000.00,10000.00,1100.00,0.00,500.00,11600.00,\n",
        ",total,1,10000.00,10000.00,1100.00,0.00,500.00,11600.00,\n",
        '{"periodFrom":"2026-05-23","opening":0,"closing":11600,"transactions":["Disbursement","Charge"]}',
        '{"rows":2,"more":true}',
    ]
    for line in late:
        assert line in result.stdout, (line, result.stdout[-3000:])
    assert re.search(r'\{"status":"COMPLETED","penaltiesCharged":1,"loansByBucket":\{"181\+":\d+\}\}', result.stdout)
    canonical = (
        "invalid_argument|failed_precondition|unauthenticated|permission_denied|not_found|already_exists|aborted"
    )
    errors = re.findall(rf'"code": "({canonical}|resource_exhausted|internal)"', result.stdout)
    # Only the deliberate ones: the second approval, and the disbursement from an unfunded rail.
    assert errors == ["failed_precondition", "failed_precondition"], result.stdout[-3000:]
    assert "Insufficient funds in disbursement account 1100-RWF: 0 available, 50000 needed" in result.stdout
    assert '"available": 60000' in result.stdout
