from __future__ import annotations

import re

import pytest

pytest.importorskip("pymupdf")

from scanning import image_bytes, lines_page, scan_image, scan_pdf, text_pdf  # noqa: E402

from extractor.errors import InputError  # noqa: E402
from extractor.ingest import PAGE_SEPARATOR, SUPPORTED_SUFFIXES, iter_input_files, read_document  # noqa: E402
from extractor.layout import TextBox, group_lines, page_text  # noqa: E402
from extractor.pipeline import extract_file  # noqa: E402
from extractor.tagger import load_tagger  # noqa: E402

PAGE1 = ["2024 年度部门整体支出绩效自评报告", "2024 年度总收入决算数 285.53 万元，与上年相比减少 23.72%。"]
PAGE2 = ["2024 年度总支出决算数 285.53 万元，其中基本支出 231.11 万元。", "项目支出 54.42 万元，预算执行率 100%。"]


class FakeOcr:
    """Stands in for an OCR engine: returns fixed pieces, or fails on chosen calls."""

    name = "fake"

    def __init__(self, pages: list[list[TextBox]], fail_on: set[int] = frozenset()) -> None:
        self.pages, self.fail_on, self.calls = pages, fail_on, 0

    def read(self, image):
        self.calls += 1
        if self.calls in self.fail_on:
            raise RuntimeError("recogniser crashed")
        return self.pages[(self.calls - 1) % len(self.pages)]


def boxes(*lines: str) -> list[TextBox]:
    return [TextBox(10, 10 + 30 * i, 10 + 20 * len(line), 30 + 30 * i, line) for i, line in enumerate(lines)]


@pytest.fixture(scope="module")
def rules():
    return load_tagger("rules")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- text-layer PDFs -----------------------------------------------------------


def test_ingest_pdf_text_layer_keeps_page_boundaries(tmp_path, rules):
    path = tmp_path / "report.pdf"
    path.write_bytes(text_pdf([lines_page(PAGE1), lines_page(PAGE2)]))
    doc = read_document(path)
    assert [p.number for p in doc.pages] == [1, 2]
    first, second = doc.pages
    assert squeeze(doc.text[first.start : first.end]) == squeeze("".join(PAGE1))
    assert squeeze(doc.text[second.start : second.end]) == squeeze("".join(PAGE2))
    assert doc.text[first.end : second.start] == PAGE_SEPARATOR
    assert not doc.errors

    record = extract_file(path, tagger=rules, include_text=True).to_dict()
    assert record["pages"] == 2 and not record["errors"]
    for value in record["values"]:
        assert record["text"][value["start"] : value["end"]] == value["text"]
    pages_of = {v["text"].replace(" ", ""): v["page"] for v in record["values"]}
    assert pages_of["23.72%"] == 1
    assert pages_of["231.11万元"] == 2 and pages_of["54.42万元"] == 2


def test_ingest_pdf_table_cells_stay_apart_in_reading_order(tmp_path):
    rows = [["一级指标", "分值", "得分"], ["预算执行率", "10.0", "9.5"], ["政府采购执行率", "2.0", "1.9"]]
    items = []
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            items.append((40 + 150 * c, 60 + 20 * r, cell))
    items.reverse()  # the content stream order must not matter
    path = tmp_path / "table.pdf"
    path.write_bytes(text_pdf([items]))
    text = read_document(path).text
    assert text.splitlines() == ["一级指标\t分值\t得分", "预算执行率\t10.0\t9.5", "政府采购执行率\t2.0\t1.9"]


def test_layout_groups_lines_by_y_and_cells_by_gap():
    pieces = [
        TextBox(300, 101, 340, 119, "9.5"),  # same line, a little lower (a skewed scan)
        TextBox(10, 100, 110, 120, "预算执行率"),
        TextBox(200, 99, 240, 118, "10.0"),
        TextBox(10, 140, 60, 160, "其中"),
        TextBox(62, 140, 160, 160, "基本支出"),  # touching: one run of text
        TextBox(174, 141, 236, 160, "231.11"),  # a narrow gap: a space
    ]
    assert [[b.text for b in line] for line in group_lines(pieces)] == [["预算执行率", "10.0", "9.5"], ["其中", "基本支出", "231.11"]]
    assert page_text(pieces) == "预算执行率\t10.0\t9.5\n其中基本支出 231.11"


# --- scanned PDFs and images (OCR) --------------------------------------------------


def test_ingest_pdf_page_without_text_layer_falls_back_to_ocr(tmp_path, rules):
    path = tmp_path / "mixed.pdf"
    # page 1 has a text layer, page 2 is a scan: only page 2 goes through OCR.
    import pymupdf

    mixed = pymupdf.open(stream=text_pdf([lines_page(PAGE1)]), filetype="pdf")
    mixed.insert_pdf(pymupdf.open(stream=scan_pdf([scan_image(["x"])]), filetype="pdf"))
    path.write_bytes(mixed.tobytes())
    engine = FakeOcr([boxes(*PAGE2)])
    doc = read_document(path, ocr=engine)
    assert engine.calls == 1
    assert [p.number for p in doc.pages] == [1, 2]
    assert doc.text[doc.pages[1].start : doc.pages[1].end] == "\n".join(PAGE2)


def test_ingest_ocr_failure_on_one_page_keeps_the_others(tmp_path, rules):
    path = tmp_path / "scan.pdf"
    path.write_bytes(scan_pdf([scan_image(["a"]), scan_image(["b"]), scan_image(["c"])]))
    engine = FakeOcr([boxes(*PAGE1), boxes("unused"), boxes(*PAGE2)], fail_on={2})
    from extractor.pipeline import extract_document

    doc = read_document(path, ocr=engine)
    assert len(doc.pages) == 3 and doc.text[doc.pages[1].start : doc.pages[1].end] == ""
    record = extract_document(doc, rules).to_dict()
    assert [(e["code"], e["page"]) for e in record["errors"]] == [("E012", 2)]
    message = record["errors"][0]["message"]
    assert str(path) in message and "page 2" in message and "recogniser crashed" in message
    assert {v["page"] for v in record["values"]} == {1, 3}


@pytest.mark.parametrize("suffix,fmt", [(".png", "PNG"), (".jpg", "JPEG"), (".tif", "TIFF")])
def test_ingest_images_are_ocred(tmp_path, suffix, fmt):
    path = tmp_path / f"page{suffix}"
    path.write_bytes(image_bytes(scan_image(["x"]), fmt))
    doc = read_document(path, ocr=FakeOcr([boxes(*PAGE2)]))
    assert doc.text == "\n".join(PAGE2) and len(doc.pages) == 1


def test_ingest_multipage_tiff_is_one_page_per_frame(tmp_path):
    frames = [scan_image(["a"], seed=1), scan_image(["b"], seed=2)]
    path = tmp_path / "pages.tiff"
    frames[0].save(path, format="TIFF", save_all=True, append_images=frames[1:])
    doc = read_document(path, ocr=FakeOcr([boxes(*PAGE1), boxes(*PAGE2)]))
    assert [p.number for p in doc.pages] == [1, 2]
    assert doc.text == "\n".join(PAGE1) + PAGE_SEPARATOR + "\n".join(PAGE2)


def test_ingest_real_ocr_reads_a_scan(tmp_path, rules):
    """The shipped engine (models inside the wheel) reads a small noisy scan."""
    path = tmp_path / "scan.png"
    path.write_bytes(image_bytes(scan_image(PAGE2, seed=3), "PNG"))
    record = extract_file(path, tagger=rules, include_text=True).to_dict()
    assert not record["errors"]
    assert "285.53" in record["text"] and "231.11" in record["text"]
    amounts = sorted(v["value"] for v in record["values"] if v["label"] == "AMOUNT")
    assert amounts == [544200.0, 2311100.0, 2855300.0]
    assert all(v["page"] == 1 for v in record["values"])


# --- bad files ------------------------------------------------------------------------


def test_ingest_corrupt_encrypted_and_empty_pdfs_raise_coded_errors(tmp_path):
    import pymupdf

    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    locked = tmp_path / "locked.pdf"
    doc = pymupdf.open(stream=text_pdf([lines_page(PAGE1)]), filetype="pdf")
    locked.write_bytes(doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner"))
    for path, code in [(corrupt, "E009"), (empty, "E002"), (locked, "E010")]:
        with pytest.raises(InputError) as info:
            read_document(path)
        assert info.value.code == code
        assert str(path) in info.value.message


def test_ingest_pdf_with_only_an_owner_password_is_read(tmp_path):
    import pymupdf

    doc = pymupdf.open(stream=text_pdf([lines_page(PAGE1)]), filetype="pdf")
    path = tmp_path / "restricted.pdf"
    path.write_bytes(doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner", user_pw=""))
    assert "285.53" in read_document(path).text


@pytest.mark.parametrize("payload", [b"not an image at all", image_bytes(scan_image(["x"]), "PNG")[:200]], ids=["garbage", "truncated"])
def test_ingest_unreadable_image_is_e011(tmp_path, payload):
    path = tmp_path / "bad.png"
    path.write_bytes(payload)
    with pytest.raises(InputError) as info:
        read_document(path, ocr=FakeOcr([boxes("x")]))
    assert info.value.code == "E011" and str(path) in info.value.message


def test_ingest_blank_scan_is_e017(tmp_path):
    path = tmp_path / "blank.png"
    path.write_bytes(image_bytes(scan_image([""], noise=0), "PNG"))
    with pytest.raises(InputError) as info:
        read_document(path, ocr=FakeOcr([[]]))
    assert info.value.code == "E017"


def test_ingest_supported_suffixes_and_folder_search(tmp_path):
    assert {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".txt", ".md"} <= set(SUPPORTED_SUFFIXES)
    for name in ["a.PDF", "b.jpeg", "c.tiff", "d.docx"]:
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in iter_input_files([tmp_path])] == ["a.PDF", "b.jpeg", "c.tiff"]


# --- offline --------------------------------------------------------------------------


def test_ingest_extraction_opens_no_network_connection(tmp_path, monkeypatch, samples):
    """Strictly offline: loading the OCR engine and the tagger, and extracting, with sockets blocked."""
    import socket

    from extractor.ocr import engine_for
    from extractor.pipeline import extract_document

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[1:] if len(args) > 1 else args}")

    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    with pytest.raises(AssertionError):
        socket.socket().connect(("127.0.0.1", 9))  # the block is in force
    engine_for.cache_clear()  # the engine and its models load again, under the block
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(image_bytes(scan_image(PAGE2, seed=5), "JPEG"))
    layer = tmp_path / "layer.pdf"
    layer.write_bytes(text_pdf([lines_page(PAGE1), lines_page(PAGE2)]))
    plain = tmp_path / "plain.txt"
    plain.write_text(samples["002"], encoding="utf-8")
    tagger = load_tagger("auto")  # the default pipeline: the shipped model when there is one
    for path in (scan, layer, plain):
        record = extract_document(read_document(path), tagger).to_dict()
        assert not record["errors"] and record["values"], path
    engine_for.cache_clear()
