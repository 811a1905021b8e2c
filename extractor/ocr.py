"""Page images -> text, offline.

The engine is RapidOCR (``rapidocr`` on PyPI: PP-OCR detection and recognition
models run by onnxruntime, the model files inside the wheel). Nothing is
downloaded at run time: the engine is pointed at the bundled files, and a
missing file is an ``OcrError`` with what to do, never a download. The choice
against ``rapidocr-onnxruntime`` (older bundled models) and Tesseract with
``chi_sim`` (Debian) was measured on the generated scans of the seed reports:
``docs/OCR.md``, made by ``benchmarks/ocr_accuracy.py``. Those two stay
available here for that benchmark (``engine_for("tesseract")``) when installed.

Before recognition a page is deskewed (projection profile on a reduced copy),
so that the text lines of a slightly rotated scan are level and
``extractor.layout`` can group the recognised pieces into lines and table
cells.

Imports of numpy, Pillow and the engines are lazy: text files never load them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Protocol

from extractor.errors import Msg, OcrError
from extractor.layout import TextBox, page_text

if TYPE_CHECKING:
    import numpy as np

DEFAULT_ENGINE = "rapidocr"
ENGINES = ("rapidocr", "rapidocr-onnxruntime", "tesseract")
# Environment override of the engine, e.g. for the benchmark or a site with
# Tesseract only: EXTRACTOR_OCR_ENGINE=tesseract.
ENGINE_ENV = "EXTRACTOR_OCR_ENGINE"
MAX_SKEW_DEGREES = 3.0
# A gap between two recognised characters wider than this share of the line
# height splits the line (see ``split_at_gaps``).
SPLIT_GAP = 0.6
DET_MAX_SIDE = 1280


class OcrEngine(Protocol):
    name: str

    def read(self, image: np.ndarray) -> list[TextBox]:
        """Recognised text pieces with their boxes, in pixels of ``image`` (grey, uint8)."""
        ...


@dataclass
class OcrPage:
    text: str
    boxes: list[TextBox]
    skew: float  # degrees the page was rotated by before recognition


def ocr_image(image: np.ndarray, engine: OcrEngine | None = None) -> OcrPage:
    """Deskew a grey page image, recognise it, lay the pieces out as text."""
    engine = engine or default_engine()
    level, angle = deskew(image)
    boxes = engine.read(level)
    return OcrPage(text=page_text(boxes), boxes=boxes, skew=angle)


@lru_cache(maxsize=4)
def engine_for(name: str) -> OcrEngine:
    """One engine per process and name (models are loaded once)."""
    if name == "rapidocr":
        return RapidOcrEngine()
    if name == "rapidocr-onnxruntime":
        return RapidOcrOnnxruntimeEngine()
    if name == "tesseract":
        return TesseractEngine()
    raise OcrError(Msg.E014, engine=name, engines=", ".join(ENGINES))


def default_engine() -> OcrEngine:
    return engine_for(os.environ.get(ENGINE_ENV, DEFAULT_ENGINE))


# --- image helpers -----------------------------------------------------------


def to_grey(image: Any) -> np.ndarray:
    """A Pillow image -> 2-D uint8 array."""
    import numpy as np

    if image.mode != "L":  # 1-bit, palette, RGB(A), 16-bit: all to 8-bit grey
        image = image.convert("L")
    return np.asarray(image, dtype=np.uint8)


def deskew(image: np.ndarray, *, max_angle: float = MAX_SKEW_DEGREES) -> tuple[np.ndarray, float]:
    """Rotate the page so its text lines are level; returns (image, degrees).

    The angle maximises the variance of the row sums of ink on a reduced copy
    (lines of text give sharp peaks only when level): a coarse search over
    ±``max_angle`` in 0.25° steps, then a fine one in 0.05° steps.
    """
    import numpy as np
    from PIL import Image

    height, width = image.shape
    scale = min(1.0, 800.0 / max(width, 1))
    small = Image.fromarray(image).resize((max(1, int(width * scale)), max(1, int(height * scale))), Image.BILINEAR)
    pixels = np.asarray(small, dtype=np.float32)
    ink = Image.fromarray(((pixels < min(200.0, float(pixels.mean()) - 30.0)) * 255).astype(np.uint8))

    def score(angle: float) -> float:
        rotated = np.asarray(ink.rotate(angle, resample=Image.NEAREST, fillcolor=0), dtype=np.float32)
        rows = rotated.sum(axis=1)
        return float(np.var(rows))

    coarse = np.arange(-max_angle, max_angle + 1e-9, 0.25)
    best = max(coarse, key=score)
    fine = np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05)
    best = float(max(fine, key=score))
    if abs(best) < 0.1:
        return image, 0.0
    level = Image.fromarray(image).rotate(best, resample=Image.BICUBIC, fillcolor=255)
    return np.asarray(level, dtype=np.uint8), round(best, 2)


def split_at_gaps(line: TextBox, chars: list[TextBox], *, gap: float = SPLIT_GAP) -> list[TextBox]:
    """Cut a recognised line where its characters are far apart (two table cells in one box).

    ``chars`` are the line's character boxes in order; a horizontal gap wider
    than ``gap`` x the line's height starts a new piece. Each piece spans its
    characters, not the detector's box, which is padded and can reach far
    into an empty neighbouring cell. Without character boxes (or when they do
    not spell the line's text) the line stays whole.
    """
    if not chars or "".join(c.text for c in chars) != line.text:
        return [line]
    pieces: list[list[TextBox]] = [[chars[0]]]
    for previous, char in pairwise(chars):
        if char.x0 - previous.x1 > gap * line.height:
            pieces.append([])
        pieces[-1].append(char)
    return [TextBox(p[0].x0, line.y0, p[-1].x1, line.y1, "".join(c.text for c in p)) for p in pieces]


def _quad_box(quad: Any, text: str) -> TextBox:
    xs = [float(p[0]) for p in quad]
    ys = [float(p[1]) for p in quad]
    return TextBox(min(xs), min(ys), max(xs), max(ys), text)


# --- engines -----------------------------------------------------------------


class RapidOcrEngine:
    """RapidOCR 3 (PP-OCR det + rec on onnxruntime), models from inside the wheel."""

    name = "rapidocr"

    def __init__(self) -> None:
        try:
            import rapidocr
            from rapidocr import RapidOCR
        except ImportError as exc:
            raise OcrError(Msg.E013, engine=self.name, reason=str(exc), install="pip install rapidocr onnxruntime") from exc
        import logging

        logging.getLogger("RapidOCR").setLevel(logging.ERROR)  # its INFO lines on every load are noise in a batch
        models = os.path.join(os.path.dirname(rapidocr.__file__), "models")
        det = _bundled(models, "det", self.name)
        rec = _bundled(models, "rec", self.name)
        self.version = metadata.version("rapidocr")
        self.name = f"rapidocr {self.version} ({os.path.basename(det)[:-5]}, {os.path.basename(rec)[:-5]})"
        threads = int(os.environ.get("EXTRACTOR_OCR_THREADS", "0")) or -1
        self._engine = RapidOCR(
            params={
                "Global.use_cls": False,  # pages are upright; the angle classifier costs time
                "Global.return_word_box": True,  # character boxes: cells a detected line runs together
                "Global.log_level": "error",
                "Det.model_path": det,
                # Detect on a copy at most DET_MAX_SIDE pixels long (recognition still reads the
                # full-resolution crops): a third of the detection time, the same accuracy (docs/OCR.md).
                "Det.limit_type": "max",
                "Det.limit_side_len": DET_MAX_SIDE,
                "Rec.model_path": rec,
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            }
        )

    def read(self, image: np.ndarray) -> list[TextBox]:
        result = self._engine(image, use_cls=False, return_word_box=True)
        if result.boxes is None or result.txts is None:
            return []
        words = result.word_results or [()] * len(result.txts)
        boxes: list[TextBox] = []
        for quad, text, chars in zip(result.boxes, result.txts, words):
            line = _quad_box(quad, text)
            boxes.extend(split_at_gaps(line, [_quad_box(c[2], c[0]) for c in chars or ()]))
        return boxes


class RapidOcrOnnxruntimeEngine:
    """rapidocr-onnxruntime 1.x (PP-OCRv4 mobile det + rec, inside the wheel)."""

    name = "rapidocr-onnxruntime"

    def __init__(self) -> None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:
            raise OcrError(Msg.E013, engine=self.name, reason=str(exc), install="pip install rapidocr-onnxruntime") from exc
        self.version = metadata.version("rapidocr-onnxruntime")
        self.name = f"rapidocr-onnxruntime {self.version} (PP-OCRv4 mobile)"
        self._engine = RapidOCR()

    def read(self, image: np.ndarray) -> list[TextBox]:
        result, _ = self._engine(image, use_cls=False)
        return [_quad_box(quad, text) for quad, text, _score in result or []]


class TesseractEngine:
    """Tesseract 5 with chi_sim (Debian: tesseract-ocr tesseract-ocr-chi-sim), one word per box."""

    name = "tesseract"

    def __init__(self, languages: str = "chi_sim") -> None:
        self.binary = shutil.which("tesseract")
        if self.binary is None:
            raise OcrError(Msg.E013, engine=self.name, reason="no tesseract binary on PATH", install="apt-get install tesseract-ocr tesseract-ocr-chi-sim")
        self.languages = languages
        version = subprocess.run([self.binary, "--version"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
        self.name = f"{version.strip()} ({languages})"

    def read(self, image: np.ndarray) -> list[TextBox]:
        import io

        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="PNG")
        run = subprocess.run(
            [self.binary, "stdin", "stdout", "-l", self.languages, "--psm", "6", "tsv"],
            input=buffer.getvalue(),
            capture_output=True,
            check=False,
            env={**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")},
        )
        if run.returncode != 0:
            raise RuntimeError(run.stderr.decode("utf-8", "replace").strip()[:300])
        boxes = []
        for row in run.stdout.decode("utf-8").splitlines()[1:]:
            cells = row.split("\t")
            if len(cells) < 12 or not cells[11].strip() or cells[0] != "5":
                continue
            left, top, width, height = (float(c) for c in cells[6:10])
            boxes.append(TextBox(left, top, left + width, top + height, cells[11]))
        return boxes


def _bundled(folder: str, kind: str, engine: str) -> str:
    """The bundled model file of a kind (det / rec), or ``OcrError``: never a download."""
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".onnx") and f"_{kind}" in n)
    except OSError:
        names = []
    if not names:
        raise OcrError(Msg.E015, engine=engine, kind=kind, folder=folder)
    return os.path.join(folder, names[-1])
