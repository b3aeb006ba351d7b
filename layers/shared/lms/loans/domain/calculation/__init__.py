"""Pure calculation over a loan's terms and transactions: schedule, replayed position, snapshot,
accrual, allocation. Never imports the aggregate."""
