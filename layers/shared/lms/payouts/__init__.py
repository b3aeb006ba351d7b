"""Paying disbursements out to borrowers through a payout provider per payment method."""
