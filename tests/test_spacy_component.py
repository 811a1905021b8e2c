"""spaCy integration: the report_values component (via its entry point) and the gold DocBin."""

from __future__ import annotations

import subprocess
import sys
import warnings
from importlib.metadata import entry_points

import pytest
import spacy
from spacy.tokens import DocBin
from typer.testing import CliRunner

from extractor.annotations import load_gold
from extractor.pipeline import extract_text
from extractor.spacy_component import ReportValues, blank_nlp, make_report_values, register_extensions
from extractor.tagger import load_tagger
from extractor.types import TaggedSpan

REPO_ANNOTATIONS = "annotations"


@pytest.fixture(scope="module")
def rules():
    return load_tagger("rules")


@pytest.fixture(scope="module")
def nlp():
    pipeline = spacy.blank("zh")
    pipeline.add_pipe("report_values", config={"tagger": "rules"})
    return pipeline


def _from_extract(text: str, tagger) -> list[tuple]:
    return [(v.label, v.start, v.end, v.text, v.value, v.unit, v.precision) for v in extract_text(text, tagger=tagger).values]


def _from_doc(doc) -> list[tuple]:
    return [(s.label_, s.start_char, s.end_char, s.text, s._.reading["value"], s._.reading["unit"], s._.reading["precision"]) for s in doc.spans["values"]]


def test_spacy_component_entry_point_is_installed():
    found = {ep.name: ep.value for ep in entry_points(group="spacy_factories")}
    assert found.get("report_values") == "extractor.spacy_component:make_report_values", "run `pip install -e .` to register the entry point"


def test_spacy_component_found_without_importing_extractor():
    """A fresh interpreter finds the factory through the entry point alone."""
    code = (
        "import sys, warnings, spacy\n"
        "warnings.simplefilter('ignore')\n"
        "nlp = spacy.blank('zh'); nlp.add_pipe('report_values')\n"
        "doc = nlp('2024 年度总支出决算数 285.53 万元，执行率 99.47%。')\n"
        "print([(s.label_, s.text, s._.reading['value']) for s in doc.spans['values']])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True).stdout
    assert "('AMOUNT', '285.53 万元', 2855300.0)" in out and "('PERCENT', '99.47%', 0.9947)" in out


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_spacy_component_finds_the_same_values_as_extract_text(nlp, rules, samples, seed):
    text = samples[seed]
    doc = nlp(text)
    assert doc.text == text
    expected = _from_extract(text, rules)
    assert expected, "the seed report should have values"
    assert _from_doc(doc) == expected
    assert doc._.unaligned == []
    result = extract_text(text, tagger=rules)
    assert [s._.metric for s in doc.spans["values"]] == [v.metric for v in result.values]
    assert doc._.checks == [c.to_dict() for c in result.checks]
    assert doc._.fields == result.fields


def test_spacy_component_reading_has_interval_and_precision(nlp):
    doc = nlp("2024 年度总支出决算数约 285.53 万元。")
    (span,) = doc.spans["values"]
    assert span.label_ == "AMOUNT" and span.text == "285.53 万元"
    assert span._.reading["value"] == 2855300.0 and span._.reading["unit"] == "元" and span._.reading["precision"] == 100.0
    assert span._.reading["lower"] < 2855300.0 < span._.reading["upper"]


class WithClaim:
    """The rule tagger plus one hand-made CLAIM over the first sentence."""

    name = "rules+claim"

    def __init__(self, rules) -> None:
        self.rules = rules

    def tag(self, text, normalised=None):
        end = text.index("。") + 1
        return [*self.rules.tag(text, normalised), TaggedSpan(0, end, "CLAIM", 0.9)]


def test_spacy_component_puts_claims_in_their_own_group(rules):
    text = "全年办理业务 24.5 万笔，群众满意度达 99%。其他内容。"
    component = ReportValues(None, tagger_object=WithClaim(rules))
    doc = component(blank_nlp().make_doc(text))
    (claim,) = doc.spans["claims"]
    assert claim.label_ == "CLAIM" and claim.text == text[: text.index("。") + 1] and claim._.confidence == 0.9
    assert [s.text for s in doc.spans["values"]] == ["24.5 万笔", "99%"]
    assert all(claim.start_char <= s.start_char and s.end_char <= claim.end_char for s in doc.spans["values"])


def test_spacy_component_default_config_loads_the_auto_tagger():
    pipeline = spacy.blank("zh")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no model ... tagging with the rules" until one is trained
        component = pipeline.add_pipe("report_values")
        expected = load_tagger("auto").name  # the shipped model when there is one, else the rules
    assert component.tagger.name == expected
    assert pipeline.get_pipe_config("report_values") == {"factory": "report_values", "tagger": "auto", "model": None}


def test_spacy_component_survives_to_disk_and_load(nlp, tmp_path, samples):
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == ["report_values"]
    text = samples["002"]
    assert _from_doc(loaded(text)) == _from_doc(nlp(text))


def test_spacy_component_factory_is_the_entry_point_target(rules):
    component = make_report_values(blank_nlp(), "report_values", "rules", None)
    assert isinstance(component, ReportValues) and component.tagger.name == "rules"


def test_spacy_export_writes_a_docbin_of_the_gold(tmp_path):
    out = tmp_path / "gold.spacy"
    outcome = CliRunner().invoke(__import__("extractor.cli", fromlist=["app"]).app, ["annotations", "export", REPO_ANNOTATIONS, "--format", "spacy", "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    gold = load_gold(REPO_ANNOTATIONS).documents
    assert f"exported {len(gold)} documents" in outcome.output
    register_extensions()
    docs = list(DocBin().from_disk(out).get_docs(blank_nlp().vocab))
    assert len(docs) == len(gold)
    by_id = {doc.user_data["doc_id"]: doc for doc in docs}
    for document in gold:
        doc = by_id[document.doc_id]
        assert doc.text == document.text
        values = sorted((s.start, s.end, s.label) for s in document.spans if s.label != "CLAIM")
        claims = sorted((s.start, s.end) for s in document.spans if s.label == "CLAIM")
        assert sorted((s.start_char, s.end_char, s.label_) for s in doc.spans["values"]) == values
        assert sorted((s.start_char, s.end_char) for s in doc.spans["claims"]) == claims
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == values
        readings = {(s.start, s.end): (s.value, s.unit, s.precision) for s in document.spans if s.label != "CLAIM"}
        for span in doc.spans["values"]:
            assert (span._.reading["value"], span._.reading["unit"], span._.reading["precision"]) == readings[(span.start_char, span.end_char)]


def test_spacy_export_reports_spans_off_token_edges():
    from extractor.annotations import GoldDocument, GoldSpan
    from extractor.spacy_component import gold_to_docbin

    text = "总支出 285.53 万元。"
    gold = GoldDocument("t", text, [GoldSpan(4, 13, "AMOUNT", 2855300.0, "元", 100.0), GoldSpan(3, 4, "AMOUNT")], "import", "t")
    docbin, problems = gold_to_docbin([gold])
    assert len(docbin) == 1
    assert any("[3, 4)" in p and "maps to no token" in p for p in problems)  # a lone space: reported, not dropped silently
