"""What `sam build` put in the shared layer: the lock's packages at the lock's versions, nothing more.

Run by `make deploy-check` (LMS_SAM_BUILD_TEMPLATE set); on template.yaml alone there is no built
layer to look at, and tests/unit/test_layer_lock.py checks the lock itself.
"""

from __future__ import annotations

import email.parser
import importlib.util
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT, Rendered
from tests.support.layer import LAYER_LOCK, RUNTIME_PROVIDED_MODULES, canonical, pins

# Unzipped, the layer was 41.7 MB before it was built from the lock (botocore alone 26 MB); it is
# 14.6 MB now. Lambda allows 250 MB for a function and its layers together.
MAX_LAYER_BYTES = 20_000_000
ELF_MACHINE_AARCH64 = 183


@pytest.fixture(scope="module")
def built_layer(rendered: Rendered) -> Path:
    if rendered.source.name == "template.yaml" and rendered.source.parent == ROOT:
        pytest.skip("no built layer: `make deploy-check` runs this on what `sam build` produced")
    return rendered.code_dirs["SharedLayer"] / "python"


def installed(site: Path) -> dict[str, str]:
    packages = {}
    for dist_info in site.glob("*.dist-info"):
        metadata = email.parser.HeaderParser().parsestr((dist_info / "METADATA").read_text(encoding="utf-8"))
        packages[canonical(metadata["Name"])] = metadata["Version"]
    return packages


def test_the_built_layer_holds_exactly_the_locked_packages_at_their_versions(built_layer):
    assert installed(built_layer) == pins(LAYER_LOCK)


def test_the_built_layer_leaves_the_sdk_to_the_lambda_runtime(built_layer):
    names = {path.name.removesuffix(".py") for path in built_layer.iterdir()}
    assert not names & RUNTIME_PROVIDED_MODULES, (
        f"the runtime's packages shadowed: {sorted(names & RUNTIME_PROVIDED_MODULES)}"
    )


def test_the_built_layer_is_our_code_and_the_lock_only(built_layer):
    assert (built_layer / "lms" / "config.py").is_file()
    assert not (built_layer / "bin").exists(), "console scripts have no use on Lambda"
    assert sorted(p.name for p in built_layer.parent.iterdir()) == ["python"]


def test_every_module_of_the_built_layer_is_compiled_for_the_runtime(built_layer):
    """Lambda mounts the layer read-only: a module without its cache is compiled at every cold start."""
    uncompiled = []
    for source in built_layer.rglob("*.py"):
        cache = source.parent / "__pycache__" / f"{source.stem}.{sys.implementation.cache_tag}.pyc"
        header = cache.read_bytes()[:8] if cache.is_file() else b""
        # PEP 552: the magic of Python 3.11, then flags 0b01 (hash-based, source not checked).
        if header[:4] != importlib.util.MAGIC_NUMBER or int.from_bytes(header[4:8], "little") != 0b01:
            uncompiled.append(str(source.relative_to(built_layer)))
    assert sys.version_info[:2] == (3, 11)
    assert not uncompiled, f"{len(uncompiled)} modules without an unchecked-hash cache, e.g. {uncompiled[:5]}"


def test_the_built_layer_is_small(built_layer):
    size = sum(path.stat().st_size for path in built_layer.rglob("*") if path.is_file())
    assert size < MAX_LAYER_BYTES, f"the layer is {size:,} bytes unzipped"


def test_every_compiled_extension_is_for_lambdas_arm64(built_layer):
    extensions = list(built_layer.rglob("*.so"))
    assert extensions, "pydantic_core is compiled"
    for extension in extensions:
        header = extension.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", extension
        assert int.from_bytes(header[18:20], "little") == ELF_MACHINE_AARCH64, f"{extension} is not for arm64"
