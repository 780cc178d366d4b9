"""The fees due on a dossier, from the procedure revision pinned at submission (never the current one)."""

from __future__ import annotations

from typing import Any

from intake_svc.errors import Invalid


def assess(procedure: dict[str, Any], choices: list[dict[str, Any]] | None) -> tuple[list[dict[str, Any]], int]:
    """``choices`` ``[{name, quantity}]`` name fee lines of the procedure; by default the first line once
    (catalogs list the standard fee first, then reductions and per-unit surcharges). Amounts always come
    from the procedure, never from the caller."""
    fees = [f for f in procedure.get("fees") or [] if isinstance(f, dict) and f.get("name")]
    if not fees:
        if choices:
            raise Invalid.field(("body", "fees"), "Thủ tục này không thu phí, lệ phí.")
        return [], 0
    by_name = {str(f["name"]): f for f in fees}
    chosen = choices if choices else [{"name": str(fees[0]["name"]), "quantity": 1}]
    lines: list[dict[str, Any]] = []
    for i, c in enumerate(chosen):
        fee = by_name.get(str(c.get("name")))
        if fee is None:
            raise Invalid.field(("body", "fees", i, "name"), f"Thủ tục không có khoản phí “{c.get('name')}”.")
        amount, quantity = int(fee.get("amount") or 0), int(c.get("quantity") or 1)
        lines.append({"name": fee["name"], "amount": amount, "quantity": quantity, "total": amount * quantity})
    return lines, sum(line["total"] for line in lines)
