"""The review site: highlighting, text resolution, index order, the CLI, and the page in Chromium."""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.pipeline import extract_file
from extractor.report import build_report, highlight, load_records, render_index, resolve_text
from extractor.tagger import load_tagger
from extractor.types import Check, Claim

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts"


def _value(text: str, start: int, end: int, label: str = "AMOUNT", **extra: object) -> dict:
    return {"label": label, "start": start, "end": end, "text": text[start:end], "value": 1.0, "unit": "元", "precision": 1.0, "metric": None, "confidence": 1.0, "page": 1, **extra}


def _claim(text: str, start: int, end: int) -> dict:
    return {"start": start, "end": end, "text": text[start:end], "confidence": 1.0, "page": 1, "values": []}


def _visible_text(markup: str) -> str:
    """What a reader sees, minus the label badges: must be the document text."""
    markup = re.sub(r'<span class="tag">[^<]*</span>', "", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def _record(document_text: str, values: list[dict], claims: list[dict] | None = None, checks: list[dict] | None = None, **extra: object) -> dict:
    return {
        "source": "<text>",
        "sha256": hashlib.sha256(document_text.encode()).hexdigest(),
        "chars": len(document_text),
        "pages": 1,
        "tagger": "rules",
        "values": values,
        "claims": claims or [],
        "checks": checks or [],
        "fields": {},
        "errors": [],
        **extra,
    }


@pytest.fixture(scope="module")
def rules():
    return load_tagger("rules")


# --------------------------------------------------------------------------- highlighting


def test_report_highlight_marks_every_value_and_keeps_the_text():
    text = "总支出 285.53 万元，执行率 99.47%。<b>&"
    values = [_value(text, 4, 13), _value(text, 18, 24, "PERCENT")]
    markup = highlight(text, values, [])
    assert markup.count("<mark ") == 2
    assert 'id="v0"' in markup and 'id="v1"' in markup
    assert '<mark class="value PERCENT" id="v1"' in markup
    assert "&lt;b&gt;&amp;" in markup  # text is escaped
    assert _visible_text(markup) == text


def test_report_highlight_nests_values_in_claims():
    text = "我们完成了 12 项改革，满意度达 98%。其他。"
    values = [_value(text, 6, 10, "QUANTITY"), _value(text, 18, 21, "PERCENT")]
    claims = [_claim(text, 0, 21)]
    markup = highlight(text, values, claims)
    assert markup.count('<span class="claim"') == 1
    claim = markup[markup.index('<span class="claim"') : markup.rindex("</span>")]
    assert claim.count("<mark ") == 2  # both values inside the underlined claim
    assert _visible_text(markup) == text


def test_report_highlight_splits_a_value_crossing_a_claim_edge():
    text = "甲乙丙丁 100 万元戊己"
    values = [_value(text, 5, 11)]
    claims = [_claim(text, 0, 8)]
    markup = highlight(text, values, claims)
    assert markup.count("<mark ") == 2 and markup.count('id="v0"') == 1  # one anchor, two pieces
    assert markup.count('<span class="tag">') == 1  # the label once, at the value's end
    assert _visible_text(markup) == text


def test_report_highlight_outlines_values_of_failed_checks():
    text = "合计 10 元，其中 3 元、4 元。"
    values = [_value(text, 3, 7), _value(text, 11, 14), _value(text, 15, 18)]
    markup = highlight(text, values, [], in_failed={0, 2})
    assert len(re.findall(r'class="value AMOUNT in-fail"', markup)) == 2


# --------------------------------------------------------------------------- text resolution


def test_report_text_from_record(samples):
    text = samples["001"]
    record = extract_file(REPO / "samples" / "001_1be51992f5290d93.txt", tagger=load_tagger("rules"), include_text=True).to_dict()
    found = resolve_text(record)
    assert found.text == text and found.origin == "record"


def test_report_text_from_source_file_when_hash_matches(tmp_path, rules):
    path = tmp_path / "report.txt"
    path.write_text("2024 年度总支出决算数 285.53 万元。", encoding="utf-8")
    record = extract_file(path, tagger=rules).to_dict()
    assert "text" not in record
    found = resolve_text(record)
    assert found.text == path.read_text(encoding="utf-8")
    assert "sha256 verified" in found.origin


def test_report_refuses_a_changed_source_file(tmp_path, rules):
    path = tmp_path / "report.txt"
    path.write_text("2024 年度总支出决算数 285.53 万元。", encoding="utf-8")
    record = extract_file(path, tagger=rules).to_dict()
    path.write_text("2024 年度总支出决算数 999.99 万元。", encoding="utf-8")
    found = resolve_text(record)
    assert found.text is None
    assert "changed since extraction" in found.reason and "--include-text" in found.reason


def test_report_says_why_when_the_source_is_gone(tmp_path, rules):
    path = tmp_path / "report.txt"
    path.write_text("总支出 285.53 万元。", encoding="utf-8")
    record = extract_file(path, tagger=rules).to_dict()
    path.unlink()
    build_report([record], tmp_path / "review")
    page = next((tmp_path / "review" / "docs").glob("*.html")).read_text(encoding="utf-8")
    assert 'id="no-text"' in page and "--include-text" in page and "not found" in page
    assert 'id="document-text"' not in page
    assert "285.53 万元" in page  # the values table is still there


def test_report_refuses_text_that_does_not_match_the_spans():
    text = "总支出 285.53 万元。"
    record = _record(text, [_value(text, 4, 13)], text="总支出 999.99 万元。")
    found = resolve_text(record)
    assert found.text is None and "does not match" in found.reason


def test_report_search_dirs_find_relative_sources(tmp_path, rules, monkeypatch):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text("总支出 285.53 万元。", encoding="utf-8")
    monkeypatch.chdir(folder)
    record = extract_file("a.txt", tagger=rules).to_dict()
    monkeypatch.chdir(tmp_path)
    assert resolve_text(record).text is None
    assert resolve_text(record, search_dirs=[folder]).text is not None


# --------------------------------------------------------------------------- pages


def test_report_index_lists_failed_documents_first_with_fields():
    rows = [
        {"href": "docs/a.html", "source": "a.txt", "fiscal_year": 2023, "department": "甲局", "self_score": 98.5, "failed": 0, "passed": 3, "undetermined": 0,
         "labels": {"AMOUNT": 4, "PERCENT": 1, "SCORE": 2, "QUANTITY": 0}, "claims": 1, "errors": 0, "has_text": True},
        {"href": "docs/b.html", "source": "b.txt", "fiscal_year": 2024, "department": "乙局", "self_score": 90, "failed": 2, "passed": 1, "undetermined": 0,
         "labels": {"AMOUNT": 7, "PERCENT": 0, "SCORE": 0, "QUANTITY": 3}, "claims": 0, "errors": 0, "has_text": False},
    ]
    page = render_index(rows)
    assert page.index("b.txt") < page.index("a.txt")
    assert '<tr class="fail">' in page and '<span class="badge-fail">2</span>' in page
    for shown in ("2023", "2024", "98.5", "甲局", "(no text)"):
        assert shown in page


def test_report_document_page_shows_checks_figures_and_pages(tmp_path):
    text = "支出合计 10 元，其中基本支出 3 元，项目支出 4 元。我们圆满完成了任务。"
    values = [_value(text, 5, 9, metric="支出合计"), _value(text, 17, 20, metric="其中基本支出"), _value(text, 26, 29, page=2)]
    checks = [Check("sum", "fail", 10.0, 7.0, 3.0, 0.5, "支出合计 10 元 vs 3 元 + 4 元 = 7 元", [0, 1, 2], hint="if 10 were 7").to_dict(),
              Check("rate", "pass", 0.5, 0.5, 0.0, 0.01, "a rate that agrees", [1]).to_dict()]
    claims = [Claim(30, 40, text[30:40]).to_dict()]
    record = _record(text, values, claims, checks, text=text, fields={"fiscal_year": {"value": 2024, "span": None}, "self_score": {"value": 95.0, "span": 0}})
    summary = build_report([record], tmp_path / "review")
    page = summary.pages[0].read_text(encoding="utf-8")
    failed = re.search(r'<tr class="check fail".*?</tr>', page, re.DOTALL).group(0)
    assert "支出合计 10 元 vs 3 元 + 4 元 = 7 元" in failed and "hint: if 10 were 7" in failed
    assert failed.count('<a href="#v') == 3 and "p. 2" in failed and "(stated)" in failed
    assert page.index('class="check fail"') < page.index('class="check pass"')  # failures first
    body = page[page.index('id="document-text"') : page.index('id="values"')]
    assert '<span class="claim"' in body and body.count("<mark ") == 3
    assert "2024" in page and "95" in page
    index = summary.index.read_text(encoding="utf-8")
    assert 'href="docs/' in index and summary.failed_documents == 1


def test_report_pages_are_offline(tmp_path, rules, sample_paths):
    record = extract_file(sample_paths["002"], tagger=rules, include_text=True).to_dict()
    summary = build_report([record], tmp_path / "review")
    for page in [summary.index, *summary.pages]:
        markup = page.read_text(encoding="utf-8")
        assert "<script" not in markup and "<link" not in markup and " src=" not in markup
        assert not re.search(r"(href|src)=\"(https?:)?//", markup)
        assert "@import" not in markup and "url(" not in markup


def test_report_cli_writes_the_site(tmp_path, sample_paths):
    results = tmp_path / "results.jsonl"
    runner = CliRunner()
    extracted = runner.invoke(app, ["extract", str(sample_paths["000"]), str(sample_paths["003"]), "--out", str(results), "--tagger", "rules", "--quiet"])
    assert extracted.exit_code == 0, extracted.output
    outcome = runner.invoke(app, ["report", str(results), "--out", str(tmp_path / "review")])
    assert outcome.exit_code == 0, outcome.output
    assert "2 documents" in outcome.output and "0 without text" in outcome.output
    pages = sorted((tmp_path / "review" / "docs").glob("*.html"))
    assert len(pages) == 2 and all('id="document-text"' in p.read_text(encoding="utf-8") for p in pages)
    assert len(load_records(results)) == 2


def test_report_cli_refuses_a_missing_or_bad_results_file(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(app, ["report", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "r")])
    assert missing.exit_code == 2 and "extractor extract" in missing.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    outcome = runner.invoke(app, ["report", str(bad), "--out", str(tmp_path / "r")])
    assert outcome.exit_code == 2 and "bad.jsonl:1" in outcome.output


# --------------------------------------------------------------------------- in a browser


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (CI installs it: apt-get install -y chromium)")
def test_report_page_in_headless_chromium(tmp_path, rules, sample_paths):
    record = extract_file(sample_paths["002"], tagger=rules).to_dict()
    text = sample_paths["002"].read_text(encoding="utf-8")
    # A failed check and a claim made by hand, so the page shows both whatever
    # the reconciler and the tagger find today.
    amounts = [i for i, v in enumerate(record["values"]) if v["label"] == "AMOUNT"][:3]
    record["checks"].append(Check("sum", "fail", 1.0, 2.0, 1.0, 0.01, "hand-made failing check for the browser test", amounts).to_dict())
    first = record["values"][amounts[0]]
    start = text.rfind("\n", 0, first["start"]) + 1
    record["claims"].append(Claim(start, first["end"], text[start : first["end"]]).to_dict())
    summary = build_report([record], tmp_path / "review", search_dirs=[REPO])
    page = summary.pages[0]
    assert 'id="document-text"' in page.read_text(encoding="utf-8")  # text found via the source path, hash checked
    profile = tmp_path / "profile"
    command = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
    dom = subprocess.run([*command, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    marks = re.findall(r'<mark class="value (AMOUNT|PERCENT|SCORE|QUANTITY)[^"]*" id="v(\d+)"', dom)
    assert len(marks) == len(record["values"])
    assert {label for label, _ in marks} == {v["label"] for v in record["values"]}
    failed_rows = re.findall(r'<tr class="check fail".*?</tr>', dom, re.DOTALL)
    assert len(failed_rows) == sum(1 for c in record["checks"] if c["status"] == "fail") >= 1
    assert any("hand-made failing check" in row for row in failed_rows)
    assert '<span class="claim"' in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "review.png"
    shot.unlink(missing_ok=True)
    subprocess.run([*command, "--window-size=1280,3600", "--hide-scrollbars", f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=True)
    assert shot.exists() and shot.stat().st_size > 10_000
    index_dom = subprocess.run([*command, "--dump-dom", summary.index.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    assert '<tr class="fail">' in index_dom and Path(record["source"]).name in index_dom
