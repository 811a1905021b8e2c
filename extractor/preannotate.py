"""Tagger output as Label Studio predictions, so an annotator corrects instead of starting from zero."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from extractor.annotations import GoldDocument, GoldSpan, gold_to_task
from extractor.batch import TaggerSpec
from extractor.ingest import iter_input_files
from extractor.pipeline import extract_file
from extractor.types import DocumentResult


def result_to_gold(result: DocumentResult, text: str) -> GoldDocument:
    spans = [
        GoldSpan(v.start, v.end, v.label, v.value, v.unit, v.precision, id=f"v{i:04d}", score=v.confidence)
        for i, v in enumerate(result.values)
    ]
    spans += [GoldSpan(c.start, c.end, "CLAIM", id=f"c{i:04d}", score=c.confidence) for i, c in enumerate(result.claims)]
    spans.sort(key=lambda s: (s.start, -s.end, s.label))
    doc_id = Path(result.source).stem
    return GoldDocument(doc_id, text, spans, origin="prediction", group=doc_id, meta={"source": result.source})


def preannotate_files(paths: Iterable[str | os.PathLike[str]], *, tagger: TaggerSpec = TaggerSpec()) -> tuple[list[dict[str, Any]], list[str]]:
    """One task per readable file; unreadable files are reported, not fatal."""
    loaded = tagger.load()
    tasks, errors = [], []
    for path in iter_input_files(paths):
        result = extract_file(path, tagger=loaded, include_text=True)
        if result.errors:
            errors.extend(e.message for e in result.errors)
            continue
        doc = result_to_gold(result, result.text or "")
        tasks.append(gold_to_task(doc, as_predictions=True, model_version=result.tagger or "rules"))
    return tasks, errors
