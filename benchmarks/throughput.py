"""Characters per second of the text pipeline over the sample reports.

    python benchmarks/throughput.py [--tagger rules|model] [--model models/default] [--repeat 5]

Prints one line per tagger; with both taggers available it prints the ratio.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from extractor.ingest import read_document
from extractor.pipeline import extract_document
from extractor.tagger import load_tagger

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def measure(tagger_name: str, model: str | None, repeat: int) -> float:
    tagger = load_tagger(tagger_name, model)
    documents = [read_document(p) for p in sorted(SAMPLES.glob("*.txt"))]
    chars = sum(len(d.text) for d in documents)
    for document in documents:  # warm-up: lazy imports, regex compilation, model load
        extract_document(document, tagger)
    started = time.perf_counter()
    for _ in range(repeat):
        for document in documents:
            extract_document(document, tagger)
    elapsed = time.perf_counter() - started
    rate = chars * repeat / elapsed
    print(f"{tagger_name:<6} {chars * repeat:>8} chars in {elapsed:6.2f}s  {rate:>10,.0f} chars/s  (whole text pipeline, {len(documents)} samples x {repeat})")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tagger", choices=["rules", "model", "both"], default="both")
    parser.add_argument("--model", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rates = {}
    names = ["rules", "model"] if args.tagger == "both" else [args.tagger]
    for name in names:
        try:
            rates[name] = measure(name, args.model, args.repeat)
        except Exception as exc:  # noqa: BLE001 - a missing model should not hide the rules figure
            print(f"{name:<6} unavailable: {exc}")
    if len(rates) == 2:
        print(f"model / rules speed ratio: {rates['model'] / rates['rules']:.2f}")


if __name__ == "__main__":
    main()
