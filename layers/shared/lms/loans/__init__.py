"""Loans: the state machine, schedules, allocation and every money operation on a loan."""
