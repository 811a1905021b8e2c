"""The synthetic report generator: well-formed spans, values right by construction, coverage."""

from __future__ import annotations

import json
import math
import random
import re
import statistics
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


TRAD_MEASURE = set("萬億項個戶場條臺輛張處間筆時")


def _same_value(reading, span) -> bool:
    return math.isclose(reading.value, span["value"], rel_tol=1e-9, abs_tol=1e-12)


def _documented_reader_gap(piece: str, span: dict, reading) -> bool:
    """The reader disagreements documented in annotations/notes/pool_projects.md ("For the
    engineers") that are being fixed in extractor.numbers: ‰ read with unit "%", 个千分点 not read
    at all, and traditional measure words read with a truncated or unconverted unit (個小時 -> 个,
    931項 -> 項). The value itself must still be right wherever the reader gives one."""
    if reading is None:
        return span["unit"] == "个千分点"
    if not _same_value(reading, span):
        return False
    if span["unit"] == "‰":
        return reading.unit == "%"
    return span["label"] == "QUANTITY" and bool(TRAD_MEASURE & set(piece))


def test_synth_values_read_back(docs):
    """Every span's recorded value and unit are what the number reader makes of its text
    (>= 99% of spans, the documented reader gaps aside)."""
    numbers = pytest.importorskip("extractor.numbers")
    total, bad, gaps = 0, [], 0
    for d, s in _value_spans(docs[:N_STRUCTURE]):
        piece = d["text"][s["start"] : s["end"]]
        # bare cells (and the first half of a range, a zero balance) take their unit from context
        reading = numbers.read_value(piece, s["label"], context_unit=s["context_unit"])
        total += 1
        if reading is not None and _same_value(reading, s) and reading.unit == s["unit"]:
            continue
        if _documented_reader_gap(piece, s, reading):
            gaps += 1
            continue
        bad.append((d["id"], piece, s["label"], s["value"], s["unit"], reading and (reading.value, reading.unit)))
    assert total > 1000
    assert len(bad) <= 0.01 * total, bad[:20]
    assert gaps <= 0.03 * total  # the documented cases stay rare


def test_synth_documented_reader_gaps_only_cover_those_cases():
    """The tolerance above accepts exactly the documented cases and nothing else."""
    from types import SimpleNamespace as R

    permille = {"label": "PERCENT", "value": 0.00046, "unit": "‰"}
    assert _documented_reader_gap("0.46‰", permille, R(value=0.00046, unit="%"))
    assert not _documented_reader_gap("0.46‰", permille, R(value=0.46, unit="%"))
    assert _documented_reader_gap("0.8个千分点", {"label": "PERCENT", "value": 0.0008, "unit": "个千分点"}, None)
    trad = {"label": "QUANTITY", "value": 931.0, "unit": "项"}
    assert _documented_reader_gap("931項", trad, R(value=931.0, unit="項"))
    assert not _documented_reader_gap("931项", trad, R(value=931.0, unit="个"))
    assert not _documented_reader_gap("12%", {"label": "PERCENT", "value": 0.12, "unit": "%"}, None)


def test_synth_coverage(docs):
    labels = Counter(s["label"] for _, s in _value_spans(docs))
    assert set(labels) == set(VALUE_LABELS), labels
    spans = [s for _, s in _value_spans(docs)]
    bare = sum(s["bare_cell"] for s in spans)
    # towards the real reports: bare cells about a third of the values, SCORE at most a quarter
    assert 0.25 * len(spans) <= bare <= 0.42 * len(spans), (bare, len(spans))
    assert labels["SCORE"] <= 0.25 * len(spans), labels
    assert {s["label"] for s in spans if s["bare_cell"]} == set(VALUE_LABELS)
    assert sum(len(d["claims"]) for d in docs) >= len(docs)
    units = Counter(s["unit"] for s in spans if s["label"] == "PERCENT")
    assert units["个百分点"] > 0 and units["‰"] > 0 and units["个千分点"] > 0


def test_synth_document_lengths_mix_excerpts_and_whole_reports(docs):
    lengths = [len(d["text"]) for d in docs]
    kinds = Counter(d["kind"] for d in docs)
    assert kinds["excerpt"] > 0 and kinds["report"] > 0
    assert 1500 <= statistics.mean(lengths) <= 4000
    assert sum(n <= 1100 for n in lengths) >= 0.25 * len(docs)
    assert sum(n >= 5000 for n in lengths) >= 0.08 * len(docs)
    excerpts = [len(d["text"]) for d in docs if d["kind"] == "excerpt"]
    assert sum(400 <= n <= 1400 for n in excerpts) >= 0.9 * len(excerpts)  # pool excerpts: 500-1,100
    reports = [len(d["text"]) for d in docs if d["kind"] == "report"]
    assert 5000 <= statistics.median(reports) <= 9000  # whole reports: 5,000-9,000


def _piece(d, s):
    return d["text"][s["start"] : s["end"]]


def test_synth_value_forms_of_real_reports(docs):
    """Forms the guideline names: ‰ and 个千分点, zero money without a unit, Chinese-numeral
    amounts, traditional measure words, grade thresholds, maximum points in headers, glued cells."""
    found = Counter()
    for d in docs:
        text, spans = d["text"], d["spans"]
        for i, s in enumerate(spans):
            piece = _piece(d, s)
            if s["unit"] == "‰":
                assert piece.rstrip().endswith("‰") and s["value"] < 0.01, piece
                found["permille"] += 1
            if s["unit"] == "个千分点":
                assert piece.endswith("个千分点"), piece
                found["permille points"] += 1
            if s["label"] == "AMOUNT" and s["value"] == 0 and not s["bare_cell"] and piece.strip() in ("0", "0.00", "０", "０．００"):
                assert s["context_unit"] == "元"
                found["zero money"] += 1
            if s["label"] == "AMOUNT" and not re.search(r"[\d０-９]", piece):  # 一千二百万元
                assert piece.endswith("元") and s["value"] >= 10_000, piece
                found["chinese amount"] += 1
            if s["label"] == "QUANTITY" and set(piece) & set("項個戶場條臺輛張處間筆時"):
                assert not set(s["unit"]) & set("項個戶場條臺輛張處間筆時"), s  # the unit stays simplified
                found["traditional measure word"] += 1
            if s["label"] == "SCORE" and text[s["start"] - 1 : s["start"]] in ("≥", "<") and not s["bare_cell"]:
                found["grade threshold"] += 1
            if s["label"] == "SCORE" and re.search(r"(预算执行情况|绩效指标)[（(]$", text[max(0, s["start"] - 9) : s["start"]]):
                found["maximum points header"] += 1
            if i and spans[i - 1]["end"] == s["start"] and text[s["start"] - 1].isdigit() and piece[0].isdigit():
                found["glued cells"] += 1
    assert min(found.values()) > 0 and len(found) == 8, found


def test_synth_numbers_that_are_not_values_stay_untagged(docs):
    """Ranks, levels, slogans and form instructions carry digits or numerals but no value span."""
    hits = Counter()
    pattern = re.compile(r"前十名|7\*24小时|7×24小时|十四五|三级|区镇两级|五一个|[（(]\d+字以内[)）]|未达到90%的需说明原因")
    for d in docs:
        covered = set()
        for s in d["spans"]:
            covered.update(range(s["start"], s["end"]))
        for m in pattern.finditer(d["text"]):
            assert not covered & set(range(m.start(), m.end())), (d["id"], m.group())
            hits[m.group()[:3]] += 1
    assert len(hits) >= 6, hits


LIST_MARKER = re.compile(r"^(?:[一二三四五六七八九十]+是|\d+[.、．]|[（(][\d一二三四五六七八九十]+[)）])")
LEAD_IN_ONLY = re.compile(r"^(?:截至.{0,16}|今年以来|目前|截至目前|活动期间|\d{4}\s*年|通过问卷调查|同时)$")
RATE_BEFORE = re.compile(r"(?:执行率|执行率为|执行率达|完成预算的|支出进度为|支出率为)$")


def test_synth_claim_boundaries_follow_the_guideline(docs):
    """List markers outside; connectives and lead-ins inside; no closing punctuation."""
    starts = Counter()
    for d in docs:
        text = d["text"]
        for c in d["claims"]:
            piece = text[c["start"] : c["end"]]
            assert not LIST_MARKER.match(piece), (d["id"], piece)
            assert piece[-1] not in "。；;，,、：:", (d["id"], piece)
            before = text[: c["start"]].rstrip(" ")
            if before.endswith(("，", ",")):  # the clause before a claim is never a bare lead-in
                clause = re.split(r"[，,。；;\n]", before[:-1])[-1].strip()
                assert not LEAD_IN_ONLY.match(clause), (d["id"], clause, piece)
            for word in ("并", "同时", "且", "截至", "今年以来", "目前"):
                if piece.startswith(word):
                    starts[word] += 1
            if re.match(r"\d{4}\s*年，", piece):
                starts["year lead-in"] += 1
    assert len(starts) == 7, starts


def _in_claim(span, claims) -> bool:
    return any(a <= span["start"] and span["end"] <= b for a, b in claims)


def test_synth_rates_reported_as_results_are_claims(docs):
    """执行率/完成预算的… in running text lies inside a claim, whatever the rate; 差异率 never does."""
    seen = Counter()
    for d in docs:
        text = d["text"]
        claims = [(c["start"], c["end"]) for c in d["claims"]]
        for s in d["spans"]:
            if s["label"] != "PERCENT" or s["bare_cell"]:
                continue
            before = text[max(0, s["start"] - 8) : s["start"]].rstrip()
            if "\t" in before or "|" in before:  # table cells are values only
                continue
            if RATE_BEFORE.search(before):
                assert _in_claim(s, claims), (d["id"], before, _piece(d, s))
                seen["rate" if s["value"] >= 0.9 else "poor rate"] += 1
            if before.endswith("差异率为"):
                assert not _in_claim(s, claims), (d["id"], _piece(d, s))
                seen["deviation"] += 1
    assert seen["rate"] and seen["poor rate"] and seen["deviation"], seen


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
