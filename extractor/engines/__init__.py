"""Where a batch's documents are extracted: ``local`` processes or a ``ray`` cluster.

An engine takes the files to do and yields one record (a JSON-ready dict) per
file, in any order, as each is done; ``extractor.batch`` writes them, resumes
and shows progress. Each engine builds one tagger per worker from a
``TaggerSpec`` (a picklable recipe), never ships a model. ``ray_engine`` is
imported only when asked for, so the default needs no Ray.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

ENGINES = ("local", "ray")


@dataclass(frozen=True)
class TaggerSpec:
    """How a worker builds its tagger (a picklable recipe, not the model itself)."""

    name: str = "auto"
    model_path: str | None = None

    def load(self) -> Any:
        from extractor.tagger import load_tagger

        return load_tagger(self.name, self.model_path)


@dataclass(frozen=True)
class Job:
    """What every worker needs besides a file."""

    tagger: TaggerSpec = TaggerSpec()
    include_text: bool = False


class Engine(Protocol):
    def records(self, files: list[Path]) -> Iterator[dict[str, Any]]: ...

    def close(self, *, cancel: bool) -> None:
        """Stop the workers; ``cancel`` drops work in flight (an interruption)."""
        ...


def make_engine(name: str, job: Job, *, workers: int = 1, ray_address: str | None = None) -> Engine:
    if name == "local":
        from extractor.engines.local import LocalEngine

        return LocalEngine(job, workers=workers)
    if name == "ray":
        from extractor.engines.ray_engine import RayEngine

        return RayEngine(job, workers=workers, address=ray_address)
    raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")


def extract_record(source: str, data: bytes | None, tagger: Any, include_text: bool) -> dict[str, Any]:
    """One file's record: from its path (``data`` None) or from its bytes (a remote worker).

    Never raises for a bad file: its record carries the error, as
    ``extractor.pipeline.extract_file`` does.
    """
    from extractor.pipeline import extract_file

    if data is None:
        return extract_file(source, tagger=tagger, include_text=include_text).to_dict()
    from extractor.errors import ExtractorError, InputError, Msg
    from extractor.ingest import document_from_bytes, sha256_bytes
    from extractor.pipeline import extract_document
    from extractor.types import DocumentResult, ErrorEntry

    digest = sha256_bytes(data)
    try:
        document = document_from_bytes(data, source)
    except InputError as exc:
        return DocumentResult(source=source, sha256=digest, chars=0, errors=[ErrorEntry(exc.code, exc.message, source)]).to_dict()
    try:
        return extract_document(document, tagger, include_text=include_text).to_dict()
    except ExtractorError as exc:
        error = ErrorEntry(exc.code, exc.message, source)
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop a batch
        error = ErrorEntry("E007", Msg.E007.format(path=source, reason=f"{type(exc).__name__}: {exc}"), source)
    return DocumentResult(source=source, sha256=digest, chars=len(document.text), errors=[error]).to_dict()
