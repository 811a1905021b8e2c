"""The number reader against the peer's test cases (read at run time, never copied here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GATED = ("NumberModel", "PercentModel", "CurrencyModel")
MIN_RATE = 0.98


def _load_benchmark():
    path = REPO / "benchmarks" / "peer_numbers.py"
    spec = importlib.util.spec_from_file_location("peer_numbers", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("peer_numbers", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def peer_results():
    bench = _load_benchmark()
    shared = bench.default_shared()
    if bench.peer_dir(shared) is None:
        pytest.skip(f"peer cases absent: no peer/recognizers_zh under {shared} (set EXTRACTOR_SHARED to run)")
    return bench.run_peer(shared)


@pytest.mark.parametrize("name", GATED)
def test_numbers_peer_pass_rate(peer_results, name: str) -> None:
    assert name in peer_results, f"{name}.jsonl missing from the peer folder"
    passed, total, failures = peer_results[name]
    assert total > 0
    rate = passed / total
    shown = "; ".join(f"{f['span']!r}: expected {f['expected']}, got {f['got']}" for f in failures[:10])
    assert rate >= MIN_RATE, f"{name}: {passed}/{total} = {rate:.1%} < {MIN_RATE:.0%}. {shown}"
