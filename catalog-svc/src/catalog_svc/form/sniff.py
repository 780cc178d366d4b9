"""Which open format (TT 19/2011/TT-BTTTT) a file is, judged by its bytes — never by its name or declared type."""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

ODF_TYPES = {
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation", "application/vnd.oasis.opendocument.graphics",
    "application/vnd.oasis.opendocument.text-template", "application/vnd.oasis.opendocument.spreadsheet-template",
    "application/vnd.oasis.opendocument.presentation-template",
}
EXTENSIONS = {
    "application/pdf": ".pdf", "application/xml": ".xml", "text/html": ".html", "text/plain": ".txt",
    "application/vnd.oasis.opendocument.text": ".odt", "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp", "application/vnd.oasis.opendocument.graphics": ".odg",
    "application/vnd.oasis.opendocument.text-template": ".ott",
    "application/vnd.oasis.opendocument.spreadsheet-template": ".ots",
    "application/vnd.oasis.opendocument.presentation-template": ".otp",
}
_MAX_UNZIPPED = 200 * 1024 * 1024  # a zip bomb is refused before anything is inflated
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _odf(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if not infos or infos[0].filename != "mimetype" or infos[0].compress_type != zipfile.ZIP_STORED:
                return None
            if sum(i.file_size for i in infos) > _MAX_UNZIPPED:
                return None
            names = {i.filename for i in infos}
            if "META-INF/manifest.xml" not in names:
                return None
            media_type = zf.read("mimetype").decode("ascii").strip()
    except (zipfile.BadZipFile, UnicodeDecodeError, ValueError, OSError, NotImplementedError):
        return None
    return media_type if media_type in ODF_TYPES else None


def _text(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return None if _CONTROL.search(text) else text


def _xml(data: bytes) -> bool:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return False
    tree = root.getroottree()
    return tree.docinfo.internalDTD is None  # a DTD (entity tricks) is not a template we publish


def sniff(data: bytes) -> str | None:
    """The media type of an accepted open format, or None."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        return _odf(data)
    text = _text(data)
    if text is None:
        return None
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(head):
        return "text/html"
    if head.lstrip().startswith(b"<"):
        return "application/xml" if _xml(data) else None
    return "text/plain"
