"""Gold annotations: read, validate, convert (Label Studio, doccano, stand-off).

Two kinds of gold live in ``annotations/``:

- ``seeds/*.json``: one Label Studio task per sample report, text included
  (the samples are the project's own). Each value region is a ``labels``
  result (``from_name`` ``label``) paired, by region id, with a ``textarea``
  result (``from_name`` ``reading``) holding its normalised reading as
  ``value=2855300; unit=元; precision=100``. CLAIM regions are ``labels``
  results with no reading. Gold checks sit in ``data.checks``.
- ``pool/*.json``: stand-off annotations of third-party excerpts from
  ``../shared/corpus/pool.jsonl``: id, source URL, sha256 of the text, spans
  with readings, checks, and no text. The text is joined at load time and the
  hash must match.

Everything reads into ``GoldDocument``; every tool works on that.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from extractor.errors import AnnotationError, Msg
from extractor.types import ALL_LABELS, CLAIM_LABEL, VALUE_LABELS

POOL_FILE = Path("corpus") / "pool.jsonl"
LABEL_CONTROL = "label"
READING_CONTROL = "reading"
TEXT_OBJECT = "text"

# The Label Studio labeling config that opens this corpus (also in the README).
LABEL_STUDIO_CONFIG = """<View>
  <Labels name="label" toName="text">
    <Label value="AMOUNT" background="#f4a261"/>
    <Label value="PERCENT" background="#2a9d8f"/>
    <Label value="SCORE" background="#e9c46a"/>
    <Label value="QUANTITY" background="#8ab17d"/>
    <Label value="CLAIM" background="#b5a7d5"/>
  </Labels>
  <Text name="text" value="$text"/>
  <TextArea name="reading" toName="text" perRegion="true" editable="true" placeholder="value=...; unit=...; precision=..."/>
</View>
"""


@dataclass
class GoldSpan:
    start: int
    end: int
    label: str
    value: float | None = None
    unit: str | None = None
    precision: float | None = None
    id: str | None = None
    score: float | None = None  # a prediction's confidence (pre-annotation), None for gold

    def reading_text(self) -> str:
        return f"value={_fmt(self.value)}; unit={self.unit or ''}; precision={_fmt(self.precision)}"


@dataclass
class GoldDocument:
    doc_id: str
    text: str
    spans: list[GoldSpan]
    origin: str  # "seed" | "pool" | "import"
    group: str  # what a held-out split is grouped by: the report, or the excerpt's source agency
    checks: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    path: str | None = None

    @property
    def values(self) -> list[GoldSpan]:
        return [s for s in self.spans if s.label != CLAIM_LABEL]

    @property
    def claims(self) -> list[GoldSpan]:
        return [s for s in self.spans if s.label == CLAIM_LABEL]


def _fmt(number: float | None) -> str:
    if number is None:
        return ""
    return repr(float(number)) if number != int(number) or abs(number) >= 1e15 else str(int(number))


def parse_reading(text: str) -> tuple[float | None, str | None, float | None]:
    """``value=2855300; unit=元; precision=100`` -> (2855300.0, "元", 100.0)."""
    fields: dict[str, str] = {}
    for part in re.split(r"[;；]", text):
        if "=" in part:
            key, _, raw = part.partition("=")
            fields[key.strip()] = raw.strip()
    value = float(fields["value"]) if fields.get("value") else None
    precision = float(fields["precision"]) if fields.get("precision") else None
    return value, fields.get("unit") or None, precision


def shared_dir() -> Path:
    """Where third-party material lives: $EXTRACTOR_SHARED, else ../shared beside the repo."""
    env = os.environ.get("EXTRACTOR_SHARED")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared"


def load_pool_texts(shared: Path | None = None) -> dict[str, dict[str, Any]]:
    """The pool excerpts by id, or {} when the corpus is absent."""
    path = (shared or shared_dir()) / POOL_FILE
    if not path.exists():
        return {}
    rows = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                rows[row["id"]] = row
    return rows


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- Label Studio


def task_to_gold(task: dict[str, Any], *, where: str, origin: str = "seed") -> GoldDocument:
    """A Label Studio task (annotations preferred over predictions) -> GoldDocument."""
    data = task.get("data") or {}
    text = data.get(TEXT_OBJECT)
    if not isinstance(text, str):
        raise AnnotationError(Msg.E106, where=where, reason="task has no data.text")
    results: list[dict[str, Any]] = []
    annotations = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    if annotations:
        results = annotations[-1].get("result") or []
    elif task.get("predictions"):
        results = task["predictions"][-1].get("result") or []
    readings: dict[str, str] = {}
    for result in results:
        if result.get("type") == "textarea" and result.get("from_name") == READING_CONTROL:
            texts = (result.get("value") or {}).get("text") or [""]
            readings[str(result.get("id"))] = texts[0] if isinstance(texts, list) else str(texts)
    spans = []
    for result in results:
        if result.get("type") != "labels":
            continue
        value = result.get("value") or {}
        labels = value.get("labels") or []
        if len(labels) != 1:
            raise AnnotationError(Msg.E106, where=where, reason=f"region {result.get('id')} has {len(labels)} labels, expected 1")
        span = GoldSpan(int(value["start"]), int(value["end"]), labels[0], id=str(result.get("id")), score=result.get("score"))
        reading = readings.get(str(result.get("id")))
        if reading:
            span.value, span.unit, span.precision = parse_reading(reading)
        spans.append(span)
    spans.sort(key=lambda s: (s.start, -s.end, s.label))
    doc_id = str(data.get("doc_id") or task.get("id") or Path(where).stem)
    return GoldDocument(
        doc_id=doc_id,
        text=text,
        spans=spans,
        origin=origin,
        group=str(data.get("group") or doc_id),
        checks=list(data.get("checks") or []),
        meta={k: v for k, v in data.items() if k not in (TEXT_OBJECT, "checks")},
        path=where,
    )


def gold_to_task(doc: GoldDocument, *, as_predictions: bool = False, model_version: str = "gold") -> dict[str, Any]:
    """GoldDocument -> a Label Studio task (spans as annotations, or as predictions with scores)."""
    results: list[dict[str, Any]] = []
    for index, span in enumerate(doc.spans):
        region_id = span.id or f"r{index:04d}"
        region = {
            "id": region_id,
            "from_name": LABEL_CONTROL,
            "to_name": TEXT_OBJECT,
            "type": "labels",
            "origin": "prediction" if as_predictions else "manual",
            "value": {"start": span.start, "end": span.end, "text": doc.text[span.start : span.end], "labels": [span.label]},
        }
        if as_predictions and span.score is not None:
            region["score"] = span.score
        results.append(region)
        if span.label != CLAIM_LABEL:
            results.append(
                {
                    "id": region_id,
                    "from_name": READING_CONTROL,
                    "to_name": TEXT_OBJECT,
                    "type": "textarea",
                    "value": {"start": span.start, "end": span.end, "text": [span.reading_text()]},
                }
            )
    data = {TEXT_OBJECT: doc.text, "doc_id": doc.doc_id, "group": doc.group, **{k: v for k, v in doc.meta.items() if k != "group"}}
    if doc.checks:
        data["checks"] = doc.checks
    task: dict[str, Any] = {"data": data}
    if as_predictions:
        scores = [s.score for s in doc.spans if s.score is not None]
        task["predictions"] = [{"model_version": model_version, "score": min(scores) if scores else 1.0, "result": results}]
    else:
        task["annotations"] = [{"result": results, "ground_truth": True}]
    return task


# ---------------------------------------------------------------- stand-off pool


def standoff_to_gold(record: dict[str, Any], pool: dict[str, dict[str, Any]], *, where: str, pool_path: str) -> GoldDocument:
    doc_id = record["id"]
    row = pool.get(doc_id)
    if row is None:
        raise AnnotationError(Msg.E104, where=where, doc_id=doc_id, path=pool_path)
    text = row["text"]
    digest = sha256_text(text)
    if digest != record["sha256"]:
        raise AnnotationError(Msg.E105, where=where, doc_id=doc_id, got=digest[:12], expected=str(record["sha256"])[:12])
    spans = [
        GoldSpan(s["start"], s["end"], s["label"], s.get("value"), s.get("unit"), s.get("precision"), id=s.get("id"))
        for s in record.get("spans", [])
    ]
    spans.sort(key=lambda s: (s.start, -s.end, s.label))
    meta = {k: record.get(k) for k in ("source_url", "agency", "province", "year", "kind") if k in record}
    return GoldDocument(
        doc_id=doc_id,
        text=text,
        spans=spans,
        origin="pool",
        group=str(record.get("agency") or row.get("agency") or doc_id),
        checks=list(record.get("checks") or []),
        meta=meta,
        path=where,
    )


def gold_to_standoff(doc: GoldDocument) -> dict[str, Any]:
    """The committed form of a pool annotation: no text, only offsets, labels, readings and the text's hash."""
    return {
        "id": doc.doc_id,
        **{k: doc.meta[k] for k in ("source_url", "agency", "province", "year", "kind") if k in doc.meta},
        "sha256": sha256_text(doc.text),
        "chars": len(doc.text),
        "spans": [
            {k: v for k, v in asdict(s).items() if k != "score" and (v is not None or k in ("value", "unit", "precision"))}
            for s in doc.spans
        ],
        "checks": doc.checks,
    }


# ---------------------------------------------------------------- loading


@dataclass
class LoadResult:
    documents: list[GoldDocument]
    skipped: list[str]  # messages for pool files whose text is absent


def load_gold(directory: str | os.PathLike[str], *, shared: Path | None = None, strict: bool = False) -> LoadResult:
    """Read every annotation under ``directory``.

    Seed tasks carry their text. Pool records are joined to
    ``shared/corpus/pool.jsonl``; when the corpus is absent they are skipped
    with a message (``strict`` raises instead). A changed text always raises.
    """
    root = Path(directory)
    if not root.exists():
        raise AnnotationError(Msg.E106, where=str(root), reason="no such directory")
    pool_path = (shared or shared_dir()) / POOL_FILE
    pool: dict[str, dict[str, Any]] | None = None
    documents, skipped = [], []
    for path in sorted(root.rglob("*.json")):
        where = str(path)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise AnnotationError(Msg.E106, where=where, reason=str(exc)) from exc
        if isinstance(payload, dict) and "sha256" in payload and "data" not in payload:
            if pool is None:
                pool = load_pool_texts(shared)
            if not pool:
                message = Msg.E104.format(where=where, doc_id=payload.get("id"), path=pool_path)
                if strict:
                    raise AnnotationError(Msg.E104, where=where, doc_id=payload.get("id"), path=pool_path)
                skipped.append(message)
                continue
            documents.append(standoff_to_gold(payload, pool, where=where, pool_path=str(pool_path)))
        elif isinstance(payload, dict) and "data" in payload:
            documents.append(task_to_gold(payload, where=where))
        elif isinstance(payload, list):
            for index, task in enumerate(payload):
                documents.append(task_to_gold(task, where=f"{where}#{index}", origin="import"))
    return LoadResult(documents, skipped)


# ---------------------------------------------------------------- validation


def validate_document(doc: GoldDocument) -> list[str]:
    """Problems with one document, each a coded message with file and offset."""
    from extractor import numbers

    where = doc.path or doc.doc_id
    problems = []
    for span in doc.spans:
        if span.label not in ALL_LABELS:
            problems.append(Msg.E102.format(where=where, label=span.label, known=", ".join(ALL_LABELS)))
            continue
        if not 0 <= span.start < span.end <= len(doc.text):
            problems.append(Msg.E101.format(where=where, start=span.start, end=span.end, problem=f"is outside the text (0..{len(doc.text)}) or empty"))
            continue
        surface = doc.text[span.start : span.end]
        if surface != surface.strip():
            problems.append(Msg.E101.format(where=where, start=span.start, end=span.end, problem=f"{surface!r} has whitespace at an edge"))
        if span.label in VALUE_LABELS:
            if span.value is None:
                problems.append(Msg.E107.format(where=where, start=span.start, end=span.end, text=surface, label=span.label, reason="no value recorded"))
            elif not _reads_as_number(surface, span.label):
                problems.append(Msg.E107.format(where=where, start=span.start, end=span.end, text=surface, label=span.label, reason="no number in the span"))
    values = sorted(doc.values, key=lambda s: (s.start, s.end))
    for a, b in zip(values, values[1:]):
        if b.start < a.end:
            problems.append(Msg.E103.format(where=where, a_start=a.start, a_end=a.end, a_label=a.label, b_start=b.start, b_end=b.end, b_label=b.label))
    return problems


def _reads_as_number(surface: str, label: str) -> bool:
    """The span holds a number the reader understands, with its own unit or as a bare cell."""
    from extractor import numbers

    if numbers.read_value(surface, label) is not None:
        return True
    return numbers.read_value(surface, label, context_unit="%" if label == "PERCENT" else None) is not None or (
        numbers.parse_number(re.sub(r"[^\d.,０-９．，一二三四五六七八九十百千万亿两零〇壹贰叁肆伍陆柒捌玖拾佰仟萬億]", "", surface)) is not None
    )


def validate_directory(directory: str | os.PathLike[str], *, shared: Path | None = None) -> tuple[LoadResult, list[str]]:
    loaded = load_gold(directory, shared=shared)
    problems = [p for doc in loaded.documents for p in validate_document(doc)]
    return loaded, problems


# ---------------------------------------------------------------- stats


def stats(documents: Iterable[GoldDocument]) -> dict[str, Any]:
    docs = list(documents)
    per_label: Counter[str] = Counter()
    per_origin: Counter[str] = Counter()
    bare = 0
    for doc in docs:
        per_origin[doc.origin] += 1
        for span in doc.spans:
            per_label[span.label] += 1
            if span.label != CLAIM_LABEL and is_bare_cell(doc.text[span.start : span.end]):
                bare += 1
    return {
        "documents": len(docs),
        "by_origin": dict(per_origin),
        "characters": sum(len(d.text) for d in docs),
        "spans": dict(sorted(per_label.items())),
        "bare_cells": bare,
        "checks": sum(len(d.checks) for d in docs),
        "groups": len({d.group for d in docs}),
    }


_BARE = re.compile(r"[\s\d.,，．０-９%％-]*")


def is_bare_cell(surface: str) -> bool:
    """A figure with no unit of its own (its label comes from a column or row header)."""
    return bool(_BARE.fullmatch(surface)) and "%" not in surface and "％" not in surface


# ---------------------------------------------------------------- doccano


def gold_to_doccano(doc: GoldDocument) -> dict[str, Any]:
    """doccano sequence-labelling JSONL line: {"text", "label": [[start, end, label]], ...}."""
    return {
        "id": doc.doc_id,
        "text": doc.text,
        "label": [[s.start, s.end, s.label] for s in doc.spans],
        "readings": {f"{s.start}:{s.end}": s.reading_text() for s in doc.spans if s.label != CLAIM_LABEL},
        "checks": doc.checks,
    }


def doccano_to_gold(row: dict[str, Any], *, where: str) -> GoldDocument:
    text = row.get("text")
    if not isinstance(text, str):
        raise AnnotationError(Msg.E106, where=where, reason="doccano line has no text")
    readings = row.get("readings") or {}
    spans = []
    for item in row.get("label") or row.get("entities") or []:
        if isinstance(item, dict):  # doccano's entity form
            start, end, label = item["start_offset"], item["end_offset"], item["label"]
        else:
            start, end, label = item
        span = GoldSpan(int(start), int(end), str(label))
        reading = readings.get(f"{start}:{end}")
        if reading:
            span.value, span.unit, span.precision = parse_reading(reading)
        spans.append(span)
    spans.sort(key=lambda s: (s.start, -s.end, s.label))
    doc_id = str(row.get("id") or where)
    return GoldDocument(doc_id, text, spans, origin="import", group=doc_id, checks=list(row.get("checks") or []), path=where)


def read_import_file(path: str | os.PathLike[str]) -> list[GoldDocument]:
    """A Label Studio JSON export (list of tasks) or a doccano JSONL file."""
    path = Path(path)
    where = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AnnotationError(Msg.E106, where=where, reason=str(exc)) from exc
    stripped = raw.lstrip()
    if stripped.startswith("["):
        return [task_to_gold(t, where=f"{where}#{i}", origin="import") for i, t in enumerate(json.loads(raw))]
    if stripped.startswith("{") and path.suffix == ".json":
        return [task_to_gold(json.loads(raw), where=where, origin="import")]
    docs = []
    for number, line in enumerate(raw.splitlines(), 1):
        if line.strip():
            try:
                docs.append(doccano_to_gold(json.loads(line), where=f"{where}:{number}"))
            except json.JSONDecodeError as exc:
                raise AnnotationError(Msg.E106, where=f"{where}:{number}", reason=str(exc)) from exc
    return docs


def fill_readings(doc: GoldDocument) -> GoldDocument:
    """Give value spans without a reading the number reader's one (after an import)."""
    from extractor import numbers

    for span in doc.values:
        if span.value is None:
            reading = numbers.read_value(doc.text[span.start : span.end], span.label)
            if reading is not None:
                span.value, span.unit, span.precision = reading.value, reading.unit, reading.precision
    return doc
