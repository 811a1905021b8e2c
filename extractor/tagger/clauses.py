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

# One character each. A comma or colon between a digit and a digit or space is inside a
# number (8,318.83 / 24, 028, 491. 84 as OCR spaces it / 12:30); a single space between
# ASCII characters is inside a phrase (`Office 2016`).
_BOUNDARY = re.compile(
    r"[，。；;\n\t\f！？!?：|｜]"
    r"|(?<!\d)[,:]|[,:](?![\d ]|\Z)"
    r"|^ |(?<= ) | (?= |\Z)|(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])"
)
_LIST_MARKER = re.compile(
    r"\s*(?:[一二三四五六七八九十]+是"
    r"|[（(]\s*[\d一二三四五六七八九十]+\s*[)）]"
    r"|\d{1,2}\s*[.、．](?!\d)"
    r"|[一二三四五六七八九十]+\s*[、.．]"
    r"|[①-⑳]"
    r"|第[一二三四五六七八九十]+[，,]?)\s*"
)


def clauses(text: str) -> list[tuple[int, int]]:
    """Comma-level clauses as (start, end), list markers and surrounding space left out."""
    found: list[tuple[int, int]] = []
    start = 0
    for boundary in [m.start() for m in _BOUNDARY.finditer(text)] + [len(text)]:
        if boundary > start:
            s, e = start, boundary
            marker = _LIST_MARKER.match(text, s, e)
            if marker:
                s = marker.end()
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if s < e:
                found.append((s, e))
        start = boundary + 1
    return found


# A clause that is only a time or connective lead-in (`目前，` `截至2024年末，`) asserts
# nothing; no gold claim is one, and on the dev split dropping them lifted claim F1.
_LEAD_IN_ONLY = re.compile(r"(?:目前|当前|同时|其中|此外|另外|今年以来|全年|截至.{0,12}|截止.{0,12}|\d{4}\s*年(?:度|以来|底|末)?)")


# A claim asserts a result in words: every gold claim holds at least two Chinese characters
# (`完成`); a bare figure, a code or a run of Latin letters is none.
_HAN = re.compile(r"[\u4e00-\u9fff]")


def decode_claims(text: str, inside: list[float], threshold: float) -> list[tuple[int, int, str, float]]:
    """Clauses whose mean claim probability (B or I) reaches ``threshold``; that mean is
    the claim's confidence."""
    claims = []
    for start, end in clauses(text):
        if _LEAD_IN_ONLY.fullmatch(text, start, end) or len(_HAN.findall(text, start, end)) < 2:
            continue
        score = sum(inside[start:end]) / (end - start)
        if score >= threshold:
            claims.append((start, end, "CLAIM", score))
    return claims
