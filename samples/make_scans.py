"""Make scanned-looking PDFs and page images of the seed reports, plus a text-layer PDF.

    python samples/make_scans.py [--out samples/scans] [--pages 3]

Each seed report (``samples/*.txt``) is laid out on A4 pages in PyMuPDF's
built-in CJK font (Droid Sans Fallback, so no system font is needed). A line
with tabs is a table row: its non-empty cells are set one after another with
a wide gap, so a reader has to find the cell boundaries again. Then:

- ``NNN_<hash>.scan.pdf``: the ``--pages`` pages with the most digits, each
  rendered at 150 dpi, slightly rotated, given paper tone and noise, blurred,
  and stored as a grey JPEG, with no text layer: what a scanner produces.
- ``001_<hash>.text.pdf``: every page of seed 001 with a real text layer.
- ``page.png`` (1-bit), ``page.jpg`` (grey) and ``page.tif`` (1-bit, Group 4
  fax compression, as archives store scans): single scanned pages of three
  reports (the next page by digits, not one of those in the scanned PDFs).
- ``manifest.json``: for every generated page, the seed it shows and the
  half-open character range of the seed text on it, the ground truth of the
  OCR benchmark (``benchmarks/ocr_accuracy.py``).

Deterministic: the noise comes from a fixed seed, so a rerun rewrites the same
files (given the same Pillow and PyMuPDF).
"""

from __future__ import annotations

import argparse
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image, ImageFilter

HERE = Path(__file__).resolve().parent
PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
MARGIN = 56.0
FONT_SIZE = 10.5
LINE_H = 16.0
BLANK_H = 8.0  # an empty source line: half a line
CELL_GAP = 2.0 * FONT_SIZE  # between table cells: two character widths
DPI = 150
FONT = pymupdf.Font("cjk")


@dataclass
class Fragment:
    x: float
    text: str


@dataclass
class VisualLine:
    height: float
    start: int  # source offsets covered by this line (half-open)
    end: int
    fragments: list[Fragment] = field(default_factory=list)


@dataclass
class LaidPage:
    number: int
    start: int
    end: int
    lines: list[VisualLine]

    @property
    def digits(self) -> int:
        return sum(ch.isdigit() for line in self.lines for f in line.fragments for ch in f.text)


def _width(text: str) -> float:
    return FONT.text_length(text, FONT_SIZE)


def _wrap(text: str, offset: int, x0: float, x_max: float) -> list[tuple[float, str, int, int]]:
    """Split text into pieces that fit from x0 (first) or the margin (rest) to x_max."""
    pieces: list[tuple[float, str, int, int]] = []
    x, begin, used = x0, 0, 0.0
    for i, ch in enumerate(text):
        w = _width(ch)
        if x + used + w > x_max and i > begin:
            pieces.append((x, text[begin:i], offset + begin, offset + i))
            x, begin, used = MARGIN, i, 0.0
        used += w
    pieces.append((x, text[begin:], offset + begin, offset + len(text)))
    return pieces


def layout(text: str) -> list[LaidPage]:
    """Lay a report out on pages; every visual line remembers its source range."""
    lines: list[VisualLine] = []
    x_max = PAGE_W - MARGIN
    offset = 0
    for raw in text.split("\n"):
        line_start, line_end = offset, offset + len(raw)
        offset = line_end + 1
        if not raw.strip():
            lines.append(VisualLine(BLANK_H, line_start, line_end))
            continue
        current = VisualLine(LINE_H, line_start, line_start)
        x = MARGIN
        cell_start = line_start
        cells = raw.split("\t") if "\t" in raw else [raw]
        for cell in cells:
            here = cell_start
            cell_start += len(cell) + 1
            stripped = cell.strip()
            if not stripped:
                continue
            here += len(cell) - len(cell.lstrip())
            if x > MARGIN and x + _width(stripped) > x_max:  # the cell starts a new line
                current.end = here
                lines.append(current)
                current, x = VisualLine(LINE_H, here, here), MARGIN
            pieces = _wrap(stripped, here, x, x_max)
            for n, (px, ptext, pstart, pend) in enumerate(pieces):
                if n:
                    current.end = pstart
                    lines.append(current)
                    current = VisualLine(LINE_H, pstart, pstart)
                current.fragments.append(Fragment(px, ptext))
                current.end = pend
                x = px + _width(ptext) + CELL_GAP
        current.end = line_end
        lines.append(current)
    pages: list[LaidPage] = []
    y_max = PAGE_H - MARGIN
    page_lines: list[VisualLine] = []
    y = MARGIN
    for line in lines:
        if y + line.height > y_max and page_lines:
            pages.append(LaidPage(len(pages) + 1, page_lines[0].start, page_lines[-1].end, page_lines))
            page_lines, y = [], MARGIN
        page_lines.append(line)
        y += line.height
    if page_lines:
        pages.append(LaidPage(len(pages) + 1, page_lines[0].start, page_lines[-1].end, page_lines))
    return pages


def draw(page: pymupdf.Page, laid: LaidPage) -> None:
    page.insert_font(fontname="cjk", fontbuffer=FONT.buffer)
    y = MARGIN
    for line in laid.lines:
        for fragment in line.fragments:
            page.insert_text((fragment.x, y + FONT_SIZE), fragment.text, fontname="cjk", fontsize=FONT_SIZE)
        y += line.height


def text_pdf(pages: list[LaidPage]) -> bytes:
    doc = pymupdf.open()
    for laid in pages:
        draw(doc.new_page(width=PAGE_W, height=PAGE_H), laid)
    doc.subset_fonts()
    return doc.tobytes(garbage=4, deflate=True)


def scan_image(laid: LaidPage, rng: np.random.Generator) -> Image.Image:
    """The page as a scanner sees it: grey, slightly rotated, blurred, noisy."""
    doc = pymupdf.open()
    page = doc.new_page(width=PAGE_W, height=PAGE_H)
    draw(page, laid)
    pix = page.get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    angle = float(rng.uniform(-1.2, 1.2))
    image = image.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    pixels = np.asarray(image, dtype=np.float32)
    pixels = 25.0 + pixels * (222.0 / 255.0)  # toner is not black, paper is not white
    pixels += rng.normal(0.0, 9.0, pixels.shape)  # paper grain and sensor noise
    specks = rng.random(pixels.shape) < 0.0008
    pixels[specks] = rng.uniform(30, 120, int(specks.sum()))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")
    return image.filter(ImageFilter.GaussianBlur(radius=0.8))  # optics


def jpeg_bytes(image: Image.Image, quality: int = 40) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def scan_pdf(images: list[Image.Image]) -> bytes:
    doc = pymupdf.open()
    for image in images:
        page = doc.new_page(width=PAGE_W, height=PAGE_H)
        page.insert_image(page.rect, stream=jpeg_bytes(image))
    return doc.tobytes(garbage=4, deflate=True)


def bilevel(image: Image.Image) -> Image.Image:
    return image.point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.NONE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=HERE / "scans")
    parser.add_argument("--pages", type=int, default=2, help="Scanned pages per report (those with the most digits).")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20240531)
    manifest: dict[str, dict[str, object]] = {}
    chosen_pages: dict[str, list[LaidPage]] = {}
    for path in sorted(HERE.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        pages = layout(text)
        ranked = sorted(pages, key=lambda p: -p.digits)
        chosen = sorted(ranked[: args.pages], key=lambda p: p.number)
        chosen_pages[path.stem] = ranked[args.pages : args.pages + 1] or ranked[:1]  # for the single images
        images = [scan_image(p, rng) for p in chosen]
        name = f"{path.stem}.scan.pdf"
        (args.out / name).write_bytes(scan_pdf(images))
        manifest[name] = _entry(path, chosen)
        if path.name.startswith("001_"):
            name = f"{path.stem}.text.pdf"
            (args.out / name).write_bytes(text_pdf(pages))
            manifest[name] = _entry(path, pages)
    # Single scanned pages as images, from three reports, pages not in the PDFs.
    stems = sorted(chosen_pages)
    singles = [("page.png", stems[2]), ("page.jpg", stems[3]), ("page.tif", stems[4])]
    for name, stem in singles:
        laid = chosen_pages[stem][0]
        image = scan_image(laid, rng)
        if name.endswith(".png"):
            bilevel(image).save(args.out / name, format="PNG", optimize=True)
        elif name.endswith(".jpg"):
            (args.out / name).write_bytes(jpeg_bytes(image))
        else:
            bilevel(image).save(args.out / name, format="TIFF", compression="group4", dpi=(DPI, DPI))
        manifest[name] = _entry(HERE / f"{stem}.txt", [laid])
    (args.out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    total = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"{len(manifest)} files, {total / 1e6:.2f} MB in {args.out}")


def _entry(path: Path, pages: list[LaidPage]) -> dict[str, object]:
    return {
        "seed": path.name,
        "pages": [{"number": n, "layout_page": p.number, "start": p.start, "end": p.end} for n, p in enumerate(pages, 1)],
    }


if __name__ == "__main__":
    main()
