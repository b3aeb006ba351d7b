"""What text a person may give us: printable, one direction as typed, and not blank to the eye.

Names, references and notes are echoed back, shown to staff, sent to payout providers and pushed
to the accounting system. A control character there (NUL, an ANSI escape, a line break in a
one-line field) corrupts logs and files downstream; a bidirectional override makes the text read
differently from what it holds; zero-width characters alone make a value that looks empty."""

from __future__ import annotations

import re
import unicodedata

# Explicit bidirectional formatting: embeddings and overrides (U+202A-U+202E), isolates
# (U+2066-U+2069), and the marks U+200E, U+200F and U+061C.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

# Characters that occupy no visible space although Unicode does not call them whitespace.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")

# Line breaks and tabs a note may carry; one-line text takes none of them.
_MULTILINE_ALLOWED = frozenset("\n\r\t")

_ASCII_DIGITS = re.compile(r"[0-9]+")


def ascii_digits(value: str) -> bool:
    """`str.isdigit` and regex `\\d` also take Arabic-Indic, full-width and superscript digits."""
    return _ASCII_DIGITS.fullmatch(value) is not None


def _name(char: str) -> str:
    return f"U+{ord(char):04X}"


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` is not acceptable text, or None. `value` is expected trimmed already."""
    for char in value:
        code = ord(char)
        if code < 0x20 or 0x7F <= code <= 0x9F or char in "\u2028\u2029":
            if multiline and char in _MULTILINE_ALLOWED:
                continue
            return f"must not contain control characters (found {_name(char)})"
        if char in _BIDI:
            return f"must not contain bidirectional control characters (found {_name(char)})"
        if 0xD800 <= code <= 0xDFFF:
            return f"must be valid Unicode text (found the lone surrogate {_name(char)})"
    if is_blank(value):
        return "must not be blank"
    return None


def is_blank(value: str) -> bool:
    """True when nothing visible remains: only whitespace, format characters (zero-width space,
    joiners, word joiner, byte-order mark, soft hyphen...) and fillers."""
    return all(
        char.isspace() or char in _INVISIBLE_LETTERS or unicodedata.category(char) in {"Cf", "Cc", "Zs"}
        for char in value
    )
