"""checkov runs in `make lint` (so in `make test`), and every check it leaves out says why."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_check_left_out_of_checkov_is_explained_by_the_comment_above_it():
    lines = (ROOT / ".checkov.yaml").read_text(encoding="utf-8").splitlines()
    start = lines.index("skip-check:")
    skipped = [(i, line.strip()[2:]) for i, line in enumerate(lines) if i > start and line.strip().startswith("- ")]
    assert skipped, "nothing is skipped: then remove skip-check"
    for i, check in skipped:
        assert re.fullmatch(r"CKV_AWS_\d+", check), check
        above = lines[i - 1].strip()
        assert above.startswith("#") and len(above) > 20, f"{check} is skipped without a reason above it"


def test_make_lint_runs_checkov_from_its_own_pinned_virtualenv():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lint: venv security$", makefile, re.MULTILINE)
    assert "$(SECURITY_VENV)/bin/checkov --config-file .checkov.yaml" in makefile
    pins = (ROOT / "requirements/security.txt").read_text(encoding="utf-8").splitlines()
    assert "checkov==3.3.30" in pins
    assert all("==" in line for line in pins if line and not line.startswith("#"))
