"""The template as CloudFormation will deploy it.

`make test` renders `template.yaml` with the SAM translator (what CloudFormation's
AWS::Serverless transform runs). `make deploy-check` first runs `sam build` and sets
LMS_SAM_BUILD_TEMPLATE, so the same tests then read what `sam build` produced, with the built code
and layer directories. Local code paths become S3 URIs, as `sam deploy` uploads them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]


class _NoManagedPolicies:
    """The translator asks IAM for managed policy ARNs only for policies named without an ARN."""

    def load(self) -> dict[str, str]:
        return {}


@dataclass(frozen=True)
class Rendered:
    source: Path  # the SAM template rendered (template.yaml or sam build's)
    sam: dict[str, Any]  # as written
    cfn: dict[str, Any]  # after the transform
    code_dirs: dict[str, Path]  # local CodeUri/ContentUri of every function and layer, by logical id

    def resources(self, type_: str) -> dict[str, dict]:
        return {name: r for name, r in self.cfn["Resources"].items() if r["Type"] == type_}


def render(path: Path) -> Rendered:
    sam = yaml_parse(path.read_text(encoding="utf-8"))
    packaged = yaml_parse(path.read_text(encoding="utf-8"))
    code_dirs = {}
    for name, resource in packaged["Resources"].items():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                code_dirs[name] = (path.parent / props[key]).resolve()
                props[key] = f"s3://artifacts/{name}.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return Rendered(path, sam, transform(packaged, {}, _NoManagedPolicies()), code_dirs)


@pytest.fixture(scope="session")
def rendered() -> Rendered:
    built = os.environ.get("LMS_SAM_BUILD_TEMPLATE")
    return render(ROOT / built if built else ROOT / "template.yaml")
