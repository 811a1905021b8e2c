"""Claims are decided clause by clause.

The guideline makes a claim one comma-level clause that asserts a result
(GUIDELINE.md, "Boundaries"); 96.6% of the gold claims start and end on the
clause boundaries found here. Decoding the claim head's per-character IOB2
tags directly gives fragments (a clause cut in two or three where the
network's confidence dips); averaging the head's claim probability over each
clause and keeping the clauses above a threshold does not.

Boundaries: clause punctuation, line and page breaks, tabs (table cells),
runs of spaces and a space between two Chinese characters. A comma or colon
inside a number (``8,318.83``, ``12:30``) is not a boundary. List markers
(``一是``, ``（3）``, ``1.``, ``①``) stay outside the clause, as the guideline
says.
"""

from __future__ import annotations

import re

_ALWAYS = frozenset("，。；;\n\t\f！？!?：|｜")
_LIST_MARKER = re.compile(
    r"\s*(?:[一二三四五六七八九十]+是"
    r"|[（(]\s*[\d一二三四五六七八九十]+\s*[)）]"
    r"|\d{1,2}\s*[.、．](?!\d)"
    r"|[一二三四五六七八九十]+\s*[、.．]"
    r"|[①-⑳]"
    r"|第[一二三四五六七八九十]+[，,]?)\s*"
)


def _is_boundary(text: str, i: int) -> bool:
    char = text[i]
    if char in _ALWAYS:
        return True
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if char in ",:":
        # 8,318.83 / 24, 028, 491. 84 (OCR) / 12:30 are one number, not two clauses.
        return not (before.isdigit() and (after.isdigit() or after == " "))
    if char == " ":
        return before == " " or after == " " or not (before.isascii() or after.isascii())
    return False


def clauses(text: str) -> list[tuple[int, int]]:
    """Comma-level clauses as (start, end), list markers and surrounding space left out."""
    found: list[tuple[int, int]] = []
    start = 0
    for i in range(len(text) + 1):
        if i < len(text) and not _is_boundary(text, i):
            continue
        if i > start:
            s, e = start, i
            marker = _LIST_MARKER.match(text, s, e)
            if marker:
                s = marker.end()
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if s < e:
                found.append((s, e))
        start = i + 1
    return found


# A "clause" this long is a flattened table row glued without separators
# (`…指标为100%实际完成值为100%义务兵…`), not one statement.
LONG_CLAUSE = 100


def decode_claims(text: str, inside: list[float], threshold: float, fragments: list[tuple[int, int, str, float]] = ()) -> list[tuple[int, int, str, float]]:
    """Clauses whose mean claim probability (B or I) reaches ``threshold``; that mean is
    the claim's confidence. Inside an over-long clause, the tagged ``fragments`` stand instead."""
    claims = []
    for start, end in clauses(text):
        if end - start > LONG_CLAUSE and fragments:
            claims.extend(f for f in fragments if start <= f[0] and f[1] <= end)
            continue
        score = sum(inside[start:end]) / (end - start)
        if score >= threshold:
            claims.append((start, end, "CLAIM", score))
    return claims
