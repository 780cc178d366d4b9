"""Feedback (phản ánh, kiến nghị): its author is told of the answer by e-mail and in the inbox, with the link to
the portal's page; an unanswered one past its deadline reaches the agency's leaders' inbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from contracts.intake import FeedbackAnswered, FeedbackOverdue
from devkit.events import event, publish
from devkit.testing import eventually
from notify_testkit import AGENCY, Env, body, emails_to

T0 = datetime(2026, 11, 30, 1, 5, tzinfo=UTC)


def base(feedback_id: str, author: str) -> dict[str, object]:
    return {"feedback_id": feedback_id, "agency_code": AGENCY, "about": "procedure", "ref": "2.000488.000.00.15.H19",
            "title": "Thủ tục còn nhiều giấy tờ", "received_at": T0, "due_at": T0 + timedelta(days=14),
            "author_user_id": author}


async def inbox(env: Env, **token: object) -> list[dict[str, object]]:
    r = await env.client.get("/api/v1/notifications", params={"size": 100}, headers=env.tokens.header(**token))
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def test_the_answer_reaches_its_author_and_an_overdue_one_the_leaders(env: Env) -> None:
    author, fid = str(uuid.uuid4()), str(uuid.uuid4())
    address = f"pakn.{uuid.uuid4().hex[:8]}@example.vn"
    answered = T0 + timedelta(days=3)
    await publish(env.stack.nats.url, event(FeedbackAnswered(
        **base(fid, author), at=answered, answered_at=answered, public=True, on_time=True, author_email=address,
        author_name="Nguyễn Văn An"), subject=f"feedback/{fid}"))
    [mail] = await eventually(lambda: emails_to(env.stack, address))
    assert mail["Subject"] == "Phản ánh, kiến nghị của Ông/Bà đã được trả lời"
    text = body(mail)
    assert "Kính gửi Ông/Bà Nguyễn Văn An" in text and "Thủ tục còn nhiều giấy tờ" in text
    assert f"/phan-anh/{fid}" in text

    async def entries() -> list[dict[str, object]] | None:
        items = await inbox(env, sub=author)
        return items or None

    [entry] = await eventually(entries)
    assert entry["title"] == "Đã trả lời phản ánh, kiến nghị" and entry["dossier_code"] is None

    late = str(uuid.uuid4())
    await publish(env.stack.nats.url, event(FeedbackOverdue(**base(late, author), at=T0 + timedelta(days=15)),
                                            subject=f"feedback/{late}"))

    async def leaders() -> list[dict[str, object]] | None:
        items = await inbox(env, sub="leader-1", roles=("leader",), agency_code=AGENCY)
        return [i for i in items if "Quá hạn trả lời phản ánh" in str(i["title"])] or None

    [flag] = await eventually(leaders)
    assert "Thủ tục còn nhiều giấy tờ" in str(flag["body"])
    # the author's inbox did not get the reminder
    assert len(await inbox(env, sub=author)) == 1
