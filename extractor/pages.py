"""PDF and image files -> the text of each page.

- A PDF page's text layer is read with PyMuPDF as positioned spans and laid
  out by ``extractor.layout`` (lines by y, table cells apart by tabs).
- A page whose text layer has fewer than ``MIN_TEXT_LAYER_CHARS`` readable
  characters (a scan, or a layer of unmapped glyphs) and that carries an image
  is rendered at ``OCR_DPI`` and read by OCR (``extractor.ocr``).
- An image file (.png, .jpg, .tif; every frame of a multi-page TIFF) is OCR'd
  page by page.

A file that cannot be opened raises ``InputError`` (the whole file fails); a
page that cannot be read or recognised becomes an ``ErrorEntry`` with its page
number and the other pages are still read. PyMuPDF, Pillow and the OCR engine
are imported only here and only when such a file comes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from extractor.errors import InputError, Msg
from extractor.layout import TextBox, page_text
from extractor.types import ErrorEntry

MIN_TEXT_LAYER_CHARS = 20
OCR_DPI = 200
# Pillow refuses images over this many pixels (a decompression bomb); an A0
# scan at 300 dpi is about 140 megapixels.
MAX_IMAGE_PIXELS = 250_000_000


@dataclass
class PageText:
    number: int  # 1-based
    text: str
    method: str  # "text" (PDF text layer) | "ocr" | "failed"


@dataclass
class ReadPages:
    pages: list[PageText] = field(default_factory=list)
    errors: list[ErrorEntry] = field(default_factory=list)

    @property
    def ocr_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.method == "ocr"]


def _readable(text: str) -> int:
    """Characters that are real text: not whitespace, not U+FFFD, not private use."""
    return sum(1 for ch in text if not ch.isspace() and ch != "\ufffd" and not "\ue000" <= ch <= "\uf8ff")


def read_pdf(data: bytes, source: str, *, ocr: Any = None) -> ReadPages:
    """Every page of a PDF as text; OCR for pages without a usable text layer."""
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # noqa: BLE001 - PyMuPDF raises FileDataError, RuntimeError, ValueError
        raise InputError(Msg.E009, path=source, reason=_reason(exc)) from None
    with doc:
        if doc.needs_pass and not doc.authenticate(""):
            raise InputError(Msg.E010, path=source)
        if doc.page_count == 0:
            raise InputError(Msg.E009, path=source, reason="no pages")
        result = ReadPages()
        for index in range(doc.page_count):
            number = index + 1
            try:
                page = doc.load_page(index)
                boxes = _span_boxes(page)
                text = page_text(boxes)
                needs_ocr = _readable(text) < MIN_TEXT_LAYER_CHARS and bool(page.get_images(full=False))
            except Exception as exc:  # noqa: BLE001 - a damaged page must not stop the document
                result.errors.append(ErrorEntry("E016", Msg.E016.format(page=number, path=source, reason=_reason(exc)), source, page=number))
                result.pages.append(PageText(number, "", "failed"))
                continue
            if not needs_ocr:
                result.pages.append(PageText(number, text, "text"))
                continue
            try:
                pix = page.get_pixmap(dpi=OCR_DPI, colorspace=pymupdf.csGRAY, alpha=False)
                image = _pixmap_array(pix)
            except Exception as exc:  # noqa: BLE001
                result.errors.append(ErrorEntry("E016", Msg.E016.format(page=number, path=source, reason=_reason(exc)), source, page=number))
                result.pages.append(PageText(number, text, "failed"))
                continue
            result.pages.append(_ocr_page(image, number, source, ocr, result.errors, fallback=text))
        return result


def _span_boxes(page: Any) -> list[TextBox]:
    boxes: list[TextBox] = []
    for block in page.get_text("dict", sort=False)["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                if span["text"].strip():
                    x0, y0, x1, y1 = span["bbox"]
                    boxes.append(TextBox(x0, y0, x1, y1, span["text"]))
    return boxes


def _pixmap_array(pix: Any) -> Any:
    import numpy as np

    array = np.frombuffer(pix.samples, dtype=np.uint8)
    return array.reshape(pix.height, pix.stride)[:, : pix.width].copy()


def read_image(data: bytes, source: str, *, ocr: Any = None) -> ReadPages:
    """OCR every frame of an image file (a multi-page TIFF has several)."""
    from PIL import Image, ImageSequence

    from extractor.ocr import to_grey

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        frames = []
        for frame in ImageSequence.Iterator(image):
            frame.load()
            frames.append(to_grey(frame))
    except Exception as exc:  # noqa: BLE001 - UnidentifiedImageError, OSError (truncated), DecompressionBombError
        raise InputError(Msg.E011, path=source, reason=_reason(exc)) from None
    result = ReadPages()
    for number, frame in enumerate(frames, 1):
        result.pages.append(_ocr_page(frame, number, source, ocr, result.errors))
    return result


def _ocr_page(image: Any, number: int, source: str, ocr: Any, errors: list[ErrorEntry], *, fallback: str = "") -> PageText:
    from extractor.errors import OcrError
    from extractor.ocr import default_engine, ocr_image

    try:
        engine = ocr or default_engine()
    except OcrError as exc:  # the engine is missing: say so once per page, keep what text there is
        errors.append(ErrorEntry(exc.code, exc.message, source, page=number))
        return PageText(number, fallback, "failed")
    try:
        return PageText(number, ocr_image(image, engine).text, "ocr")
    except Exception as exc:  # noqa: BLE001 - one page's failure must not lose the others
        errors.append(ErrorEntry("E012", Msg.E012.format(page=number, path=source, reason=_reason(exc)), source, page=number))
        return PageText(number, fallback, "failed")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]
