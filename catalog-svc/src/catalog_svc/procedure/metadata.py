"""Dublin Core record of a procedure (R-CAT-7, TT 24/2011/TT-BTTTT): dc elements and dcterms refinements."""

from __future__ import annotations

from typing import Any

from lxml import etree

DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
PUBLISHER = "Ủy ban nhân dân tỉnh Đồng Nai"
LEVEL_NAMES = {1: "Dịch vụ công trực tuyến mức độ 1", 2: "Dịch vụ công trực tuyến mức độ 2",
               3: "Dịch vụ công trực tuyến mức độ 3", 4: "Dịch vụ công trực tuyến mức độ 4"}


def dublin_core(view: dict[str, Any], *, base_url: str) -> bytes:
    root = etree.Element("metadata", nsmap={"dc": DC, "dcterms": DCTERMS, "xsi": XSI})

    def add(ns: str, tag: str, text: Any, xsi_type: str | None = None) -> None:
        if text in (None, ""):
            return
        el = etree.SubElement(root, f"{{{ns}}}{tag}")
        el.text = str(text)
        if xsi_type:
            el.set(f"{{{XSI}}}type", xsi_type)

    code = view["code"]
    add(DC, "title", view["name"])
    add(DC, "subject", view.get("sector_name") or view["sector_code"])
    add(DC, "subject", "Thủ tục hành chính")
    add(DC, "description", f"Kết quả: {view['result']}. Đối tượng thực hiện: {view['applicants']}.")
    add(DCTERMS, "abstract", " ".join(view["steps"]))
    add(DC, "creator", view.get("agency_name") or view["agency_code"])
    add(DC, "publisher", PUBLISHER)
    for agency in view.get("interagency") or []:
        add(DC, "contributor", agency)
    add(DC, "date", view["effective_date"], "dcterms:W3CDTF")
    add(DCTERMS, "issued", view["effective_date"], "dcterms:W3CDTF")
    add(DCTERMS, "modified", view["updated_at"].isoformat(), "dcterms:W3CDTF")
    add(DC, "type", "Service", "dcterms:DCMIType")
    add(DC, "type", LEVEL_NAMES[view["level"]])
    add(DC, "format", "application/json", "dcterms:IMT")
    for form in view.get("forms") or []:
        add(DC, "format", form["media_type"], "dcterms:IMT")
    add(DC, "identifier", code)
    add(DC, "identifier", f"{base_url}/api/v1/catalog/procedures/{code}?revision={view['revision']}",
        "dcterms:URI")
    add(DC, "language", "vi", "dcterms:RFC4646")
    add(DC, "coverage", "Tỉnh Đồng Nai")
    for law in view.get("legal_basis") or []:
        add(DC, "source", law)
    add(DCTERMS, "audience", view["applicants"])
    add(DCTERMS, "hasVersion", f"phiên bản {view['revision']}")
    add(DC, "rights", "Thông tin công khai theo Quyết định 33/2015/QĐ-UBND tỉnh Đồng Nai")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
