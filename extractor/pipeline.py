"""One document's way through: normalise -> tag -> read -> link -> reconcile.

Plain functions; no I/O besides ``extract_file`` reading its one file. The
batch runner, CLI and HTTP API all call these.
"""

from __future__ import annotations

import os
from bisect import bisect_left

from extractor import link, numbers, reconcile
from extractor.errors import ExtractorError, InputError, Msg
from extractor.ingest import document_from_text, read_document
from extractor.normalise import normalise
from extractor.tagger import Tagger, load_tagger
from extractor.tagger.rules import qualifier_before
from extractor.types import CLAIM_LABEL, Claim, Document, DocumentResult, ErrorEntry, Span, TaggedSpan

_default_tagger: Tagger | None = None


def default_tagger() -> Tagger:
    global _default_tagger  # one tagger per process: a model is loaded once
    if _default_tagger is None:
        _default_tagger = load_tagger("auto")
    return _default_tagger


def extract_document(document: Document, tagger: Tagger | None = None, *, include_text: bool = False) -> DocumentResult:
    tagger = tagger or default_tagger()
    text = document.text
    work = normalise(text)
    tagged = tagger.tag(text, work)
    values = [_read(document, span) for span in tagged if span.label != CLAIM_LABEL]
    values.sort(key=lambda v: v.start)
    link.attach_metrics(text, values)
    value_starts = [v.start for v in values]
    claims = [_claim(document, span, values, value_starts) for span in tagged if span.label == CLAIM_LABEL]
    claims.sort(key=lambda c: c.start)
    checks, fields = reconcile.reconcile(text, values)
    return DocumentResult(
        source=document.source,
        sha256=document.sha256,
        chars=len(text),
        values=values,
        claims=claims,
        checks=checks,
        fields=fields,
        errors=list(document.errors),  # pages of a PDF or scan that could not be read
        pages=len(document.pages) or None,
        tagger=tagger.name,
        text=text if include_text else None,
    )


def _read(document: Document, span: TaggedSpan) -> Span:
    surface = document.text[span.start : span.end]
    qualifier = qualifier_before(document.text, span.start)
    reading = numbers.read_value(surface, span.label, context_unit=span.context_unit, qualifier=qualifier)
    value = Span(
        start=span.start,
        end=span.end,
        label=span.label,
        text=surface,
        confidence=round(span.confidence, 4),
        page=document.page_of(span.start),
    )
    if reading is not None:
        value.value = reading.value
        value.unit = reading.unit
        value.precision = reading.precision
        value.lower = reading.lower
        value.upper = reading.upper
        value.approximate = reading.approximate
    return value


def _claim(document: Document, span: TaggedSpan, values: list[Span], value_starts: list[int]) -> Claim:
    """The claim, with the indices of the values inside it (``values`` sorted by start)."""
    first, last = bisect_left(value_starts, span.start), bisect_left(value_starts, span.end)
    inside = [i for i in range(first, last) if values[i].end <= span.end]
    return Claim(
        start=span.start,
        end=span.end,
        text=document.text[span.start : span.end],
        confidence=round(span.confidence, 4),
        page=document.page_of(span.start),
        values=inside,
    )


def extract_text(text: str, *, source: str = "<text>", tagger: Tagger | None = None, include_text: bool = False) -> DocumentResult:
    """Extract values, claims and checks from report text given directly."""
    return extract_document(document_from_text(text, source), tagger, include_text=include_text)


def extract_file(path: str | os.PathLike[str], *, tagger: Tagger | None = None, include_text: bool = False) -> DocumentResult:
    """Extract from one file; a bad file gives a record with ``errors``, never an exception."""
    source = str(path)
    try:
        document = read_document(path)
    except InputError as exc:
        return DocumentResult(source=source, sha256=_sha256_or_empty(path), chars=0, errors=[ErrorEntry(exc.code, exc.message, source)])
    try:
        return extract_document(document, tagger, include_text=include_text)
    except ExtractorError as exc:
        return DocumentResult(source=source, sha256=document.sha256, chars=len(document.text), errors=[ErrorEntry(exc.code, exc.message, source)])
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop a batch
        message = Msg.E007.format(path=source, reason=f"{type(exc).__name__}: {exc}")
        return DocumentResult(source=source, sha256=document.sha256, chars=len(document.text), errors=[ErrorEntry("E007", message, source)])


def _sha256_or_empty(path: str | os.PathLike[str]) -> str:
    from extractor.ingest import sha256_bytes

    try:
        with open(path, "rb") as handle:
            return sha256_bytes(handle.read())
    except OSError:
        return ""
