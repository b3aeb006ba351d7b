"""A local accounting system: the receiving side of the LMS → Accounting push (lms-to-accounting-push.md).

Our platform pushes each loan's disbursement, monthly revenue reports, repayments and early
settlement to the lender's accounting system. This package is that peer for tests and demos: it
checks the API key, validates every request exactly as the contract's tables say, enforces the
per-loan ordering, de-duplicates by the sender's X-LMS-Event-Id, optionally takes reversals of
earlier events (`--reversals`, not in the seed contract), and keeps visible books (invoices, open
balances, payments) plus a log of every request, so a test can assert what the platform really sent
and what it did to the books.

- `contract`: the request bodies as pydantic models; their errors as "field: reason".
- `ledger.Books`: pure in-memory book-keeping and the rules that need the books, no HTTP.
- `server.AccountingServer`: the HTTP layer (endpoints, read views, fault injection; see its docstring).
- `python -m devstack.accounting --port 8081 --api-key KEY --vat-rate 18 [--reversals]`: run it on its own.
"""
