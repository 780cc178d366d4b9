"""Validate the demo catalog (sectors, agencies, procedures, form templates).

Standard library only. Run from the repository root:

    .venv/bin/python catalog-svc/tests/catalog_demo_check.py

`test_demo_catalog.py` runs it with the tests; it lives here, not in the installed package.

Exits 0 and prints a summary when every constraint holds; otherwise lists every
violation and exits 1.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1] / "src" / "catalog_svc" / "demo"
FORMS_DIR = HERE / "forms"

AGENCY_RE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.H19$")
NATIONAL_CODE_RE = re.compile(r"^[12]\.\d{6}$")
SECTOR_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,19}$")
DOC_CODE_RE = re.compile(r"^TP\d+$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PROVINCE_COMMITTEE = "000.00.00.H19"

# Agency-code scheme (README.md): Y1Y2 ranges at level 2.
DEPARTMENT_RANGE = range(1, 30)
DISTRICT_RANGE = range(30, 50)
CENTRAL_RANGE = range(90, 100)

PROCEDURE_KEYS = {
    "code",
    "name",
    "sector_code",
    "level",
    "agency_code",
    "steps",
    "method",
    "documents",
    "processing_time",
    "applicants",
    "result",
    "fees",
    "requirements",
    "legal_basis",
    "effective_date",
    "online_registration",
    "guide",
    "interagency",
    "form_names",
}
DOCUMENT_KEYS = {"code", "name", "copies", "original", "required"}
TIME_UNITS = {"working_days", "days", "hours"}
FORM_EXTENSIONS = {".html", ".txt", ".xml"}
# UTF-8 read as Latin-1/CP1252 leaves pairs like "Ã¡", "áº", "Æ°"; a lone "Ã" (XÃ HỘI) is fine.
MOJIBAKE_RE = re.compile("Ã[\x80-\xbf¡-¿]|Ä[\x80-\xbf\u2018]|á[º»¼½]|Æ[°¡]|\ufffd")

# Diacritic-free queries a user would type; every token must appear in some procedure name.
FAMOUS = [
    "dang ky ket hon",
    "dang ky khai sinh",
    "dang ky khai tu",
    "cap ban sao trich luc ho tich",
    "chung thuc ban sao tu ban chinh",
    "cap phieu ly lich tu phap",
    "dang ky thanh lap doanh nghiep tu nhan",
    "dang ky thanh lap cong ty tnhh",
    "cap giay phep xay dung nha o rieng le",
    "dang ky bien dong dat",
    "cap doi giay phep lai xe",
    "giay phep hanh nghe kham benh chua benh",
    "ban le thuoc",
    "cong nhan truong dat chuan quoc gia",
    "dang ky ho kinh doanh",
    "giay chung nhan du dieu kien an toan thuc pham",
    "cap giay phep lao dong nguoi nuoc ngoai",
    "cap giay phep xuat ban ban tin",
]


def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d) and punctuation, as search does."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", stripped.lower()).split())


class Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.errors.append(message)


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_text(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


def walk_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *walk_strings(v)]]
    if isinstance(value, list):
        return [s for item in value for s in walk_strings(item)]
    return []


def check_text_quality(c: Checker, where: str, data: object) -> None:
    for s in walk_strings(data):
        c.check(unicodedata.is_normalized("NFC", s), f"{where}: text not NFC-normalised: {s[:60]!r}")
        bad = MOJIBAKE_RE.search(s)
        c.check(
            bad is None,
            f"{where}: looks like mojibake near {s[max(0, bad.start() - 20) : bad.end() + 20]!r}" if bad else "",
        )


def agency_level(code: str) -> int:
    v, z, y, _ = code.split(".")
    if v != "000":
        return 4
    if z != "00":
        return 3
    return 2 if y != "00" else 1


def expected_parent(code: str) -> str | None:
    _, z, y, m = code.split(".")
    level = agency_level(code)
    if level == 1:
        return None
    if level == 2:
        return None if int(y) in CENTRAL_RANGE else PROVINCE_COMMITTEE
    if level == 3:
        return f"000.00.{y}.{m}"
    return f"000.{z}.{y}.{m}"


def check_sectors(c: Checker, sectors: Any) -> set[str]:
    c.check(isinstance(sectors, list) and len(sectors) >= 10, "sectors: need a list of at least 10")
    codes = [s.get("code") for s in sectors]
    c.check(len(codes) == len(set(codes)), "sectors: duplicate codes")
    c.check(len({s.get("name") for s in sectors}) == len(sectors), "sectors: duplicate names")
    for s in sectors:
        c.check(set(s) == {"code", "name"}, f"sector {s}: keys must be code, name")
        c.check(
            isinstance(s.get("code"), str) and bool(SECTOR_CODE_RE.match(s["code"])),
            f"sector {s.get('code')}: code must be a short ASCII slug",
        )
        c.check(is_text(s.get("name")), f"sector {s.get('code')}: empty name")
    check_text_quality(c, "sectors.json", sectors)
    return set(codes)


def check_agencies(c: Checker, agencies: Any) -> dict[str, dict[str, Any]]:
    by_code: dict[str, dict[str, Any]] = {}
    for a in agencies:
        code = a.get("code")
        c.check(set(a) == {"code", "name", "parent_code"}, f"agency {code}: keys must be code, name, parent_code")
        c.check(
            isinstance(code, str) and bool(AGENCY_RE.match(code)), f"agency {code}: code does not match QCVN 102 regex"
        )
        c.check(code not in by_code, f"agency {code}: duplicate code")
        c.check(is_text(a.get("name")), f"agency {code}: empty name")
        by_code[code] = a
    c.check(PROVINCE_COMMITTEE in by_code, "agencies: Provincial People's Committee 000.00.00.H19 missing")
    if PROVINCE_COMMITTEE in by_code:
        c.check(by_code[PROVINCE_COMMITTEE]["parent_code"] is None, "agencies: 000.00.00.H19 must have parent null")
    for code, a in by_code.items():
        if not AGENCY_RE.match(code):
            continue
        parent = a["parent_code"]
        c.check(
            parent == expected_parent(code),
            f"agency {code}: parent {parent} does not follow the scheme (expected {expected_parent(code)})",
        )
        c.check(parent is None or parent in by_code, f"agency {code}: parent {parent} does not resolve")
    valid = [k for k in by_code if AGENCY_RE.match(k)]
    departments = [k for k in valid if agency_level(k) == 2 and int(k.split(".")[2]) in DEPARTMENT_RANGE]
    districts = [k for k in valid if agency_level(k) == 2 and int(k.split(".")[2]) in DISTRICT_RANGE]
    c.check(len(departments) >= 6, f"agencies: need >= 6 provincial departments, have {len(departments)}")
    c.check(len(districts) >= 4, f"agencies: need >= 4 district-level committees, have {len(districts)}")
    for k in departments:
        c.check(
            by_code[k]["name"].startswith(("Sở ", "Ban ")),
            f"agency {k}: department range but name {by_code[k]['name']!r}",
        )
    for k in districts:
        c.check(
            by_code[k]["name"].startswith("Ủy ban nhân dân "),
            f"agency {k}: district range but name {by_code[k]['name']!r}",
        )
    for k in valid:
        level2 = agency_level(k) == 2
        c.check(
            not level2 or any(int(k.split(".")[2]) in r for r in (DEPARTMENT_RANGE, DISTRICT_RANGE, CENTRAL_RANGE)),
            f"agency {k}: level-2 code outside the documented ranges",
        )
    check_text_quality(c, "agencies.json", agencies)
    return by_code


def check_document(c: Checker, where: str, doc: Any, seen: set[str]) -> None:
    c.check(
        isinstance(doc, dict) and set(doc) == DOCUMENT_KEYS, f"{where}: document keys must be {sorted(DOCUMENT_KEYS)}"
    )
    if not isinstance(doc, dict):
        return
    code = doc.get("code")
    c.check(isinstance(code, str) and bool(DOC_CODE_RE.match(code)), f"{where}: document code {code!r} not like TP1")
    c.check(code not in seen, f"{where}: duplicate document code {code}")
    seen.add(str(code))
    c.check(is_text(doc.get("name")), f"{where}: document {code} has no name")
    c.check(is_int(doc.get("copies")) and doc["copies"] >= 1, f"{where}: document {code} copies must be int >= 1")
    c.check(isinstance(doc.get("original"), bool), f"{where}: document {code} original must be boolean")
    c.check(isinstance(doc.get("required"), bool), f"{where}: document {code} required must be boolean")


def check_procedure(c: Checker, p: Any, sectors: set[str], agencies: dict[str, Any]) -> None:
    code = p.get("code", "?")
    where = f"procedure {code}"
    # ``agencies`` is optional: the agencies that carry the procedure out, default [agency_code]
    extra, missing = sorted(set(p) - PROCEDURE_KEYS - {"agencies"}), sorted(PROCEDURE_KEYS - set(p))
    c.check(not extra and not missing, f"{where}: keys differ: extra {extra}, missing {missing}")
    agency = p.get("agency_code")
    c.check(agency in agencies, f"{where}: agency {agency} does not resolve")
    c.check(
        isinstance(code, str)
        and isinstance(agency, str)
        and code.endswith("." + agency)
        and bool(NATIONAL_CODE_RE.match(code[: -len(agency) - 1])),
        f"{where}: code must be <national code like 1.001612>.<agency code>",
    )
    name = p.get("name")
    c.check(is_text(name) and not str(name).isascii(), f"{where}: name must be Vietnamese with diacritics")
    c.check(p.get("sector_code") in sectors, f"{where}: sector {p.get('sector_code')} does not resolve")
    level = p.get("level")
    c.check(is_int(level) and 1 <= level <= 4, f"{where}: level must be 1-4")
    steps = p.get("steps")
    c.check(
        isinstance(steps, list) and 3 <= len(steps) <= 6 and all(is_text(s) for s in steps),
        f"{where}: 3-6 non-empty steps",
    )
    for key in ("method", "applicants", "result", "requirements", "online_registration", "guide"):
        c.check(is_text(p.get(key)), f"{where}: {key} must be non-empty text")
    docs = p.get("documents")
    c.check(isinstance(docs, list) and len(docs) >= 2, f"{where}: need at least 2 documents")
    seen: set[str] = set()
    for doc in docs or []:
        check_document(c, where, doc, seen)
    c.check(
        any(isinstance(d, dict) and d.get("required") is True for d in docs or []), f"{where}: no required document"
    )
    pt = p.get("processing_time")
    c.check(isinstance(pt, dict) and set(pt) == {"value", "unit"}, f"{where}: processing_time must be {{value, unit}}")
    if isinstance(pt, dict):
        value = pt.get("value")
        c.check(
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and value > 0
            and float(value) * 2 == int(float(value) * 2),
            f"{where}: processing_time.value must be > 0 in half steps",
        )
        c.check(pt.get("unit") in TIME_UNITS, f"{where}: processing_time.unit must be one of {sorted(TIME_UNITS)}")
    fees = p.get("fees")
    c.check(isinstance(fees, list), f"{where}: fees must be a list")
    for f in fees or []:
        c.check(
            isinstance(f, dict) and set(f) == {"name", "amount"} and is_text(f.get("name")),
            f"{where}: fee must be {{name, amount}}",
        )
        c.check(
            isinstance(f, dict) and is_int(f.get("amount")) and f["amount"] >= 0,
            f"{where}: fee amount must be whole VND int >= 0",
        )
    legal = p.get("legal_basis")
    c.check(
        isinstance(legal, list) and len(legal) >= 1 and all(is_text(x) for x in legal),
        f"{where}: legal_basis must list documents",
    )
    eff = p.get("effective_date")
    ok_date = isinstance(eff, str) and bool(DATE_RE.match(eff))
    if ok_date:
        try:
            d = dt.date.fromisoformat(str(eff))
            ok_date = dt.date(2016, 1, 1) <= d <= dt.date(2025, 12, 31)
        except ValueError:
            ok_date = False
    c.check(ok_date, f"{where}: effective_date must be a real YYYY-MM-DD in 2016-2025")
    places = p.get("agencies", [agency])
    c.check(isinstance(places, list) and agency in places, f"{where}: agencies must list its own agency")
    for other in places if isinstance(places, list) else []:
        c.check(other in agencies, f"{where}: agency {other} in agencies does not resolve")
    inter = p.get("interagency")
    c.check(isinstance(inter, list), f"{where}: interagency must be a list")
    for other in inter or []:
        c.check(other in agencies, f"{where}: interagency agency {other} does not resolve")
        c.check(other != agency, f"{where}: interagency lists its own agency")
    forms = p.get("form_names")
    c.check(isinstance(forms, list) and all(is_text(x) for x in forms), f"{where}: form_names must be a list of names")
    if is_int(level) and level >= 2:
        c.check(bool(forms), f"{where}: level >= 2 needs at least one form name")
    method = str(p.get("method", "")).lower()
    if level == 4:
        c.check(
            "trực tuyến" in method and "thanh toán" in method,
            f"{where}: level 4 method must mention online submission and payment",
        )
    if level == 3:
        c.check("trực tuyến" in method, f"{where}: level 3 method must mention online submission")
    if is_int(level) and level <= 2:
        c.check("toàn trình" not in method, f"{where}: level {level} method must not claim full online service")


class _HTMLCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.has_lang = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html" and ("lang", "vi") in attrs:
            self.has_lang = True


def check_forms(c: Checker, procedures: dict[str, dict[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = load(FORMS_DIR / "forms.json")
    templates = sorted(p for p in FORMS_DIR.iterdir() if p.is_file() and p.name != "forms.json")
    c.check(3 <= len(templates) <= 5, f"forms: need 3-5 template files, have {len(templates)}")
    referenced: set[str] = set()
    for proc_code, entries in mapping.items():
        p = procedures.get(proc_code)
        c.check(p is not None, f"forms.json: procedure {proc_code} does not resolve")
        if p is None:
            continue
        c.check(p["level"] >= 2, f"forms.json: {proc_code} is below level 2; forms are not served there")
        for e in entries:
            c.check(set(e) == {"file", "name"}, f"forms.json: {proc_code} entry keys must be file, name")
            c.check((FORMS_DIR / e["file"]).is_file(), f"forms.json: {proc_code} file {e['file']} missing")
            c.check(e["name"] in p["form_names"], f"forms.json: {proc_code} form {e['name']!r} not in its form_names")
            referenced.add(e["file"])
    for t in templates:
        c.check(t.suffix in FORM_EXTENSIONS, f"forms: {t.name} is not an open text format {sorted(FORM_EXTENSIONS)}")
        raw = t.read_bytes()
        c.check(b"\x00" not in raw, f"forms: {t.name} looks binary")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            c.check(False, f"forms: {t.name} is not UTF-8")
            continue
        check_text_quality(c, t.name, text)
        c.check(t.name in referenced, f"forms: {t.name} is not referenced in forms.json")
        if t.suffix == ".xml":
            try:
                ET.fromstring(raw)
            except ET.ParseError as exc:
                c.check(False, f"forms: {t.name} is not well-formed XML: {exc}")
        if t.suffix == ".html":
            parser = _HTMLCheck()
            parser.feed(text)
            c.check(parser.has_lang, f'forms: {t.name} must declare <html lang="vi">')
    check_text_quality(c, "forms.json", mapping)
    return mapping


def check_form_schemas(c: Checker, procedures: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """form_schemas.json: procedure code → online form, or → the code of a procedure whose form it shares.
    The schema itself is validated by catalog-svc when it loads (libs/formschema); here only its outline."""
    schemas: dict[str, Any] = load(HERE / "form_schemas.json")
    for proc_code, schema in schemas.items():
        p = procedures.get(proc_code)
        c.check(p is not None and p["level"] >= 3, f"form_schemas.json: {proc_code} must be a procedure of level 3-4")
        if isinstance(schema, str):
            c.check(isinstance(schemas.get(schema), dict), f"form_schemas.json: {proc_code} shares a missing {schema}")
            continue
        fields = schema.get("properties") if isinstance(schema, dict) else None
        c.check(isinstance(fields, dict) and bool(fields), f"form_schemas.json: {proc_code} has no properties")
        if isinstance(fields, dict):
            c.check(schema.get("x-order") == list(fields),
                    f"form_schemas.json: {proc_code} x-order must list the fields")
            c.check(all(isinstance(f, dict) and f.get("title") for f in fields.values()),
                    f"form_schemas.json: {proc_code}: every field needs a Vietnamese title")
    check_text_quality(c, "form_schemas.json", schemas)
    return schemas


def main() -> int:
    c = Checker()
    sectors = check_sectors(c, load(HERE / "sectors.json"))
    agencies = check_agencies(c, load(HERE / "agencies.json"))
    procedures_list = load(HERE / "procedures.json")
    c.check(isinstance(procedures_list, list) and len(procedures_list) >= 45, "procedures: need at least 45")
    codes = [p.get("code") for p in procedures_list]
    dupes = [k for k, n in Counter(codes).items() if n > 1]
    c.check(not dupes, f"procedures: duplicate codes {dupes}")
    for p in procedures_list:
        check_procedure(c, p, sectors, agencies)
    check_text_quality(c, "procedures.json", procedures_list)
    procedures = {p["code"]: p for p in procedures_list}

    by_level = Counter(p["level"] for p in procedures_list)
    by_sector = Counter(p["sector_code"] for p in procedures_list)
    by_agency = Counter(p["agency_code"] for p in procedures_list)
    c.check(by_level[1] >= 2, f"levels: need a couple of level 1, have {by_level[1]}")
    c.check(by_level[2] >= 3, f"levels: need some level 2, have {by_level[2]}")
    c.check(by_level[3] >= 8, f"levels: need >= 8 level 3, have {by_level[3]}")
    c.check(by_level[4] >= 8, f"levels: need >= 8 level 4, have {by_level[4]}")
    c.check(len(by_sector) >= 8, f"sectors used: need >= 8, have {len(by_sector)}")
    level2_used = {
        a
        for a in by_agency
        if a in agencies and AGENCY_RE.match(a) and agency_level(a) == 2 and int(a.split(".")[2]) not in CENTRAL_RANGE
    }
    c.check(len(level2_used) >= 6, f"agencies used: need >= 6 departments/district committees, have {len(level2_used)}")
    c.check(any(int(a.split(".")[2]) in DEPARTMENT_RANGE for a in level2_used), "agencies used: no department")
    c.check(any(int(a.split(".")[2]) in DISTRICT_RANGE for a in level2_used), "agencies used: no district committee")
    inter = [p["code"] for p in procedures_list if p["interagency"]]
    c.check(len(inter) >= 2, f"interagency: need >= 2 procedures, have {len(inter)}")
    with_d = [p["name"] for p in procedures_list if "đ" in p["name"] or "Đ" in p["name"]]
    c.check(len(with_d) >= 5, f"names: need several with đ/Đ, have {len(with_d)}")

    folded = [set(fold(p["name"]).split()) for p in procedures_list]
    for query in FAMOUS:
        tokens = set(query.split())
        c.check(any(tokens <= names for names in folded), f"famous procedure missing: {query!r}")
    c.check(
        any("dang ky ket hon" in fold(p["name"]) for p in procedures_list),
        "search: 'dang ky ket hon' is not a substring of any folded name",
    )

    mapping = check_forms(c, procedures)
    schemas = check_form_schemas(c, procedures)
    readme = HERE / "README.md"
    c.check(readme.is_file(), "README.md missing")
    if readme.is_file():
        text = readme.read_text(encoding="utf-8")
        c.check(
            f"{len(procedures_list)} procedures" in text, f"README.md must state '{len(procedures_list)} procedures'"
        )

    if c.errors:
        print(f"{len(c.errors)} problem(s):", file=sys.stderr)
        for e in c.errors:
            print(f"  - {e}", file=sys.stderr)
        return 1

    print(
        f"OK: {len(sectors)} sectors, {len(agencies)} agencies, {len(procedures_list)} procedures, "
        f"{sum(len(v) for v in mapping.values())} form attachments on {len(mapping)} procedures, "
        f"online forms on {len(schemas)} procedures"
    )
    print("by level:  " + ", ".join(f"{k}: {by_level[k]}" for k in sorted(by_level)))
    print("by sector: " + ", ".join(f"{k}: {v}" for k, v in sorted(by_sector.items())))
    print("by agency:")
    for code, n in sorted(by_agency.items()):
        print(f"  {code}  {n:2d}  {agencies.get(code, {}).get('name', '?')}")
    print(f"interagency: {len(inter)} procedures ({', '.join(inter)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
