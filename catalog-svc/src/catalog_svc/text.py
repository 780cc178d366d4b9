"""Folding of Vietnamese text for search: lower case, no diacritics, đ → d, words separated by one space.

The same mapping lives in the SQL function ``catalog_fold`` (migration catalog_0002); both must agree, and a
test checks they do on every demo procedure name.
"""

from __future__ import annotations

import re
import unicodedata

# Every precomposed Vietnamese letter with a diacritic, lower and upper case, then đ/Đ.
VI_FROM = (
    "àÀáÁãÃảẢạẠăĂằẰắẮẵẴẳẲặẶâÂầẦấẤẫẪẩẨậẬèÈéÉẽẼẻẺẹẸêÊềỀếẾễỄểỂệỆìÌíÍĩĨỉỈịỊòÒóÓõÕỏỎọỌôÔồỒốỐỗỖổỔộỘ"
    "ơƠờỜớỚỡỠởỞợỢùÙúÚũŨủỦụỤưƯừỪứỨữỮửỬựỰỳỲýÝỹỸỷỶỵỴđĐ"
)
VI_TO = (
    "aAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAeEeEeEeEeEeEeEeEeEeEeEiIiIiIiIiIoOoOoOoOoOoOoOoOoO"
    "oOoOoOoOoOoOoOoOuUuUuUuUuUuUuUuUuUuUuUyYyYyYyYyYdD"
)
_TABLE = str.maketrans(VI_FROM, VI_TO)
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """``"ĐĂNG KÝ  kết hôn!"`` → ``"dang ky ket hon"``."""
    text = unicodedata.normalize("NFC", text).translate(_TABLE).lower()
    return _NON_WORD.sub(" ", text).strip()


assert len(VI_FROM) == len(VI_TO)
