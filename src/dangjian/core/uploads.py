"""Checks of uploaded documents (ASVS 5.2.1, 5.2.2): the size, and the type read from the
content's first bytes, never from the name or the browser's word for it."""

import os
import unicodedata

import filetype
from django.utils.translation import gettext as _

# The kinds of document branches keep: scans, photos of signed pages, and typed records.
DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
# Photos with a resident's request: what a phone's camera or screenshot gives.
PHOTO_TYPES = {"image/jpeg": "jpg", "image/png": "png"}
_HEAD_BYTES = 8192


class UploadRefused(ValueError):
    """An upload that is not kept; the message names the file and why."""


def document_type(uploaded, *, max_bytes: int, allowed: dict[str, str] = DOCUMENT_TYPES) -> str:
    """The content type of ``uploaded`` (a Django UploadedFile) if it is one of the ``allowed``
    types. Raises UploadRefused naming the file and what is wrong with it."""
    name = display_name(uploaded.name)
    if uploaded.size == 0:
        raise UploadRefused(_("“%(name)s” is empty.") % {"name": name})
    if uploaded.size > max_bytes:
        raise UploadRefused(_("“%(name)s” is %(size)s MB; a document may be at most %(limit)s MB.") % {
            "name": name, "size": round(uploaded.size / 2**20, 1), "limit": round(max_bytes / 2**20, 1)})
    uploaded.seek(0)
    head = uploaded.read(_HEAD_BYTES)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in allowed:
        if allowed is PHOTO_TYPES:
            raise UploadRefused(_("“%(name)s” is not a JPEG or PNG picture.") % {"name": name})
        raise UploadRefused(_("“%(name)s” is not a PDF, JPEG, PNG or Word (.docx) document.") % {"name": name})
    return kind.mime


def display_name(raw: str) -> str:
    """The file's own name as a user gave it, without any folder and without control characters,
    at most 200 characters, kept for showing and for the download's name."""
    base = os.path.basename((raw or "").replace("\\", "/"))
    cleaned = "".join(character for character in base if unicodedata.category(character)[0] != "C").strip()
    return cleaned[-200:] or "document"
