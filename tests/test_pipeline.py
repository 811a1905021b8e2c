from __future__ import annotations

import pytest

import extractor
from extractor.record import validate_record
from extractor.tagger import load_tagger

RULES = load_tagger("rules")


def find(result, surface):
    return [v for v in result.values if v.text == surface]


@pytest.mark.parametrize(
    ("report", "surface", "label", "value", "precision"),
    [
        ("001", "285.53 万元", "AMOUNT", 2855300.0, 100.0),
        ("001", "23.72%", "PERCENT", 0.2372, 0.0001),
        ("001", "99 分", "SCORE", 99.0, 1.0),
        ("003", "103859187.26元", "AMOUNT", 103859187.26, 0.01),
        ("002", "8,318.83 万元", "AMOUNT", 83188300.0, 100.0),
        ("002", "99.47%", "PERCENT", 0.9947, 0.0001),
        ("004", "24, 028, 491. 84", "AMOUNT", 24028491.84, 0.01),
    ],
)
def test_pipeline_reads_seed_figures(sample_paths, report, surface, label, value, precision):
    result = extractor.extract_file(sample_paths[report], tagger=RULES)
    hits = find(result, surface)
    assert hits, f"{surface} not found in {report}"
    span = hits[0]
    assert (span.label, span.value, span.precision) == (label, pytest.approx(value), pytest.approx(precision))


def test_pipeline_offsets_slice_the_original_text(samples):
    for key, text in samples.items():
        result = extractor.extract_text(text, source=key, tagger=RULES)
        assert result.values, key
        for span in result.values:
            assert text[span.start : span.end] == span.text
        for claim in result.claims:
            assert text[claim.start : claim.end] == claim.text


def test_pipeline_records_match_the_schema(sample_paths, tmp_path):
    for path in sample_paths.values():
        validate_record(extractor.extract_file(path, tagger=RULES).to_dict())
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    record = extractor.extract_file(empty).to_dict()
    validate_record(record)
    assert record["errors"][0]["code"] == "E002"


def test_pipeline_metric_is_the_phrase_before_the_value():
    result = extractor.extract_text("2024 年度总支出决算数 285.53 万元，其中基本支出 231.11 万元，项目支出 54.42 万元。", tagger=RULES)
    assert [v.metric for v in result.values] == ["2024 年度总支出决算数", "其中基本支出", "项目支出"]


def test_pipeline_empty_text_gives_empty_result():
    result = extractor.extract_text("", tagger=RULES)
    assert result.values == [] and result.errors == []


def test_pipeline_approximation_is_an_interval():
    (span,) = extractor.extract_text("市场主体注册数超 2.5 万户。", tagger=RULES).values
    assert span.text == "2.5 万户" and span.value == 25000
    assert span.approximate == "超"
    assert span.lower is not None and span.upper is not None and span.upper > span.lower
