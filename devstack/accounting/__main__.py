"""`python -m devstack.accounting [--port 8081] [--api-key KEY] [--vat-rate 18] [--reversals]`: run it.

`--reversals` enables POST /lms-integration/reversal, which the seed contract does not have.
"""

from __future__ import annotations

import argparse
import os
from decimal import Decimal, InvalidOperation

from devstack.accounting.server import API_KEY_HEADER, AccountingServer
from devstack.signals import stop_requested, wait_until

DEFAULT_API_KEY = "local-accounting-key"


def _vat_rate(text: str) -> Decimal:
    # argparse only turns ValueError/TypeError into usage errors; Decimal raises InvalidOperation.
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not rate.is_finite() or rate < 0:
        raise argparse.ArgumentTypeError("must be a finite, non-negative percentage")
    return rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack.accounting", description="The local accounting system")
    parser.add_argument("--port", type=int, default=8081, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument(
        "--api-key",
        default=os.environ.get("ACCOUNTING_API_KEY") or DEFAULT_API_KEY,
        help=f"expected {API_KEY_HEADER} (default: $ACCOUNTING_API_KEY or {DEFAULT_API_KEY})",
    )
    parser.add_argument("--vat-rate", type=_vat_rate, default=Decimal("18"), help="VAT on the admin fee, in percent")
    parser.add_argument(
        "--reversals",
        action="store_true",
        help="enable POST /lms-integration/reversal (not in the seed contract; off by default)",
    )
    args = parser.parse_args(argv)

    stop = stop_requested()  # first: a Ctrl-C during start-up stops the server once it is up
    server = AccountingServer(
        port=args.port, api_key=args.api_key, vat_rate=args.vat_rate, reversals_enabled=args.reversals
    ).start()
    print(f"ACCOUNTING_BASE_URL={server.url}", flush=True)
    print(f"ACCOUNTING_API_KEY={server.api_key}", flush=True)
    print(
        f"Local accounting system ready (VAT {args.vat_rate}%, reversals {'on' if args.reversals else 'off'}). "
        f"Books: {server.url}/invoices, "
        f"requests: {server.url}/events. Ctrl-C stops it.",
        flush=True,
    )
    wait_until(stop)
    server.stop()
    print("Local accounting system stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
