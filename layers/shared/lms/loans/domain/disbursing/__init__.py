"""Paying a loan out: disbursement, payout attempts, payment methods, the signals and rail funds a
commit moves."""
