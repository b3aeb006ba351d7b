"""The accounting system's API key, from Secrets Manager, cached by Powertools' parameters utility."""

from __future__ import annotations

import threading

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from lms.config import get_settings
from lms.storage import dynamo

CACHE_SECONDS = 300
_lock = threading.Lock()
_providers: dict[str, SecretsProvider] = {}


def _secrets() -> SecretsProvider:
    with _lock:
        if "secrets" not in _providers:
            _providers["secrets"] = SecretsProvider(boto3_client=dynamo.client("secretsmanager"))
        return _providers["secrets"]


def accounting_api_key(force_fetch: bool = False) -> str:
    """Cached for five minutes; `force_fetch` after a 401 picks up a rotated key at once."""
    return str(_secrets().get(get_settings().accounting_api_key_secret, max_age=CACHE_SECONDS, force_fetch=force_fetch))


def reset_secrets() -> None:
    with _lock:
        _providers.clear()
