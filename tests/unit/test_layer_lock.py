"""The shared layer is built from its own lock: what the tests run, every package hashed, no runtime package.

`make lock` writes layers/shared/requirements.txt (uv pip compile --generate-hashes, constrained by
requirements/dev.txt); layers/shared/Makefile installs exactly it (`sam build`). These checks read
files only: no network, no build. tests/deploy/test_layer.py checks what `sam build` produced.
"""

from __future__ import annotations

import re

from samtranslator.yaml_helper import yaml_parse

from tests.support.layer import (
    DEV_LOCK,
    LAYER_INPUT,
    LAYER_LOCK,
    ROOT,
    RUNTIME_PROVIDED,
    canonical,
    parse,
    pins,
)

LOCK = parse(LAYER_LOCK)


def test_the_lock_pins_every_package_with_its_hashes():
    assert len(LOCK) >= 4, "the layer's lock is empty: run `make lock`"
    for requirement in LOCK:
        assert requirement.version, f"not pinned with ==: {requirement.line}"
        assert requirement.hashes, f"{requirement.name}=={requirement.version} has no --hash"
        assert all(h.startswith("sha256:") and len(h) == len("sha256:") + 64 for h in requirement.hashes), (
            requirement.name
        )
        assert not requirement.line.startswith("-"), f"an option, not a package: {requirement.line}"
    names = [r.name for r in LOCK]
    assert len(names) == len(set(names)), "a package is pinned twice"


def test_the_lock_is_at_the_versions_the_tests_run():
    tested = pins(DEV_LOCK)
    for requirement in LOCK:
        assert requirement.name in tested, (
            f"{requirement.name} is in the layer but no test runs it (requirements/dev.txt)"
        )
        assert requirement.version == tested[requirement.name], (
            f"{requirement.name}: the layer has {requirement.version}, the tests run {tested[requirement.name]}"
        )


def test_the_lock_carries_nothing_the_lambda_runtime_provides():
    provided = sorted(RUNTIME_PROVIDED & {r.name for r in LOCK})
    assert not provided, f"the Lambda runtime provides {provided}: a copy in the layer shadows it"


def test_every_top_level_pin_of_the_layer_is_in_the_lock_at_its_version():
    locked = pins(LAYER_LOCK)
    wanted = pins(LAYER_INPUT)
    assert {"aws-lambda-powertools", "pydantic"} <= set(wanted)
    for name, version in wanted.items():
        assert locked.get(name) == version, f"requirements.in pins {name}=={version}, the lock {locked.get(name)}"


def test_the_lock_and_the_tested_versions_come_from_the_same_top_level_pins():
    # dev.in reaches the layer's pins through runtime.txt, so the tests run what requirements.in says.
    assert "-r ../layers/shared/requirements.in" in (ROOT / "requirements/runtime.txt").read_text(encoding="utf-8")
    assert re.search(r"^-r runtime\.txt$", (ROOT / "requirements/dev.in").read_text(encoding="utf-8"), re.MULTILINE)


def test_make_lock_leaves_out_exactly_the_runtime_packages_and_make_audit_covers_the_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    listed = re.search(r"^LAYER_RUNTIME_PROVIDED := (.*)$", makefile, re.MULTILINE)
    assert listed, "the Makefile names the packages the layer leaves to the runtime"
    assert {canonical(name) for name in listed[1].split()} == RUNTIME_PROVIDED
    assert "--no-emit-package" in makefile and "--generate-hashes" in makefile
    assert re.search(r"pip-audit .*-r \$\(LAYER_LOCK\)", makefile), "make audit must cover the layer's lock"


def test_sam_builds_the_layer_from_the_lock_alone():
    template = yaml_parse((ROOT / "template.yaml").read_text(encoding="utf-8"))
    layer = template["Resources"]["SharedLayer"]
    assert layer["Properties"]["ContentUri"] == "layers/shared/"
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    recipe = (ROOT / "layers/shared/Makefile").read_text(encoding="utf-8")
    install = " ".join(recipe.split("build-SharedLayer:", 1)[1].replace("\\\n", " ").split())
    for option in (
        "--require-hashes",
        "--no-deps",
        "--only-binary=:all:",
        "-r requirements.txt",
        "--python-version 3.11",
    ):
        assert option in install, f"the layer's build must pass {option}"
    # The wheels are for the template's architecture (Lambda's arm64 is Amazon Linux 2: manylinux2014).
    assert layer["Metadata"]["BuildArchitecture"] == "arm64" == layer["Properties"]["CompatibleArchitectures"][0]
    assert re.search(r"^PLATFORM := manylinux2014_aarch64$", recipe, re.MULTILINE)
    assert "--platform $(PLATFORM)" in install


def test_the_tests_run_the_runtime_packages_from_their_own_pins():
    # Locally boto3 and its closure come from requirements/dev.txt; on Lambda, the runtime's.
    missing = sorted(RUNTIME_PROVIDED - set(pins(DEV_LOCK)))
    assert not missing, f"not in requirements/dev.txt: {missing}"
