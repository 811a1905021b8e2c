from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from extractor.annotations import (
    GoldDocument,
    GoldSpan,
    gold_to_standoff,
    gold_to_task,
    load_gold,
    parse_reading,
    read_import_file,
    sha256_text,
    task_to_gold,
    validate_document,
)
from extractor.cli import app
from extractor.errors import AnnotationError

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()

# Label Studio's documented import format for a task with predictions
# (labelstud.io/guide/tasks and /guide/predictions): data, and predictions
# whose results are regions with from_name/to_name/type/value.
LABEL_STUDIO_TASK = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
        "predictions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["result"],
                "properties": {
                    "model_version": {"type": "string"},
                    "score": {"type": "number"},
                    "result": {"type": "array", "items": {"$ref": "#/$defs/region"}},
                },
            },
        },
        "annotations": {"type": "array", "items": {"type": "object", "required": ["result"], "properties": {"result": {"type": "array", "items": {"$ref": "#/$defs/region"}}}}},
    },
    "$defs": {
        "region": {
            "type": "object",
            "required": ["id", "from_name", "to_name", "type", "value"],
            "properties": {
                "id": {"type": "string"},
                "from_name": {"enum": ["label", "reading"]},
                "to_name": {"const": "text"},
                "type": {"enum": ["labels", "textarea"]},
                "score": {"type": "number", "minimum": 0, "maximum": 1},
                "value": {
                    "type": "object",
                    "required": ["start", "end"],
                    "properties": {
                        "start": {"type": "integer"},
                        "end": {"type": "integer"},
                        "text": {},
                        "labels": {"type": "array", "items": {"enum": ["AMOUNT", "PERCENT", "SCORE", "QUANTITY", "CLAIM"]}, "minItems": 1},
                    },
                },
            },
        }
    },
}

TEXT = "2024 年度总支出决算数 285.53 万元，其中基本支出 231.11 万元。资金已全部拨付到位。"


def small_doc() -> GoldDocument:
    a = TEXT.index("285.53 万元")
    b = TEXT.index("231.11 万元")
    c = TEXT.index("资金已全部拨付到位")
    return GoldDocument(
        "small",
        TEXT,
        [
            GoldSpan(a, a + 9, "AMOUNT", 2855300.0, "元", 100.0, id="v0001"),
            GoldSpan(b, b + 9, "AMOUNT", 2311100.0, "元", 100.0, id="v0002"),
            GoldSpan(c, c + 9, "CLAIM", id="c0001"),
        ],
        origin="seed",
        group="small",
        checks=[{"kind": "sum", "stated": "v0001", "inputs": ["v0002"], "consistent": False}],
    )


def spans_of(doc: GoldDocument):
    return [(s.start, s.end, s.label, s.value, s.unit, s.precision) for s in doc.spans]


def test_annotations_label_studio_round_trip_keeps_spans(tmp_path):
    doc = small_doc()
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps([gold_to_task(doc)], ensure_ascii=False), encoding="utf-8")
    (again,) = read_import_file(exported)
    assert spans_of(again) == spans_of(doc)
    assert again.checks == doc.checks


def test_annotations_cli_export_import_round_trip_on_the_seed_gold(tmp_path):
    exported = tmp_path / "ls.json"
    result = runner.invoke(app, ["annotations", "export", str(REPO / "annotations" / "seeds"), "--out", str(exported)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["annotations", "import", str(exported), "--out", str(tmp_path / "imported")])
    assert result.exit_code == 0, result.output
    original = {d.doc_id: spans_of(d) for d in load_gold(REPO / "annotations" / "seeds").documents}
    imported = {d.doc_id: spans_of(d) for d in load_gold(tmp_path / "imported").documents}
    assert original and imported == original


def test_annotations_doccano_round_trip(tmp_path):
    exported = tmp_path / "d.jsonl"
    from extractor.annotations import gold_to_doccano

    exported.write_text(json.dumps(gold_to_doccano(small_doc()), ensure_ascii=False) + "\n", encoding="utf-8")
    (again,) = read_import_file(exported)
    assert spans_of(again) == spans_of(small_doc())


def test_annotations_preannotate_gives_label_studio_tasks(sample_paths, tmp_path):
    out = tmp_path / "tasks.json"
    result = runner.invoke(app, ["preannotate", str(sample_paths["001"]), "--out", str(out), "--tagger", "rules"])
    assert result.exit_code == 0, result.output
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert len(tasks) == 1
    jsonschema.validate(tasks[0], LABEL_STUDIO_TASK)
    text = tasks[0]["data"]["text"]
    regions = [r for r in tasks[0]["predictions"][0]["result"] if r["type"] == "labels"]
    assert regions and all(text[r["value"]["start"] : r["value"]["end"]] == r["value"]["text"] for r in regions)
    assert all(0 <= r["score"] <= 1 for r in regions)
    # Predictions read back as a document an annotator can correct.
    doc = task_to_gold(tasks[0], where="tasks.json")
    assert len(doc.spans) == len(regions) and validate_document(doc) == []


def test_annotations_validate_reports_problems_with_place():
    doc = small_doc()
    doc.path = "x.json"
    doc.spans.append(GoldSpan(0, 4, "YEAR"))
    doc.spans.append(GoldSpan(doc.spans[0].start + 1, doc.spans[0].end + 1, "AMOUNT", 1.0))
    doc.spans.append(GoldSpan(4, 6, "AMOUNT", 1.0))  # " 年": whitespace edge, no number
    problems = "\n".join(validate_document(doc))
    assert "[E102] x.json" in problems and "'YEAR'" in problems
    assert "[E103]" in problems
    assert "whitespace" in problems and "[E107]" in problems


def test_annotations_pool_needs_its_text(tmp_path):
    folder = tmp_path / "ann"
    folder.mkdir()
    record = gold_to_standoff(GoldDocument("p999", TEXT, [], origin="pool", group="x"))
    (folder / "p999.json").write_text(json.dumps(record), encoding="utf-8")
    shared = tmp_path / "shared"
    loaded = load_gold(folder, shared=shared)  # corpus absent: skipped with a message
    assert loaded.documents == [] and "E104" in loaded.skipped[0]
    with pytest.raises(AnnotationError, match="E104"):
        load_gold(folder, shared=shared, strict=True)
    (shared / "corpus").mkdir(parents=True)
    (shared / "corpus" / "pool.jsonl").write_text(json.dumps({"id": "p999", "text": TEXT + "改"}, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(AnnotationError, match="E105"):
        load_gold(folder, shared=shared)
    (shared / "corpus" / "pool.jsonl").write_text(json.dumps({"id": "p999", "text": TEXT}, ensure_ascii=False) + "\n", encoding="utf-8")
    (doc,) = load_gold(folder, shared=shared).documents
    assert doc.text == TEXT and sha256_text(doc.text) == record["sha256"]


def test_annotations_standoff_holds_no_text():
    record = gold_to_standoff(small_doc())
    assert "text" not in record and TEXT not in json.dumps(record, ensure_ascii=False)


def test_annotations_reading_parses():
    assert parse_reading("value=2855300; unit=元; precision=100") == (2855300.0, "元", 100.0)
    assert parse_reading("value=; unit=; precision=") == (None, None, None)


def test_annotations_committed_gold_validates():
    loaded = load_gold(REPO / "annotations")
    problems = [p for d in loaded.documents for p in validate_document(d)]
    assert problems == []
    assert {d.doc_id[:3] for d in loaded.documents if d.origin == "seed"} >= {"000", "001", "002"}
