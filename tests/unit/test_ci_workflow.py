"""The GitHub Actions workflow: valid for GitHub, and it tests, lints and deploys as README.md says.

actionlint runs in CI itself; here the workflow is checked against GitHub's workflow schema (the copy
vendored in check-jsonschema, so no network) and for the properties the deploy depends on.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
TEXT = WORKFLOW.read_text(encoding="utf-8")
DOC = yaml.safe_load(TEXT)
JOBS: dict[str, dict] = DOC["jobs"]
SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))


def triggers() -> dict:
    """The workflow's events; `on` may be a name, a list of names or a mapping."""
    on = DOC.get("on", DOC.get(True))  # YAML 1.1 reads the bare key `on` as the boolean True
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return on


def commands(job: dict) -> list[str]:
    """Every shell line the job runs, comments and blank lines left out."""
    lines = []
    for step in job.get("steps", []):
        for raw in str(step.get("run", "")).splitlines():
            line = raw.strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def runs(job: dict, pattern: str) -> bool:
    return any(re.fullmatch(pattern, line) for line in commands(job))


def uses(job: dict, action: str) -> list[dict]:
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).split("@")[0] == action]


def needs(job: dict) -> list[str]:
    value = job.get("needs", [])
    return [value] if isinstance(value, str) else list(value)


def environment(job: dict) -> str | None:
    value = job.get("environment")
    return value.get("name") if isinstance(value, dict) else value


def jobs_running(pattern: str) -> dict[str, dict]:
    return {name: job for name, job in JOBS.items() if runs(job, pattern)}


TEST_JOBS = jobs_running(r"make test")
DEPLOY_JOBS = {
    name: job
    for name, job in JOBS.items()
    if runs(job, r"make deploy( .*)?") or runs(job, r"(\.venv/bin/)?sam deploy .*")
}


def test_the_workflow_is_valid_for_github():
    checker = Path(sys.executable).parent / "check-jsonschema"
    assert checker.exists(), f"{checker} is missing: pip install -r requirements/dev.txt"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_runs_on_pushes_and_pull_requests():
    on = triggers()
    assert "push" in on
    assert "pull_request" in on


def test_a_job_runs_make_test_on_ubuntu_with_python_3_11():
    assert TEST_JOBS, "no job runs `make test`"
    for name, job in TEST_JOBS.items():
        assert str(job["runs-on"]).startswith("ubuntu"), name
        pythons = uses(job, "actions/setup-python")
        assert pythons, f"{name} does not set up Python"
        assert pythons[0]["uses"] == "actions/setup-python@v5"
        assert str(pythons[0]["with"]["python-version"]) == "3.11", name
        assert "if" not in job, f"{name} must run on every push and pull request"


def test_a_job_runs_actionlint_on_the_workflows():
    linting = {
        name: job
        for name, job in JOBS.items()
        if any("rhysd/actionlint" in line and "download-actionlint.bash" in line for line in commands(job))
        and runs(job, r"\./actionlint( .*)?")
    }
    assert linting, "no job downloads and runs actionlint"
    for job in linting.values():
        assert uses(job, "actions/checkout"), "actionlint needs the repository checked out"


def test_a_job_audits_the_pinned_requirements_before_any_deploy():
    auditing = jobs_running(r"make audit")
    assert auditing, "no job runs `make audit`"
    for name, job in auditing.items():
        assert "if" not in job, f"{name} must run on every push and pull request"
    for name, job in DEPLOY_JOBS.items():
        assert set(auditing) <= set(job.get("needs", [])), f"{name} may deploy before the audit passed"


def test_pushes_to_main_deploy_to_dev_after_the_tests():
    dev = {name: job for name, job in DEPLOY_JOBS.items() if environment(job) == "dev"}
    assert len(dev) == 1, f"one job deploys to the dev environment, found {sorted(dev)}"
    name, job = next(iter(dev.items()))
    assert runs(job, r"make deploy ENV=dev"), name
    assert set(TEST_JOBS) <= set(needs(job)), f"{name} must need the test job"
    condition = job["if"]
    assert "github.event_name == 'push'" in condition and "github.ref == 'refs/heads/main'" in condition
    # The Makefile's deploy runs `sam deploy --config-env dev`: it must not wait for an answer in CI.
    assert SAMCONFIG["dev"]["deploy"]["parameters"]["confirm_changeset"] is False


@pytest.mark.parametrize("name", sorted(DEPLOY_JOBS))
def test_every_deploy_uses_short_lived_oidc_credentials(name):
    job = DEPLOY_JOBS[name]
    assert job["permissions"]["id-token"] == "write"
    assert job["permissions"]["contents"] == "read"
    credentials = uses(job, "aws-actions/configure-aws-credentials")
    assert len(credentials) == 1
    assert credentials[0]["uses"] == "aws-actions/configure-aws-credentials@v4"
    inputs = credentials[0]["with"]
    assert inputs["role-to-assume"] == "${{ secrets.AWS_DEPLOY_ROLE_ARN }}"
    assert inputs["aws-region"] == "${{ vars.AWS_REGION }}"
    steps = job["steps"]
    deploy_step = next(i for i, s in enumerate(steps) if re.search(r"\b(make deploy|sam deploy)\b", s.get("run", "")))
    assert steps.index(credentials[0]) < deploy_step, "credentials must come before the deploy"
    assert set(TEST_JOBS) <= set(needs(job)), f"{name} must need the test job"


def test_no_long_lived_aws_keys_anywhere_in_the_workflow():
    for forbidden in ("aws-access-key-id", "aws-secret-access-key", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert forbidden.lower() not in TEXT.lower(), forbidden


def test_two_deploys_to_one_environment_never_run_at_once():
    groups = {}
    for name, job in DEPLOY_JOBS.items():
        concurrency = job.get("concurrency")
        assert isinstance(concurrency, dict), f"{name} needs a concurrency group"
        assert concurrency.get("cancel-in-progress") is False, f"{name}: a running deploy must not be cancelled"
        assert environment(job) in concurrency["group"], name
        groups[name] = concurrency["group"]
    assert len(set(groups.values())) == len(groups), groups
    assert "concurrency" not in DOC, "a workflow-level group with cancellation could stop a deploy half-way"


def test_prod_is_deployed_only_by_hand_and_without_a_prompt():
    prod = {name: job for name, job in DEPLOY_JOBS.items() if environment(job) == "prod"}
    assert len(prod) == 1
    name, job = next(iter(prod.items()))
    assert "workflow_dispatch" in triggers()
    assert "github.event_name == 'workflow_dispatch'" in job["if"] and "refs/heads/main" in job["if"], name
    # samconfig's prod environment asks for confirmation at a terminal; in CI the environment's
    # reviewers confirm, so the job must say so or sam would wait for an answer that never comes.
    assert SAMCONFIG["prod"]["deploy"]["parameters"]["confirm_changeset"] is True
    assert runs(job, r"make deploy-check"), name
    assert runs(job, r"\.venv/bin/sam deploy --config-env prod --no-confirm-changeset"), name


def test_every_make_target_the_workflow_runs_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for job in JOBS.values():
        for line in commands(job):
            if line.startswith("make "):
                target = line.split()[1]
                assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"Makefile has no `{target}` target"
