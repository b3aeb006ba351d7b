"""What a loan's changes book: ledger lines, the outbound events and the rebooking replay."""
