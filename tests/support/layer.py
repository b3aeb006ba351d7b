"""The shared layer's lock, read as pip reads it, and what the Lambda runtime already provides."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER_LOCK = ROOT / "layers/shared/requirements.txt"
LAYER_INPUT = ROOT / "layers/shared/requirements.in"
DEV_LOCK = ROOT / "requirements/dev.txt"

# The Lambda Python runtimes come with the AWS SDK for Python and its dependencies (boto3's
# closure: botocore, s3transfer, jmespath, python-dateutil, six, urllib3). The layer carries none of
# them: a layer's copy comes first on sys.path and would shadow the runtime's (a layer botocore
# beside the runtime's boto3). Powertools needs jmespath (>=1.0.1,<2) and takes the runtime's.
# The Makefile's LAYER_RUNTIME_PROVIDED is this list.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"})
# The import names of those packages, as they would appear in a built layer.
RUNTIME_PROVIDED_MODULES = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"})

_PIN = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;\\]+)")


def canonical(name: str) -> str:
    """PEP 503: `aws_lambda_powertools` and `aws-lambda-powertools` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Requirement:
    line: str  # the logical line, continuations joined, comments dropped
    name: str  # canonical
    version: str | None  # None unless pinned with ==
    hashes: tuple[str, ...]


def logical_lines(path: Path) -> list[str]:
    """The requirement lines of a pip requirements file: continuations joined, comments dropped."""
    lines, current = [], ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        text = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if text.endswith("\\"):
            current += text[:-1] + " "
            continue
        current += text
        if current.strip():
            lines.append(" ".join(current.split()))
        current = ""
    if current.strip():
        lines.append(" ".join(current.split()))
    return lines


def parse(path: Path) -> list[Requirement]:
    requirements = []
    for line in logical_lines(path):
        match = _PIN.match(line)
        name = match["name"] if match else re.split(r"[\s\[<>=!~;]", line, maxsplit=1)[0]
        hashes = tuple(re.findall(r"--hash=(\S+)", line))
        requirements.append(Requirement(line, canonical(name), match["version"] if match else None, hashes))
    return requirements


def pins(path: Path) -> dict[str, str]:
    """Canonical name -> version of every `name==version` line."""
    return {r.name: r.version for r in parse(path) if r.version}
