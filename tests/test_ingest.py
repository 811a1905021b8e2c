from __future__ import annotations

import pytest

from extractor.errors import InputError
from extractor.ingest import decode_text, iter_input_files, read_document

TEXT = "2024 年度总支出决算数 285.53 万元，其中基本支出 231.11 万元。"


def test_ingest_reads_utf8_exactly(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(TEXT + "\r\n第二行", encoding="utf-8")
    doc = read_document(path)
    assert doc.text == TEXT + "\r\n第二行"  # no newline translation
    assert doc.pages[0].start == 0 and doc.pages[0].end == len(doc.text)


def test_ingest_strips_utf8_bom_only(tmp_path):
    path = tmp_path / "bom.md"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT.encode("utf-8"))
    assert read_document(path).text == TEXT


def test_ingest_detects_gb18030(tmp_path):
    path = tmp_path / "gb.txt"
    path.write_bytes(TEXT.encode("gb18030"))
    assert read_document(path).text == TEXT


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"", "E002"),
        (b"   \n\t  ", "E008"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "E004"),
        (bytes(range(128, 256)) * 4, "E003"),
    ],
    ids=["empty", "whitespace", "binary", "undecodable"],
)
def test_ingest_bad_input_raises_coded_error(tmp_path, payload, code):
    path = tmp_path / "bad.txt"
    path.write_bytes(payload)
    with pytest.raises(InputError) as info:
        read_document(path)
    assert info.value.code == code
    assert str(path) in info.value.message


def test_ingest_missing_and_unsupported(tmp_path):
    with pytest.raises(InputError) as missing:
        read_document(tmp_path / "nope.txt")
    assert missing.value.code == "E001"
    other = tmp_path / "x.docx"
    other.write_bytes(b"PK")
    with pytest.raises(InputError) as unsupported:
        read_document(other)
    assert unsupported.value.code == "E005"


def test_ingest_folders_recurse_sorted(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("x", encoding="utf-8")
    (tmp_path / "1.md").write_text("x", encoding="utf-8")
    (tmp_path / "skip.bin").write_bytes(b"x")
    assert [p.name for p in iter_input_files([tmp_path])] == ["1.md", "2.txt"]


def test_ingest_decode_text_names_the_file():
    with pytest.raises(InputError, match="report.txt"):
        decode_text(b"\xff\xfe\x00a", "report.txt")
