from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


def shared_dir() -> Path:
    return Path(os.environ.get("EXTRACTOR_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def samples() -> dict[str, str]:
    """The five sample reports by their two-digit prefix ("000" .. "004")."""
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))}


@pytest.fixture(scope="session")
def sample_paths() -> dict[str, Path]:
    return {p.name[:3]: p for p in sorted(SAMPLES.glob("*.txt"))}
