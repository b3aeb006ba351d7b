"""What a loan is made of: its transactions, charges and payout attempts (plain values)."""
