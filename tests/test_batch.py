from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scanning import lines_page, text_pdf

from extractor.batch import BatchInterrupted, done_hashes, run_batch
from extractor.engines import TaggerSpec
from extractor.record import validate_record

REPO = Path(__file__).resolve().parent.parent
RULES = TaggerSpec("rules")


def read_jsonl(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), "the output must end with a whole line"
    return [json.loads(line) for line in text.splitlines()]


def make_archive(folder: Path, samples: dict[str, str], copies: int) -> list[Path]:
    """``copies`` distinct text reports (each sample with a numbered last line)."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = list(samples.values())
    paths = []
    for i in range(copies):
        path = folder / f"report_{i:03d}.txt"
        path.write_text(texts[i % len(texts)] + f"\n附件 {i}\n", encoding="utf-8")
        paths.append(path)
    return paths


def children_of(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found.update(int(x) for x in handle.read().split())
    except OSError:
        pass
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc to find the worker processes")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["ctrl-c", "kill", "kill-9"])
def test_batch_killed_mid_run_keeps_valid_output_and_the_rerun_resumes(tmp_path, samples, signum):
    paths = make_archive(tmp_path / "archive", samples, 60)
    out = tmp_path / "results.jsonl"
    command = [sys.executable, "-m", "extractor", "extract", str(tmp_path / "archive"), "--out", str(out), "--tagger", "rules", "--workers", "2", "--quiet"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while time.monotonic() < deadline:
        workers |= children_of(process.pid)
        if out.exists() and out.read_bytes().count(b"\n") >= 3:
            break
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGKILL: -9}[signum], stderr
    if signum != signal.SIGKILL:
        assert "run the same command again to resume" in " ".join(stderr.decode().split())
    records = read_jsonl(out)  # every line whole and valid JSON
    assert 3 <= len(records) < len(paths), "the run was to be stopped mid-way"
    for record in records:
        validate_record(record)
    # The workers do not outlive the batch, even after kill -9.
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert workers and not any(alive(pid) for pid in workers)

    summary = run_batch([tmp_path / "archive"], out, tagger=RULES, workers=2, progress=False)
    assert summary.skipped == len(records)
    assert summary.processed == len(paths) - len(records)
    final = read_jsonl(out)
    assert len(final) == len(paths) and len({r["sha256"] for r in final}) == len(paths)


def test_batch_bad_files_among_good_ones(tmp_path, samples):
    folder = tmp_path / "mixed"
    good = make_archive(folder, samples, 4)
    (folder / "report.pdf").write_bytes(text_pdf([lines_page(["2024 年度总支出决算数 285.53 万元。" * 3])]))
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage" * 20)
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "blank.txt").write_bytes(b" \n\t\n")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    out = tmp_path / "out.jsonl"
    summary = run_batch([folder], out, tagger=RULES, workers=2, progress=False)
    records = {Path(r["source"]).name: r for r in read_jsonl(out)}
    assert len(records) == 9 and summary.processed == 9 and summary.failed == 4
    for path in good:
        assert not records[path.name]["errors"] and records[path.name]["values"]
    assert not records["report.pdf"]["errors"] and records["report.pdf"]["values"][0]["page"] == 1
    expected = {"corrupt.pdf": "E009", "empty.pdf": "E002", "blank.txt": "E008", "broken.png": "E011"}
    for name, code in expected.items():
        (error,) = records[name]["errors"]
        assert error["code"] == code and name in error["message"], error
    for record in records.values():
        validate_record(record)


def test_batch_progress_shows_files_pages_and_rate(tmp_path, samples, capsys):
    paths = make_archive(tmp_path / "a", samples, 5)
    run_batch(paths, tmp_path / "out.jsonl", tagger=RULES, progress=True)
    err = capsys.readouterr().err
    assert "5/5" in err and "file" in err
    assert "pages=5" in err and "pages/s" in err


def test_batch_interrupt_in_process_raises_with_a_summary(tmp_path, samples):
    paths = make_archive(tmp_path / "a", samples, 6)
    out = tmp_path / "out.jsonl"

    def stop_after_two(record):
        if stop_after_two.count == 1:
            raise KeyboardInterrupt
        stop_after_two.count += 1

    stop_after_two.count = 0
    with pytest.raises(BatchInterrupted) as info:
        run_batch(paths, out, tagger=RULES, progress=False, on_record=stop_after_two)
    assert info.value.summary.processed == 2 and info.value.signum == signal.SIGINT
    assert len(read_jsonl(out)) == 2
    assert len(done_hashes(out)) == 2


def test_batch_same_content_twice_is_done_once(tmp_path, samples):
    folder = tmp_path / "dup"
    folder.mkdir()
    text = next(iter(samples.values()))
    (folder / "a.txt").write_text(text, encoding="utf-8")
    (folder / "b.txt").write_text(text, encoding="utf-8")
    summary = run_batch([folder], tmp_path / "out.jsonl", tagger=RULES, progress=False)
    assert summary.processed == 1 and summary.skipped == 1
