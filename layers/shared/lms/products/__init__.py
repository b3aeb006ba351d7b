"""Loan products: the defaults and bounds every loan's terms come from."""
