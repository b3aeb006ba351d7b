"""What a request may carry, in one place (the README's "Input limits" lists the same figures).

Each limit keeps a request's cost bounded and far from the point where Python itself gives up
(its parser recurses once per nesting level, and `int()` refuses more than 4,300 digits)."""

from __future__ import annotations

# A request body is UTF-8 JSON of at most this many bytes: a bulk disbursement of 100 items with
# their payment details fits many times over, and every limit below stays cheap to check.
MAX_BODY_BYTES = 256 * 1024

# Arrays and objects nested at most this deep (`{}` is 1; the deepest body of the API is 4).
MAX_JSON_DEPTH = 32

# A JSON number is at most this many characters as written (DynamoDB keeps 38 significant digits)
# and its magnitude lies between 10^-MAX_NUMBER_EXPONENT and 10^MAX_NUMBER_EXPONENT.
MAX_NUMBER_LENGTH = 40
MAX_NUMBER_EXPONENT = 40

# Numeric ids (loans, customers, products, offices, transactions) are at most this many ASCII digits.
MAX_ID_DIGITS = 18

# Single-line text (names, references, external ids, descriptions) and multi-line text (notes).
MAX_SHORT_TEXT = 200
MAX_LONG_TEXT = 2000
