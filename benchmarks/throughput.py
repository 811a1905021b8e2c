"""Characters per second of the text pipeline over the sample reports.

    python benchmarks/throughput.py [--tagger rules|model] [--model models/default] [--repeat 5] [--processes 2]

Prints one line per tagger; with both taggers available it prints the ratio.
One process (the default) is one document's latency: torch uses every core for
the network, the rest of the pipeline runs on one. ``--processes N`` is bulk
work as ``extractor extract --workers N`` does it: N processes, each with
cores/N threads, each through the samples ``repeat`` times after a warm-up;
chars/s is all their characters over the wall time from the common start to
the last finish.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from pathlib import Path

from extractor.ingest import read_document
from extractor.pipeline import extract_document
from extractor.tagger import load_tagger

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def samples() -> list:
    return [read_document(p) for p in sorted(SAMPLES.glob("*.txt"))]


def timed_passes(tagger, documents: list, repeat: int, ready=lambda: None) -> tuple[float, float]:
    """Wall-clock start and end of ``repeat`` passes over ``documents``, after one warm-up
    pass (lazy imports, regex compilation, model load) and ``ready()``."""
    for document in documents:
        extract_document(document, tagger)
    ready()
    started = time.time()
    for _ in range(repeat):
        for document in documents:
            extract_document(document, tagger)
    return started, time.time()


def measure(tagger_name: str, model: str | None, repeat: int) -> float:
    documents = samples()
    chars = sum(len(d.text) for d in documents)
    started, ended = timed_passes(load_tagger(tagger_name, model), documents, repeat)
    elapsed = ended - started
    rate = chars * repeat / elapsed
    print(f"{tagger_name:<6} {chars * repeat:>8} chars in {elapsed:6.2f}s  {rate:>10,.0f} chars/s  (whole text pipeline, {len(documents)} samples x {repeat})")
    return rate


def _timed_worker(tagger_name: str, model: str | None, repeat: int, threads: int, barrier, results) -> None:
    import torch

    torch.set_num_threads(threads)
    documents = samples()
    started, ended = timed_passes(load_tagger(tagger_name, model), documents, repeat, ready=barrier.wait)  # all start together
    results.put((started, ended, sum(len(d.text) for d in documents) * repeat))


def measure_processes(tagger_name: str, model: str | None, repeat: int, processes: int) -> float:
    context = multiprocessing.get_context("spawn")  # a clean torch per process
    barrier, results = context.Barrier(processes), context.Queue()
    threads = max(1, (os.cpu_count() or 1) // processes)
    workers = [context.Process(target=_timed_worker, args=(tagger_name, model, repeat, threads, barrier, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    timings = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = max(end for _, end, _ in timings) - min(start for start, _, _ in timings)
    chars = sum(n for _, _, n in timings)
    rate = chars / elapsed
    print(f"{tagger_name:<6} {chars:>8} chars in {elapsed:6.2f}s  {rate:>10,.0f} chars/s  (whole text pipeline, {processes} processes x {threads} thread(s), samples x {repeat} each)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tagger", choices=["rules", "model", "both"], default="both")
    parser.add_argument("--model", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--processes", type=int, default=1, help="bulk work: this many processes sharing the cores")
    args = parser.parse_args()
    if args.processes < 1:
        parser.error("--processes must be 1 or more")
    rates = {}
    names = ["rules", "model"] if args.tagger == "both" else [args.tagger]
    for name in names:
        try:
            rates[name] = measure(name, args.model, args.repeat) if args.processes == 1 else measure_processes(name, args.model, args.repeat, args.processes)
        except Exception as exc:  # noqa: BLE001 - a missing model should not hide the rules figure
            print(f"{name:<6} unavailable: {exc}")
    if len(rates) == 2:
        print(f"model / rules speed ratio: {rates['model'] / rates['rules']:.2f}")


if __name__ == "__main__":
    main()
