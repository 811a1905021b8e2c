"""Records -> output files: JSON Lines, or tables in CSV or Parquet.

JSON Lines (``extractor/schema/record.schema.json``) is the full record and
what a batch writes as it goes. CSV and Parquet are flat views made from those
records, one row per item, each row carrying its document (``source``,
``sha256``) and its ``page``:

==========================  =======================================
``results.csv``             one row per value (``VALUE_COLUMNS``)
``results.checks.csv``      one row per check (``CHECK_COLUMNS``)
``results.claims.csv``      one row per claim (``CLAIM_COLUMNS``)
``results.documents.csv``   one row per file, errors included (``DOCUMENT_COLUMNS``)
==========================  =======================================

(``.parquet`` likewise). CSV is UTF-8 with a byte-order mark, so that Excel
shows the Chinese text; lists (``spans``) are joined by ``;``. Parquet keeps
types: integers, doubles, lists of integers, nulls. Every column is described
here once and the README's table is checked against these lists by the tests.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from extractor.errors import ExtractorError, Msg

FORMATS = ("jsonl", "csv", "parquet")
TABLES = ("values", "checks", "claims", "documents")
PARQUET_ROW_GROUP = 50_000

# (name, type, description); type is one of str, int, float, ints (a list of ints).
Column = tuple[str, str, str]

_DOC: list[Column] = [
    ("source", "str", "the input path as given"),
    ("sha256", "str", "SHA-256 of the file's bytes"),
]
VALUE_COLUMNS: list[Column] = _DOC + [
    ("page", "int", "page of the value (1-based)"),
    ("index", "int", "position in the record's values: what the checks' spans refer to"),
    ("label", "str", "AMOUNT | PERCENT | SCORE | QUANTITY"),
    ("start", "int", "character offset into the document text (half-open)"),
    ("end", "int", "end offset (exclusive)"),
    ("text", "str", "the value as written"),
    ("value", "float", "normalised value: 元, a fraction, points or a count"),
    ("unit", "str", "元 | % | 个百分点 | 分 | the measure word"),
    ("precision", "float", "stated resolution in the base unit"),
    ("lower", "float", "lower bound of the figure the text allows"),
    ("upper", "float", "upper bound"),
    ("approximate", "str", "approximation or bound word (约, 余, ≥ ...)"),
    ("metric", "str", "the phrase the value measures"),
    ("confidence", "float", "tagger confidence, 0-1"),
]
CHECK_COLUMNS: list[Column] = _DOC + [
    ("page", "int", "page of the stated figure (the check's first span)"),
    ("index", "int", "position in the record's checks"),
    ("kind", "str", "sum | rate | change | score_total | count_total | list_count | product | inequality"),
    ("status", "str", "pass | fail | undetermined"),
    ("stated", "float", "the figure the report states"),
    ("computed", "float", "the figure computed from the others"),
    ("difference", "float", "stated - computed"),
    ("tolerance", "float", "allowed difference given the stated precisions"),
    ("description", "str", "what was checked, in words"),
    ("hint", "str", "for a failed check: a single misreading that would make it consistent"),
    ("spans", "ints", "indices of the values involved (the index column of the values table), stated first"),
]
CLAIM_COLUMNS: list[Column] = _DOC + [
    ("page", "int", "page of the claim"),
    ("index", "int", "position in the record's claims"),
    ("start", "int", "character offset into the document text"),
    ("end", "int", "end offset (exclusive)"),
    ("text", "str", "the claim as written"),
    ("confidence", "float", "tagger confidence, 0-1"),
    ("values", "ints", "indices of the values inside the claim"),
]
DOCUMENT_COLUMNS: list[Column] = _DOC + [
    ("chars", "int", "length of the document text"),
    ("pages", "int", "number of pages"),
    ("tagger", "str", "rules or the model name"),
    ("values", "int", "number of values"),
    ("claims", "int", "number of claims"),
    ("checks", "int", "number of checks"),
    ("checks_failed", "int", "checks with status fail"),
    ("error_codes", "str", "codes of the errors, ';'-joined (E009 ...)"),
    ("errors", "str", "error messages with their pages, ' | '-joined"),
]
COLUMNS: dict[str, list[Column]] = {
    "values": VALUE_COLUMNS,
    "checks": CHECK_COLUMNS,
    "claims": CLAIM_COLUMNS,
    "documents": DOCUMENT_COLUMNS,
}


def format_for(out: Path | None, fmt: str | None) -> str:
    """The format asked for, else the one ``out``'s suffix names, else jsonl."""
    if fmt:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
        return fmt
    suffix = out.suffix.lower() if out is not None else ""
    return {".csv": "csv", ".parquet": "parquet"}.get(suffix, "jsonl")


def records_path(out: Path) -> Path:
    """Where the JSON Lines records behind a CSV/Parquet output go: ``results.csv`` -> ``results.jsonl``."""
    return out.with_suffix(".jsonl")


def table_paths(out: Path, fmt: str) -> dict[str, Path]:
    """``results.csv`` -> values ``results.csv``, checks ``results.checks.csv``, ..."""
    suffix = "." + fmt
    stem = out.name[: -len(out.suffix)] if out.suffix.lower() == suffix else out.name
    return {table: out.parent / (stem + suffix if table == "values" else f"{stem}.{table}{suffix}") for table in TABLES}


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSON Lines file, streamed (a torn last line is skipped)."""
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break
            yield json.loads(raw)


def rows(record: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """One record's rows for each table, as dicts keyed by column name."""
    doc = {"source": record["source"], "sha256": record["sha256"]}
    values = record["values"]
    out: dict[str, list[dict[str, Any]]] = {
        "values": [{**doc, **value, "index": i} for i, value in enumerate(values)],
        "checks": [],
        "claims": [{**doc, **claim, "index": i} for i, claim in enumerate(record["claims"])],
    }
    for i, check in enumerate(record["checks"]):
        spans = check.get("spans") or []
        page = values[spans[0]].get("page") if spans and spans[0] < len(values) else None
        out["checks"].append({**doc, **check, "index": i, "page": page})
    errors = record["errors"]
    out["documents"] = [
        {
            **doc,
            "chars": record["chars"],
            "pages": record.get("pages"),
            "tagger": record.get("tagger"),
            "values": len(values),
            "claims": len(record["claims"]),
            "checks": len(record["checks"]),
            "checks_failed": sum(c["status"] == "fail" for c in record["checks"]),
            "error_codes": ";".join(e["code"] for e in errors),
            "errors": " | ".join(e["message"] + (f" (page {e['page']})" if e.get("page") else "") for e in errors),
        }
    ]
    return out


def write_tables(records: Path, out: Path, fmt: str) -> list[Path]:
    """Write the tables of ``fmt`` for every record in the JSON Lines file ``records``.

    Each table is written to a temporary name and moved into place, so an
    interruption never leaves half a table. Returns the paths written.
    """
    if fmt == "csv":
        return _write_csv(read_records(records), table_paths(out, "csv"))
    if fmt == "parquet":
        return _write_parquet(read_records(records), table_paths(out, "parquet"))
    raise ValueError(f"{fmt!r} is not a table format; use csv or parquet")


def _csv_cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "ints":
        return ";".join(str(v) for v in value)
    if kind == "float":
        return repr(float(value))
    return value


def _write_csv(records: Iterable[dict[str, Any]], paths: dict[str, Path]) -> list[Path]:
    temps = {table: path.with_name(path.name + ".tmp") for table, path in paths.items()}
    handles = {table: temp.open("w", encoding="utf-8-sig", newline="") for table, temp in temps.items()}
    try:
        writers = {table: csv.writer(handle) for table, handle in handles.items()}
        for table, writer in writers.items():
            writer.writerow([name for name, _, _ in COLUMNS[table]])
        for record in records:
            for table, table_rows in rows(record).items():
                columns = COLUMNS[table]
                for row in table_rows:
                    writers[table].writerow([_csv_cell(row.get(name), kind) for name, kind, _ in columns])
    finally:
        for handle in handles.values():
            handle.close()
    for table, temp in temps.items():
        os.replace(temp, paths[table])
    return list(paths.values())


def _arrow_schema(table: str) -> Any:
    import pyarrow as pa

    types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "ints": pa.list_(pa.int64())}
    return pa.schema([pa.field(name, types[kind], metadata={"description": text}) for name, kind, text in COLUMNS[table]])


def _write_parquet(records: Iterable[dict[str, Any]], paths: dict[str, Path]) -> list[Path]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ExtractorError(Msg.E018, reason=str(exc)) from None
    schemas = {table: _arrow_schema(table) for table in TABLES}
    temps = {table: path.with_name(path.name + ".tmp") for table, path in paths.items()}
    sinks = {table: pq.ParquetWriter(temps[table], schemas[table]) for table in TABLES}
    buffers: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES}

    def flush(table: str) -> None:
        if buffers[table]:
            columns = {name: [row.get(name) for row in buffers[table]] for name, _, _ in COLUMNS[table]}
            sinks[table].write_table(pa.table(columns, schema=schemas[table]))
            buffers[table] = []

    try:
        for record in records:
            for table, table_rows in rows(record).items():
                buffers[table].extend(table_rows)
                if len(buffers[table]) >= PARQUET_ROW_GROUP:
                    flush(table)
        for table in TABLES:
            flush(table)
    finally:
        for sink in sinks.values():
            sink.close()
    for table, temp in temps.items():
        os.replace(temp, paths[table])
    return list(paths.values())
