"""Positioned text pieces -> page text in reading order, table cells kept apart.

Both a PDF text layer (PyMuPDF spans) and an OCR engine (recognised text
lines) hand over pieces of text with a box on the page. ``page_text`` groups
them into lines by their vertical position, orders each line left to right,
and joins neighbours with nothing, a space or a tab depending on the gap
between them:

- gap under ``SPACE_GAP`` em: joined directly (Chinese has no spaces between
  words; an OCR engine splits lines at odd places);
- up to ``TAB_GAP`` em: one space;
- wider: a tab, the gap between two table cells, so ``分值	2.0	得分	1.8``
  keeps its cells in reading order without running ``2.01.8`` together.

The em (character size) is measured on the page itself: the median width per
character of its pieces, a Chinese character counting one and a Latin letter
or digit about half. Box heights would mislead: an OCR engine pads its boxes.

Plain data in, a string out; no PDF or OCR library is imported here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median
from unicodedata import east_asian_width

SPACE_GAP = 0.25
TAB_GAP = 1.0
# A piece belongs to the current line when its vertical centre lies within
# this share of the line's median height from the line's centre.
SAME_LINE = 0.5


@dataclass(frozen=True)
class TextBox:
    """A piece of text and its axis-aligned box on the page (any unit, y down)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1e-6)

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def group_lines(boxes: Iterable[TextBox]) -> list[list[TextBox]]:
    """Boxes grouped into lines (top to bottom), each line left to right."""
    pieces = sorted((b for b in boxes if b.text.strip()), key=lambda b: (b.cy, b.x0))
    lines: list[list[TextBox]] = []
    for box in pieces:
        if lines:
            line = lines[-1]
            centre = sum(b.cy for b in line) / len(line)
            height = median(b.height for b in line)
            if abs(box.cy - centre) <= SAME_LINE * min(height, box.height):
                line.append(box)
                continue
        lines.append([box])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def _ems(text: str) -> float:
    """Width of ``text`` in ems: wide (CJK, full-width) characters 1, spaces 0.3, others 0.55."""
    return sum(1.0 if east_asian_width(ch) in "WF" else 0.3 if ch.isspace() else 0.55 for ch in text)


def em_size(boxes: list[TextBox]) -> float:
    """The page's character size: median box width per em, else the median height."""
    samples = [(b.x1 - b.x0) / _ems(b.text) for b in boxes if _ems(b.text) >= 2]
    if samples:
        return median(samples)
    return median(b.height for b in boxes) if boxes else 1.0


def join_line(line: list[TextBox], em: float | None = None) -> str:
    """One line's text: pieces joined by nothing, a space or a tab (see module doc)."""
    em = em or em_size(line)
    out: list[str] = []
    previous: TextBox | None = None
    for box in line:
        text = box.text.strip()
        if previous is not None:
            gap = box.x0 - previous.x1
            if gap > TAB_GAP * em:
                out.append("\t")
            elif gap > SPACE_GAP * em:
                out.append(" ")
        out.append(text)
        previous = box
    return "".join(out)


def page_text(boxes: Iterable[TextBox]) -> str:
    """The text of one page: lines joined by newlines, cells by tabs."""
    lines = group_lines(boxes)
    em = em_size([b for line in lines for b in line])
    return "\n".join(join_line(line, em) for line in lines)
