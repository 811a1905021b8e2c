"""Check the number reader against a peer's test cases (Microsoft Recognizers-Text, Chinese specs).

The cases are third-party data: they are read at run time from
``<shared>/peer/recognizers_zh/`` (``<shared>`` is ``../shared`` next to the
repository, or ``$EXTRACTOR_SHARED``, or ``--shared``) and never copied into
the repository; only the failure list goes into the report.

Method: for every expected span, the original slice ``input[start:end]`` (not
the peer's normalised ``text``) is read, and the reading must equal the peer's
``value`` within a relative tolerance of 1e-9:

- NumberModel: ``parse_number(slice)``.
- PercentModel: ``read_value(slice, "PERCENT")``, a fraction, against the
  peer's percentage / 100 (个百分点 included: the peer resolves 六个百分点 to 6%).
- CurrencyModel: ``read_value(slice, "AMOUNT")`` (yuan: 元 圆 块 人民币 ¥, 角/分);
  where that gives None (foreign currency, which AMOUNT refuses) the amount in
  the currency's own unit: an optional symbol ($ € £ ¥), the longest leading
  number by ``parse_number``, the currency name, then an optional minor unit
  (``又三美分``, ``5日本銭``) worth a hundredth (a tenth for 角/毛). A span the
  peer resolves to no value (a bare 人民币) passes when we read no value.
- DimensionModel (information): ``read_value(slice, "QUANTITY")``; a unit
  that starts with a multiplier character (千米, 千克, 兆字节) is kept whole,
  as the peer does (12千米 -> 12, unit 千米).
- OrdinalModel (information): ``parse_number`` of the slice after 第.

Every span counts, including those the peer marks not_supported; spans whose
expected value is a range (interval notation) are counted as skipped.

Usage: python benchmarks/peer_numbers.py [--shared DIR] [--report docs/PEER_RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from extractor.numbers import parse_number, read_value  # noqa: E402

FILES = ("NumberModel", "PercentModel", "CurrencyModel", "DimensionModel", "OrdinalModel")
GATED = ("NumberModel", "PercentModel", "CurrencyModel")  # the files the tests hold to >= 98%
REL_TOL = 1e-9

Failure = dict[str, Any]


def default_shared() -> Path:
    return Path(os.environ.get("EXTRACTOR_SHARED") or REPO.parent / "shared")


def peer_dir(shared_dir: str | os.PathLike[str]) -> Path | None:
    """The folder with the peer's JSONL files, given the shared folder (or the folder itself)."""
    base = Path(shared_dir)
    for candidate in (base / "peer" / "recognizers_zh", base / "recognizers_zh", base):
        if (candidate / "NumberModel.jsonl").is_file():
            return candidate
    return None


# --------------------------------------------------------------------------
# Readers: slice -> float | None

def _read_number(text: str) -> float | None:
    r = parse_number(text)
    return None if r is None else r.value


def _read_percent(text: str) -> float | None:
    r = read_value(text, "PERCENT")
    return None if r is None else r.value


_CURRENCY_SYMBOLS = ("US$", "$", "€", "£", "¥", "￥")


def _leading_number(text: str) -> tuple[float, str] | None:
    for end in range(len(text), 0, -1):
        r = parse_number(text[:end])
        if r is not None:
            return r.value, text[end:]
    return None


def _minor_unit(rest: str) -> float | None:
    """美元又三美分 -> 0.03: the currency name, then a number and a minor unit."""
    for i in range(len(rest)):
        found = _leading_number(rest[i:].lstrip("又"))
        if found is None:
            continue
        amount, word = found
        if not word.strip():
            return None
        return amount * (0.1 if word.strip()[-1] in "角毛" else 0.01)
    return 0.0


def _read_currency(text: str) -> float | None:
    r = read_value(text, "AMOUNT")
    if r is not None:
        return r.value
    s = text.strip()
    for symbol in _CURRENCY_SYMBOLS:
        if s.startswith(symbol):
            s = s[len(symbol):]
            break
    found = _leading_number(s)
    if found is None:
        return None
    value, rest = found
    minor = _minor_unit(rest)
    return None if minor is None else value + minor


def _read_dimension(text: str) -> float | None:
    r = read_value(text, "QUANTITY")
    return None if r is None else r.value


def _read_ordinal(text: str) -> float | None:
    return _read_number(text[1:] if text.startswith("第") else text)


def _expected_number(value: str) -> float:
    return float(Decimal(value))


def _expected_percent(value: str) -> float:
    return float(Decimal(value.rstrip("%")) / 100)


_READERS: dict[str, tuple[Callable[[str], float | None], Callable[[str], float]]] = {
    "NumberModel": (_read_number, _expected_number),
    "PercentModel": (_read_percent, _expected_percent),
    "CurrencyModel": (_read_currency, _expected_number),
    "DimensionModel": (_read_dimension, _expected_number),
    "OrdinalModel": (_read_ordinal, _expected_number),
}


def _same(got: float | None, expected: float | None) -> bool:
    if expected is None or got is None:
        return got is None and expected is None
    return math.isclose(got, expected, rel_tol=REL_TOL, abs_tol=1e-15)


# --------------------------------------------------------------------------
# Running

def run_file(path: Path, name: str) -> tuple[int, int, list[Failure], int]:
    """(passed, total, failures, skipped ranges) for one peer file."""
    read, expect = _READERS[name]
    passed = total = skipped = 0
    failures: list[Failure] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        for span in case["expected"]:
            raw = span.get("value")
            if raw is not None and raw[:1] in "([":
                skipped += 1  # a range: not a single value
                continue
            total += 1
            piece = case["input"][span["start"] : span["end"]]
            try:
                expected = None if raw is None else expect(raw)
            except (InvalidOperation, ValueError):
                skipped += 1
                total -= 1
                continue
            got = read(piece)
            if _same(got, expected):
                passed += 1
            else:
                failures.append(
                    {
                        "input": case["input"],
                        "span": piece,
                        "expected": raw,
                        "got": got,
                        "not_supported": case.get("not_supported", []),
                        "ignore_resolution": bool(case.get("ignore_resolution")),
                    }
                )
    return passed, total, failures, skipped


def run_peer(shared_dir: str | os.PathLike[str]) -> dict[str, tuple[int, int, list[Failure]]]:
    """{file: (passed, total, failures)} for the peer files found under ``shared_dir``.

    Raises FileNotFoundError when the peer folder is absent.
    """
    folder = peer_dir(shared_dir)
    if folder is None:
        raise FileNotFoundError(f"no peer cases under {shared_dir} (expected peer/recognizers_zh/*.jsonl)")
    results: dict[str, tuple[int, int, list[Failure]]] = {}
    for name in FILES:
        path = folder / f"{name}.jsonl"
        if path.is_file():
            passed, total, failures, _skipped = run_file(path, name)
            results[name] = (passed, total, failures)
    return results


def _fmt_got(got: float | None) -> str:
    return "None" if got is None else repr(got)


def _md_quote(text: str) -> str:
    return "`" + text.replace("`", "'").replace("|", "\\|").replace("\n", " ") + "`"


def write_report(
    results: dict[str, tuple[int, int, list[Failure]]], path: Path, cases: dict[str, int] | None = None
) -> None:
    lines = [
        "# Number reader against the peer's test cases",
        "",
        "Generated by `python benchmarks/peer_numbers.py`; do not edit by hand.",
        "",
        "Peer: Microsoft Recognizers-Text Chinese specs (MIT), read at run time from",
        "`../shared/peer/recognizers_zh/`; not copied into this repository. Only the",
        "failing inputs are quoted below.",
        "",
        "## Method",
        "",
        "For every expected span the original slice `input[start:end]` is read and",
        "compared with the peer's `value` (relative tolerance 1e-9):",
        "",
        "- **NumberModel**: `parse_number(slice)`.",
        "- **PercentModel**: `read_value(slice, \"PERCENT\")` (a fraction) against the peer's",
        "  percentage / 100. The peer resolves 个百分点 to a plain percentage; so do we for",
        "  the value (our unit says 个百分点).",
        "- **CurrencyModel**: `read_value(slice, \"AMOUNT\")` for yuan (元 圆 块 人民币 ¥,",
        "  with 角/毛/分). AMOUNT refuses foreign currency (it cannot be put in 元); for",
        "  those the benchmark reads the amount in the currency's own unit: an optional",
        "  symbol, the longest leading number by `parse_number`, the currency name, and",
        "  an optional minor unit worth 1/100 (1/10 for 角/毛), as in 两美元又三美分.",
        "  A span the peer resolves to no value (a bare 人民币) passes when we read none.",
        "- **DimensionModel** (information only): `read_value(slice, \"QUANTITY\")`; a",
        "  unit starting with a multiplier character (千米, 千克, 兆字节) is kept whole,",
        "  as the peer does (12千米 -> 12, unit 千米; 3千人 stays 3000 人).",
        "- **OrdinalModel** (information only): `parse_number` of the slice after 第.",
        "",
        "Every expected span counts, including cases the peer marks `not_supported`",
        "for some of its own ports and the one case marked `ignore_resolution`",
        "(NumberModel). Spans whose expected value is a range are skipped; none of",
        "these files has one.",
        "",
        "Caveat: the reader was developed with these cases in view, so the rates are",
        "on a seen set, not a held-out one. No input is special-cased (no lookup of",
        "test strings); `tests/test_numbers.py` covers the forms with report snippets.",
        "",
        "## Results",
        "",
        "| file | cases | spans | passed | rate | gated |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name in FILES:
        if name not in results:
            continue
        passed, total, _failures = results[name]
        rate = passed / total if total else 1.0
        n_cases = (cases or {}).get(name, "")
        gate = ">= 98%" if name in GATED else "info"
        lines.append(f"| {name} | {n_cases} | {total} | {passed} | {rate:.1%} | {gate} |")
    lines += ["", "## Failures", ""]
    for name in FILES:
        if name not in results:
            continue
        failures = results[name][2]
        lines.append(f"### {name} ({len(failures)})")
        lines.append("")
        if not failures:
            lines += ["None.", ""]
            continue
        lines += ["| input | span | expected | got | note |", "|---|---|---|---|---|"]
        for f in failures:
            note = []
            if f["not_supported"]:
                note.append("peer not_supported: " + ",".join(f["not_supported"]))
            if f["ignore_resolution"]:
                note.append("ignore_resolution")
            lines.append(
                f"| {_md_quote(f['input'])} | {_md_quote(f['span'])} | {f['expected']} | {_fmt_got(f['got'])} | {'; '.join(note)} |"
            )
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def _count_cases(folder: Path) -> dict[str, int]:
    counts = {}
    for name in FILES:
        path = folder / f"{name}.jsonl"
        if path.is_file():
            counts[name] = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=None, help="the shared folder (default: $EXTRACTOR_SHARED or ../shared)")
    parser.add_argument("--report", default=str(REPO / "docs" / "PEER_RESULTS.md"))
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args(argv)
    shared = Path(args.shared) if args.shared else default_shared()
    folder = peer_dir(shared)
    if folder is None:
        print(f"SKIP: peer cases not found under {shared} (expected peer/recognizers_zh/*.jsonl); nothing to check.")
        return 0
    results = run_peer(shared)
    for name, (passed, total, _failures) in results.items():
        rate = passed / total if total else 1.0
        tag = "" if name in GATED else "  (information)"
        print(f"{name:16s} {passed:4d}/{total:<4d} {rate:7.2%}{tag}")
    if not args.no_report:
        write_report(results, Path(args.report), _count_cases(folder))
        print(f"report: {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
