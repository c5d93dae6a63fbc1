"""Uploaded documents: the type read from the content, never the name; the size; the name kept
for showing without folders or control characters."""

import io
import unicodedata
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.uploads import UploadRefused, display_name, document_type


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def office(kind: str) -> bytes:
    """The smallest zip an Office reader would recognise as ``kind`` (word or xl)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{kind}/document.xml" if kind == "word" else f"{kind}/workbook.xml", "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize("name, content, expected", [
    ("申请书.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf"),
    ("scan.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg"),
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png"),
    ("谈话记录.docx", office("word"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    # The name does not decide: a PDF called .png is a PDF.
    ("misnamed.png", b"%PDF-1.4\n", "application/pdf"),
])
def test_documents_we_keep(name, content, expected):
    assert document_type(SimpleUploadedFile(name, content), max_bytes=1024) == expected


@pytest.mark.parametrize("name, content", [
    ("程序.pdf", b"MZ\x90\x00\x03" + b"\x00" * 32),
    ("note.pdf", b"just some text"),
    ("roster.docx", office("xl")),
    ("page.pdf", b"<html><script>alert(1)</script></html>"),
])
def test_other_content_is_refused_naming_the_file(name, content):
    with pytest.raises(UploadRefused) as refused:
        document_type(SimpleUploadedFile(name, content), max_bytes=1024)
    assert str(refused.value) == f"“{name}” is not a PDF, JPEG, PNG or Word (.docx) document."


def test_empty_and_too_large_are_refused():
    with pytest.raises(UploadRefused, match="is empty"):
        document_type(SimpleUploadedFile("a.pdf", b""), max_bytes=1024)
    with pytest.raises(UploadRefused, match="a document may be at most"):
        document_type(SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * 2000), max_bytes=1024)


def test_the_upload_is_read_again_from_the_start():
    uploaded = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")
    document_type(uploaded, max_bytes=1024)
    assert uploaded.read() == b"%PDF-1.4\n%%EOF\n"


@pytest.mark.parametrize("raw, expected", [
    ("C:\\Users\\王\\申请书.pdf", "申请书.pdf"),
    ("../../etc/passwd", "passwd"),
    ("名\x00字\n.pdf", "名字.pdf"),
    ("", "document"),
    ("/", "document"),
])
def test_display_names(raw, expected):
    assert display_name(raw) == expected


@given(st.text())
def test_a_display_name_has_no_folder_or_control_character(raw):
    name = display_name(raw)
    assert 0 < len(name) <= 200
    assert "/" not in name and "\\" not in name
    assert not any(unicodedata.category(character)[0] == "C" for character in name)
