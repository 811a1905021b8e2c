"""Characters to ids, spans to tags and back, windows over long texts.

Shared by the model tagger and training; no torch here. The tag scheme is
IOB2 over characters of the normalised working text, in two layers: values
(AMOUNT, PERCENT, SCORE, QUANTITY) and claims (CLAIM), because claims contain
values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from extractor.types import CLAIM_LABEL, VALUE_LABELS


def iob2_tags(labels: Sequence[str]) -> list[str]:
    return ["O"] + [f"{prefix}-{label}" for label in labels for prefix in ("B", "I")]


VALUE_TAGS: list[str] = iob2_tags(VALUE_LABELS)
CLAIM_TAGS: list[str] = iob2_tags([CLAIM_LABEL])

PAD, UNK = "<pad>", "<unk>"
# Written as names in vocab.txt so the file stays one character per line.
_ESCAPES = {"\n": "<nl>", "\t": "<tab>", " ": "<sp>", "\r": "<cr>", "\u3000": "<ideosp>"}
_UNESCAPES = {v: k for k, v in _ESCAPES.items()}


@dataclass
class CharVocab:
    chars: list[str]  # index -> character; 0 is padding, 1 unknown

    def __post_init__(self) -> None:
        self.index = {ch: i for i, ch in enumerate(self.chars)}

    @classmethod
    def build(cls, texts: Iterable[str], min_count: int = 1) -> CharVocab:
        counts: dict[str, int] = {}
        for text in texts:
            for ch in text:
                counts[ch] = counts.get(ch, 0) + 1
        kept = sorted(ch for ch, n in counts.items() if n >= min_count and ch not in (PAD, UNK))
        return cls([PAD, UNK, *kept])

    def encode(self, text: str) -> list[int]:
        get = self.index.get
        return [get(ch, 1) for ch in text]

    def __len__(self) -> int:
        return len(self.chars)

    def save(self, path: Path) -> None:
        path.write_text("\n".join(_ESCAPES.get(ch, ch) for ch in self.chars) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> CharVocab:
        lines = path.read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return cls([_UNESCAPES.get(line, line) for line in lines])


def spans_to_tags(length: int, spans: Iterable[tuple[int, int, str]], tagset: Sequence[str]) -> list[int]:
    """Half-open spans -> tag ids over ``length`` characters (later spans do not overwrite earlier ones)."""
    index = {tag: i for i, tag in enumerate(tagset)}
    tags = [0] * length
    for start, end, label in sorted(spans):
        if start >= end or end > length or any(tags[start:end]):
            continue
        tags[start] = index[f"B-{label}"]
        for i in range(start + 1, end):
            tags[i] = index[f"I-{label}"]
    return tags


def tags_to_spans(
    tag_ids: Sequence[int], tagset: Sequence[str], probs: Sequence[float] | None = None, *, relabel_inside: bool = False
) -> list[tuple[int, int, str, float]]:
    """Tag ids -> (start, end, label, mean probability). An I- without its B- starts a span.
    With ``relabel_inside`` an I- of another label continues the open span (only B- or O
    ends it) and the span takes the label with the most probability over its characters.
    ``tagset[0]`` is "O"; only the other positions are visited (most characters are O)."""
    import numpy as np

    spans: list[tuple[int, int, str, float]] = []
    start, label, previous = -1, "", -2
    mass: dict[str, float] = {}

    def close(end: int) -> None:
        if start >= 0:
            conf = sum(probs[start:end]) / (end - start) if probs is not None else 1.0
            spans.append((start, end, max(mass, key=mass.__getitem__) if relabel_inside else label, float(conf)))

    for i in np.flatnonzero(np.asarray(tag_ids)).tolist():
        if i != previous + 1:  # an O in between ends the open span
            close(previous + 1)
            start = -1
        prefix, _, tag_label = tagset[tag_ids[i]].partition("-")
        if prefix == "B" or start < 0 or (tag_label != label and not relabel_inside):
            close(i)
            start, label, mass = i, tag_label, {}
        mass[tag_label] = mass.get(tag_label, 0.0) + (probs[i] if probs is not None else 1.0)
        previous = i
    close(previous + 1)
    return spans


def windows(length: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """Overlapping ``[start, end)`` windows covering ``0..length``."""
    if length <= size:
        return [(0, length)]
    step = size - 2 * overlap
    if step <= 0:
        raise ValueError(f"window size {size} must exceed twice the overlap {overlap}")
    result = []
    start = 0
    while True:
        end = min(start + size, length)
        result.append((start, end))
        if end == length:
            return result
        start += step


def owner_ranges(spans: list[tuple[int, int]], overlap: int) -> list[tuple[int, int]]:
    """For each window, the stretch whose predictions it keeps: its centre, away from its edges.

    Consecutive stretches tile ``0..length`` exactly, so a merged prediction
    neither loses nor duplicates a position.
    """
    owned = []
    for i, (start, end) in enumerate(spans):
        lo = start if i == 0 else start + overlap
        hi = end if i == len(spans) - 1 else end - overlap
        owned.append((lo, hi))
    return owned
