"""Small PDFs and scanned images made on the fly for the ingest and batch tests.

Pages are set in PyMuPDF's built-in CJK font (no system font needed); a
"scan" is a page rendered to grey pixels with a little noise, stored as an
image with no text layer.
"""

from __future__ import annotations

import io

import numpy as np
import pymupdf
from PIL import Image

FONT = pymupdf.Font("cjk")


def text_pdf(pages: list[list[tuple[float, float, str]]], *, size: tuple[float, float] = (595, 842)) -> bytes:
    """A PDF with a text layer; each page is a list of (x, y, text) in points."""
    doc = pymupdf.open()
    for items in pages:
        page = doc.new_page(width=size[0], height=size[1])
        page.insert_font(fontname="cjk", fontbuffer=FONT.buffer)
        for x, y, text in items:
            page.insert_text((x, y), text, fontname="cjk", fontsize=10.5)
    doc.subset_fonts()
    return doc.tobytes(garbage=3, deflate=True)


def lines_page(lines: list[str], *, width: float = 420, x: float = 20, top: float = 30, step: float = 18) -> list[tuple[float, float, str]]:
    return [(x, top + i * step, line) for i, line in enumerate(lines)]


def scan_image(lines: list[str], *, width: float = 420, dpi: int = 150, noise: float = 6.0, seed: int = 0) -> Image.Image:
    """A grey 'scan' of a small page holding ``lines``."""
    height = 30 + 18 * len(lines) + 10
    doc = pymupdf.open(stream=text_pdf([lines_page(lines)], size=(width, height)), filetype="pdf")
    pix = doc[0].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
    pixels = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)[:, : pix.width].astype(np.float32)
    pixels = 20 + pixels * (225 / 255) + np.random.default_rng(seed).normal(0, noise, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")


def image_bytes(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def scan_pdf(pages: list[Image.Image]) -> bytes:
    """A PDF whose pages are images only (no text layer), as a scanner makes them."""
    doc = pymupdf.open()
    for image in pages:
        w, h = image.size
        page = doc.new_page(width=w * 72 / 150, height=h * 72 / 150)
        page.insert_image(page.rect, stream=image_bytes(image, "PNG"))
    return doc.tobytes(garbage=3, deflate=True)
