from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.writers import CHECK_COLUMNS, COLUMNS, VALUE_COLUMNS, format_for, records_path, table_paths, write_tables

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory, sample_paths):
    """The five samples extracted once to JSON Lines (rules tagger)."""
    folder = tmp_path_factory.mktemp("w")
    out = folder / "results.jsonl"
    result = runner.invoke(app, ["extract", *map(str, sample_paths.values()), "--out", str(out), "--tagger", "rules", "--quiet"])
    assert result.exit_code == 0, result.output
    return out, [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_writers_table_paths_and_format_from_suffix(tmp_path):
    paths = table_paths(tmp_path / "results.csv", "csv")
    assert {k: p.name for k, p in paths.items()} == {
        "values": "results.csv",
        "checks": "results.checks.csv",
        "claims": "results.claims.csv",
        "documents": "results.documents.csv",
    }
    assert records_path(tmp_path / "results.parquet").name == "results.jsonl"
    assert format_for(Path("r.csv"), None) == "csv" and format_for(Path("r.parquet"), None) == "parquet"
    assert format_for(Path("r.jsonl"), None) == "jsonl" and format_for(Path("r.csv"), "jsonl") == "jsonl"
    with pytest.raises(ValueError):
        format_for(Path("r.csv"), "xlsx")


def test_writers_csv_one_row_per_value_and_per_check(extracted, tmp_path):
    records_file, records = extracted
    written = write_tables(records_file, tmp_path / "results.csv", "csv")
    assert [p.name for p in written] == ["results.csv", "results.checks.csv", "results.claims.csv", "results.documents.csv"]
    values = read_csv(tmp_path / "results.csv")
    checks = read_csv(tmp_path / "results.checks.csv")
    documents = read_csv(tmp_path / "results.documents.csv")
    assert list(values[0]) == [name for name, _, _ in VALUE_COLUMNS]
    assert list(checks[0]) == [name for name, _, _ in CHECK_COLUMNS]
    assert len(values) == sum(len(r["values"]) for r in records)
    assert len(checks) == sum(len(r["checks"]) for r in records)
    assert [d["sha256"] for d in documents] == [r["sha256"] for r in records]
    # A row is the record's value, with its document and page.
    record = records[1]
    first = next(v for v in values if v["sha256"] == record["sha256"] and v["index"] == "0")
    value = record["values"][0]
    assert first["source"] == record["source"] and first["page"] == "1"
    assert (first["label"], first["text"], float(first["value"]), first["unit"]) == (value["label"], value["text"], value["value"], value["unit"])
    assert int(first["start"]) == value["start"] and int(first["end"]) == value["end"]
    # A check's spans name rows of the values table of the same document.
    check = next(c for c in checks if c["spans"])
    indices = [int(i) for i in check["spans"].split(";")]
    doc_values = {v["index"]: v for v in values if v["sha256"] == check["sha256"]}
    assert all(str(i) in doc_values for i in indices)
    assert check["page"] == doc_values[str(indices[0])]["page"]


def test_writers_parquet_keeps_types(extracted, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    records_file, records = extracted
    write_tables(records_file, tmp_path / "results.parquet", "parquet")
    values = pq.read_table(tmp_path / "results.parquet")
    checks = pq.read_table(tmp_path / "results.checks.parquet")
    assert values.column_names == [name for name, _, _ in VALUE_COLUMNS]
    assert values.num_rows == sum(len(r["values"]) for r in records)
    assert str(values.schema.field("value").type) == "double" and str(values.schema.field("page").type) == "int64"
    assert str(checks.schema.field("spans").type) == "list<element: int64>"
    row = values.slice(0, 1).to_pylist()[0]
    assert row["value"] == records[0]["values"][0]["value"] and row["sha256"] == records[0]["sha256"]
    assert checks.num_rows == sum(len(r["checks"]) for r in records)


def test_writers_errors_reach_the_documents_table(tmp_path, sample_paths):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    good = tmp_path / "in" / "good.txt"
    good.write_text(sample_paths["000"].read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "results.csv"
    result = runner.invoke(app, ["extract", str(tmp_path / "in"), "--out", str(out), "--tagger", "rules", "--quiet"])
    assert result.exit_code == 1
    documents = {Path(d["source"]).name: d for d in read_csv(tmp_path / "results.documents.csv")}
    assert documents["broken.pdf"]["error_codes"] == "E009" and "broken.pdf" in documents["broken.pdf"]["errors"]
    assert documents["good.txt"]["error_codes"] == "" and int(documents["good.txt"]["values"]) > 0


def test_writers_cli_csv_resumes_from_its_records(tmp_path, sample_paths):
    out = tmp_path / "results.csv"
    files = [str(p) for p in sample_paths.values()]
    first = runner.invoke(app, ["extract", *files[:3], "--out", str(out), "--tagger", "rules", "--quiet"])
    assert first.exit_code == 0, first.output
    assert len(read_csv(tmp_path / "results.documents.csv")) == 3
    second = runner.invoke(app, ["extract", *files, "--out", str(out), "--tagger", "rules"])
    assert second.exit_code == 0, second.output
    assert "3 skipped" in second.output and "2 processed" in second.output
    documents = read_csv(tmp_path / "results.documents.csv")
    assert len(documents) == 5  # the tables cover the earlier run's records too
    assert len((tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 5


def test_writers_cli_table_format_needs_an_out_path(sample_paths):
    result = runner.invoke(app, ["extract", str(sample_paths["000"]), "--format", "csv", "--tagger", "rules"])
    assert result.exit_code == 2


def test_writers_every_column_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### CSV and Parquet columns") :]
    for table, columns in COLUMNS.items():
        for name, _, _ in columns:
            assert f"`{name}`" in section, f"README does not describe column {name} of the {table} table"
