"""The general ledger: chart of accounts, journal entries, the posting engine and reports."""
