"""Operations on an active loan: payments, charges, the revenue run's month, balances."""
