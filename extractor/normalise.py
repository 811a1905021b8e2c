"""A working copy of the text with the OCR noise taken out, and a map back.

Taggers read the working copy; every span they find is mapped back to the
original text with ``Normalised.to_original`` so offsets always refer to the
text exactly as read. What changes in the working copy:

- full-width ASCII (digits, letters, ％，．（）) becomes half-width, the
  ideographic space a plain space;
- spaces inside numbers go (``24, 028, 491. 84`` -> ``24,028,491.84``) and so
  do spaces between a number and its unit (``285.53 万元`` -> ``285.53万元``);
- a line break inside a number, or between a number and its unit, goes;
- LaTeX remnants become the symbol they stand for (``$\\leq 100\\%$`` -> ``≤100%``).

Each working character remembers the original ``[start, end)`` it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LATEX_MACROS = {
    r"\leq": "≤",
    r"\le": "≤",
    r"\geq": "≥",
    r"\ge": "≥",
    r"\times": "×",
    r"\%": "%",
    r"\sim": "~",
    r"\approx": "≈",
    r"\cdot": "·",
}
_LATEX_RE = re.compile(r"\$|\\(?:leq|le|geq|ge|times|sim|approx|cdot)(?![A-Za-z])\s*|\\%")

# Units that may follow a number after a stray space; the space goes so the
# number and its unit read as one token.
_UNIT_START = "万亿元圆萬億千百%分项件个人户笔条台篇次家宗路架名小天月年日周所套场批份张处座辆册本倍吨米亩公平"

# Spaces (not tabs: tabs separate table cells) to drop, as regex alternatives.
_DROP_SPACE_RE = re.compile(
    r"(?<=\d[,.])[ \u3000]+(?=\d)"  # 24, 028 / 491. 84
    r"|(?<=\d)[ \u3000]+(?=[,.]\d)"  # 491 .84
    r"|(?<=\d)[ \u3000]+(?=[" + _UNIT_START + r"])"  # 285.53 万元
    r"|(?<=[万亿萬億千])[ \u3000]+(?=[元圆])"  # 285.53 万 元
)
_DROP_BREAK_RE = re.compile(
    r"(?<=\d[,.])[ \u3000]*\r?\n[ \u3000]*(?=\d)"  # 285.\n53
    r"|(?<=\d)[ \u3000]*\r?\n[ \u3000]*(?=[,.]\d)"
    # A PDF line wrap between a number and its unit (923\n个, 48\n万笔); not 人/年,
    # which often start the next table row or sentence.
    r"|(?<=\d)[ \u3000]*\r?\n[ \u3000]*(?=万元|亿元|元|%|个百分点|个|项|件|笔|条|户|次|家|台|万[笔件户人条次项个])"
)


# Full-width ASCII (！ … ～) and the ideographic space to half-width, one character for one.
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: ord(" ")}


@dataclass(frozen=True)
class Normalised:
    original: str
    text: str
    # starts[i], ends[i]: the original stretch that working character i came from.
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open working span to the original text."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"working span [{start}, {end}) outside 0..{len(self.text)}")
        return self.starts[start], self.ends[end - 1]

    def to_working(self, original_offset: int) -> int:
        """The first working index whose source starts at or after an original offset."""
        lo, hi = 0, len(self.starts)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.starts[mid] < original_offset:
                lo = mid + 1
            else:
                hi = mid
        return lo


def normalise(original: str) -> Normalised:
    """Build the working copy and its offset map."""
    # Pass 1: character-wise full-width -> half-width and LaTeX, one source stretch per output char.
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for match in _LATEX_RE.finditer(original):
        _append_plain(original, pos, match.start(), chars, starts, ends)
        token = match.group(0).rstrip()
        symbol = _LATEX_MACROS.get(token)
        if symbol is not None:
            chars.append(symbol)
            starts.append(match.start())
            ends.append(match.end())
        pos = match.end()
    _append_plain(original, pos, len(original), chars, starts, ends)

    # Pass 2: drop spaces and breaks inside numbers (found on the half-width text).
    first = "".join(chars)
    drop: set[int] = set()
    for pattern in (_DROP_SPACE_RE, _DROP_BREAK_RE):
        for match in pattern.finditer(first):
            drop.update(range(match.start(), match.end()))
    if drop:
        keep = [i for i in range(len(chars)) if i not in drop]
        chars = [chars[i] for i in keep]
        starts = [starts[i] for i in keep]
        ends = [ends[i] for i in keep]
    return Normalised(original=original, text="".join(chars), starts=tuple(starts), ends=tuple(ends))


def _append_plain(original: str, lo: int, hi: int, chars: list[str], starts: list[int], ends: list[int]) -> None:
    chars.extend(original[lo:hi].translate(_HALFWIDTH))
    starts.extend(range(lo, hi))
    ends.extend(range(lo + 1, hi + 1))
