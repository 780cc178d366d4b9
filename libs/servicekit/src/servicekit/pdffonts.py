"""Vietnamese text in the PDFs services print (forms 01 and 04, reports): Be Vietnam Pro (SIL OFL, from the
``fontpkg-be-vietnam-pro`` wheel), TrueType with every Vietnamese glyph, embedded (subset) in each PDF so it
prints the same everywhere. Registered with reportlab once per process."""

from __future__ import annotations

import functools

FONT, FONT_BOLD, FONT_ITALIC = "BeVietnamPro", "BeVietnamPro-Bold", "BeVietnamPro-Italic"


@functools.cache
def register_fonts() -> None:
    import fontpkg_be_vietnam_pro
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    files = fontpkg_be_vietnam_pro.ROOT / "files"
    pdfmetrics.registerFont(TTFont(FONT, str(files / "BeVietnamPro-Regular.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(files / "BeVietnamPro-Bold.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_ITALIC, str(files / "BeVietnamPro-Italic.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD)
