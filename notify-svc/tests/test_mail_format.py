"""Email subjects keep every space in mail clients; templates have no punctuation typos; the tracking link
follows NOTIFY_TRACKING_URL."""

from __future__ import annotations

import email
import email.policy
import io
import random
import re
import uuid
from datetime import UTC, datetime, timedelta
from email.generator import BytesGenerator
from email.message import EmailMessage

import pytest
from pydantic import ValidationError

from contracts import intake as i
from contracts.gateway import UserRegistered
from devkit.events import event, publish
from devkit.testing import Stack, Tokens, eventually, reset_jetstream, running
from notify_svc.app import create_app
from notify_svc.delivery.mail import as_bytes, encode_words
from notify_svc.delivery.models import Delivery
from notify_svc.delivery.sender import Sender
from notify_svc.delivery.templates import DEFAULT_DIR, Templates
from notify_svc.settings import Settings
from notify_testkit import AGENCY, Env, body, common, emails_to, new_applicant, notify_settings, submitted

# each of these came out of Python's own folding without a space ("tỉnhĐồng Nai", "bổ sung,hoàn thiện")
SUBJECTS = [
    "Chào mừng Trần Thị Lan đến với Cổng dịch vụ công trực tuyến tỉnh Đồng Nai",
    "Chào mừng Nguyễn Văn An đến với Cổng dịch vụ công trực tuyến tỉnh Đồng Nai",
    "Chào mừng Ông/Bà Bùi Minh Tú đến với Cổng dịch vụ công tỉnh Đồng Nai",
    "[000.00.15.H19-261130-0001] Yêu cầu bổ sung, hoàn thiện hồ sơ",
    "[000.00.21.H19-261201-0042] Yêu cầu bổ sung, hoàn thiện hồ sơ",
    "[000.00.15.H19-261130-0001] Hệ thống đã nhận hồ sơ Cấp đổi giấy chứng nhận quyền sử dụng đất",
    "[000.00.15.H19-261130-0001] Hồ sơ đã được chuyển xử lý: Văn phòng đăng ký đất đai tỉnh Đồng Nai, "
    "chi nhánh thành phố Biên Hòa (liên thông với Cục Thuế tỉnh Đồng Nai và Ủy ban nhân dân phường)",
    "[000.00.15.H19-261130-0001] Đề nghị thanh toán phí, lệ phí 1.500.000 đồng",
    "TênrấtdàikhôngcókhoảngtrắngnàođểngắtdòngởđâycảđượcviếtliềnnhauĐồngNaiBiênHòaLongThànhNhơnTrạch x",
]


def parsed_subject(raw: bytes) -> str:
    """What a mail client shows: the message parsed from the bytes on the wire."""
    return str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"])


def stdlib_bytes(subject: str) -> bytes:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg.set_content("x")
    buf = io.BytesIO()
    BytesGenerator(buf, policy=email.policy.SMTP).flatten(msg)
    return buf.getvalue()


def test_python_folding_drops_spaces_between_encoded_words() -> None:
    """The bug, reproduced: the space at a fold point ends up between two encoded words and is dropped."""
    broken = [s for s in SUBJECTS if parsed_subject(stdlib_bytes(s)) != s]
    if not broken:
        pytest.skip("this Python's email package folds these subjects correctly")
    assert "[000.00.15.H19-261130-0001] Yêu cầu bổ sung,hoàn thiện hồ sơ" in {
        parsed_subject(stdlib_bytes(s)) for s in broken
    }


@pytest.mark.parametrize("subject", SUBJECTS)
async def test_subject_reaches_the_client_exactly(subject: str) -> None:
    sender = Sender(None, Settings(database_url="postgresql+asyncpg://x/y"))  # type: ignore[arg-type,call-arg]
    try:
        d = Delivery(id=uuid.uuid4(), event_id="e-1", event_type="intake.dossier.submitted.v1",
                     dossier_code="C-1", channel="email", recipient="lan@example.vn", template="t",
                     subject=subject, body="Nội dung thư")
        raw = sender.email_bytes(d)  # what goes over SMTP
    finally:
        await sender.close()
    assert parsed_subject(raw) == subject
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n")), head
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["From"] == "Cổng Dịch vụ công Đồng Nai <no-reply@dichvucong.dongnai.gov.vn>"
    assert body(msg).strip() == "Nội dung thư"  # type: ignore[arg-type]


BODIES = ["Nội dung thư", "Kính gửi Ông/Bà Nguyễn Thị Lan,\n\nHồ sơ " + "rất dài " * 30 + "đã được tiếp nhận.\n",
          "ascii only\n.\n.a line starting with a dot\n", "x" * 120, "Xem: http://127.0.0.1:8000/tra-cuu/"
          "000.00.15.H19-261130-0001 (tra cứu tình trạng hồ sơ trực tuyến)\r\nDòng hai\rDòng ba", ""]


@pytest.mark.parametrize("text", BODIES)
async def test_built_bytes_are_the_email_packages_message(text: str) -> None:
    """The sender writes each message's bytes itself (mail.plain_text_message): a client reads the same headers and
    body as from the email package's own rendering of the same EmailMessage, and the body part is byte for byte
    what the email package encodes."""
    sender = Sender(None, Settings(database_url="postgresql+asyncpg://x/y"))  # type: ignore[arg-type,call-arg]
    try:
        for subject in [*SUBJECTS, "plain ASCII subject", "a long ASCII subject that has to be folded " * 3]:
            d = Delivery(id=uuid.uuid4(), event_id="e-1", event_type="intake.dossier.submitted.v1",
                         dossier_code="C-1", channel="email", recipient="lan@example.vn", template="t",
                         subject=subject, body=text)
            ours, theirs = sender.email_bytes(d), as_bytes(sender.email_message(d))
            a = email.message_from_bytes(ours, policy=email.policy.default)
            b = email.message_from_bytes(theirs, policy=email.policy.default)
            assert not a.defects
            for name in ("From", "To", "Subject", "Message-ID", "Auto-Submitted", "X-Dvc-Event-Id",
                         "X-Dvc-Event-Type", "X-Dvc-Dossier-Code", "MIME-Version", "Content-Type",
                         "Content-Transfer-Encoding"):
                assert str(a[name]) == str(b[name]), name
            assert ours.split(b"\r\n\r\n", 1)[1] == theirs.split(b"\r\n\r\n", 1)[1]
            assert body(a) == body(b)  # type: ignore[arg-type]
            assert all(len(line) <= 78 for line in ours.split(b"\r\n")), ours
    finally:
        await sender.close()


def test_random_vietnamese_subjects_round_trip() -> None:
    words = " ".join(SUBJECTS).split()
    rng = random.Random(7)
    for _ in range(500):
        subject = " ".join(rng.choice(words) for _ in range(rng.randint(1, 30)))
        msg = EmailMessage()
        msg["Subject"] = subject
        msg.set_content("x")
        assert parsed_subject(as_bytes(msg)) == subject
        # each encoded word ends at a word boundary, its space inside
        decoded = [email.header.decode_header(w)[0][0].decode() for w in encode_words(subject)]  # type: ignore[union-attr]
        assert all(w.endswith(" ") for w in decoded[:-1]) or any(len(x.encode()) > 39 for x in subject.split())


async def test_the_sink_sees_the_exact_subjects(env: Env) -> None:
    """The whole path: events → SMTP → raw bytes in the sink → parsed like a client."""
    a = new_applicant()
    a.name = "Trần Thị Lan"
    code = f"{AGENCY}-261130-{random.randint(1000, 9999)}"  # the length that used to lose "bổ sung, hoàn"
    at = datetime(2026, 11, 30, 1, 5, tzinfo=UTC)
    await publish(
        env.stack.nats.url,
        event(UserRegistered(user_id=a.user_id, username="lan", full_name=a.name, email=a.email)),
        submitted(code, a, at),
        event(i.DossierSupplementRequested(**common(code, a, "supplement_requested", 5, at + timedelta(hours=1)),
                                           missing_items=["Tờ khai"], round=1)),
    )
    mails = await eventually(lambda: len(emails_to(env.stack, a.email)) >= 3 and emails_to(env.stack, a.email),
                             timeout=20)
    subjects = {m["X-Dvc-Event-Type"]: m["Subject"] for m in mails}
    assert subjects["gateway.user.registered.v1"] == (
        "Chào mừng Trần Thị Lan đến với Cổng dịch vụ công trực tuyến tỉnh Đồng Nai")
    assert subjects["intake.dossier.supplement_requested.v1"] == f"[{code}] Yêu cầu bổ sung, hoàn thiện hồ sơ"
    assert subjects["intake.dossier.submitted.v1"] == f"[{code}] Hệ thống đã nhận hồ sơ Đăng ký kết hôn"


# --- templates: no "bổ sung,hoàn" kind of typo anywhere --------------------------------------------------------
SAMPLE = {
    "code": "000.00.15.H19-261130-0001", "procedure_code": "1.001612", "procedure_name": "Đăng ký kết hôn",
    "agency_code": AGENCY, "applicant_name": "Nguyễn Thị Lan", "full_name": "Nguyễn Thị Lan", "username": "lan",
    "at": datetime(2026, 11, 30, 1, 5, tzinfo=UTC), "received_at": datetime(2026, 11, 30, 1, 5, tzinfo=UTC),
    "due_at": datetime(2026, 12, 4, 10, 0, tzinfo=UTC), "finished_at": datetime(2026, 12, 3, 2, 0, tzinfo=UTC),
    "old_due_at": datetime(2026, 12, 4, 10, 0, tzinfo=UTC), "new_due_at": datetime(2026, 12, 9, 3, 30, tzinfo=UTC),
    "expires_at": datetime(2026, 12, 3, 2, 15, tzinfo=UTC), "step_due_at": datetime(2026, 12, 2, 10, 0, tzinfo=UTC),
    "missing_items": ["Tờ khai", "Bản sao Căn cước"], "note": "Thiếu chữ ký", "round": 2,
    "reason": "Không đủ điều kiện", "department": "Phòng Tư pháp", "step": "specialist", "method": "online",
    "postal_tracking": "EB123456789VN", "amount": 1500000, "fees_due": 1500000, "fees_paid": 1500000, "level": 4,
    "actor_name": "Trần Văn Bình", "tracking_url": "https://dichvucong.dongnai.gov.vn/tra-cuu-ho-so?ma=X",
    "dossier_url": "https://dichvucong.dongnai.gov.vn/ho-so/X", "failures": 6,
}
TYPO = [
    (re.compile(r"[,;](?=\S)"), "no space after a comma"),
    (re.compile(r"\S {2,}\S"), "two spaces"),
    (re.compile(r"\s[,.;:)]"), "space before punctuation"),
    (re.compile(r"\(\s"), "space after a parenthesis"),
    (re.compile(r"\.\."), "two dots"),
]


@pytest.mark.parametrize("variant", [
    {"return_method": "online", "online_result": True, "fees_settled": True},
    {"return_method": "online", "online_result": True, "fees_settled": False, "fees_paid": None},
    {"return_method": "counter", "online_result": False, "fees_settled": False, "level": 3, "method": "counter"},
    {"return_method": "postal", "online_result": False, "fees_settled": True, "fees_due": None, "note": None},
])
def test_templates_have_no_punctuation_typos(variant: dict[str, object]) -> None:
    templates = Templates()
    names = sorted(p.name for p in DEFAULT_DIR.glob("*.txt") if not p.name.startswith("_"))
    assert len(names) > 40
    for name in names:
        _event_type, channel, lang, _ = name.rsplit(".", 3)
        rendered = templates.env.get_template(name).render(**{**SAMPLE, **variant}).strip()
        subject, _, text = rendered.partition("\n")
        assert subject == " ".join(subject.split()) and subject, name
        for line in [subject, *text.splitlines()]:
            line = line.strip()
            if "://" in line:
                line = re.sub(r"https?://\S+", "URL", line)
            for pattern, what in TYPO:
                assert not pattern.search(line), f"{name} ({variant}): {what}: {line!r}"
        assert channel in ("email", "sms", "inbox") and lang in ("vi", "en"), name


# --- the tracking link ---------------------------------------------------------------------------------------------
async def test_tracking_url_is_configurable(stack: Stack, tokens: Tokens) -> None:
    await reset_jetstream(stack.nats.url)
    settings = notify_settings(stack, tokens, tracking_url="https://dichvucong.dongnai.gov.vn/tra-cuu-ho-so?ma={code}")
    a, code = new_applicant(), f"{AGENCY}-261130-{random.randint(1000, 9999)}ab"
    async with running(create_app(settings)):
        await publish(stack.nats.url, submitted(code, a))
        mails = await eventually(lambda: emails_to(stack, a.email), timeout=20)
    assert f"https://dichvucong.dongnai.gov.vn/tra-cuu-ho-so?ma={code}" in body(mails[0])
    assert f"/tra-cuu/{code}" not in body(mails[0])
    assert f"https://dichvucong.dongnai.gov.vn/ho-so/{code}" in body(mails[0])  # the owner's page keeps its own


def test_link_defaults_point_to_the_portal_and_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DVC_PUBLIC_URL", "NOTIFY_PORTAL_URL", "NOTIFY_TRACKING_URL", "NOTIFY_DOSSIER_URL"):
        monkeypatch.delenv(name, raising=False)
    s = Settings(database_url="postgresql+asyncpg://x/y")  # type: ignore[call-arg]
    assert s.tracking_url == "{portal_url}/tra-cuu/{code}" and s.dossier_url == "{portal_url}/ho-so/{code}"
    assert s.portal_url == "http://127.0.0.1:8000"
    # the portal is the gateway's public address unless NOTIFY_PORTAL_URL says otherwise
    monkeypatch.setenv("DVC_PUBLIC_URL", "https://dichvucong.dongnai.gov.vn")
    s = Settings(database_url="postgresql+asyncpg://x/y")  # type: ignore[call-arg]
    assert s.portal_url == "https://dichvucong.dongnai.gov.vn"
    monkeypatch.setenv("NOTIFY_PORTAL_URL", "https://cong.dongnai.gov.vn")
    monkeypatch.setenv("NOTIFY_TRACKING_URL", "{portal_url}/tra-cuu-ho-so?ma={code}")
    s = Settings(database_url="postgresql+asyncpg://x/y")  # type: ignore[call-arg]
    assert s.portal_url == "https://cong.dongnai.gov.vn" and s.tracking_url == "{portal_url}/tra-cuu-ho-so?ma={code}"
    for field in ("tracking_url", "dossier_url"):
        for bad in ("https://x/{dossier}", "https://x/no-code", "https://x/{code"):
            with pytest.raises(ValidationError, match=f"NOTIFY_{field.upper()}"):
                Settings(database_url="postgresql+asyncpg://x/y", **{field: bad})  # type: ignore[call-arg]
