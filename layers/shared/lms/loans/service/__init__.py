"""The loan use cases, split by what callers do, over one unit of work (`unit_of_work`):
applications, payments, disbursements and payouts, the revenue run's month, and queries.
Import the module a caller needs: each handler loads only its own."""
