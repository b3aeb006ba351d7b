"""Starts `python -m devstack run` on free ports and speaks HTTP to it."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.processes import python_with_ctrl_c_ignored

ROOT = Path(__file__).resolve().parents[2]
ADMIN_KEY = "lms_e2e-admin-key"


@dataclass
class RunningStack:
    base_url: str
    admin_key: str
    accounting_url: str
    process: subprocess.Popen
    output: list[str]

    def session(self, key: str | None = None) -> requests.Session:
        session = requests.Session()
        if key is not None:
            session.headers["Authorization"] = f"Bearer {key}"
        return session


@pytest.fixture(scope="session")
def stack() -> Iterator[RunningStack]:
    env = {
        **os.environ,
        "LMS_ADMIN_API_KEY": ADMIN_KEY,
        "PYTHONPATH": f"{ROOT / 'layers' / 'shared'}{os.pathsep}{ROOT}",
        "LMS_LOG_LEVEL": "ERROR",
    }
    for key in ("AWS_ENDPOINT_URL", "LMS_TABLE", "IDEMPOTENCY_TABLE", "ACCOUNTING_BASE_URL", "ACCOUNTING_API_KEY"):
        env.pop(key, None)
    process = subprocess.Popen(
        # Launched the way a background job of a non-interactive shell is (SIGINT ignored), the
        # worst case for the Ctrl-C at teardown: the stack must stop however it was started.
        python_with_ctrl_c_ignored("-m", "devstack", "run", "--port", "0", "--emulator-port", "0"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    base_url = accounting_url = None
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if line.startswith("LMS_BASE_URL="):
            base_url = line.split("=", 1)[1].strip()
        if line.startswith("ACCOUNTING_BASE_URL="):
            accounting_url = line.split("=", 1)[1].strip()
        if line.startswith("Local stack ready"):
            break
    assert base_url, "".join(output)
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    reader.start()
    running = RunningStack(base_url, ADMIN_KEY, accounting_url, process, output)
    yield running
    (ROOT / ".e2e-stack.log").write_text("".join(output), encoding="utf-8")  # for a failed run's post-mortem
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=45) == 0, "".join(output[-40:])
