"""Help kept by catalog editors: the FAQ and the home page's announcements (the demo loads a few)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


async def test_faq_is_public_and_kept_by_editors(client: Any, editor: dict[str, str], citizen: dict[str, str]) -> None:
    faq = (await client.get("/api/v1/catalog/faq")).json()
    assert len(faq) == 5 and faq[0]["topic"] and "Cổng" in " ".join(e["answer"] for e in faq)
    body = {"question": "Phí, lệ phí nộp ở đâu?", "answer": "Thanh toán trực tuyến hoặc tại quầy.",
            "topic": "Phí, lệ phí", "position": 1}
    assert (await client.post("/api/v1/catalog/faq", json=body)).status_code == 401
    assert (await client.post("/api/v1/catalog/faq", json=body, headers=citizen)).status_code == 403
    short = await client.post("/api/v1/catalog/faq", json={**body, "question": "?"}, headers=editor)
    assert short.status_code == 422 and short.json()["errors"][0]["loc"] == ["body", "question"]
    created = await client.post("/api/v1/catalog/faq", json=body, headers=editor)
    assert created.status_code == 201, created.text
    entry = created.json()
    changed = await client.put(f"/api/v1/catalog/faq/{entry['id']}", headers=editor,
                               json={**body, "answer": "Thanh toán trực tuyến (mức độ 4) hoặc tại quầy."})
    assert changed.status_code == 200 and changed.json()["answer"].startswith("Thanh toán trực tuyến (mức độ 4)")
    assert len((await client.get("/api/v1/catalog/faq")).json()) == 6
    assert (await client.delete(f"/api/v1/catalog/faq/{entry['id']}", headers=editor)).status_code == 204
    assert (await client.delete(f"/api/v1/catalog/faq/{entry['id']}", headers=editor)).status_code == 404


async def test_announcements_show_in_their_period(client: Any, editor: dict[str, str]) -> None:
    shown = (await client.get("/api/v1/catalog/announcements")).json()
    assert len(shown) == 1 and "mã QR" in shown[0]["title"]
    later = datetime.now(UTC) + timedelta(days=3)
    future = await client.post("/api/v1/catalog/announcements", headers=editor, json={
        "title": "Tạm dừng hệ thống để bảo trì", "body": "Hệ thống tạm dừng từ 22 giờ đến 23 giờ.",
        "shown_from": later.isoformat()})
    assert future.status_code == 201, future.text
    now = await client.post("/api/v1/catalog/announcements", headers=editor, json={
        "title": "Nghỉ lễ Quốc khánh", "body": "Bộ phận Một cửa nghỉ lễ theo quy định."})
    assert now.status_code == 201
    titles = [a["title"] for a in (await client.get("/api/v1/catalog/announcements")).json()]
    assert titles[0] == "Nghỉ lễ Quốc khánh" and "Tạm dừng hệ thống để bảo trì" not in titles
    every = (await client.get("/api/v1/catalog/announcements", params={"all": "true"})).json()
    assert len(every) == 3
    wrong = await client.post("/api/v1/catalog/announcements", headers=editor, json={
        "title": "Sai khoảng thời gian", "body": "Thông báo thử nghiệm.", "shown_from": later.isoformat(),
        "shown_until": (later - timedelta(days=1)).isoformat()})
    assert wrong.status_code == 422
