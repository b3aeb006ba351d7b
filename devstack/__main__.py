"""`python -m devstack run | openapi [--write|--check]`."""

from __future__ import annotations

import argparse
import os
import sys


def _run(args: argparse.Namespace) -> int:
    from devstack.signals import stop_requested, wait_until
    from devstack.stack import LocalStack

    stop = stop_requested()  # first: a Ctrl-C during start-up stops the stack once it is up
    stack = LocalStack(
        port=args.port,
        emulator_port=args.emulator_port,
        admin_key=os.environ.get("LMS_ADMIN_API_KEY") or None,
        seed_demo=os.environ.get("LMS_SEED_DEMO", "1") != "0",
        log_level=os.environ.get("LMS_LOG_LEVEL", "WARNING"),
        accounting_port=args.accounting_port,
        accounting_base_url=os.environ.get("ACCOUNTING_BASE_URL") or None,
    ).start()
    print(f"LMS_BASE_URL={stack.gateway.url}", flush=True)
    print(f"LMS_ADMIN_API_KEY={stack.admin_key}", flush=True)
    print(f"AWS_ENDPOINT_URL={stack.emulator.url}", flush=True)
    print(f"ACCOUNTING_BASE_URL={os.environ['ACCOUNTING_BASE_URL']}", flush=True)
    print(
        f"Local stack ready: {len(stack.stack.routes)} routes, {len(stack.workers)} workers. "
        f"Try: curl -H 'Authorization: Bearer {stack.admin_key}' {stack.gateway.url}/v1/loan-products\n"
        "Ctrl-C stops everything.",
        flush=True,
    )
    wait_until(stop)
    stack.stop()
    print("Local stack stopped.", flush=True)
    return 0


def _openapi(args: argparse.Namespace) -> int:
    from devstack.openapi import build_document
    from lms.api.openapi_document import DOCUMENT_PATH

    document = build_document()
    if args.write:
        DOCUMENT_PATH.write_text(document, encoding="utf-8")
        print(f"wrote {DOCUMENT_PATH}")
        return 0
    current = DOCUMENT_PATH.read_text(encoding="utf-8") if DOCUMENT_PATH.exists() else ""
    if current != document:
        print(f"{DOCUMENT_PATH} is out of date: run `make openapi`", file=sys.stderr)
        return 1
    print("OpenAPI document is up to date")
    return 0


def _against_running_stack() -> None:
    """Point this process at the stack `make run` started (its emulator and table names)."""
    from devstack.lambdas import environment_of
    from devstack.stack import _LOCAL_ENV, running_stack
    from devstack.template import load_stack

    state = running_stack()
    os.environ.update(_LOCAL_ENV)
    os.environ["AWS_ENDPOINT_URL"] = state["endpoint"]
    os.environ.update(environment_of(load_stack()))


def _reconcile(_args: argparse.Namespace) -> int:
    _against_running_stack()
    from lms.ledger.reconcile import reconcile

    checked, differences = reconcile()
    for d in differences:
        print(
            f"DIFFERENCE account {d.account_id} on {d.day}: lines debit {d.expected_debit} credit "
            f"{d.expected_credit}, totals debit {d.actual_debit} credit {d.actual_credit}"
        )
    print(f"{checked} accounts checked, {len(differences)} differences")
    return 1 if differences else 0


def _redrive(_args: argparse.Namespace) -> int:
    _against_running_stack()
    from lms.config import get_settings
    from lms.integration.retry import redrive

    resent = redrive(get_settings().push_dead_letter_queue_url)
    for loan_id, count in sorted(resent.items()):
        print(f"loan {loan_id}: {count} events sent again, in order")
    print(f"{len(resent)} loans redriven from the dead-letter queue")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack", description="The local loan servicing stack")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the local stack")
    run.add_argument("--port", type=int, default=int(os.environ.get("LMS_PORT", "3000")))
    run.add_argument("--emulator-port", type=int, default=int(os.environ.get("LMS_EMULATOR_PORT", "0")))
    run.add_argument("--accounting-port", type=int, default=int(os.environ.get("LMS_ACCOUNTING_PORT", "0")))
    run.set_defaults(func=_run)
    openapi = commands.add_parser("openapi", help="generate or check the OpenAPI document")
    mode = openapi.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    openapi.set_defaults(func=_openapi)
    reconcile = commands.add_parser("reconcile", help="recompute ledger day totals from lines on the running stack")
    reconcile.set_defaults(func=_reconcile)
    redrive = commands.add_parser("redrive", help="re-send the loans in the push dead-letter queue, in order")
    redrive.set_defaults(func=_redrive)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
