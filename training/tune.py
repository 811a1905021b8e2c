"""Choose the decoding thresholds on held-out predictions.

The dev documents are each tagged by a model that did not train on them (in
training/results.py: the pool's dev split by the pool-split model). The
networks run once per document; each candidate
setting only re-decodes. Per value label, the two thresholds for adding a
value the rules lack (one for figures with their own unit and bare numbers
in prose, one for bare table cells) are searched together; a threshold above 1 adds nothing, so on the
dev documents the combination is never below the rules for any label. The
claim threshold is searched on its own. Among equal scores the setting
nearest the config's starting values wins: where the dev data cannot tell,
the prior stands.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import product
from typing import Any

from extractor.annotations import GoldDocument
from extractor.normalise import normalise
from extractor.tagger.model import DecodeSettings, ModelTagger, Prediction
from extractor.tagger.rules import RuleTagger
from extractor.types import CLAIM_LABEL, VALUE_LABELS

ADD_GRID = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.01)
CLAIM_GRID = tuple(round(0.1 + 0.05 * i, 2) for i in range(13))  # 0.1 … 0.7


def _f1(gold: set, predicted: set) -> float:
    tp = len(gold & predicted)
    return 2 * tp / (len(gold) + len(predicted)) if gold or predicted else 1.0


def _spans(predictions: list[tuple[GoldDocument, ModelTagger, Prediction]], settings: DecodeSettings, label: str) -> set:
    return {(doc.doc_id, s.start, s.end) for doc, tagger, prediction in predictions for s in tagger.decode(prediction, settings) if s.label == label}


def _best(candidates: list[tuple[float, tuple[float, ...]]], prior: tuple[float, ...]) -> tuple[float, tuple[float, ...]]:
    """The highest F1; among equals, the candidate nearest the prior."""
    top = max(f1 for f1, _ in candidates)
    tied = [c for c in candidates if c[0] >= top - 1e-9]
    return min(tied, key=lambda c: sum(abs(a - b) for a, b in zip(c[1], prior)))


def tune_decoding(dev: list[tuple[ModelTagger, list[GoldDocument]]], prior: DecodeSettings, log=print) -> tuple[DecodeSettings, dict[str, Any]]:
    """The rules-first settings that score best on the dev documents (each pair: a model and
    documents it did not train on), and a report per label (dev F1 of the chosen setting and
    of the rules alone)."""
    predictions = [(doc, tagger, tagger.predict(normalise(doc.text))) for tagger, docs in dev for doc in docs]
    documents = [doc for doc, _, _ in predictions]
    gold = {label: {(doc.doc_id, s.start, s.end) for doc in documents for s in doc.spans if s.label == label} for label in (*VALUE_LABELS, CLAIM_LABEL)}
    rules = RuleTagger()
    rule_spans = {label: {(doc.doc_id, s.start, s.end) for doc in documents for s in rules.tag(doc.text) if s.label == label} for label in VALUE_LABELS}
    never = {label: (1.01, 1.01) for label in VALUE_LABELS}
    base = replace(prior, combine="rules-first", min_added=dict(never), claim_decoding="clause")
    chosen = dict(never)
    report: dict[str, Any] = {}
    for label in VALUE_LABELS:
        candidates = []
        for pair in product(ADD_GRID, ADD_GRID):
            candidates.append((_f1(gold[label], _spans(predictions, replace(base, min_added={**never, label: pair}), label)), pair))
        f1, pair = _best(candidates, prior.min_added.get(label, (0.5, 0.5)))
        chosen[label] = pair
        report[label] = {"dev_f1": round(f1, 4), "rules_dev_f1": round(_f1(gold[label], rule_spans[label]), 4), "min_added": list(pair), "support": len(gold[label])}
    claim_candidates = [(_f1(gold[CLAIM_LABEL], _spans(predictions, replace(base, claim_threshold=t), CLAIM_LABEL)), (t,)) for t in CLAIM_GRID]
    f1, (threshold,) = _best(claim_candidates, (prior.claim_threshold,))
    report[CLAIM_LABEL] = {"dev_f1": round(f1, 4), "claim_threshold": threshold, "support": len(gold[CLAIM_LABEL])}
    tuned = replace(base, min_added=chosen, claim_threshold=threshold)
    for label, row in report.items():
        log(f"dev {label}: F1 {row['dev_f1']:.3f}" + (f" (rules {row['rules_dev_f1']:.3f}), add at {row['min_added']}" if label != CLAIM_LABEL else f" at threshold {row['claim_threshold']}"))
    return tuned, report
