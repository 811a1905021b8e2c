"""Score a tagger against gold: seqeval (strict IOB2) per label, value accuracy, bare cells.

    extractor evaluate --model models/NAME annotations/      (or --tagger rules)

Sequences are over the characters of the original text, one per document and
layer, so seqeval's strict entity match is exact span match.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from extractor import numbers
from extractor.annotations import GoldDocument, is_bare_cell
from extractor.tagger import Tagger
from extractor.types import CLAIM_LABEL, VALUE_LABELS


def _bio(length: int, spans: Iterable[tuple[int, int, str]]) -> list[str]:
    tags = ["O"] * length
    for start, end, label in sorted(spans):
        if start >= end or any(t != "O" for t in tags[start:end]):
            continue
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
    return tags


def evaluate_documents(tagger: Tagger, documents: list[GoldDocument]) -> dict[str, Any]:
    """Per-label precision/recall/F1, exact-value accuracy of matched values, bare-cell recall."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    gold_seqs: list[list[str]] = []
    pred_seqs: list[list[str]] = []
    matched_values = correct_values = 0
    bare_total = bare_found = 0
    value_tp = value_pred = value_gold = 0
    for doc in documents:
        predicted = tagger.tag(doc.text)
        pred_values = [(s.start, s.end, s.label) for s in predicted if s.label != CLAIM_LABEL]
        pred_claims = [(s.start, s.end, s.label) for s in predicted if s.label == CLAIM_LABEL]
        gold_values = [(s.start, s.end, s.label) for s in doc.values]
        gold_claims = [(s.start, s.end, s.label) for s in doc.claims]
        for gold, pred in ((gold_values, pred_values), (gold_claims, pred_claims)):
            gold_seqs.append(_bio(len(doc.text), gold))
            pred_seqs.append(_bio(len(doc.text), pred))
        value_tp += len(set(gold_values) & set(pred_values))
        value_pred += len(set(pred_values))
        value_gold += len(set(gold_values))
        by_position = {(s.start, s.end, s.label): s for s in predicted}
        for span in doc.values:
            hit = by_position.get((span.start, span.end, span.label))
            surface = doc.text[span.start : span.end]
            if is_bare_cell(surface):
                bare_total += 1
                bare_found += hit is not None
            if hit is None or span.value is None:
                continue
            matched_values += 1
            reading = numbers.read_value(surface, span.label, context_unit=hit.context_unit)
            if reading is not None and math.isclose(reading.value, span.value, rel_tol=1e-6, abs_tol=1e-9):
                correct_values += 1
    report = classification_report(gold_seqs, pred_seqs, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    labels = {}
    for label in (*VALUE_LABELS, CLAIM_LABEL):
        row = report.get(label, {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0})
        labels[label] = {"precision": row["precision"], "recall": row["recall"], "f1": row["f1-score"], "support": int(row["support"])}
    micro_values = _prf(value_tp, value_pred, value_gold)
    return {
        "documents": len(documents),
        "labels": labels,
        "values_micro": micro_values,
        "value_accuracy": correct_values / matched_values if matched_values else None,
        "matched_values": matched_values,
        "bare_cells": {"support": bare_total, "recall": bare_found / bare_total if bare_total else None},
    }


def _prf(tp: int, predicted: int, support: int) -> dict[str, float]:
    precision = tp / predicted if predicted else 0.0
    recall = tp / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": support}


def format_scores(scores: dict[str, Any]) -> str:
    lines = [f"{'label':<10} {'P':>6} {'R':>6} {'F1':>6} {'support':>8}"]
    for label, row in scores["labels"].items():
        lines.append(f"{label:<10} {row['precision']:6.3f} {row['recall']:6.3f} {row['f1']:6.3f} {row['support']:8d}")
    micro = scores["values_micro"]
    lines.append(f"{'values':<10} {micro['precision']:6.3f} {micro['recall']:6.3f} {micro['f1']:6.3f} {micro['support']:8d}")
    accuracy = scores["value_accuracy"]
    lines.append(f"exact-value accuracy of matched values: {accuracy:.3f} ({scores['matched_values']})" if accuracy is not None else "no matched values")
    bare = scores["bare_cells"]
    if bare["recall"] is not None:
        lines.append(f"bare table cells: recall {bare['recall']:.3f} of {bare['support']}")
    return "\n".join(lines)
