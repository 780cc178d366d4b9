"""Folding of Vietnamese text for search: lower case, no diacritics, đ → d, words separated by one space.

Shared by every service that searches names (catalog's procedures, intake's applicants). A service's
database holds the same mapping as an IMMUTABLE SQL function (see :func:`fold_function_sql`) so a
generated column and its trigram index fold exactly like the Python side.
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


def fold_function_sql(name: str) -> str:
    """``CREATE FUNCTION <name>(text)``: the same fold in SQL, IMMUTABLE (usable in generated columns and indexes).

    ``unaccent`` is only STABLE, depends on a dictionary file and does not map đ → d in every version."""
    return (
        f"CREATE FUNCTION {name}(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
        "SELECT btrim(regexp_replace(lower(translate(normalize(t, NFC), "
        f"'{VI_FROM}', '{VI_TO}')), '[^a-z0-9]+', ' ', 'g')) $$"
    )


assert len(VI_FROM) == len(VI_TO)
