"""Files in, records out: resumable, in parallel (local processes or Ray), with progress.

The pipeline never knows it runs in a batch. Each record is written as one
``os.write`` of a whole line as soon as its document is done, so an
interrupted run (Ctrl-C, ``kill``) loses at most the files in flight and the
output stays valid JSON Lines; a rerun skips files whose content hash is
already in the output (``force`` starts over). A torn last line, which only a
SIGKILL landing inside that one write (or a crash of the machine) can leave,
is cut off before appending.

CSV and Parquet (``fmt``) are tables made from the JSON Lines records when the
run ends (``extractor.writers``); the records file beside them
(``results.csv`` -> ``results.jsonl``) is what a rerun resumes from.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from extractor.engines import ENGINES, Job, TaggerSpec, make_engine
from extractor.ingest import iter_input_files, sha256_bytes
from extractor.record import dumps

__all__ = ["BatchInterrupted", "BatchSummary", "ENGINES", "TaggerSpec", "done_hashes", "file_sha256", "run_batch"]


@dataclass
class BatchSummary:
    processed: int = 0
    skipped: int = 0
    failed: int = 0
    inconsistent: int = 0
    pages: int = 0
    seconds: float = 0.0
    records: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)  # files written (records, tables)


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped the batch; what was done is written and ``summary`` says how much."""

    def __init__(self, summary: BatchSummary, signum: int) -> None:
        super().__init__(f"interrupted by signal {signum}")
        self.summary = summary
        self.signum = signum


def file_sha256(path: Path) -> str | None:
    try:
        return sha256_bytes(path.read_bytes())
    except OSError:
        return None


def done_hashes(out_path: Path) -> set[str]:
    """Content hashes already in an output file; cuts a torn last line off."""
    if not out_path.exists():
        return set()
    hashes: set[str] = set()
    good_bytes = 0
    with out_path.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break
            try:
                record = json.loads(raw)
            except json.JSONDecodeError:
                break
            good_bytes += len(raw)
            if record.get("sha256"):
                hashes.add(record["sha256"])
    if good_bytes != out_path.stat().st_size:
        with out_path.open("r+b") as handle:
            handle.truncate(good_bytes)
    return hashes


class _LineWriter:
    """Whole lines to a file (one ``os.write`` each, O_APPEND) or to a text stream."""

    def __init__(self, out: TextIO | Path, *, truncate: bool) -> None:
        self.fd: int | None = None
        self.stream: TextIO | None = None
        if isinstance(out, Path):
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | (os.O_TRUNC if truncate else 0)
            self.fd = os.open(out, flags, 0o644)
        else:
            self.stream = out

    def write(self, line: str) -> None:
        if self.fd is not None:
            data = line.encode("utf-8")
            while data:  # a regular file takes it in one call; loop for the odd short write
                written = os.write(self.fd, data)
                data = data[written:]
        else:
            assert self.stream is not None
            self.stream.write(line)
            self.stream.flush()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class _Signals:
    """While the batch runs, SIGTERM raises like Ctrl-C does, so both stop it cleanly."""

    def __init__(self) -> None:
        self.signum = signal.SIGINT
        self.previous: Any = None

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, self._raise)
        return self

    def _raise(self, signum: int, frame: Any) -> None:
        self.signum = signum
        raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


def run_batch(
    paths: Iterable[str | os.PathLike[str]],
    out: TextIO | Path,
    *,
    tagger: TaggerSpec = TaggerSpec(),
    workers: int = 1,
    force: bool = False,
    include_text: bool = False,
    progress: bool = True,
    on_record: Callable[[dict[str, Any]], None] | None = None,
    engine: str = "local",
    ray_address: str | None = None,
    fmt: str = "jsonl",
) -> BatchSummary:
    """Extract every report under ``paths`` into ``out``.

    ``fmt`` ``jsonl`` writes JSON Lines to ``out`` (a path or a text stream);
    ``csv`` and ``parquet`` need a path and write the tables of
    ``extractor.writers`` there, the records beside it (``out`` with suffix
    ``.jsonl``). Raises ``BatchInterrupted`` on Ctrl-C or SIGTERM after
    stopping the workers; every record finished by then is in the output.
    """
    from extractor import writers

    if fmt not in writers.FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(writers.FORMATS)}")
    tables_out: Path | None = None
    if fmt != "jsonl":
        if not isinstance(out, Path):
            raise ValueError(f"--format {fmt} writes several files: give --out a path")
        tables_out, out = out, writers.records_path(out)
    files = list(iter_input_files(paths))
    summary = BatchSummary()
    if isinstance(out, Path):
        out.parent.mkdir(parents=True, exist_ok=True)
        seen = set() if force else done_hashes(out)
        summary.outputs.append(out)
    else:
        seen = set()
    todo = []
    for path in files:
        digest = file_sha256(path)
        if digest is not None and digest in seen:
            summary.skipped += 1
            continue
        if digest is not None:
            seen.add(digest)  # the same content twice in one run is done once
        todo.append(path)
    writer = _LineWriter(out, truncate=force)
    runner = make_engine(engine, Job(tagger, include_text), workers=workers, ray_address=ray_address) if todo else None
    started = time.perf_counter()
    cancelled = False
    try:
        with _Signals() as signals, _Progress(len(todo), skipped=summary.skipped, enabled=progress and len(todo) > 3) as advance:
            try:
                for record in runner.records(todo) if runner is not None else ():
                    writer.write(dumps(record) + "\n")
                    summary.processed += 1
                    summary.pages += record.get("pages") or 0
                    summary.failed += bool(record["errors"])
                    summary.inconsistent += any(c["status"] == "fail" for c in record["checks"])
                    summary.records.append(_brief(record))
                    if on_record is not None:
                        on_record(record)
                    advance(record)
            except KeyboardInterrupt:
                cancelled = True
                raise BatchInterrupted(summary, signals.signum) from None
    finally:
        summary.seconds = time.perf_counter() - started
        if runner is not None:
            runner.close(cancel=cancelled)
        writer.close()
    if tables_out is not None:
        summary.outputs = writers.write_tables(out, tables_out, fmt) + [out]
    return summary


def _brief(record: dict[str, Any]) -> dict[str, Any]:
    """What the human summary needs, without holding every span in memory."""
    labels: dict[str, int] = {}
    for value in record["values"]:
        labels[value["label"]] = labels.get(value["label"], 0) + 1
    return {
        "source": record["source"],
        "chars": record["chars"],
        "pages": record.get("pages"),
        "labels": labels,
        "claims": len(record["claims"]),
        "checks": record["checks"],
        "fields": record["fields"],
        "errors": record["errors"],
    }


class _Progress:
    """tqdm on stderr: files done of the total with rate and ETA; pages done and pages/s as postfix."""

    def __init__(self, total: int, *, skipped: int = 0, enabled: bool) -> None:
        self.total, self.skipped, self.enabled, self.bar = total, skipped, enabled, None
        self.pages = 0
        self.started = time.perf_counter()

    def __enter__(self) -> Callable[[dict[str, Any]], None]:
        if self.enabled:
            from tqdm import tqdm

            desc = f"extract ({self.skipped} done before)" if self.skipped else "extract"
            self.bar = tqdm(total=self.total, unit="file", desc=desc, file=sys.stderr, dynamic_ncols=True)
        self.started = time.perf_counter()

        def advance(record: dict[str, Any]) -> None:
            self.pages += record.get("pages") or 0
            if self.bar is not None:
                elapsed = max(time.perf_counter() - self.started, 1e-9)
                self.bar.set_postfix_str(f"pages={self.pages}, {self.pages / elapsed:.2f} pages/s", refresh=False)
                self.bar.update(1)

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
