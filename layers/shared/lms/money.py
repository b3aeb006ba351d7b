"""Money is Decimal end to end, rounded half-even to the currency's minor units where a rule says so."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

ZERO = Decimal("0")

# ISO 4217 minor units of the currencies lenders in our markets use.
MINOR_UNITS: dict[str, int] = {
    "TZS": 2,
    "KES": 2,
    "UGX": 0,
    "RWF": 0,
    "BIF": 0,
    "ZMW": 2,
    "MWK": 2,
    "ETB": 2,
    "NGN": 2,
    "GHS": 2,
    "ZAR": 2,
    "XOF": 0,
    "XAF": 0,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "INR": 2,
    "JPY": 0,
}

# DynamoDB numbers hold 38 significant digits; amounts stay far below that.
MAX_INTEGER_DIGITS = 15


class MoneyError(ValueError):
    """An amount that cannot be money (bad currency, too many decimals, not finite)."""


def is_supported_currency(currency: str) -> bool:
    return currency in MINOR_UNITS


def minor_units(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise MoneyError(f"unsupported currency {currency!r}") from None


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-even to the currency's minor units (the only rounding rule money uses)."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_EVEN)


def to_money(amount: Decimal | int, currency: str) -> Decimal:
    """Give an exact amount the currency's scale; refuse one that would need rounding."""
    value = Decimal(amount)
    if not value.is_finite():
        raise MoneyError("must be a finite number")
    try:
        scaled = value.quantize(quantum(currency))
    except InvalidOperation:
        raise MoneyError("is too large") from None
    if scaled != value:
        places = minor_units(currency)
        raise MoneyError(f"must have at most {places} decimal places in {currency}")
    return scaled


def format_amount(amount: Decimal, currency: str) -> str:
    """'5,000,000.00' as the disbursement seed shows amounts."""
    places = minor_units(currency)
    return f"{round_money(amount, currency):,.{places}f}"
