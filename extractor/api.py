"""HTTP API: the same pipeline behind FastAPI, the tagger loaded once at start-up.

- ``POST /extract``: JSON ``{"text": ..., "source"?: ...}`` or a multipart upload
  (field ``file``; .txt/.md, and whatever else ``extractor.ingest.read_document``
  reads, e.g. PDF and images once that ingestion is installed) -> the record,
  the same JSON object as one line of ``extractor extract`` output.
  ``?include_text=true`` puts the text in the record.
- ``GET /health``: status, version, tagger and limits.
- ``GET /schema``: the record's JSON Schema.
- ``GET /openapi.json``, ``/docs``: the OpenAPI document (committed as
  ``docs/openapi.json``; ``python -m extractor.api docs/openapi.json`` rewrites it).

Errors are JSON ``{"detail": message, "code": "E..."}``; the message says what
went wrong, the limit or rule, and what to do: 413 body too large, 415 a type
that cannot be read, 422 a request or document that cannot be used (bad JSON,
empty text, undecodable file, too many pages), 500 a bug.

Run it with ``extractor serve --host 127.0.0.1 --port 8000``. One process runs
one extraction at a time (the tagger is shared); run several processes behind a
balancer for more.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import extractor
from extractor.errors import ExtractorError, InputError, Msg
from extractor.record import record_schema
from extractor.tagger import Tagger, load_tagger

DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PAGES = 200
MAX_SOURCE_CHARS = 1000
OPENAPI_PATH = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"

# Upload types read_document may know, by MIME type, for uploads without a file name suffix.
SUFFIX_BY_MEDIA_TYPE = {
    "text/plain": ".txt",
    "text/markdown": ".md",
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
}
# Input errors that mean "this type cannot be read" (415) rather than "this content is unusable" (422).
UNSUPPORTED_TYPE_CODES = {"E005"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ExtractTextRequest(BaseModel):
    """Report text given directly."""

    model_config = {"extra": "forbid"}

    text: str = Field(min_length=1, description="The report text; offsets in the record index it.")
    source: str | None = Field(None, max_length=MAX_SOURCE_CHARS, description="A name for the document, copied to the record's source (default '<text>').")


class Problem(BaseModel):
    """An error: what went wrong, the rule or limit, and what to do."""

    detail: str
    code: str | None = None


class Health(BaseModel):
    status: str
    version: str
    tagger: str | None
    max_body_bytes: int
    max_pages: int


# ---------------------------------------------------------------------------- body limit


class BodyLimitMiddleware:
    """Refuses bodies over ``max_bytes`` with 413 (by Content-Length, else while reading)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, int(declared))
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._refuse(send, len(body), at_least=True)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, size: int, *, at_least: bool = False) -> None:
        message = Msg.E301.format(size=f"more than {self.max_bytes}" if at_least else size, limit=self.max_bytes, limit_mb=self.max_bytes / 2**20)
        response = JSONResponse({"detail": message, "code": "E301"}, status_code=413, headers={"Connection": "close"})
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:  # pragma: no cover - JSONResponse does not read
    return {"type": "http.disconnect"}


# ---------------------------------------------------------------------------- the app


def create_app(
    *,
    tagger: Tagger | None = None,
    tagger_name: str = "auto",
    model_path: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> FastAPI:
    """The FastAPI app. The tagger (``tagger``, else ``load_tagger(tagger_name, model_path)``)
    is loaded once when the app starts, not per request."""
    state: dict[str, Any] = {"tagger": tagger}
    lock = threading.Lock()  # one extraction at a time: the tagger is shared

    def get_tagger() -> Tagger:
        with lock:
            if state["tagger"] is None:
                state["tagger"] = load_tagger(tagger_name, model_path)
            return state["tagger"]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(get_tagger)
        yield

    app = FastAPI(
        title="extractor",
        version=extractor.__version__,
        description=(
            "Figures (AMOUNT, PERCENT, SCORE, QUANTITY), achievement claims and consistency checks from Chinese "
            "performance self-evaluation reports. `POST /extract` returns the same record as one line of "
            "`extractor extract` output (schema: `GET /schema`)."
        ),
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": Msg.E304.format(reason=_describe(exc.errors())), "code": "E304"}, status_code=422)

    problems = {
        413: {"model": Problem, "description": f"Body larger than the limit ({max_body_bytes} bytes)."},
        415: {"model": Problem, "description": "A content type or file type the server cannot read."},
        422: {"model": Problem, "description": f"Invalid request, empty or undecodable document, or more than {max_pages} pages."},
        500: {"model": Problem, "description": "Unexpected error (a bug): please report it with the document."},
    }

    @app.get("/health", response_model=Health, summary="Liveness, version, tagger and limits")
    async def health() -> Health:
        loaded = state["tagger"]
        return Health(status="ok", version=extractor.__version__, tagger=getattr(loaded, "name", None), max_body_bytes=max_body_bytes, max_pages=max_pages)

    @app.get("/schema", summary="The record's JSON Schema", responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}})
    async def schema() -> JSONResponse:
        return JSONResponse(record_schema())

    @app.post(
        "/extract",
        summary="Extract values, claims and checks from one report",
        response_model=None,
        responses={200: {"description": "The record.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Record"}}}}, **problems},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ExtractTextRequest"}},
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {"file": {"type": "string", "format": "binary", "description": "The report: .txt/.md, or PDF/images when the server's ingestion reads them."}},
                        }
                    },
                },
            }
        },
    )
    async def extract(request: Request, include_text: bool = Query(False, description="Put the document text in the record.")) -> JSONResponse:
        media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if media_type == "application/json":
            body = await request.body()
            payload = _text_request(body)
            if not payload.text.strip():
                raise ApiError(422, "E306", Msg.E306.format(chars=len(payload.text)))
            record = await run_in_threadpool(_extract_text, payload, get_tagger, lock, include_text)
        elif media_type == "multipart/form-data":
            name, suffix, data = await _upload(request)
            record = await run_in_threadpool(_extract_upload, name, suffix, data, get_tagger, lock, include_text, max_pages)
        else:
            raise ApiError(415, "E303", Msg.E303.format(media_type=media_type or "(none)"))
        return JSONResponse(record)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = document.setdefault("components", {}).setdefault("schemas", {})
            components["ExtractTextRequest"] = ExtractTextRequest.model_json_schema()
            components["Record"] = {k: v for k, v in record_schema().items() if k not in ("$schema", "$id")}
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.state.get_tagger = get_tagger
    return app


def _describe(errors: Any) -> str:
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request does not match the API"


def _text_request(body: bytes) -> ExtractTextRequest:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(422, "E304", Msg.E304.format(reason=f"the body is not JSON ({exc}); send {{\"text\": \"...\"}}")) from None
    try:
        return ExtractTextRequest.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "E304", Msg.E304.format(reason=_describe(exc.errors()) + "; send {\"text\": \"...\", \"source\": \"...\"}")) from None


async def _upload(request: Request) -> tuple[str, str, bytes]:
    try:
        form = await request.form(max_files=1, max_fields=4)
    except StarletteHTTPException as exc:  # malformed multipart
        raise ApiError(422, "E304", Msg.E304.format(reason=f"cannot parse the multipart body ({exc.detail})")) from None
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise ApiError(422, "E304", Msg.E304.format(reason="multipart body has no file in a field named 'file'"))
    try:
        data = await upload.read()
    finally:
        await upload.close()
    name = upload.filename or "upload"
    media_type = (upload.content_type or "").split(";")[0].strip().lower()
    suffix = Path(name).suffix.lower() or SUFFIX_BY_MEDIA_TYPE.get(media_type, "")
    if not suffix:
        raise ApiError(415, "E305", Msg.E305.format(name=name, media_type=media_type or "(none)"))
    return name, suffix, data


def _extract_text(payload: ExtractTextRequest, get_tagger: Any, lock: threading.Lock, include_text: bool) -> dict[str, Any]:
    from extractor.ingest import document_from_text
    from extractor.pipeline import extract_document

    tagger = get_tagger()
    document = document_from_text(payload.text, payload.source or "<text>")
    with lock:
        return _run(lambda: extract_document(document, tagger, include_text=include_text).to_dict())


def _extract_upload(name: str, suffix: str, data: bytes, get_tagger: Any, lock: threading.Lock, include_text: bool, max_pages: int) -> dict[str, Any]:
    from extractor.ingest import read_document
    from extractor.pipeline import extract_document

    tagger = get_tagger()
    with tempfile.TemporaryDirectory(prefix="extractor-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        pages = _pdf_page_count(path)
        if pages is not None and pages > max_pages:  # refuse before reading (and OCR) starts
            raise ApiError(422, "E302", Msg.E302.format(pages=pages, limit=max_pages))
        try:
            document = read_document(path)
        except InputError as exc:
            status = 415 if exc.code in UNSUPPORTED_TYPE_CODES else 422
            raise ApiError(status, exc.code, exc.message.replace(str(path), name)) from None
        except ExtractorError as exc:  # e.g. no OCR engine on this server: it cannot read this type
            raise ApiError(415, exc.code, exc.message.replace(str(path), name)) from None
        document.source = name
        for error in getattr(document, "errors", None) or []:  # unreadable pages: name the upload, not the temp file
            error.source = name
            error.message = error.message.replace(str(path), name)
    if len(document.pages) > max_pages:
        raise ApiError(422, "E302", Msg.E302.format(pages=len(document.pages), limit=max_pages))
    with lock:
        return _run(lambda: extract_document(document, tagger, include_text=include_text).to_dict())


def _run(job: Any) -> dict[str, Any]:
    try:
        return job()
    except ExtractorError as exc:
        raise ApiError(500, exc.code, exc.message) from None
    except Exception as exc:  # noqa: BLE001 - a bug: say so in the API's format
        from extractor.errors import Msg

        raise ApiError(500, "E007", Msg.E007.format(path="the request", reason=f"{type(exc).__name__}: {exc}")) from None


def _pdf_page_count(path: Path) -> int | None:
    if path.suffix.lower() != ".pdf":
        return None
    try:
        import pymupdf
    except ImportError:
        return None
    try:
        with pymupdf.open(path) as pdf:
            return pdf.page_count
    except Exception:  # noqa: BLE001 - not a readable PDF: read_document will say why
        return None


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the default app (what ``docs/openapi.json`` holds)."""
    return create_app(tagger=_NoTagger()).openapi()


def openapi_json() -> str:
    return json.dumps(openapi_document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class _NoTagger:
    """Stands in for a tagger where only the app's shape is needed (the OpenAPI document)."""

    name = "none"

    def tag(self, text: str, normalised: Any = None) -> list[Any]:  # pragma: no cover
        return []


def serve(*, host: str = "127.0.0.1", port: int = 8000, tagger: str = "auto", model: str | None = None, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, max_pages: int = DEFAULT_MAX_PAGES) -> None:
    """Run the API with uvicorn (blocks)."""
    import uvicorn

    app = create_app(tagger_name=tagger, model_path=model, max_body_bytes=max_body_bytes, max_pages=max_pages)
    uvicorn.run(app, host=host, port=port)


def main(argv: list[str] | None = None) -> int:
    """``python -m extractor.api [PATH]``: write the OpenAPI document (default docs/openapi.json; '-' prints it)."""
    args = sys.argv[1:] if argv is None else argv
    target = args[0] if args else str(OPENAPI_PATH)
    text = openapi_json()
    if target == "-":
        sys.stdout.write(text)
    else:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    return 0


__all__ = ["ApiMsg", "BodyLimitMiddleware", "ExtractTextRequest", "create_app", "openapi_document", "serve"]

if __name__ == "__main__":
    raise SystemExit(main())

