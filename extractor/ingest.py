"""Files in, ``Document`` out.

Text files are decoded exactly (UTF-8, UTF-8 with BOM, GB18030) and never
altered: offsets in every later stage index ``Document.text``. PDFs (text
layer, or OCR for scanned pages) and images (OCR) are read page by page by
``extractor.pages``; their pages are joined with ``PAGE_SEPARATOR`` and
``Document.pages`` records where each page's text lies. A file that cannot be
read raises ``InputError`` with a coded message; the caller turns it into an
``errors`` entry of that file's record. A single page that fails is an entry
in ``Document.errors`` and the other pages are kept.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from extractor.errors import InputError, Msg
from extractor.types import Document, Page

TEXT_SUFFIXES = (".txt", ".md")
PDF_SUFFIXES = (".pdf",)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + PDF_SUFFIXES + IMAGE_SUFFIXES
# Between two pages of a PDF or image document: a form feed on a line of its
# own, so no value or sentence runs across a page boundary. Page.end is where
# a page's text ends, before the separator.
PAGE_SEPARATOR = "\n\f\n"
UTF8_BOM = b"\xef\xbb\xbf"

# Share of characters that must be ordinary text for a GB18030 decoding to be
# believed: GB18030 maps almost any byte string to *some* characters.
_PLAUSIBLE_TEXT_SHARE = 0.95


def iter_input_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Expand files and folders (recursively, sorted) into report files.

    A path that does not exist is yielded as is, so the caller records an error
    for it instead of silently dropping it.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES:
                    yield child
        else:
            yield path


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_text(data: bytes, source: str) -> str:
    """Decode report bytes: UTF-8 (BOM stripped) or GB18030, else ``InputError``."""
    if not data:
        raise InputError(Msg.E002, path=source)
    nul = data.find(b"\x00")
    if nul != -1:
        raise InputError(Msg.E004, path=source, offset=nul)
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        first_bad = utf8_error.start
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise InputError(Msg.E003, path=source, offset=first_bad) from None
    if _plausible_text_share(text) < _PLAUSIBLE_TEXT_SHARE:
        raise InputError(Msg.E003, path=source, offset=first_bad)
    return text


def _plausible_text_share(text: str) -> float:
    if not text:
        return 0.0
    ordinary = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t" or "\u4e00" <= ch <= "\u9fff")
    # Rare CJK extension and private-use characters are what random bytes decode to.
    rare = sum(1 for ch in text if "\ue000" <= ch <= "\uf8ff" or "\u3400" <= ch <= "\u4dbf" or ord(ch) > 0xFFFF)
    return (ordinary - rare) / len(text)


def read_document(path: str | os.PathLike[str], *, ocr: Any = None) -> Document:
    """Read one report file into a ``Document``; raises ``InputError``.

    ``ocr`` is an OCR engine (``extractor.ocr``) for scanned pages; None takes
    the default one, loaded once per process.
    """
    path = Path(path)
    source = str(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError(Msg.E001, path=source, suffixes=", ".join(SUPPORTED_SUFFIXES))
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(Msg.E005, suffix=suffix, path=source, suffixes=", ".join(SUPPORTED_SUFFIXES))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(Msg.E006, path=source, reason=exc.strerror or str(exc)) from exc
    return document_from_bytes(data, source, suffix=suffix, ocr=ocr)


def document_from_bytes(data: bytes, source: str, *, suffix: str | None = None, ocr: Any = None) -> Document:
    """A ``Document`` from a file's bytes; the type comes from ``suffix`` (else from ``source``)."""
    suffix = (suffix or Path(source).suffix).lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(Msg.E005, suffix=suffix, path=source, suffixes=", ".join(SUPPORTED_SUFFIXES))
    if suffix in TEXT_SUFFIXES:
        text = decode_text(data, source)
        if not text.strip():
            raise InputError(Msg.E008, path=source, chars=len(text))
        return Document(source=source, text=text, sha256=sha256_bytes(data), pages=[Page(1, 0, len(text))])
    if not data:
        raise InputError(Msg.E002, path=source)
    from extractor import pages as page_reader

    if suffix in PDF_SUFFIXES:
        read = page_reader.read_pdf(data, source, ocr=ocr)
    else:
        read = page_reader.read_image(data, source, ocr=ocr)
    text, pages = join_pages([p.text for p in read.pages])
    if not text.strip() and not read.errors:
        raise InputError(Msg.E017, path=source, pages=len(pages))
    return Document(source=source, text=text, sha256=sha256_bytes(data), pages=pages, errors=list(read.errors))


def join_pages(texts: list[str]) -> tuple[str, list[Page]]:
    """Page texts -> document text (joined by ``PAGE_SEPARATOR``) and its pages."""
    pages: list[Page] = []
    parts: list[str] = []
    offset = 0
    for number, text in enumerate(texts, 1):
        if number > 1:
            parts.append(PAGE_SEPARATOR)
            offset += len(PAGE_SEPARATOR)
        parts.append(text)
        pages.append(Page(number, offset, offset + len(text)))
        offset += len(text)
    return "".join(parts), pages


def document_from_text(text: str, source: str = "<text>") -> Document:
    """Wrap text given directly (Python or HTTP API) as a one-page ``Document``."""
    return Document(
        source=source,
        text=text,
        sha256=sha256_bytes(text.encode("utf-8")),
        pages=[Page(1, 0, len(text))],
    )
