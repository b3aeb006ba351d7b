"""Pure ledger rules: accounts, entries and their invariants, the posting engine."""
