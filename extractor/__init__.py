"""extractor: figures, claims and consistency checks from Chinese performance self-evaluation reports.

The public API is ``extract_text`` and ``extract_file`` (see ``extractor.pipeline``).
They import the pipeline on first use so that importing one stage module
(``extractor.numbers``, ``extractor.normalise``) stays light.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from extractor.types import Check, Claim, Document, DocumentResult, Span

if TYPE_CHECKING:
    from extractor.tagger import Tagger

__version__ = "0.1.0"


def extract_text(text: str, *, source: str = "<text>", tagger: Tagger | None = None, include_text: bool = False) -> DocumentResult:
    """Extract values, claims and checks from report text given directly."""
    from extractor.pipeline import extract_text as run

    return run(text, source=source, tagger=tagger, include_text=include_text)


def extract_file(path: str | os.PathLike[str], *, tagger: Tagger | None = None, include_text: bool = False) -> DocumentResult:
    """Extract from one file; a bad file gives a result with ``errors``, never an exception."""
    from extractor.pipeline import extract_file as run

    return run(path, tagger=tagger, include_text=include_text)


__all__ = ["Check", "Claim", "Document", "DocumentResult", "Span", "__version__", "extract_file", "extract_text"]
