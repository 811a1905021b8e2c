"""The same pipeline on a Ray cluster: a pool of actors, one tagger (and OCR engine) each.

    extractor extract ARCHIVE --out results.jsonl --engine ray --ray-address auto --workers 8

The driver (this process) reads each file, as it must anyway to hash it for
resuming, and sends its bytes to an actor, so the workers need no shared file
system; records come back as they are done and are written here. At most two
files per actor are in flight. Without ``--ray-address`` a local Ray instance
is started (and stopped at the end); with one, the driver joins that cluster
and leaves it running. Ray is an optional extra: ``pip install "extractor[ray]"``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from extractor.engines import Job, extract_record


class _Extractor:
    """A Ray actor: loads its tagger once, then extracts one file per call."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.tagger = job.tagger.load()

    def extract(self, source: str, data: bytes | None) -> dict[str, Any]:
        return extract_record(source, data, self.tagger, self.job.include_text)


class RayEngine:
    def __init__(self, job: Job, *, workers: int = 1, address: str | None = None, num_cpus: int | None = None) -> None:
        try:
            import ray
        except ImportError as exc:
            raise RuntimeError('--engine ray needs Ray: pip install "extractor[ray]" (or pip install ray)') from exc
        self.ray = ray
        self.job = job
        self.workers = max(1, workers)
        self.started_here = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
            if address:
                ray.init(address=address, **kwargs)
            else:
                # Ray starts its workers at nice 15 so that its own daemons stay responsive on a
                # busy node; on a shared machine that starves them (20x slower here). A local
                # instance exists for this batch alone: run its workers at normal priority.
                os.environ.setdefault("RAY_worker_niceness", "0")
                ray.init(num_cpus=num_cpus or max(self.workers, 1), **kwargs)
                self.started_here = True
        remote = ray.remote(num_cpus=1)(_Extractor)
        self.actors = [remote.remote(job) for _ in range(self.workers)]

    def records(self, files: list[Path]) -> Iterator[dict[str, Any]]:
        ray = self.ray
        idle = list(self.actors) * 2  # two files per actor in flight: the next one waits in its queue
        in_flight: dict[Any, Any] = {}  # object ref -> actor
        queue = iter(files)
        exhausted = False

        def submit(path: Path) -> None:
            actor = idle.pop()
            try:
                data: bytes | None = path.read_bytes()
            except OSError:
                data = None  # the worker reports the file as missing or unreadable
            in_flight[actor.extract.remote(str(path), data)] = actor

        while True:
            while idle and not exhausted:
                path = next(queue, None)
                if path is None:
                    exhausted = True
                    break
                submit(path)
            if not in_flight:
                break
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            for ref in ready:
                idle.append(in_flight.pop(ref))
                yield ray.get(ref)

    def close(self, *, cancel: bool) -> None:
        ray = self.ray
        for actor in self.actors:
            try:
                ray.kill(actor)
            except Exception:  # noqa: BLE001 - already gone
                pass
        self.actors = []
        if self.started_here:
            ray.shutdown()
