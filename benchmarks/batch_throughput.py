"""Batch throughput: pages/s for text-layer and scanned PDFs, reports/s for text, 1 and 2 workers.

    python benchmarks/batch_throughput.py [--workers 1,2] [--tagger auto] [--text-copies 40]
                                          [--pdf-copies 30] [--scans 5] [--report docs/BATCH.md]

Inputs come from ``samples/``: copies of the five text reports (each made
distinct by a numbered last line, since a batch does identical content once),
copies of the text-layer PDF ``samples/scans/001_*.text.pdf`` (distinct by
their metadata), and the scanned PDFs ``samples/scans/*.scan.pdf`` (OCR).
Each set runs through ``extractor.batch.run_batch`` into a fresh output, wall
time including worker start-up and model loading, as a user would see it.

Then the resume check: ``extractor extract`` in a subprocess is sent SIGTERM
mid-run, and a rerun must do exactly the files that are not yet in the output.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from extractor.batch import done_hashes, run_batch  # noqa: E402
from extractor.engines import TaggerSpec  # noqa: E402

SAMPLES = REPO / "samples"
SCANS = SAMPLES / "scans"
NOTES_MARKER = "<!-- notes: everything below is kept when the table above is regenerated -->"


def text_set(folder: Path, copies: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    paths = []
    for i in range(copies):
        path = folder / f"report_{i:04d}.txt"
        path.write_text(texts[i % len(texts)] + f"\n附件 {i}\n", encoding="utf-8")
        paths.append(path)
    return paths


def pdf_set(folder: Path, copies: int) -> list[Path]:
    import pymupdf

    folder.mkdir(parents=True, exist_ok=True)
    source = next(SCANS.glob("*.text.pdf"))
    paths = []
    for i in range(copies):
        doc = pymupdf.open(source)
        doc.set_metadata({"title": f"copy {i}"})
        path = folder / f"report_{i:03d}.pdf"
        doc.save(path)
        paths.append(path)
    return paths


def scan_set(count: int) -> list[Path]:
    return sorted(SCANS.glob("*.scan.pdf"))[:count]


def measure(name: str, files: list[Path], workers: int, tagger: TaggerSpec, out_dir: Path) -> dict[str, float]:
    out = out_dir / f"{name}_{workers}.jsonl"
    started = time.perf_counter()
    summary = run_batch(files, out, tagger=tagger, workers=workers, force=True, progress=False)
    seconds = time.perf_counter() - started
    assert summary.processed == len(files) and not summary.failed, (name, summary.failed)
    row = {"files": len(files), "pages": summary.pages, "seconds": seconds, "files_s": len(files) / seconds, "pages_s": summary.pages / seconds}
    print(
        f"{name:<16} workers={workers}  {len(files):>4} files {summary.pages:>4} pages  {seconds:7.1f} s"
        f"  {row['files_s']:7.2f} reports/s  {row['pages_s']:7.2f} pages/s",
        flush=True,
    )
    return row


def resume_check(folder: Path, out: Path, tagger: str) -> str:
    """Kill a real ``extractor extract`` mid-run, rerun, and check it does only what is left."""
    files = sorted(folder.iterdir())
    command = [sys.executable, "-m", "extractor", "extract", str(folder), "--out", str(out), "--tagger", tagger, "--workers", "2", "--quiet"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= max(2, len(files) // 4):
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    before = len(done_hashes(out))
    summary = run_batch([folder], out, tagger=TaggerSpec(tagger), workers=2, progress=False)
    after = len(done_hashes(out))
    ok = process.returncode == 143 and summary.skipped == before and summary.processed == len(files) - before and after == len(files)
    line = (
        f"resume: SIGTERM after {before}/{len(files)} files (exit {process.returncode}); rerun skipped {summary.skipped},"
        f" did {summary.processed}; output has {after} distinct records: {'OK' if ok else 'FAILED'}"
    )
    print(line, flush=True)
    if not ok:
        raise SystemExit(1)
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--tagger", default="auto")
    parser.add_argument("--text-copies", type=int, default=40)
    parser.add_argument("--pdf-copies", type=int, default=30)
    parser.add_argument("--scans", type=int, default=5, help="How many of the scanned PDFs (2 pages each) to OCR.")
    parser.add_argument("--report", type=Path, default=None, help="Also write the figures as Markdown.")
    args = parser.parse_args()
    tagger = TaggerSpec(args.tagger)
    workers = [int(w) for w in args.workers.split(",")]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f} at start, tagger {args.tagger}")
    rows: list[tuple[str, int, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        sets = {
            "text (.txt)": text_set(tmp_path / "text", args.text_copies),
            "text-layer PDF": pdf_set(tmp_path / "pdf", args.pdf_copies),
            "scanned PDF": scan_set(args.scans),
        }
        for name, files in sets.items():
            for w in workers:
                rows.append((name, w, measure(name.split()[0], files, w, tagger, tmp_path)))
        resume = resume_check(tmp_path / "text", tmp_path / "resume.jsonl", args.tagger)
    if args.report:
        lines = [
            "# Batch throughput",
            "",
            "Made by `python benchmarks/batch_throughput.py --report docs/BATCH.md`: wall time of",
            "`extractor.batch.run_batch` from start (worker start-up and model loading included) to the",
            f"last record. Machine: {platform.machine()}, {os.cpu_count()} CPUs (load average {load:.1f} at start), tagger `{args.tagger}`.",
            "",
            "| input | workers | files | pages | seconds | reports/s | pages/s |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, w, r in rows:
            lines.append(f"| {name} | {w} | {r['files']} | {r['pages']} | {r['seconds']:.1f} | {r['files_s']:.2f} | {r['pages_s']:.2f} |")
        lines += ["", resume, ""]
        notes = NOTES_MARKER + "\n"
        if args.report.exists():  # hand-written notes below the marker survive a regeneration
            old = args.report.read_text(encoding="utf-8")
            if NOTES_MARKER in old:
                notes = old[old.index(NOTES_MARKER) :]
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text("\n".join(lines) + notes, encoding="utf-8")
        print(f"-> {args.report}")


if __name__ == "__main__":
    main()
