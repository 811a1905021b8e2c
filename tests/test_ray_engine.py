"""The Ray engine on a local Ray instance gives the same records as the local engine."""

from __future__ import annotations

import json

import pytest

ray = pytest.importorskip("ray", reason='Ray is not installed: pip install -e ".[ray]" to run the Ray engine test')

from extractor.batch import run_batch  # noqa: E402
from extractor.engines import TaggerSpec  # noqa: E402

RULES = TaggerSpec("rules")


@pytest.fixture(scope="module")
def local_ray():
    import os

    os.environ.setdefault("RAY_worker_niceness", "0")  # as the engine does for a local instance (see ray_engine)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def comparable(path):
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return sorted((r["source"], r["sha256"], json.dumps(r["values"]), json.dumps(r["checks"]), json.dumps(r["errors"])) for r in records)


def test_ray_engine_matches_the_local_engine(local_ray, tmp_path, sample_paths):
    """`extract --engine ray` (one actor set, the slow part) against the local engine, then resume."""
    from typer.testing import CliRunner

    from extractor.cli import app

    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    files = list(sample_paths.values()) + [tmp_path / "broken.pdf"]
    local, remote = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    run_batch(files, local, tagger=RULES, progress=False)
    args = ["extract", *map(str, files), "--out", str(remote), "--engine", "ray", "--workers", "2", "--tagger", "rules"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output  # the broken PDF is a file error; the others are done
    assert "6 processed" in result.output and "1 with errors" in result.output
    assert comparable(remote) == comparable(local)
    # A rerun finds everything done and starts no actors.
    again = run_batch(files, remote, tagger=RULES, workers=2, engine="ray", progress=False)
    assert again.processed == 0 and again.skipped == 6
