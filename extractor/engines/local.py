"""The default engine: worker processes on this machine, one tagger (and OCR engine) each.

With one worker everything runs in this process. With more, a process pool
whose workers ignore Ctrl-C (the batch handles it and stops them), die with
their parent even when it is killed outright (Linux ``PR_SET_PDEATHSIG``), and
split the CPU cores between their OCR engines. At most two files per worker
are in flight, so an interruption loses little.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from extractor.engines import Job, extract_record

# Loaded once per worker process by ``_init_worker``.
_worker_tagger: Any = None


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (no orphans after a SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the batch still terminates its pool itself
        pass


def _init_worker(job: Job, ocr_threads: int | None) -> None:
    global _worker_tagger  # one model per worker process
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    if ocr_threads:
        os.environ["EXTRACTOR_OCR_THREADS"] = str(ocr_threads)
        os.environ.setdefault("OMP_NUM_THREADS", str(ocr_threads))
    _worker_tagger = job.tagger.load()
    if ocr_threads and "torch" in sys.modules:  # the model's share of the cores too (torch may predate the variable)
        sys.modules["torch"].set_num_threads(ocr_threads)


def _extract_in_worker(path: str, include_text: bool) -> dict[str, Any]:
    return extract_record(path, None, _worker_tagger, include_text)


class LocalEngine:
    def __init__(self, job: Job, *, workers: int = 1) -> None:
        self.job = job
        self.workers = max(1, workers)
        self.pool: ProcessPoolExecutor | None = None

    def records(self, files: list[Path]) -> Iterator[dict[str, Any]]:
        if self.workers <= 1 or len(files) <= 1:
            tagger = self.job.tagger.load()
            for path in files:
                yield extract_record(str(path), None, tagger, self.job.include_text)
            return
        threads = max(1, _cpus() // self.workers)
        self.pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_init_worker, initargs=(self.job, threads))
        pending: set[Future[dict[str, Any]]] = set()
        queue = iter(files)
        for path in queue:
            pending.add(self.pool.submit(_extract_in_worker, str(path), self.job.include_text))
            if len(pending) >= self.workers * 2:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(self.pool.submit(_extract_in_worker, str(nxt), self.job.include_text))
        self.close(cancel=False)

    def close(self, *, cancel: bool) -> None:
        pool, self.pool = self.pool, None
        if pool is None:
            return
        if cancel:
            # Workers may be deep in an OCR page: stop them now instead of waiting.
            processes = list(getattr(pool, "_processes", {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                if process.is_alive():
                    process.terminate()
            for process in processes:
                process.join(timeout=5)
        else:
            pool.shutdown(wait=True)
