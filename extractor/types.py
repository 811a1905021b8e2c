"""Plain data at the stage boundaries.

Offsets are half-open character offsets ``[start, end)`` into ``Document.text``,
the text exactly as read. No torch, no I/O here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

VALUE_LABELS: tuple[str, ...] = ("AMOUNT", "PERCENT", "SCORE", "QUANTITY")
CLAIM_LABEL = "CLAIM"
ALL_LABELS: tuple[str, ...] = VALUE_LABELS + (CLAIM_LABEL,)

ValueLabel = Literal["AMOUNT", "PERCENT", "SCORE", "QUANTITY"]


@dataclass(frozen=True)
class Page:
    """One page of a document: ``Document.text[start:end]``; number is 1-based."""

    number: int
    start: int
    end: int


@dataclass
class Document:
    source: str
    text: str
    sha256: str
    pages: list[Page] = field(default_factory=list)
    # Pages that could not be read or recognised (the others are in ``text``).
    errors: list[ErrorEntry] = field(default_factory=list)

    def page_of(self, offset: int) -> int | None:
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return None


@dataclass(frozen=True)
class TaggedSpan:
    """What a tagger hands on: a labelled stretch of the original text."""

    start: int
    end: int
    label: str
    confidence: float = 1.0
    # A unit the tagger inferred from context (a table header such as 金额（万元）)
    # for a bare number; None when the span text carries its own unit.
    context_unit: str | None = None


@dataclass(frozen=True)
class Reading:
    """The normalised reading of a value span.

    ``value`` is in the base unit (元, fraction, points, count); ``precision`` is
    the stated resolution in that unit (285.53 万元 -> 100.0). ``lower``/``upper``
    bound the true figure: the rounding interval, widened for approximations
    (约, 近, 余, 多, 超, 逾).
    """

    value: float
    unit: str | None
    precision: float
    lower: float
    upper: float
    approximate: str | None = None  # the qualifier word, e.g. "约", "余"


@dataclass
class Span:
    start: int
    end: int
    label: str
    text: str
    value: float | None = None
    unit: str | None = None
    precision: float | None = None
    lower: float | None = None
    upper: float | None = None
    approximate: str | None = None
    metric: str | None = None
    confidence: float = 1.0
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Claim:
    start: int
    end: int
    text: str
    confidence: float = 1.0
    page: int | None = None
    values: list[int] = field(default_factory=list)  # indices into DocumentResult.values

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Check:
    kind: str  # sum | rate | change | score_total | count_total | list_count | product | inequality
    status: str  # pass | fail | undetermined
    stated: float | None
    computed: float | None
    difference: float | None
    tolerance: float | None
    description: str
    spans: list[int] = field(default_factory=list)
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ErrorEntry:
    code: str
    message: str
    source: str
    page: int | None = None
    offset: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DocumentResult:
    source: str
    sha256: str
    chars: int
    values: list[Span] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    errors: list[ErrorEntry] = field(default_factory=list)
    pages: int | None = None
    tagger: str | None = None
    text: str | None = None  # only with include_text

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "source": self.source,
            "sha256": self.sha256,
            "chars": self.chars,
            "pages": self.pages,
            "tagger": self.tagger,
            "values": [v.to_dict() for v in self.values],
            "claims": [c.to_dict() for c in self.claims],
            "checks": [c.to_dict() for c in self.checks],
            "fields": dict(self.fields),
            "errors": [e.to_dict() for e in self.errors],
        }
        if self.text is not None:
            record["text"] = self.text
        return record
