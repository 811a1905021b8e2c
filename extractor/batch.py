"""Files in, records out: resumable, in parallel processes, with progress.

The pipeline never knows it runs in a batch. Each record is written and
flushed as soon as its document is done, so an interrupted run loses at most
the files in flight; a rerun skips files whose content hash is already in the
output (``force`` starts over). A torn last line from a killed run is cut off
before appending, so the output stays valid JSON Lines.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from extractor.ingest import iter_input_files, sha256_bytes
from extractor.record import dumps

# Work done in a worker process: loaded once per process by ``_init_worker``.
_worker_tagger: Any = None


@dataclass
class BatchSummary:
    processed: int = 0
    skipped: int = 0
    failed: int = 0
    inconsistent: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class TaggerSpec:
    """How a worker builds its tagger (a picklable recipe, not the model itself)."""

    name: str = "auto"
    model_path: str | None = None

    def load(self) -> Any:
        from extractor.tagger import load_tagger

        return load_tagger(self.name, self.model_path)


def _init_worker(spec: TaggerSpec) -> None:
    global _worker_tagger  # one model per worker process
    _worker_tagger = spec.load()


def _extract_in_worker(path: str, include_text: bool) -> dict[str, Any]:
    from extractor.pipeline import extract_file

    return extract_file(path, tagger=_worker_tagger, include_text=include_text).to_dict()


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
) -> BatchSummary:
    """Extract every report under ``paths`` into JSON Lines at ``out``."""
    files = list(iter_input_files(paths))
    summary = BatchSummary()
    if isinstance(out, Path):
        out.parent.mkdir(parents=True, exist_ok=True)
        seen = set() if force else done_hashes(out)
        handle: TextIO = out.open("w" if force else "a", encoding="utf-8")
        close = True
    else:
        seen, handle, close = set(), out, False
    todo = []
    for path in files:
        digest = file_sha256(path)
        if digest is not None and digest in seen:
            summary.skipped += 1
            continue
        if digest is not None:
            seen.add(digest)  # the same content twice in one run is done once
        todo.append(path)
    try:
        with _progress_bar(len(todo), enabled=progress and len(todo) > 3) as advance:
            for record in _records(todo, tagger, workers, include_text):
                handle.write(dumps(record) + "\n")
                handle.flush()
                summary.processed += 1
                summary.failed += bool(record["errors"])
                summary.inconsistent += any(c["status"] == "fail" for c in record["checks"])
                summary.records.append(_brief(record))
                if on_record is not None:
                    on_record(record)
                advance(record)
    finally:
        if close:
            handle.close()
    return summary


def _records(todo: list[Path], tagger: TaggerSpec, workers: int, include_text: bool) -> Iterator[dict[str, Any]]:
    if workers <= 1 or len(todo) <= 1:
        _init_worker(tagger)
        for path in todo:
            yield _extract_in_worker(str(path), include_text)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(tagger,)) as pool:
        pending: set[Future[dict[str, Any]]] = set()
        queue = iter(todo)
        # Keep a bounded number in flight so an interruption loses little.
        for path in queue:
            pending.add(pool.submit(_extract_in_worker, str(path), include_text))
            if len(pending) >= workers * 2:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(pool.submit(_extract_in_worker, str(nxt), include_text))


def _brief(record: dict[str, Any]) -> dict[str, Any]:
    """What the human summary needs, without holding every span in memory."""
    labels: dict[str, int] = {}
    for value in record["values"]:
        labels[value["label"]] = labels.get(value["label"], 0) + 1
    return {
        "source": record["source"],
        "chars": record["chars"],
        "labels": labels,
        "claims": len(record["claims"]),
        "checks": record["checks"],
        "fields": record["fields"],
        "errors": record["errors"],
    }


class _progress_bar:
    """tqdm on stderr, or nothing."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total, self.enabled, self.bar = total, enabled, None

    def __enter__(self) -> Callable[[dict[str, Any]], None]:
        if self.enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, unit="file", file=sys.stderr, dynamic_ncols=True)

        def advance(record: dict[str, Any]) -> None:
            if self.bar is not None:
                self.bar.set_postfix_str(Path(record["source"]).name[-30:], refresh=False)
                self.bar.update(1)

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
