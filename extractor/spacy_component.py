"""spaCy integration: the ``report_values`` pipeline component and gold as a DocBin.

After ``pip install -e .`` the component is found through the
``spacy_factories`` entry point, so no import is needed::

    import spacy
    nlp = spacy.blank("zh")              # the character segmenter: offline, no jieba/pkuseg
    nlp.add_pipe("report_values")        # config: {"tagger": "auto"|"rules"|"model", "model": PATH}
    doc = nlp(text)
    for span in doc.spans["values"]:
        print(span.label_, span.text, span._.reading)   # {"value", "unit", "precision", "lower", "upper", "approximate"}
    doc.spans["claims"]; doc._.checks; doc._.fields

The component runs the whole pipeline (tagger, number reader, metric linker,
reconciler) on ``doc.text`` and maps its character offsets to tokens with
``doc.char_span(..., alignment_mode="expand")``; with the character segmenter
every span maps exactly. ``span._.metric`` holds the linked metric phrase,
``span._.confidence`` the tagger's confidence, ``span._.page`` the page.
``doc._.checks`` are the checks as record dicts; their ``spans`` index
``doc.spans["values"]`` (which keeps the record's order) unless a value could
not be mapped to tokens, which ``doc._.unaligned`` lists.

spaCy is an optional dependency (``pip install -e ".[spacy]"``); nothing in the
pipeline imports this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from extractor.types import CLAIM_LABEL

if TYPE_CHECKING:
    from extractor.annotations import GoldDocument
    from extractor.tagger import Tagger

FACTORY = "report_values"
VALUES_KEY = "values"
CLAIMS_KEY = "claims"
READING_KEYS = ("value", "unit", "precision", "lower", "upper", "approximate")


def register_extensions() -> None:
    """Custom attributes used by the component and the gold DocBin (idempotent)."""
    for name in ("reading", "metric", "confidence", "page"):
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)
    for name, default in (("checks", None), ("fields", None), ("unaligned", None)):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)


register_extensions()


class ReportValues:
    """Puts the report's values in ``doc.spans["values"]`` and claims in ``doc.spans["claims"]``."""

    def __init__(self, nlp: Language | None, name: str = FACTORY, *, tagger: str = "auto", model: str | None = None, tagger_object: Tagger | None = None) -> None:
        from extractor.tagger import load_tagger

        self.name = name
        self.tagger = tagger_object or load_tagger(tagger, model)  # loaded once, with the pipeline

    def __call__(self, doc: Doc) -> Doc:
        from extractor.pipeline import extract_text

        result = extract_text(doc.text, source="<spacy>", tagger=self.tagger)
        values, claims, unaligned = [], [], []
        for index, value in enumerate(result.values):
            span = _span(doc, value.start, value.end, value.label)
            if span is None:
                unaligned.append({"kind": "value", "index": index, "start": value.start, "end": value.end, "text": value.text})
                continue
            span._.reading = {key: getattr(value, key) for key in READING_KEYS}
            span._.metric = value.metric
            span._.confidence = value.confidence
            span._.page = value.page
            values.append(span)
        for index, claim in enumerate(result.claims):
            span = _span(doc, claim.start, claim.end, CLAIM_LABEL)
            if span is None:
                unaligned.append({"kind": "claim", "index": index, "start": claim.start, "end": claim.end, "text": claim.text})
                continue
            span._.confidence = claim.confidence
            span._.page = claim.page
            claims.append(span)
        doc.spans[VALUES_KEY] = values
        doc.spans[CLAIMS_KEY] = claims
        doc._.checks = [c.to_dict() for c in result.checks]
        doc._.fields = dict(result.fields)
        doc._.unaligned = unaligned
        return doc


def _span(doc: Doc, start: int, end: int, label: str) -> Span | None:
    """The token span for character offsets: exact when possible, else expanded to whole tokens."""
    span = doc.char_span(start, end, label=label) or doc.char_span(start, end, label=label, alignment_mode="expand")
    return span if span is not None and len(span) else None


@Language.factory(FACTORY, default_config={"tagger": "auto", "model": None})
def make_report_values(nlp: Language, name: str, tagger: str, model: str | None) -> ReportValues:
    """spaCy factory (registered under ``report_values`` by the ``spacy_factories`` entry point)."""
    return ReportValues(nlp, name, tagger=tagger, model=model)


def blank_nlp() -> Language:
    """``spacy.blank("zh")`` with the character segmenter: needs no jieba, pkuseg or download."""
    import spacy

    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})


def gold_to_docbin(documents: Iterable[GoldDocument], *, nlp: Language | None = None) -> tuple[DocBin, list[str]]:
    """The gold as a DocBin: ``doc.spans["values"]`` (with ``span._.reading``),
    ``doc.spans["claims"]``, and the value spans also as ``doc.ents``.

    A gold span whose edges fall inside a token is expanded to whole tokens and
    reported; one that maps to no token at all is reported and left out.
    Returns the DocBin and the problems (one message per span).
    """
    nlp = nlp or blank_nlp()
    docbin = DocBin(store_user_data=True)
    problems: list[str] = []
    for gold in documents:
        doc = nlp.make_doc(gold.text)
        values, claims = [], []
        for span_gold in sorted(gold.spans, key=lambda s: (s.start, s.end)):
            span = doc.char_span(span_gold.start, span_gold.end, label=span_gold.label)
            if span is None:
                span = doc.char_span(span_gold.start, span_gold.end, label=span_gold.label, alignment_mode="expand")
                where = f"{gold.doc_id}: {span_gold.label} [{span_gold.start}, {span_gold.end}) {gold.text[span_gold.start:span_gold.end]!r}"
                if span is None or len(span) == 0:
                    problems.append(f"{where} maps to no token; left out")
                    continue
                problems.append(f"{where} does not align with token edges; expanded to [{span.start_char}, {span.end_char}) {span.text!r}")
            if span_gold.label == CLAIM_LABEL:
                claims.append(span)
            else:
                span._.reading = {"value": span_gold.value, "unit": span_gold.unit, "precision": span_gold.precision}
                values.append(span)
        doc.spans[VALUES_KEY] = values
        doc.spans[CLAIMS_KEY] = claims
        try:
            doc.set_ents(values)
        except ValueError as exc:  # overlapping values (validate would have said so)
            problems.append(f"{gold.doc_id}: value spans overlap, doc.ents left empty ({exc})")
        doc.user_data["doc_id"] = gold.doc_id
        doc.user_data["origin"] = gold.origin
        doc.user_data["checks"] = gold.checks
        docbin.add(doc)
    return docbin, problems


def records_from_docs(docs: Iterable[Doc]) -> list[dict[str, Any]]:
    """Plain dicts of the values in processed docs (for tests and quick looks)."""
    return [
        {"label": span.label_, "start": span.start_char, "end": span.end_char, "text": span.text, **(span._.reading or {})}
        for doc in docs
        for span in doc.spans.get(VALUES_KEY, [])
    ]
