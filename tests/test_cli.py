from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from extractor.cli import app
from extractor.record import validate_record

runner = CliRunner()


def read_records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_cli_extract_writes_one_valid_record_per_file(sample_paths, tmp_path):
    out = tmp_path / "results.jsonl"
    texts = [str(p) for p in sample_paths.values()]  # samples/ also holds scans (samples/scans/), OCR'd elsewhere
    result = runner.invoke(app, ["extract", *texts, "--out", str(out), "--tagger", "rules"])
    assert result.exit_code == 0, result.output
    records = read_records(out)
    assert len(records) == 5
    for record in records:
        validate_record(record)
    assert "5 processed" in result.output


def test_cli_bad_files_get_errors_and_the_batch_goes_on(sample_paths, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(sample_paths["001"], folder / "good.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.md").write_bytes(b"\x00\x01\x02garbage")
    (folder / "gbk.txt").write_bytes("总支出决算数 285.53 万元".encode("gb18030"))
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["extract", str(folder), "--out", str(out), "--quiet", "--tagger", "rules"])
    assert result.exit_code == 1  # some file failed
    records = {r["source"].rsplit("/", 1)[-1]: r for r in read_records(out)}
    assert set(records) == {"good.txt", "empty.txt", "binary.md", "gbk.txt"}
    assert records["empty.txt"]["errors"][0]["code"] == "E002"
    assert records["binary.md"]["errors"][0]["code"] == "E004"
    assert "binary.md" in records["binary.md"]["errors"][0]["message"]
    assert not records["good.txt"]["errors"] and records["good.txt"]["values"]
    assert records["gbk.txt"]["values"][0]["value"] == 2855300.0


def test_cli_rerun_resumes_and_repairs_a_torn_line(sample_paths, tmp_path):
    out = tmp_path / "results.jsonl"
    folder = [str(p) for p in sample_paths.values()]  # the five text reports
    assert runner.invoke(app, ["extract", *folder, "--out", str(out), "--quiet", "--tagger", "rules"]).exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    # Simulate a run killed while writing its third record.
    out.write_text("".join(lines[:2]) + lines[2][:40], encoding="utf-8")
    result = runner.invoke(app, ["extract", *folder, "--out", str(out), "--tagger", "rules"])
    assert result.exit_code == 0
    assert "2 skipped" in result.output and "3 processed" in result.output
    records = read_records(out)
    assert len(records) == 5 and len({r["sha256"] for r in records}) == 5


def test_cli_missing_path_is_a_file_error(tmp_path):
    result = runner.invoke(app, ["extract", str(tmp_path / "nope.txt"), "--quiet", "--tagger", "rules"])
    assert result.exit_code == 1
    record = json.loads(result.stdout.strip().splitlines()[0])
    assert record["errors"][0]["code"] == "E001"
