"""The QR code and short address of the public verification page, printed on form 01 and stamped on every
signed result (segno makes the matrix; it is drawn as vector squares, so it stays sharp at any print size)."""

from __future__ import annotations

from urllib.parse import quote

import segno
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

VERIFY_PATH = "/xac-minh/"


def verify_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}{VERIFY_PATH}{quote(code, safe='')}"


def modules(url: str) -> list[tuple[int, int, int]]:
    """The dark modules as horizontal runs ``(row, first column, length)``, with the quiet zone of 4 modules
    included in the coordinates (row 0 is the top)."""
    qr = segno.make(url, error="m", micro=False)
    runs: list[tuple[int, int, int]] = []
    for r, row in enumerate(qr.matrix_iter(border=4)):
        start = None
        for c, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = c
            elif not dark and start is not None:
                runs.append((r, start, c - start))
                start = None
    return runs


def side(url: str) -> int:
    """Modules per side, quiet zone included."""
    width, _height = segno.make(url, error="m", micro=False).symbol_size(border=4)
    return int(width)


class QrFlowable(Flowable):
    """The QR as a reportlab flowable of ``size`` points."""

    def __init__(self, url: str, size: float = 24 * mm) -> None:
        super().__init__()
        self.url, self.size = url, size
        self.width = self.height = size

    def draw(self) -> None:
        n = side(self.url)
        unit = self.size / n
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColorRGB(0, 0, 0)
        for r, c, length in modules(self.url):
            canvas.rect(c * unit, self.size - (r + 1) * unit, length * unit, unit, stroke=0, fill=1)
        canvas.restoreState()


def pdf_ops(url: str, *, x: float, y: float, size: float, caption: str | None = None) -> bytes:
    """PDF content operators drawing the QR with its lower-left corner at (``x``, ``y``) and, when given, an
    ASCII ``caption`` under it in the font resource ``/FQr`` (Helvetica)."""
    n = side(url)
    unit = size / n
    ops = [b"q", b"1 1 1 rg", f"{x:.3f} {y:.3f} {size:.3f} {size:.3f} re f".encode(), b"0 0 0 rg"]
    for r, c, length in modules(url):
        ops.append(f"{x + c * unit:.3f} {y + size - (r + 1) * unit:.3f} {length * unit:.3f} {unit:.3f} re".encode())
    ops.append(b"f")
    if caption:
        # right-aligned with the QR's right edge, so a long address stays on the page
        left = x + size - stringWidth(caption, "Helvetica", 6)
        text = caption.encode("ascii", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        ops += [b"BT", b"/FQr 6 Tf", f"{left:.3f} {y - 7:.3f} Td".encode(), b"(" + text + b") Tj", b"ET"]
    ops.append(b"Q")
    return b"\n".join(ops)
