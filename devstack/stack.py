"""The whole local system in one process tree: emulator, resources, seed data, gateway, workers."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import boto3

from devstack.template import REGION, ROOT, load_stack

STATE_FILE = ROOT / ".devstack.json"

# What Lambda's environment would provide, pointed at the emulator.
RATE_LIMIT_VARIABLES = ("RATE_LIMIT_PER_MINUTE", "RATE_LIMIT_PER_HOUR", "RATE_LIMIT_PER_DAY")
CHOSEN_AT_START = (*RATE_LIMIT_VARIABLES, "PAYOUT_PROVIDER", "PAYOUT_PROVIDERS")
# The local stack pays out through the sandbox, explicitly: the template's default is no provider
# (a deployment must name a real one), and nothing here moves money. `PAYOUT_PROVIDER=none make run`
# tries a stack without one.
_LOCAL_PAYOUTS = {"PAYOUT_PROVIDER": "sandbox"}
_LOCAL_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
}

# Webhooks to receivers on this machine (plain http, loopback addresses, not the stack's own
# ports: start() adds them), retried after 1, 2, 4 ... seconds; a deployment takes only https URLs
# of public hosts. Set in the environment to choose.
_LOCAL_WEBHOOKS = {
    "WEBHOOK_ALLOW_HTTP": "true",
    "WEBHOOK_ALLOW_LOOPBACK": "true",
    "WEBHOOK_RETRY_BASE_SECONDS": "1",
}


@dataclass
class LocalStack:
    port: int = 3000
    emulator_port: int = 0
    admin_key: str | None = None
    seed_demo: bool = True
    log_level: str = "WARNING"
    workers_enabled: bool = True
    only_workers: set[str] | None = None  # the functions whose event sources are polled (None: all)
    accounting_port: int = 0
    accounting_base_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def start(self) -> LocalStack:
        from devstack.emulator import Emulator, provision

        self.emulator = Emulator(self.emulator_port)
        self.emulator.start()
        os.environ.update(_LOCAL_ENV)
        os.environ["AWS_ENDPOINT_URL"] = self.emulator.url
        self.stack = load_stack()
        from devstack.lambdas import Functions, environment_of

        # Rate limits and payout providers set where the stack is started (`RATE_LIMIT_PER_MINUTE=5
        # make run`, the tests' unlimited keys) win over the template's defaults and the sandbox.
        chosen = {name: os.environ[name] for name in CHOSEN_AT_START if name in os.environ}
        os.environ.update(environment_of(self.stack))
        os.environ.update({**_LOCAL_PAYOUTS, **chosen})
        for name, value in _LOCAL_WEBHOOKS.items():
            os.environ.setdefault(name, value)
        os.environ["POWERTOOLS_LOG_LEVEL"] = self.log_level
        self._start_accounting()
        os.environ.update(self.extra_env)
        self.streams = provision(self.stack, self.emulator.url)
        if self.accounting_api_key:
            boto3.client("secretsmanager", endpoint_url=self.emulator.url).put_secret_value(
                SecretId="AccountingApiKeySecret", SecretString=self.accounting_api_key
            )

        # Imported only now: the shared layer reads its configuration from the environment above.
        from lms.bootstrap import bootstrap
        from lms.config import get_settings

        self.admin_key = self.admin_key or "lms_" + secrets.token_urlsafe(32)
        bootstrap(admin_key=self.admin_key, seed_demo=self.seed_demo, currency=get_settings().base_currency)

        # Each function's environments are processes of their own, started on first use and kept
        # warm (see devstack/lambdas.py); the authorizer runs before every call, so start it now.
        self.functions = Functions(self.stack)
        from devstack.gateway import Gateway, LocalApi

        self.gateway = Gateway(LocalApi(self.stack, self.functions), self.port)
        # Environments read it when they start (none has yet): a webhook to the emulator, the
        # gateway or the accounting system would let any admin drive the stack from inside.
        own_ports = [urlsplit(self.emulator.url).port, self.gateway.port]
        own_ports += [urlsplit(os.environ["ACCOUNTING_BASE_URL"]).port] if self.accounting else []
        os.environ["WEBHOOK_REFUSED_PORTS"] = json.dumps(sorted({p for p in own_ports if p}))
        if self.stack.authorizer:
            self.functions.warm([self.stack.authorizer])
        self.gateway.start()
        self.workers = []
        if self.workers_enabled:
            from devstack.workers import start_workers

            self.workers = start_workers(self.stack, self.functions, self.streams, self.only_workers)
        STATE_FILE.write_text(
            json.dumps(
                {
                    "baseUrl": self.gateway.url,
                    "endpoint": self.emulator.url,
                    "accountingUrl": os.environ["ACCOUNTING_BASE_URL"],
                    "pid": os.getpid(),
                }
            ),
            encoding="utf-8",
        )
        return self

    def _start_accounting(self) -> None:
        """The local accounting system, unless ACCOUNTING_BASE_URL points at another one."""
        self.accounting = None
        self.accounting_api_key = os.environ.get("ACCOUNTING_API_KEY")
        if self.accounting_base_url:
            os.environ["ACCOUNTING_BASE_URL"] = self.accounting_base_url
            return
        from devstack.accounting.server import AccountingServer

        self.accounting_api_key = self.accounting_api_key or "local-accounting-key"
        self.accounting = AccountingServer(
            port=self.accounting_port, api_key=self.accounting_api_key, reversals_enabled=True
        ).start()
        os.environ["ACCOUNTING_BASE_URL"] = self.accounting.url
        # The local accounting service implements the REVERSAL extension (docs/accounting-push.md).
        os.environ["ACCOUNTING_REVERSALS_ENABLED"] = "true"
        # Retry a failed push after 1, 2, 4 ... seconds rather than 10, 20, 40 ...
        os.environ["PUSH_RETRY_BASE_SECONDS"] = "1"

    def stop(self) -> None:
        # Tell every worker first, then wait: each finishes the batch it is on, as Lambda would.
        workers = getattr(self, "workers", [])
        for worker in workers:
            worker.signal_stop()
        for worker in workers:
            worker.stop()
        if getattr(self, "gateway", None):
            self.gateway.stop()
        if getattr(self, "functions", None):
            self.functions.close()
        if getattr(self, "accounting", None):
            self.accounting.stop()
        if getattr(self, "emulator", None):
            self.emulator.stop()
        if STATE_FILE.exists() and json.loads(STATE_FILE.read_text()).get("pid") == os.getpid():
            STATE_FILE.unlink()


def running_stack() -> dict:
    """The endpoints of the stack `make run` started (for CLI verbs such as reconcile)."""
    if not STATE_FILE.exists():
        raise SystemExit("The local stack is not running: start it with `make run`.")
    return json.loads(Path(STATE_FILE).read_text(encoding="utf-8"))
