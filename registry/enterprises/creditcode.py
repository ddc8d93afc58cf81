"""Unified social credit code (统一社会信用代码) format check, GB 32100-2015.

18 characters from a 31-character alphabet (digits and capitals without I, O, S, V, Z): registration
authority (1), organisation category (1), administrative division (6 digits), organisation code (9) and a
check character computed with the weights below, modulo 31.
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """None when `code` is a well-formed code, else why not (one sentence)."""
    if len(code) != 18:
        return f"must be 18 characters, got {len(code)}"
    if not _SHAPE.match(code):
        return "must be 18 characters of 0-9 and A-Z without I, O, S, V, Z; characters 3-8 are digits"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"check character is wrong (expected {expected!r} for this code)"
    return None
