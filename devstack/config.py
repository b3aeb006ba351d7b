"""Where the local stack's emulator listens (one process-wide setting, set before anything runs)."""

from __future__ import annotations

import os


def endpoint_url() -> str:
    return os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
