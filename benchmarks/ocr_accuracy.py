"""OCR accuracy and pipeline value recall on the generated scans of the seed reports.

    python benchmarks/ocr_accuracy.py [--engines rapidocr,rapidocr-onnxruntime,tesseract]
                                      [--tagger auto] [--dpi 200] [--report docs/OCR.md]

Ground truth: ``samples/scans/manifest.json`` says which character range of
which seed report is on every generated page (``samples/make_scans.py``).
For each OCR engine and every scanned page (the ``*.scan.pdf`` files and the
single ``page.*`` images), and for the text-layer PDF:

- character accuracy: 1 - Levenshtein distance / length of the source text,
  both with all whitespace removed (line breaks, spaces and tabs depend on the
  layout, not on recognition);
- seconds per page (deskew + recognition + layout, one process);
- value recall of the whole pipeline (ingest -> tag -> read) against the gold
  values of ``annotations/seeds`` on those pages, a value counting as found
  when a value with the same label, number and unit is extracted; beside it
  the same pipeline on the clean source text of the same pages, and the share
  of the clean run's values that the scan run also finds.

The first engine is the one the tables per file are for; with ``--report``
the figures are written as Markdown.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from extractor import pages as page_reader  # noqa: E402
from extractor.annotations import load_gold  # noqa: E402
from extractor.ingest import join_pages, sha256_bytes  # noqa: E402
from extractor.ocr import engine_for  # noqa: E402
from extractor.pipeline import extract_document  # noqa: E402
from extractor.tagger import load_tagger  # noqa: E402
from extractor.types import Document  # noqa: E402

SCANS = REPO / "samples" / "scans"
NOTES_MARKER = "<!-- notes: everything below is kept when the tables above are regenerated -->"
WHITESPACE = re.compile(r"\s+")


def levenshtein(a: str, b: str) -> int:
    """Edit distance, one numpy row at a time (insertions resolved by a running minimum)."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    codes_b = np.array([ord(ch) for ch in b], dtype=np.int64)
    index = np.arange(len(b) + 1, dtype=np.int64)
    previous = index.copy()
    for i, ch in enumerate(a, 1):
        substitute = previous[:-1] + (codes_b != ord(ch))
        current = np.empty_like(previous)
        current[0] = i
        current[1:] = np.minimum(previous[1:] + 1, substitute)
        current = np.minimum.accumulate(current - index) + index  # insertions along the row
        previous = current
    return int(previous[-1])


def char_accuracy(truth: str, read: str) -> tuple[int, int]:
    """(edit distance, source length), whitespace removed from both."""
    t, r = WHITESPACE.sub("", truth), WHITESPACE.sub("", read)
    return levenshtein(t, r), len(t)


@dataclass
class FileResult:
    name: str
    pages: int
    errors: int = 0
    seconds: float = 0.0
    distance: int = 0
    length: int = 0
    gold: int = 0
    found_scan: int = 0
    found_clean: int = 0
    clean_values: int = 0
    clean_kept: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return 1.0 - self.distance / max(self.length, 1)


def value_keys(values: list) -> Counter:
    keys: Counter = Counter()
    for v in values:
        if v.value is None:
            continue
        keys[(v.label, round(v.value, 6), v.unit)] += 1
    return keys


def gold_keys(gold_doc, ranges: list[tuple[int, int]]) -> Counter:
    keys: Counter = Counter()
    for span in gold_doc.spans:
        if span.label == "CLAIM" or span.value is None:
            continue
        if any(start <= span.start and span.end <= end for start, end in ranges):
            keys[(span.label, round(span.value, 6), span.unit)] += 1
    return keys


def run_file(engine_name: str, name: str, entry: dict, tagger, gold: dict) -> FileResult:
    """One file through one engine ("text-layer": the PDF's own text, no OCR)."""
    engine = engine_for(engine_name) if engine_name != "text-layer" else None
    seed = entry["seed"]
    source_text = (REPO / "samples" / seed).read_text(encoding="utf-8")
    ranges = [(p["start"], p["end"]) for p in entry["pages"]]
    data = (SCANS / name).read_bytes()
    started = time.perf_counter()
    if name.endswith(".pdf"):
        read = page_reader.read_pdf(data, name, ocr=engine)
    else:
        read = page_reader.read_image(data, name, ocr=engine)
    elapsed = time.perf_counter() - started
    result = FileResult(name, len(read.pages), errors=len(read.errors), seconds=elapsed)
    for page, (start, end) in zip(read.pages, ranges):
        distance, length = char_accuracy(source_text[start:end], page.text)
        result.distance += distance
        result.length += length
    text, doc_pages = join_pages([p.text for p in read.pages])
    scan_doc = Document(name, text, sha256_bytes(data), doc_pages)
    clean_text, clean_pages = join_pages([source_text[s:e] for s, e in ranges])
    clean_doc = Document(seed, clean_text, "", clean_pages)
    scan_keys = value_keys(extract_document(scan_doc, tagger).values)
    clean_keys = value_keys(extract_document(clean_doc, tagger).values)
    gold_doc = gold.get(seed[:-4])
    if gold_doc is not None:
        truth = gold_keys(gold_doc, ranges)
        result.gold = sum(truth.values())
        result.found_scan = sum((truth & scan_keys).values())
        result.found_clean = sum((truth & clean_keys).values())
    result.clean_values = sum(clean_keys.values())
    result.clean_kept = sum((clean_keys & scan_keys).values())
    print(
        f"  {engine_name:<22} {name:<32} {result.pages} p  {elapsed / max(result.pages, 1):6.2f} s/page"
        f"  char acc {result.accuracy:.4f}  recall scan {result.found_scan}/{result.gold} clean {result.found_clean}/{result.gold}",
        flush=True,
    )
    return result


def totals(results: list[FileResult]) -> dict[str, float]:
    pages = sum(r.pages for r in results)
    gold = sum(r.gold for r in results)
    return {
        "files": len(results),
        "pages": pages,
        "chars": sum(r.length for r in results),
        "accuracy": 1.0 - sum(r.distance for r in results) / max(sum(r.length for r in results), 1),
        "s_per_page": sum(r.seconds for r in results) / max(pages, 1),
        "gold": gold,
        "recall_scan": sum(r.found_scan for r in results) / max(gold, 1),
        "recall_clean": sum(r.found_clean for r in results) / max(gold, 1),
        "kept": sum(r.clean_kept for r in results) / max(sum(r.clean_values for r in results), 1),
        "errors": sum(r.errors for r in results),
    }


def markdown(by_engine: dict[str, list[FileResult]], names: dict[str, str], tagger_name: str, dpi: int) -> str:
    first = next(e for e in by_engine if e != "text-layer")
    lines = [
        "# OCR: engine choice, character accuracy and value recall on scans",
        "",
        "Generated by `python benchmarks/ocr_accuracy.py --report docs/OCR.md` over the scans that",
        "`samples/make_scans.py` makes of the seed reports (A4 pages set in a CJK font, 150 dpi grey,",
        "rotated by up to 1.2°, noise, blur, JPEG; `page.png` and `page.tif` are 1-bit). Each generated",
        "page's source range is in `samples/scans/manifest.json`: that is the ground truth.",
        "",
        f"Machine: {platform.machine()}, {_cpus()} CPU cores, Python {platform.python_version()};"
        f" pages rendered for OCR at {dpi} dpi; tagger `{tagger_name}`.",
        "",
        "- **char acc.**: 1 - edit distance / source length, whitespace removed from both.",
        "- **s/page**: deskew + recognition + layout in one process (engine already loaded).",
        "- **recall scan / clean**: gold values (`annotations/seeds`, same label, number and unit)",
        "  found by the whole pipeline on the scan / on the clean source text of the same pages.",
        "- **kept**: share of the values the pipeline finds on the clean text that it also finds on the scan.",
        "",
        "## Engines",
        "",
        "| engine | pages | chars | char acc. | s/page | recall scan | recall clean | kept |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for engine, results in by_engine.items():
        t = totals(results)
        lines.append(
            f"| {names.get(engine, engine)} | {t['pages']} | {t['chars']} | {t['accuracy']:.2%} | {t['s_per_page']:.2f} |"
            f" {t['recall_scan']:.2%} | {t['recall_clean']:.2%} | {t['kept']:.2%} |"
        )
    lines += [
        "",
        f"## Per file ({names.get(first, first)})",
        "",
        "| file | pages | char acc. | s/page | gold values | recall scan | recall clean | kept |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for engine in (first, "text-layer"):
        for r in by_engine.get(engine, []):
            lines.append(
                f"| `{r.name}` | {r.pages} | {r.accuracy:.2%} | {r.seconds / max(r.pages, 1):.2f} | {r.gold} |"
                f" {r.found_scan / max(r.gold, 1):.2%} | {r.found_clean / max(r.gold, 1):.2%} | {r.clean_kept / max(r.clean_values, 1):.2%} |"
            )
    lines.append("")
    return "\n".join(lines)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="rapidocr,rapidocr-onnxruntime,tesseract")
    parser.add_argument("--tagger", default="auto")
    parser.add_argument("--model", default=None)
    parser.add_argument("--dpi", type=int, default=page_reader.OCR_DPI)
    parser.add_argument("--files", default="", help="Only manifest files whose name contains one of these (comma-separated).")
    parser.add_argument("--report", type=Path, default=None, help="Write the tables as Markdown here (docs/OCR.md).")
    parser.add_argument("--json", type=Path, default=None, help="Also write the raw figures as JSON.")
    args = parser.parse_args()
    manifest = json.loads((SCANS / "manifest.json").read_text(encoding="utf-8"))
    gold = {d.doc_id: d for d in load_gold(REPO / "annotations" / "seeds").documents}
    if args.files:
        manifest = {k: v for k, v in manifest.items() if any(part in k for part in args.files.split(","))}
    page_reader.OCR_DPI = args.dpi
    tagger = load_tagger(args.tagger, args.model)
    by_engine: dict[str, list[FileResult]] = {}
    names: dict[str, str] = {"text-layer": "text-layer PDF (no OCR)"}
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        try:
            names[engine] = engine_for(engine).name
        except Exception as exc:  # noqa: BLE001 - a missing engine should not hide the others
            print(f"{engine}: unavailable: {exc}")
            continue
        by_engine[engine] = []
    ocr_engines = list(by_engine)
    # Files outer, engines inner: every engine reads a page under the same machine load.
    for name, entry in manifest.items():
        for engine in ocr_engines if not name.endswith(".text.pdf") else ["text-layer"]:
            by_engine.setdefault(engine, []).append(run_file(engine, name, entry, tagger, gold))
    for engine, results in by_engine.items():
        t = totals(results)
        print(
            f"{names[engine]:<60} char acc {t['accuracy']:.2%}  {t['s_per_page']:.2f} s/page"
            f"  recall scan {t['recall_scan']:.2%} clean {t['recall_clean']:.2%} kept {t['kept']:.2%}"
        )
    if args.json:
        args.json.write_text(
            json.dumps({e: {"name": names[e], **totals(r), "files": [vars(x) for x in r]} for e, r in by_engine.items()}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        notes = ""
        if args.report.exists():  # hand-written notes below the marker survive a regeneration
            old = args.report.read_text(encoding="utf-8")
            if NOTES_MARKER in old:
                notes = old[old.index(NOTES_MARKER) :]
        args.report.write_text(markdown(by_engine, names, tagger.name, args.dpi) + (notes or NOTES_MARKER + "\n"), encoding="utf-8")
        print(f"-> {args.report}")


if __name__ == "__main__":
    main()
