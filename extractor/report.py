"""The review site: records in, a static HTML site out.

``build_report(results.jsonl, out_dir)`` writes ``index.html`` (the documents,
failed checks first, with counts per label, self-score and fiscal year from
``record["fields"]``) and one page per document under ``docs/``: the text with
every value highlighted by label and every claim underlined, the checks (failed
ones in red) with the figures behind each, and the values with their page.

Everything is plain HTML with the style sheet inlined: no script, no CDN, and
the pages open straight from the file system.

The text comes from the record (``extract --include-text``) or, when the record
has none, from the file at the record's ``source`` once its sha256 matches the
record's. When neither works the page still lists the values, checks and claims,
and says why the text is missing and what to do.

Highlighting is done here rather than with displaCy: claims contain values, and
displaCy's ``ent`` style cannot nest spans while its ``span`` style emits a block
per token (one per character for Chinese), which bloats a 20,000-character
report's page. The look (coloured marks with the label at their end) follows
displaCy's.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from extractor.types import CLAIM_LABEL, VALUE_LABELS

CSS_RESOURCE = "data/report.css"
DOCS_DIR = "docs"


@dataclass
class TextSource:
    """The document text for a page, or why there is none."""

    text: str | None
    origin: str  # "record" | "source file" | "none"
    reason: str | None = None


@dataclass
class ReportSummary:
    out_dir: Path
    index: Path
    pages: list[Path] = field(default_factory=list)
    without_text: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    failed_documents: int = 0


# --------------------------------------------------------------------------- input


def load_records(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Records from a JSON Lines file; a line that is not a JSON object raises ``ValueError``."""
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc.msg}); is this the output of `extractor extract`?") from None
            if not isinstance(record, dict) or "source" not in record:
                raise ValueError(f"{path}:{number}: not an extractor record (no 'source'); is this the output of `extractor extract`?")
            records.append(record)
    return records


def resolve_text(record: dict[str, Any], *, search_dirs: Iterable[Path] = ()) -> TextSource:
    """The text the record's offsets index: from the record, else the verified source file."""
    if isinstance(record.get("text"), str):
        return _checked(record, record["text"], "record")
    source = record.get("source") or ""
    candidates = _candidates(source, search_dirs)
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        looked = ", ".join(str(c) for c in candidates) or "(no source path)"
        return TextSource(
            None,
            "none",
            f"The record has no text (it was extracted without --include-text) and its source file was not found "
            f"(looked at {looked}). Rerun `extractor extract ... --include-text`, or run `extractor report` from the "
            f"folder where `extract` ran.",
        )
    from extractor.errors import InputError
    from extractor.ingest import read_document, sha256_bytes

    try:
        digest = sha256_bytes(found.read_bytes())
    except OSError as exc:
        return TextSource(None, "none", f"The record has no text and its source file {found} cannot be read ({exc.strerror}).")
    if record.get("sha256") and digest != record["sha256"]:
        return TextSource(
            None,
            "none",
            f"The record has no text and the file at {found} has changed since extraction (sha256 {digest[:12]}… ≠ "
            f"{record['sha256'][:12]}… in the record), so its offsets would point at the wrong characters. "
            f"Rerun `extractor extract` on it (with --include-text to keep the text in the record).",
        )
    try:
        document = read_document(found)
    except InputError as exc:
        return TextSource(None, "none", f"The record has no text and its source file could not be read: {exc.message}")
    return _checked(record, document.text, f"source file {found} (sha256 verified)")


def _candidates(source: str, search_dirs: Iterable[Path]) -> list[Path]:
    if not source or source.startswith("<"):
        return []
    path = Path(source)
    if path.is_absolute():
        return [path]
    seen: list[Path] = [path]
    for directory in search_dirs:
        candidate = directory / path
        if candidate not in seen:
            seen.append(candidate)
    return seen


def _checked(record: dict[str, Any], text: str, origin: str) -> TextSource:
    """Refuse a text the record's spans do not slice (a different version of the document)."""
    for kind in ("values", "claims"):
        for span in record.get(kind) or []:
            start, end = span.get("start", 0), span.get("end", 0)
            if text[start:end] != span.get("text"):
                return TextSource(
                    None,
                    "none",
                    f"The text from the {origin} does not match the record: {kind} span [{start}, {end}) should read "
                    f"{span.get('text')!r} but reads {text[start:end]!r}. Rerun `extractor extract --include-text`.",
                )
    return TextSource(text, origin)


# --------------------------------------------------------------------------- output


def build_report(
    results: str | os.PathLike[str] | list[dict[str, Any]],
    out_dir: str | os.PathLike[str],
    *,
    search_dirs: Iterable[str | os.PathLike[str]] | None = None,
) -> ReportSummary:
    """Write the review site for a results file (or a list of records) into ``out_dir``.

    Source paths of records without text are tried as given (relative to the
    working directory), then relative to each of ``search_dirs`` (default: the
    results file's folder).
    """
    if isinstance(results, list):
        records, dirs = results, [Path(d) for d in (search_dirs or [])]
    else:
        records = load_records(results)
        dirs = [Path(d) for d in search_dirs] if search_dirs is not None else [Path(results).resolve().parent]
    out = Path(out_dir)
    (out / DOCS_DIR).mkdir(parents=True, exist_ok=True)
    css = _css()
    summary = ReportSummary(out_dir=out, index=out / "index.html")
    rows = []
    names: set[str] = set()
    for number, record in enumerate(records):
        name = _page_name(number, record.get("source") or "document", names)
        text = resolve_text(record, search_dirs=dirs)
        page = out / DOCS_DIR / name
        page.write_text(render_document(record, text, css=css), encoding="utf-8")
        summary.pages.append(page)
        if text.text is None:
            summary.without_text.append((record.get("source", ""), text.reason or ""))
        row = _index_row(record, f"{DOCS_DIR}/{name}", text)
        summary.failed_documents += bool(row["failed"])
        rows.append(row)
    summary.index.write_text(render_index(rows, css=css), encoding="utf-8")
    return summary


def _css() -> str:
    return resources.files("extractor").joinpath(CSS_RESOURCE).read_text(encoding="utf-8")


def _page_name(number: int, source: str, taken: set[str]) -> str:
    stem = re.sub(r"[^0-9A-Za-z_.\-\u4e00-\u9fff]+", "_", Path(source).stem)[:60] or "document"
    name = f"{number:04d}_{stem}.html"
    taken.add(name)
    return name


def _field(record: dict[str, Any], name: str) -> Any:
    entry = (record.get("fields") or {}).get(name)
    if isinstance(entry, dict):
        return entry.get("value")
    return entry


def _index_row(record: dict[str, Any], href: str, text: TextSource) -> dict[str, Any]:
    statuses = Counter(c.get("status") for c in record.get("checks") or [])
    labels = Counter(v.get("label") for v in record.get("values") or [])
    return {
        "href": href,
        "source": record.get("source", ""),
        "fiscal_year": _field(record, "fiscal_year"),
        "department": _field(record, "department"),
        "self_score": _field(record, "self_score"),
        "failed": statuses.get("fail", 0),
        "passed": statuses.get("pass", 0),
        "undetermined": statuses.get("undetermined", 0),
        "labels": {label: labels.get(label, 0) for label in VALUE_LABELS},
        "claims": len(record.get("claims") or []),
        "errors": len(record.get("errors") or []),
        "has_text": text.text is not None,
    }


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def format_number(value: Any) -> str:
    """``2855300.0`` -> ``2,855,300``; ``0.9947`` -> ``0.9947``; None -> empty."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return format(value, ",.12g")


def _value_reading(value: dict[str, Any]) -> str:
    if value.get("value") is None:
        return "(does not read as a number)"
    reading = f"{format_number(value['value'])} {value.get('unit') or ''}".strip()
    if value.get("unit") == "%":
        reading += f" ({format_number(round(value['value'] * 100, 10))}%)"
    return reading


def _page_html(title: str, css: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{_e(title)}</title>\n<style>\n{css}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def render_index(rows: list[dict[str, Any]], *, css: str | None = None) -> str:
    """The index page: documents with failed checks first, then by source."""
    rows = sorted(rows, key=lambda r: (-r["failed"], -r["errors"], r["source"]))
    head = "".join(f"<th>{_e(h)}</th>" for h in ("document", "fiscal year", "department", "self-score", "failed", "passed", "undetermined", *VALUE_LABELS, CLAIM_LABEL, "errors"))
    lines = []
    for row in rows:
        failed = f'<span class="badge-fail">{row["failed"]}</span>' if row["failed"] else "0"
        no_text = "" if row["has_text"] else ' <span class="muted" title="the page shows no highlighted text">(no text)</span>'
        cells = [
            f'<td><a href="{_e(row["href"])}">{_e(Path(row["source"]).name or row["source"])}</a>{no_text}</td>',
            f'<td class="num">{_e(row["fiscal_year"])}</td>',
            f"<td>{_e(row['department'])}</td>",
            f'<td class="num">{_e(format_number(row["self_score"]))}</td>',
            f'<td class="num">{failed}</td>',
            f'<td class="num">{row["passed"]}</td>',
            f'<td class="num">{row["undetermined"]}</td>',
            *(f'<td class="num">{row["labels"][label]}</td>' for label in VALUE_LABELS),
            f'<td class="num">{row["claims"]}</td>',
            f'<td class="num">{row["errors"]}</td>',
        ]
        lines.append(f'<tr class="{"fail" if row["failed"] else ""}">{"".join(cells)}</tr>')
    documents = len(rows)
    failing = sum(1 for r in rows if r["failed"])
    body = (
        "<h1>Review: values, claims and checks</h1>\n"
        f"<p>{documents} documents; {failing} with failed checks (listed first).</p>\n"
        f'<table id="documents"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(lines) + "\n</tbody></table>"
    )
    return _page_html("extractor review", css if css is not None else _css(), body)


def render_document(record: dict[str, Any], text: TextSource, *, css: str | None = None) -> str:
    """One document's page."""
    values: list[dict[str, Any]] = record.get("values") or []
    claims: list[dict[str, Any]] = record.get("claims") or []
    checks: list[dict[str, Any]] = record.get("checks") or []
    source = record.get("source", "")
    in_failed = {i for c in checks if c.get("status") == "fail" for i in c.get("spans") or []}
    labels = Counter(v.get("label") for v in values)
    statuses = Counter(c.get("status") for c in checks)

    parts = ['<nav><a href="../index.html">← all documents</a></nav>', f"<h1>{_e(source)}</h1>"]
    facts = [
        ("fiscal year", _field(record, "fiscal_year")),
        ("department", _field(record, "department")),
        ("self-score", format_number(_field(record, "self_score"))),
        ("total expenditure", _amount(_field(record, "total_expenditure"))),
        ("budget execution rate", _rate(_field(record, "budget_execution_rate"))),
        ("characters", record.get("chars")),
        ("pages", record.get("pages")),
        ("tagger", record.get("tagger")),
        ("sha256", record.get("sha256")),
        ("values", ", ".join(f"{label} {labels.get(label, 0)}" for label in VALUE_LABELS)),
        ("claims", len(claims)),
        ("checks", f"{statuses.get('pass', 0)} pass, {statuses.get('fail', 0)} fail, {statuses.get('undetermined', 0)} undetermined"),
    ]
    parts.append('<dl class="facts">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts if v not in (None, "")) + "</dl>")
    if record.get("errors"):
        parts.append('<div class="errors"><strong>Errors</strong><ul>' + "".join(f"<li>{_e(e.get('message'))}</li>" for e in record["errors"]) + "</ul></div>")

    parts.append(f'<h2 id="checks">Checks <span class="muted">({len(checks)})</span></h2>')
    parts.append(_checks_table(checks, values) if checks else '<p class="muted">No checks: the report states no totals the reconciler could recompute.</p>')

    parts.append('<h2 id="text">Text</h2>')
    legend = " ".join(f'<mark class="value {label}">{label}</mark>' for label in VALUE_LABELS) + ' <span class="legend-claim">CLAIM (underlined)</span>'
    parts.append(f'<p class="legend">{legend}; a red outline marks a figure in a failed check.</p>')
    if text.text is None:
        parts.append(f'<div class="notice" id="no-text"><strong>No highlighted text.</strong> {_e(text.reason)}</div>')
    else:
        parts.append(f'<p class="muted">Text from the {_e(text.origin)}.</p>')
        parts.append(f'<div class="text" id="document-text">{highlight(text.text, values, claims, in_failed=in_failed)}</div>')

    parts.append(f'<h2 id="values">Values <span class="muted">({len(values)})</span></h2>')
    parts.append(_values_table(values, linked=text.text is not None))
    if claims:
        parts.append(f'<h2 id="claims">Claims <span class="muted">({len(claims)})</span></h2>')
        items = "".join(
            f'<tr><td class="num">{i}</td><td>{_e(c.get("text"))}</td><td class="num">{_e(c.get("page"))}</td><td class="num">{_e(c.get("confidence"))}</td></tr>'
            for i, c in enumerate(claims)
        )
        parts.append(f'<table id="claims-table"><thead><tr><th>#</th><th>claim</th><th>page</th><th>confidence</th></tr></thead><tbody>{items}</tbody></table>')
    return _page_html(Path(source).name or "document", css if css is not None else _css(), "\n".join(parts))


def _amount(value: Any) -> str | None:
    return None if value is None else f"{format_number(value)} 元"


def _rate(value: Any) -> str | None:
    return None if not isinstance(value, (int, float)) else f"{format_number(round(value * 100, 10))}%"


def _checks_table(checks: list[dict[str, Any]], values: list[dict[str, Any]]) -> str:
    order = sorted(range(len(checks)), key=lambda i: ({"fail": 0, "undetermined": 1}.get(checks[i].get("status"), 2), i))
    rows = []
    for i in order:
        check = checks[i]
        status = check.get("status", "")
        figures = []
        for role, index in enumerate(check.get("spans") or []):
            if 0 <= index < len(values):
                value = values[index]
                page = f", p. {value['page']}" if value.get("page") is not None else ""
                metric = f"{_e(value.get('metric'))}: " if value.get("metric") else ""
                stated = " <em>(stated)</em>" if role == 0 else ""
                figures.append(f'<li>{metric}<a href="#v{index}">{_e(value.get("text"))}</a> = {_e(_value_reading(value))}{_e(page)}{stated}</li>')
            else:
                figures.append(f"<li class=\"muted\">value #{index} (not in the record)</li>")
        hint = f"<br><span class=\"muted\">hint: {_e(check['hint'])}</span>" if check.get("hint") else ""
        rows.append(
            f'<tr class="check {_e(status)}" data-status="{_e(status)}">'
            f'<td class="status status-{_e(status)}">{_e(status)}</td><td>{_e(check.get("kind"))}</td>'
            f"<td>{_e(check.get('description'))}{hint}</td>"
            f'<td class="num">{_e(format_number(check.get("stated")))}</td><td class="num">{_e(format_number(check.get("computed")))}</td>'
            f'<td class="num">{_e(format_number(check.get("difference")))}</td><td class="num">{_e(format_number(check.get("tolerance")))}</td>'
            f"<td><ul>{''.join(figures)}</ul></td></tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("status", "kind", "check", "stated", "computed", "difference", "tolerance", "figures (page)"))
    return f'<table id="checks-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _values_table(values: list[dict[str, Any]], *, linked: bool) -> str:
    rows = []
    for i, value in enumerate(values):
        surface = _e(value.get("text"))
        if linked:
            surface = f'<a href="#v{i}">{surface}</a>'
        interval = ""
        if value.get("lower") is not None and value.get("upper") is not None:
            interval = f"[{format_number(value['lower'])}, {format_number(value['upper'])}]"
        rows.append(
            f'<tr><td class="num">{i}</td><td>{_e(value.get("label"))}</td><td>{surface}</td>'
            f'<td class="num">{_e(format_number(value.get("value")))}</td><td>{_e(value.get("unit"))}</td>'
            f'<td class="num">{_e(format_number(value.get("precision")))}</td><td class="num">{_e(interval)}</td>'
            f"<td>{_e(value.get('approximate'))}</td><td>{_e(value.get('metric'))}</td>"
            f'<td class="num">{_e(value.get("page"))}</td><td class="num">[{value.get("start")}, {value.get("end")})</td></tr>'
        )
    head = "".join(f"<th>{h}</th>" for h in ("#", "label", "text", "value", "unit", "precision", "interval", "approx.", "metric", "page", "offsets"))
    return f'<table id="values-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


# --------------------------------------------------------------------------- highlighting


def highlight(text: str, values: list[dict[str, Any]], claims: list[dict[str, Any]], *, in_failed: set[int] | None = None) -> str:
    """``text`` as HTML: each value a ``<mark class="value LABEL" id="vN">`` ending in its
    label, each claim a ``<span class="claim">`` around its stretch (values inside
    it nest in it). Offsets are half-open character offsets into ``text``.

    Values that overlap an earlier value are left unmarked (the record's values do
    not overlap); a value that crosses a claim's edge is split into two marks.
    """
    in_failed = in_failed or set()
    n = len(text)
    cover_value: list[int | None] = [None] * (n + 1)
    for index in sorted(range(len(values)), key=lambda i: (values[i].get("start", 0), i)):
        start, end = _clip(values[index], n)
        if start < end and all(cover_value[k] is None for k in range(start, end)):
            for k in range(start, end):
                cover_value[k] = index
    cover_claim: list[int | None] = [None] * (n + 1)
    for index in sorted(range(len(claims)), key=lambda i: (claims[i].get("start", 0), i)):
        start, end = _clip(claims[index], n)
        for k in range(start, end):
            if cover_claim[k] is None:
                cover_claim[k] = index

    out: list[str] = []
    claim_open: int | None = None
    value_open: int | None = None
    segment_start = 0

    def close_value(at: int) -> None:
        nonlocal value_open
        if value_open is not None:
            if values[value_open].get("end") == at:
                out.append(f'<span class="tag">{_e(values[value_open].get("label"))}</span>')
            out.append("</mark>")
            value_open = None

    def open_value(index: int, at: int) -> None:
        nonlocal value_open
        value = values[index]
        classes = f"value {_e(value.get('label'))}" + (" in-fail" if index in in_failed else "")
        anchor = f' id="v{index}"' if value.get("start") == at else ""
        out.append(f'<mark class="{classes}"{anchor} data-label="{_e(value.get("label"))}" title="{_e(_title(value))}">')
        value_open = index

    for k in range(n + 1):
        want_claim, want_value = cover_claim[k], cover_value[k]
        if k < n and want_claim == claim_open and want_value == value_open:
            continue
        out.append(html.escape(text[segment_start:k], quote=False))
        segment_start = k
        if k == n:
            break
        if want_claim != claim_open:
            close_value(k)
            if claim_open is not None:
                out.append("</span>")
            claim_open = want_claim
            if want_claim is not None:
                out.append(f'<span class="claim" data-claim="{want_claim}" title="{_e("CLAIM: " + str(claims[want_claim].get("text", ""))[:200])}">')
        if want_value != value_open:
            close_value(k)
            if want_value is not None:
                open_value(want_value, k)
    close_value(n)
    if claim_open is not None:
        out.append("</span>")
    return "".join(out)


def _clip(span: dict[str, Any], n: int) -> tuple[int, int]:
    start = max(0, min(int(span.get("start") or 0), n))
    end = max(start, min(int(span.get("end") or 0), n))
    return start, end


def _title(value: dict[str, Any]) -> str:
    parts = [str(value.get("label")), _value_reading(value)]
    if value.get("precision") is not None:
        parts.append(f"precision {format_number(value['precision'])}")
    if value.get("metric"):
        parts.append(f"metric {value['metric']}")
    if value.get("page") is not None:
        parts.append(f"page {value['page']}")
    return " · ".join(parts)
