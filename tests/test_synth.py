"""The synthetic report generator: well-formed spans, values right by construction, coverage."""

from __future__ import annotations

import json
import math
import random
from collections import Counter

import pytest

from extractor.types import VALUE_LABELS
from training import synth

N_STRUCTURE = 200
N_COVERAGE = 300


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return synth.generate(N_COVERAGE, seed=11)


def _value_spans(docs):
    for d in docs:
        for s in d["spans"]:
            yield d, s


def test_synth_record_shape(docs):
    d = docs[0]
    assert d["id"] == "synth-000001" and d["synthetic"] is True
    assert set(d) >= {"id", "text", "spans", "claims", "synthetic"}
    span = d["spans"][0]
    assert set(span) >= {"start", "end", "label", "value", "unit", "precision", "bare_cell", "context_unit"}


def test_synth_spans_slice_text_without_edge_whitespace(docs):
    for d, s in _value_spans(docs[:N_STRUCTURE]):
        piece = d["text"][s["start"] : s["end"]]
        assert piece, (d["id"], s)
        assert piece == piece.strip(), (d["id"], piece)
        assert s["label"] in VALUE_LABELS
        assert isinstance(s["value"], float) and isinstance(s["precision"], float) and s["precision"] > 0
        assert isinstance(s["unit"], str) and s["unit"]
        assert isinstance(s["bare_cell"], bool)
        if s["bare_cell"]:  # a bare cell's unit comes from its header or unit cell
            assert s["context_unit"]


def test_synth_spans_sorted_and_disjoint(docs):
    for d in docs[:N_STRUCTURE]:
        ends = [(s["start"], s["end"]) for s in d["spans"]]
        assert ends == sorted(ends), d["id"]
        for (_, a_end), (b_start, _) in zip(ends, ends[1:]):
            assert a_end <= b_start, d["id"]


def test_synth_claims_within_text_and_whole_values(docs):
    for d in docs[:N_STRUCTURE]:
        text = d["text"]
        for c in d["claims"]:
            assert 0 <= c["start"] < c["end"] <= len(text), (d["id"], c)
            piece = text[c["start"] : c["end"]]
            assert piece == piece.strip(), (d["id"], piece)
            assert piece[-1] not in "。；;", (d["id"], piece)  # closing punctuation stays outside
            for s in d["spans"]:  # a value is wholly inside a claim or wholly outside it
                inside = c["start"] <= s["start"] and s["end"] <= c["end"]
                outside = s["end"] <= c["start"] or c["end"] <= s["start"]
                assert inside or outside, (d["id"], piece, s)


def test_synth_is_deterministic():
    assert synth.generate(15, seed=3) == synth.generate(15, seed=3)
    assert synth.generate(5, seed=3) == synth.generate(15, seed=3)[:5]  # documents depend on (seed, index) only
    assert synth.generate(5, seed=3) != synth.generate(5, seed=4)


def test_synth_values_read_back(docs):
    """Every span's recorded value is what the number reader makes of its text."""
    numbers = pytest.importorskip("extractor.numbers")
    total, bad = 0, []
    for d, s in _value_spans(docs[:N_STRUCTURE]):
        piece = d["text"][s["start"] : s["end"]]
        # bare cells (and the first half of a range) take their unit from context
        reading = numbers.read_value(piece, s["label"], context_unit=s["context_unit"])
        total += 1
        if reading is None or not math.isclose(reading.value, s["value"], rel_tol=1e-9, abs_tol=1e-12):
            bad.append((d["id"], piece, s["label"], s["value"], reading and reading.value))
    assert total > 1000
    assert len(bad) <= 0.01 * total, bad[:20]


def test_synth_coverage(docs):
    labels = Counter(s["label"] for _, s in _value_spans(docs))
    assert set(labels) == set(VALUE_LABELS), labels
    spans = [s for _, s in _value_spans(docs)]
    bare = sum(s["bare_cell"] for s in spans)
    assert bare >= 0.25 * len(spans), (bare, len(spans))
    assert {s["label"] for s in spans if s["bare_cell"]} == set(VALUE_LABELS)
    assert sum(len(d["claims"]) for d in docs) >= len(docs)
    units = Counter(s["unit"] for s in spans if s["label"] == "PERCENT")
    assert units["个百分点"] > 0


def test_synth_has_numbers_that_are_not_values(docs):
    """Years, dates, document numbers, phone numbers and row numbers stay untagged."""
    untagged = 0
    for d in docs[:50]:
        covered = set()
        for s in d["spans"]:
            covered.update(range(s["start"], s["end"]))
        untagged += sum(1 for i, ch in enumerate(d["text"]) if ch.isdigit() and i not in covered)
    assert untagged > 1000


def test_synth_noise_off_gives_clean_text():
    for d in synth.generate(20, seed=5, noise=0.0):
        assert "\\%" not in d["text"] and "$" not in d["text"]
        assert not any("０" <= ch <= "９" for ch in d["text"])


def test_synth_some_documents_clean_by_default(docs):
    noisy = [d for d in docs if any("０" <= ch <= "９" for ch in d["text"]) or "\\%" in d["text"]]
    assert 0 < len(noisy) < len(docs)


def test_synth_every_template_expands():
    """Each template line of each group expands against a full document context."""
    data = synth.load_templates()
    rng = random.Random(0)
    g = synth.Gen(rng, synth.Style(), synth.make_context(rng, data), data)
    for setter in (synth.set_finance, synth.set_staff, synth.set_counts, synth.set_act, synth.set_project):
        setter(g)
    synth.set_scores(g, [95.0])
    g.ctx.update({"item": "预算编制情况", "w": 10.0, "s": 9.0, "d": 1.0})
    for group, lines in data["templates"].items():
        for line in lines:
            pieces = g.expand(line)
            assert sum(p.claim for p in pieces) == 0, (group, line)  # claims are closed


def test_synth_cli_writes_jsonl(tmp_path):
    out = tmp_path / "synth.jsonl"
    assert synth.main(["--n", "3", "--seed", "2", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["synth-000001", "synth-000002", "synth-000003"]
    assert rows == synth.generate(3, seed=2)
