"""Coded, actionable messages in one place, raised through a few exception types.

Each message says what went wrong, where, and what to do. Callers catch by type
(``InputError`` for a bad file, ``AnnotationError`` for bad gold, ``ModelError``
for a model directory), and records carry the code.
"""

from __future__ import annotations

from enum import Enum


class Msg(str, Enum):
    E001 = "[E001] File not found: {path}. Check the path; folders are searched recursively for {suffixes}."
    E002 = "[E002] Empty file: {path} has no text. Nothing to extract; re-export or re-scan the report."
    E003 = (
        "[E003] Cannot decode {path}: not UTF-8 (with or without BOM) nor GB18030 text"
        " (first bad byte at offset {offset}). Convert the file to UTF-8, e.g. `iconv -f <encoding> -t utf-8`."
    )
    E004 = "[E004] {path} looks binary (NUL bytes at offset {offset}), not a text report. Pass .txt/.md text, or a .pdf/.png/.jpg/.tif file with that suffix."
    E005 = "[E005] Unsupported file type {suffix!r} for {path}. Supported: {suffixes}."
    E006 = "[E006] Cannot read {path}: {reason}. Check permissions and that the file is not locked."
    E007 = "[E007] Unexpected error while processing {path}: {reason}. Please report it with the file; the rest of the batch was processed."
    E008 = "[E008] Only whitespace in {path}: {chars} characters but no text. Re-export or re-scan the report."
    E009 = (
        "[E009] Cannot open PDF {path}: {reason}. The file is damaged or not a PDF;"
        " re-download or re-export it (a truncated download often does this)."
    )
    E010 = (
        "[E010] {path} is an encrypted PDF that needs a password to read."
        " Remove the protection (e.g. `qpdf --decrypt --password=PW in.pdf out.pdf`) and run again."
    )
    E011 = (
        "[E011] Cannot read image {path}: {reason}. Check that it is a complete .png/.jpg/.tif file;"
        " re-scan or re-export it."
    )
    E012 = (
        "[E012] OCR failed on page {page} of {path}: {reason}. The rest of the document was extracted;"
        " check that page (re-scan it at 200-300 dpi) and extract the file again"
        " (a rerun into the same --out skips it: use another --out or --force)."
    )
    E013 = "[E013] OCR engine {engine} is not available ({reason}). Install it: `{install}`."
    E014 = "[E014] Unknown OCR engine {engine!r}; known: {engines}."
    E015 = (
        "[E015] OCR engine {engine} has no bundled {kind} model in {folder}; nothing is downloaded at run time."
        " Reinstall the package (`pip install --force-reinstall rapidocr`)."
    )
    E016 = (
        "[E016] Cannot read page {page} of {path}: {reason}. The rest of the document was extracted;"
        " the page may be damaged: re-export the PDF."
    )
    E017 = (
        "[E017] No text found in {path} ({pages} pages): no text layer and OCR recognised nothing."
        " The scan may be blank or too faint: re-scan it at 200-300 dpi."
    )
    E018 = "[E018] --format parquet needs pyarrow ({reason}). Install it: `pip install \"extractor[parquet]\"`, or use --format csv."
    # The HTTP layer (extractor.api)
    E301 = "[E301] Request body is {size} bytes; this server takes at most {limit} bytes ({limit_mb:g} MiB). Send a smaller file, split the report, or start the server with a larger --max-body-mb."
    E302 = "[E302] The document has {pages} pages; this server takes at most {limit}. Split it into parts of at most {limit} pages, or start the server with a larger --max-pages."
    E303 = "[E303] Unsupported content type {media_type!r}. Send application/json {{\"text\": \"...\", \"source\": \"...\"}} or multipart/form-data with the report in a field named 'file'."
    E304 = "[E304] Invalid request: {reason}."
    E305 = "[E305] Cannot tell the type of the upload {name!r} (content type {media_type!r}). Give the file a suffix such as .txt, .md or .pdf."
    E306 = "[E306] Only whitespace in the text ({chars} characters). Send the report's text."
    E101 = "[E101] {where}: span [{start}, {end}) {problem}."
    E102 = "[E102] {where}: unknown label {label!r}; known labels: {known}."
    E103 = "[E103] {where}: value spans overlap: [{a_start}, {a_end}) {a_label} and [{b_start}, {b_end}) {b_label}."
    E104 = "[E104] {where}: the text of excerpt {doc_id} is absent from {path}. Put ../shared/corpus/pool.jsonl in place (or set EXTRACTOR_SHARED) to use pool annotations."
    E105 = "[E105] {where}: the text of excerpt {doc_id} has changed (sha256 {got} != annotated {expected}). Re-annotate it or restore the annotated version."
    E106 = "[E106] {where}: cannot parse annotation file: {reason}."
    E107 = "[E107] {where}: value of span [{start}, {end}) {text!r} does not parse as {label}: {reason}."
    E201 = "[E201] Model directory {path} is missing {what}. Train one with `extractor train` or pass --model models/default."
    E202 = "[E202] Model at {path} was made for extractor {made_for}, this is {version}; it may tag differently. Retrain or pin the version."
    E204 = "[E204] Model directory {path}: model.safetensors does not match the network in config.json ({problem}). Copy the directory again or retrain."
    E203 = "[E203] Model directory {path} has an unreadable `decode` setting in config.json: {problem}. Fix it (see training/config.yaml) or retrain."

    def format(self, **kwargs: object) -> str:  # type: ignore[override]
        return self.value.format(**kwargs)

    @property
    def code(self) -> str:
        return self.name


class ExtractorError(Exception):
    """Base for errors the tool explains to its user."""

    def __init__(self, msg: Msg, **kwargs: object) -> None:
        self.code = msg.code
        self.message = msg.format(**kwargs)
        super().__init__(self.message)


class InputError(ExtractorError):
    """A file could not be turned into a Document."""


class OcrError(ExtractorError):
    """An OCR engine is missing, unknown or incomplete (not a per-page failure)."""


class AnnotationError(ExtractorError):
    """Gold annotations are malformed or cannot be joined to their text."""


class ModelError(ExtractorError):
    """A model directory is missing or incompatible."""
