"""The in-app inbox: each user reads only their own entries; officers also see their role's in their agency."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from contracts import workflow as w
from contracts.gateway import CodeIssued, LoginThrottled, UserRegistered
from devkit.events import event, publish
from devkit.testing import eventually
from notify_testkit import AGENCY, Env, emails_to, new_applicant, new_code, submitted

OTHER_AGENCY = "000.00.16.H19"
T0 = datetime(2026, 11, 30, 1, 5, tzinfo=UTC)


async def inbox(env: Env, **token: object) -> dict:  # type: ignore[type-arg]
    r = await env.client.get("/api/v1/notifications", params={"size": 100}, headers=env.tokens.header(**token))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_a_user_reads_only_their_own_inbox(env: Env) -> None:
    a, b = new_applicant(), new_applicant()
    code_a, code_b = new_code(), new_code()
    await publish(env.stack.nats.url, submitted(code_a, a), submitted(code_b, b))
    mine = await eventually(lambda: _total(env, a.user_id))
    [entry] = mine["items"]
    assert entry["dossier_code"] == code_a and entry["read"] is False and code_a in entry["title"]
    assert set(entry) >= {"id", "at", "title", "body", "dossier_code", "read"}
    assert entry["at"].endswith("+07:00")  # docs/contract.md: Asia/Ho_Chi_Minh with its offset
    theirs = await eventually(lambda: _total(env, b.user_id))
    assert [n["dossier_code"] for n in theirs["items"]] == [code_b]

    # b cannot read a's entry, nor learn it exists
    r = await env.client.post(f"/api/v1/notifications/{entry['id']}/read", headers=env.tokens.header(sub=b.user_id))
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    r = await env.client.post(f"/api/v1/notifications/{uuid.uuid4()}/read", headers=env.tokens.header(sub=a.user_id))
    assert r.status_code == 404
    r = await env.client.post("/api/v1/notifications/not-a-uuid/read", headers=env.tokens.header(sub=a.user_id))
    assert r.status_code == 422
    r = await env.client.get("/api/v1/notifications")
    assert r.status_code == 401

    for _ in range(2):  # marking read twice changes nothing more
        r = await env.client.post(f"/api/v1/notifications/{entry['id']}/read", headers=env.tokens.header(sub=a.user_id))
        assert r.status_code == 200 and r.json()["read"] is True
    assert (await inbox(env, sub=a.user_id))["items"][0]["read"] is True
    r = await env.client.get(
        "/api/v1/notifications", params={"unread": "true"}, headers=env.tokens.header(sub=a.user_id)
    )
    assert r.json()["total"] == 0
    assert (await inbox(env, sub=b.user_id))["items"][0]["read"] is False
    r = await env.client.get("/api/v1/notifications", params={"size": 0}, headers=env.tokens.header(sub=a.user_id))
    assert r.status_code == 422


async def _total(env: Env, user_id: str) -> dict | None:  # type: ignore[type-arg]
    page = await inbox(env, sub=user_id)
    return page if page["total"] else None


async def test_officers_see_work_for_their_role_in_their_agency(env: Env) -> None:
    code, assigned_code = new_code(), new_code()
    assignee = str(uuid.uuid4())
    wf = {"procedure_code": "1.001612", "agency_code": AGENCY, "at": T0}
    await publish(
        env.stack.nats.url,
        event(
            w.TaskAssigned(code=code, **wf, step="specialist", role="specialist", step_due_at=T0 + timedelta(days=2))
        ),
        event(w.TaskAssigned(code=assigned_code, **wf, step="leader", role="leader", assignee_id=assignee)),
        event(w.DeadlineApproaching(code=code, **wf, step="specialist", due_at=T0 + timedelta(days=3))),
        event(w.DossierOverdue(code=assigned_code, **wf, step="leader", due_at=T0 + timedelta(days=3))),
    )
    specialist = {"sub": str(uuid.uuid4()), "roles": ("specialist",), "agency_code": AGENCY}

    async def two() -> dict | None:  # type: ignore[type-arg]
        page = await inbox(env, **specialist)
        return page if page["total"] == 2 else None

    page = await eventually(two)
    titles = sorted(n["title"] for n in page["items"])
    assert titles == [f"Sắp đến hạn: hồ sơ {code}", f"Việc mới: hồ sơ {code}"]
    assert "03/12/2026 08:05" in next(n["body"] for n in page["items"] if n["title"].startswith("Sắp"))
    # the same role elsewhere, or another role here, sees none of it
    assert (await inbox(env, sub=str(uuid.uuid4()), roles=("specialist",), agency_code=OTHER_AGENCY))["total"] == 0
    assert (await inbox(env, sub=str(uuid.uuid4()), roles=("reception",), agency_code=AGENCY))["total"] == 0
    # each officer of the role has their own read mark
    entry = page["items"][0]["id"]
    r = await env.client.post(f"/api/v1/notifications/{entry}/read", headers=env.tokens.header(**specialist))
    assert r.status_code == 200
    colleague = await inbox(env, sub=str(uuid.uuid4()), roles=("specialist",), agency_code=AGENCY)
    assert all(n["read"] is False for n in colleague["items"])
    # an assigned task and its overdue notice go to the assignee; overdue also to the agency's leaders
    mine = await inbox(env, sub=assignee, roles=("leader",), agency_code=AGENCY)
    assert sorted(n["title"] for n in mine["items"]) == sorted(
        [f"Việc mới: hồ sơ {assigned_code}", f"Quá hạn: hồ sơ {assigned_code}"]
    )
    other_leader = await inbox(env, sub=str(uuid.uuid4()), roles=("leader",), agency_code=AGENCY)
    assert [n["title"] for n in other_leader["items"]] == [f"Quá hạn: hồ sơ {assigned_code}"]


async def test_welcome_email_for_a_new_account(env: Env) -> None:
    address = f"moi.{uuid.uuid4().hex[:8]}@example.vn"
    user = str(uuid.uuid4())
    await publish(
        env.stack.nats.url,
        event(UserRegistered(user_id=user, username="moi", full_name="Lê Văn Mới", email=address, phone="0912000111")),
    )
    [mail] = await eventually(lambda: emails_to(env.stack, address))
    assert mail["Subject"] == "Chào mừng Lê Văn Mới đến với Cổng dịch vụ công trực tuyến tỉnh Đồng Nai"
    assert (await inbox(env, sub=user))["total"] == 1
    assert not [m for m in env.stack.sms.messages() if m.get("to") == "0912000111"]


async def test_one_time_codes_go_to_the_one_address_named_and_never_to_the_inbox(env: Env) -> None:
    address = f"ma.{uuid.uuid4().hex[:8]}@example.vn"
    phone = "09" + str(uuid.uuid4().int)[:8]
    user = str(uuid.uuid4())
    at = "2026-12-07T09:00:00+07:00"
    common = {"user_id": user, "username": "ma.so", "full_name": "Trần Mã Số", "expires_at": at}
    await publish(env.stack.nats.url, event(CodeIssued(**common, purpose="password_reset", channel="email",
                                                       email=address, code="482913")))
    await publish(env.stack.nats.url, event(CodeIssued(**common, purpose="verify_phone", channel="sms",
                                                       phone=phone, code="105577")))
    [mail] = await eventually(lambda: emails_to(env.stack, address))
    assert mail["Subject"] == "Mã xác nhận 482913 — Cổng dịch vụ công tỉnh Đồng Nai"
    [sms] = await eventually(lambda: [m for m in env.stack.sms.messages() if m.get("to") == phone])
    assert "105577" in sms["text"] and "hiệu lực 15 phút" in sms["text"]
    assert (await inbox(env, sub=user))["total"] == 0

    # wrong passwords against the account: its owner is told by email and in the inbox
    await publish(env.stack.nats.url, event(LoginThrottled(user_id=user, username="ma.so", full_name="Trần Mã Số",
                                                           email=address, failures=6, at=at)))
    mails = await eventually(lambda: [m for m in emails_to(env.stack, address) if "đăng nhập sai" in m["Subject"]])
    assert mails[0]["Subject"] == "Cảnh báo: nhiều lần đăng nhập sai vào tài khoản ma.so"
    async def entries() -> list:  # type: ignore[type-arg]
        return (await inbox(env, sub=user))["items"]  # type: ignore[no-any-return]

    [entry] = await eventually(entries)
    assert entry["title"] == "Nhiều lần đăng nhập sai vào tài khoản của Ông/Bà"


async def test_template_override_directory_wins(env: Env, tmp_path: object) -> None:
    from pathlib import Path

    from notify_svc.delivery.templates import Templates

    folder = Path(str(tmp_path))
    text = "Nhãn\n\nHồ sơ {{ code }} lúc {{ at | vn_datetime }}"
    (folder / "intake.dossier.submitted.v1.sms.vi.txt").write_text(text, encoding="utf-8")
    t = Templates(directory=folder)
    r = t.render("intake.dossier.submitted.v1", "sms", {"code": "X", "at": "2026-11-30T17:30:00+00:00"})
    assert r is not None and r.body == "Hồ sơ X lúc 01/12/2026 00:30"
    r = t.render("intake.dossier.submitted.v1", "email", {"code": "X"})  # not overridden: the built-in one
    assert r is not None and r.template == "intake.dossier.submitted.v1.email.vi.txt"
    assert t.render("intake.dossier.submitted.v1", "fax", {}) is None
