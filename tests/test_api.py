"""HTTP API: a real server on loopback, uploads (text and PDF), limits, errors, OpenAPI."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from extractor import api
from extractor.api import OPENAPI_PATH, create_app, openapi_json
from extractor.errors import InputError
from extractor.ingest import read_document
from extractor.pipeline import extract_document, extract_text
from extractor.record import record_schema, validate_record
from extractor.tagger import load_tagger

SEED = "002"  # a seed report with amounts, rates and scores


@pytest.fixture(scope="module")
def rules():
    return load_tagger("rules")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CountingLoader:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, name: str = "auto", model_path: str | None = None):
        self.calls += 1
        return load_tagger(name, model_path)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, CountingLoader]]:
    """uvicorn in a thread on 127.0.0.1 and a free port; the tagger is loaded by the app's start-up."""
    loader = CountingLoader()
    patch = pytest.MonkeyPatch()
    patch.setattr(api, "load_tagger", loader)
    app = create_app(tagger_name="rules", max_pages=8)
    port = _free_port()
    instance = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the API server did not start within 20 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", loader
    finally:
        instance.should_exit = True
        thread.join(timeout=10)
        patch.undo()


def _comparable(record: dict) -> list[tuple]:
    return [(v["label"], v["start"], v["end"], v["text"], v["value"], v["unit"], v["precision"]) for v in record["values"]]


# --------------------------------------------------------------------------- over HTTP


def test_api_health_after_startup_has_the_tagger_loaded_once(server):
    base, loader = server
    health = httpx.get(f"{base}/health", timeout=30).json()
    assert health["status"] == "ok" and health["tagger"] == "rules"  # loaded before any extraction
    assert loader.calls == 1


def test_api_extract_seed_report_as_json_text(server, samples, rules):
    base, loader = server
    text = samples[SEED]
    response = httpx.post(f"{base}/extract", json={"text": text, "source": "seed.txt"}, timeout=60)
    assert response.status_code == 200, response.text
    record = response.json()
    validate_record(record)
    expected = extract_text(text, source="seed.txt", tagger=rules).to_dict()
    assert record == expected  # the same record the CLI writes for that text
    assert record["source"] == "seed.txt" and record["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert {v["label"] for v in record["values"]} == {"AMOUNT", "PERCENT", "SCORE", "QUANTITY"}
    assert "text" not in record
    with_text = httpx.post(f"{base}/extract", params={"include_text": "true"}, json={"text": text}, timeout=60).json()
    assert with_text["text"] == text and with_text["source"] == "<text>"
    assert loader.calls == 1  # not reloaded per request


def test_api_extract_seed_report_as_uploaded_txt(server, sample_paths, rules):
    base, _ = server
    path = sample_paths[SEED]
    data = path.read_bytes()
    response = httpx.post(f"{base}/extract", files={"file": (path.name, data, "text/plain")}, timeout=60)
    assert response.status_code == 200, response.text
    record = response.json()
    validate_record(record)
    assert record["source"] == path.name and record["sha256"] == hashlib.sha256(data).hexdigest()
    assert _comparable(record) == _comparable(extract_document(read_document(path), rules).to_dict())


def _seed_pdf(text: str, path: Path, *, lines_per_page: int = 45, width: int = 52) -> int:
    """The seed report as a PDF (PyMuPDF's built-in Chinese font), lines wrapped
    where no number or unit is cut; returns the page count."""
    import pymupdf

    lines: list[str] = []
    for raw in text.splitlines():
        while len(raw) > width:
            cut = width
            while cut > width // 2 and not _safe_break(raw, cut):
                cut -= 1
            lines.append(raw[:cut])
            raw = raw[cut:]
        lines.append(raw)
    pdf = pymupdf.open()
    for first in range(0, len(lines), lines_per_page):
        page = pdf.new_page()
        y = 50
        for line in lines[first : first + lines_per_page]:
            page.insert_text((40, y), line, fontname="china-s", fontsize=9)
            y += 16
    pdf.save(path)
    count = pdf.page_count
    pdf.close()
    return count


def _safe_break(line: str, at: int) -> bool:
    before, after = line[at - 1], line[at]
    number_like = "0123456789.,%％万亿千百元个分项人次件 "
    return before in "，。；：、）" or (before not in number_like and after not in number_like)


def _pdf_ingestion_available(tmp_path: Path) -> bool:
    probe = tmp_path / "probe.pdf"
    _seed_pdf("探测 1 元", probe)
    try:
        read_document(probe)
    except InputError as exc:
        if exc.code == "E005":
            return False
        raise
    return True


def test_api_extract_seed_report_as_uploaded_pdf(server, samples, rules, tmp_path):
    base, _ = server
    pdf = tmp_path / "seed.pdf"
    pages = _seed_pdf(samples[SEED], pdf)
    assert pages == 6
    response = httpx.post(f"{base}/extract", files={"file": ("seed.pdf", pdf.read_bytes(), "application/pdf")}, timeout=120)
    if not _pdf_ingestion_available(tmp_path):
        # The upload path is there; the reading is extractor.ingest's: until it reads PDFs the API says so.
        assert response.status_code == 415 and response.json()["code"] == "E005", response.text
        pytest.skip("PDF ingestion missing: extractor.ingest.read_document does not read .pdf yet (E005)")
    assert response.status_code == 200, response.text
    record = response.json()
    validate_record(record)
    assert record["source"] == "seed.pdf" and record["pages"] == pages
    assert record["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    found = {(v["label"], v["value"]) for v in record["values"]}
    expected = {(v.label, v.value) for v in extract_text(samples[SEED], tagger=rules).values}
    assert len(found & expected) >= 0.9 * len(expected)
    assert ("PERCENT", 0.9947) in found and ("AMOUNT", 82714700.0) in found
    seen_pages = {v["page"] for v in record["values"]}
    assert len(seen_pages) > 1 and seen_pages <= set(range(1, pages + 1))
    assert not record["errors"]


def test_api_refuses_a_pdf_over_the_page_limit(server, samples, tmp_path):
    base, _ = server
    pdf = tmp_path / "long.pdf"
    _seed_pdf(samples[SEED] + samples["001"], pdf)  # 14 pages, more than the fixture's max_pages=8
    response = httpx.post(f"{base}/extract", files={"file": ("long.pdf", pdf.read_bytes(), "application/pdf")}, timeout=60)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "E302" and "at most 8" in problem["detail"] and "--max-pages" in problem["detail"]


def test_api_refuses_a_body_over_the_limit_over_http(samples):
    app = create_app(tagger=load_tagger("rules"), max_body_bytes=4096)
    port = _free_port()
    instance = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    while not instance.started and thread.is_alive():
        time.sleep(0.05)
    try:
        response = httpx.post(f"http://127.0.0.1:{port}/extract", json={"text": samples[SEED]}, timeout=30)
        assert response.status_code == 413
        problem = response.json()
        assert problem["code"] == "E301" and "at most 4096 bytes" in problem["detail"] and "--max-body-mb" in problem["detail"]
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=30).status_code == 200  # still serving
    finally:
        instance.should_exit = True
        thread.join(timeout=10)


# --------------------------------------------------------------------------- in process


@pytest.fixture(scope="module")
def client(rules) -> Iterator[TestClient]:
    with TestClient(create_app(tagger=rules, max_body_bytes=64 * 1024)) as test_client:
        yield test_client


def test_api_schema_is_the_record_schema(client):
    assert client.get("/schema").json() == record_schema()


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"files": {"file": ("report.docx", b"PK\x03\x04", "application/octet-stream")}}, 415, "E005"),
        ({"files": {"file": ("blob", b"abc", "application/octet-stream")}}, 415, "E305"),
        ({"content": "2024 年 100 元".encode(), "headers": {"content-type": "text/plain"}}, 415, "E303"),
        ({"content": "2024 年 100 元".encode()}, 415, "E303"),
        ({"files": {"file": ("empty.txt", b"", "text/plain")}}, 422, "E002"),
        ({"files": {"file": ("binary.txt", b"\x00\x01\x02", "text/plain")}}, 422, "E004"),
        ({"files": {"file": ("bad.txt", b"\xff\xfe\xfa" * 50, "text/plain")}}, 422, "E003"),
        ({"data": {"text": "a"}, "files": {"other": ("a.txt", b"x", "text/plain")}}, 422, "E304"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, "E304"),
        ({"json": ["text"]}, 422, "E304"),
        ({"json": {"txt": "2024 年"}}, 422, "E304"),
        ({"json": {"text": ""}}, 422, "E304"),
        ({"json": {"text": "  \n "}}, 422, "E306"),
        ({"json": {"text": "x" * 70_000}}, 413, "E301"),
    ],
)
def test_api_refuses_bad_requests_with_a_message(client, kwargs, status, code):
    response = client.post("/extract", **kwargs)
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["code"] == code
    assert problem["detail"].startswith(f"[{code}]")


def test_api_upload_error_names_the_upload_not_the_temp_file(client):
    problem = client.post("/extract", files={"file": ("report.docx", b"PK", "application/octet-stream")}).json()
    assert "report.docx" in problem["detail"] and "extractor-upload" not in problem["detail"]
    assert ".txt" in problem["detail"]  # says what it does read


def test_api_bad_query_parameter_is_a_422_problem(client):
    response = client.post("/extract", params={"include_text": "maybe"}, json={"text": "2024 年 100 元"})
    assert response.status_code == 422 and response.json()["code"] == "E304" and "include_text" in response.json()["detail"]


def test_api_upload_suffix_from_the_media_type(client):
    response = client.post("/extract", files={"file": ("report", "总支出 285.53 万元。".encode(), "text/plain")})
    assert response.status_code == 200, response.text
    assert response.json()["values"][0]["value"] == 2855300.0


# --------------------------------------------------------------------------- OpenAPI


def test_api_openapi_committed_is_current():
    committed = OPENAPI_PATH.read_text(encoding="utf-8") if OPENAPI_PATH.exists() else ""
    assert committed == openapi_json(), "docs/openapi.json is stale: regenerate it with `python -m extractor.api docs/openapi.json`"


def test_api_openapi_served_matches_committed(rules):
    import json

    with TestClient(create_app(tagger=rules)) as default_client:  # default limits, as committed
        served = default_client.get("/openapi.json").json()
    assert served == json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    assert served["components"]["schemas"]["Record"]["properties"] == record_schema()["properties"]


def test_api_schemathesis_no_server_errors(rules):
    """Property-based requests from the OpenAPI document: no 5xx, responses match the spec."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import (
        content_type_conformance,
        negative_data_rejection,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )
    from schemathesis.generation import GenerationMode

    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(tagger=rules, max_body_bytes=256 * 1024))
    # positive_data_acceptance is left out on purpose: a schema-valid upload of random bytes is
    # rightly refused (415 unknown type, 422 undecodable), which that check would call a failure.
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, negative_data_rejection]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} == {"POST /extract", "GET /health", "GET /schema"}
    seen: Counter = Counter()
    for operation in operations:
        # Negative (schema-violating) requests only where there is input to violate.
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if operation.label == "POST /extract" else [GenerationMode.POSITIVE]
        for mode in modes:

            @given(case=operation.as_strategy(mode))
            @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def run(case) -> None:
                response = case.call_and_validate(checks=checks)
                seen[(case.operation.label, case.media_type, response.status_code // 100)] += 1

            run()
    # Both request bodies were exercised, and text posts were extracted.
    assert seen[("POST /extract", "application/json", 2)] > 0 and seen[("POST /extract", "application/json", 4)] > 0
    assert any(key[:2] == ("POST /extract", "multipart/form-data") for key in seen)


# --------------------------------------------------------------------------- command line


def test_api_serve_command_passes_options(monkeypatch):
    from extractor.cli import app

    seen = {}

    def fake_run(application, host, port):
        seen.update(app=application, host=host, port=port)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    outcome = CliRunner().invoke(app, ["serve", "--host", "127.0.0.1", "--port", "8123", "--tagger", "rules", "--max-body-mb", "1", "--max-pages", "7"])
    assert outcome.exit_code == 0, outcome.output
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8123
    with TestClient(seen["app"]) as test_client:
        health = test_client.get("/health").json()
    assert health == {"status": "ok", "version": health["version"], "tagger": "rules", "max_body_bytes": 1024 * 1024, "max_pages": 7}
