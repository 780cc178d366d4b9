"""Builders produce schema-valid envelopes, and the readers give back exactly what was built."""

from __future__ import annotations

import runpy
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from interop_svc.xml import (
    NS,
    VN_TZ,
    Applicant,
    ApplicantKind,
    Appointment,
    Channel,
    CounterDossier,
    DocumentRef,
    Dossier,
    DossierFeedPage,
    EnvelopeHeader,
    HistoryEntry,
    MessageType,
    NationalStatus,
    Receipt,
    ReceiptResult,
    ReceivedPaper,
    RejectReason,
    StatusUpdate,
    TraceHop,
    XmlRejected,
    build_counter_dossier,
    build_dossier_feed,
    build_dossier_message,
    build_receipt,
    build_status_update,
    flatten_form_data,
    message_type_of,
    parse_counter_dossier,
    parse_dossier,
    parse_dossier_feed,
    parse_header,
    parse_receipt,
    parse_status_update,
    parse_untrusted,
    receipt_for,
    sha256_hex,
    to_bytes,
    validate,
)

# The benchmark lives beside the package (interop-svc/bench), not in it; its sample dossier serves here too.
XML_BENCH = runpy.run_path(str(Path(__file__).resolve().parents[2] / "bench" / "xml_bench.py"))
sample_dossier = XML_BENCH["sample_dossier"]

PLATFORM = "000.00.00.H19"
DEPARTMENT = "000.00.15.H19"
T = datetime(2026, 11, 30, 9, 10, tzinfo=VN_TZ)


def header(**changes: object) -> EnvelopeHeader:
    values: dict[str, object] = {
        "message_id": "7d0c5a4e-2b1f-4c36-9a53-0f7f5b2c9e11",
        "from_organ_id": DEPARTMENT,
        "to_organ_id": PLATFORM,
        "sent_at": datetime(2026, 11, 30, 9, 15, tzinfo=VN_TZ),
    }
    values.update(changes)
    return EnvelopeHeader(**values)  # type: ignore[arg-type]


def result_document(n: int = 1) -> DocumentRef:
    return DocumentRef(
        name=f"Giấy chứng nhận kết hôn {n}",
        sha256="0123456789abcdef" * 4,
        size=48_213,
        media_type="application/pdf",
        download_url=f"https://motcua.tuphap.dongnai.gov.vn/ketqua/{n}.pdf",
    )


FULL_UPDATE = StatusUpdate(
    dossier_code="000.00.15.H19-261127-0001",
    status_code=NationalStatus.PROCESSING,
    at=T,
    officer="Lê Thị Mai",
    officer_title="Chuyên viên",
    department="Phòng Hộ tịch",
    note="Gia hạn do cần xác minh",
    result_documents=(result_document(1), result_document(2)),
    new_appointment=Appointment(due_at=datetime(2026, 12, 8, 17, tzinfo=VN_TZ), reason="Chờ xác minh"),
)

FULL_COUNTER = CounterDossier(
    dossier_code="000.00.15.H19-261130-0007",
    procedure_code="1.001612.000.00.00.H19",
    applicant_name="Trần Thị Hoa",
    received_at=datetime(2026, 11, 30, 8, 5, tzinfo=VN_TZ),
    due_at=datetime(2026, 12, 4, 17, tzinfo=VN_TZ),
    status_code=NationalStatus.RECEIVED,
    procedure_name="Đăng ký kết hôn",
    applicant=Applicant(
        name="Trần Thị Hoa",
        kind=ApplicantKind.CITIZEN,
        id_number="075190009999",
        phone="0251 3822 000",
        email="hoa@example.vn",
        address="Xã Long Thành, tỉnh Đồng Nai",
    ),
    received_by="Phạm Văn Tâm",
    papers=(
        ReceivedPaper(name="Tờ khai đăng ký kết hôn", requirement_code="TK01", original=True, copies=1),
        ReceivedPaper(name="Giấy xác nhận tình trạng hôn nhân", original=False, copies=2),
    ),
    note="Nhận đủ hồ sơ",
)


def full_dossier(index: int = 1) -> Dossier:
    base = sample_dossier(index)
    return Dossier(
        code=base.code,
        procedure_code=base.procedure_code,
        procedure_name=base.procedure_name,
        agency_code=base.agency_code,
        applicant=Applicant(name="Công ty TNHH Biên Hòa", kind=ApplicantKind.BUSINESS, id_number="3600123456"),
        status_code=NationalStatus.RESULT_RETURNED,
        local_status="returned",
        status_name="Đã trả kết quả",
        sector_code="HT",
        channel=Channel.POST,
        form_data=[
            ("ten_doanh_nghiep", "Công ty TNHH Biên Hòa"),
            ("ghi_chu", "  hai dòng\nthứ hai  "),
            ("x", ""),
        ],
        documents=base.documents,
        submitted_at=T,
        received_at=T,
        due_at=datetime(2026, 12, 2, 17, tzinfo=VN_TZ),
        completed_at=datetime(2026, 12, 1, 10, 0, 0, 250_000, tzinfo=VN_TZ),
        returned_at=datetime(2026, 12, 1, 15, 30, tzinfo=VN_TZ),
        result_documents=[result_document()],
        history=[
            HistoryEntry(at=T, status_code=2, local_status="received", action="Tiếp nhận"),
            HistoryEntry(
                at=T,
                status_code=4,
                action="Thẩm định",
                officer="Lê Thị Mai",
                officer_title="Chuyên viên",
                department="Phòng Hộ tịch",
                note="",
            ),
        ],
    )


def text(element: etree._Element, path: str) -> str | None:
    found: str | None = element.findtext(path, namespaces={"d": NS})
    return found


def round_trip(envelope: etree._Element) -> etree._Element:
    validate(envelope)
    reparsed = parse_untrusted(to_bytes(envelope))
    validate(reparsed)
    return reparsed


# ------------------------------------------------------------------------------------------- builders


@pytest.mark.parametrize("update", [StatusUpdate("000.00.15.H19-261127-0001", 9, T, "Nguyễn Văn An"), FULL_UPDATE])
def test_status_update(update: StatusUpdate) -> None:
    envelope = round_trip(build_status_update(header(), update))
    assert message_type_of(envelope) is MessageType.STATUS_UPDATE
    assert parse_status_update(envelope) == update
    assert parse_header(envelope) == header()


def test_status_update_matches_the_contract_layout() -> None:
    envelope = build_status_update(header(), StatusUpdate("000.00.15.H19-261127-0001", 9, T, "Nguyễn Văn An", note="x"))
    assert envelope.nsmap == {None: NS}
    payload = envelope.find("d:Body/d:StatusUpdate", {"d": NS})
    assert [etree.QName(c).localname for c in payload] == [
        "DossierCode",
        "StatusCode",
        "At",
        "Officer",
        "Note",
    ]
    assert [etree.QName(c).localname for c in envelope.find("d:Header", {"d": NS})] == [
        "MessageId",
        "From",
        "To",
        "SentAt",
        "MessageType",
    ]


@pytest.mark.parametrize(
    "counter",
    [
        CounterDossier(
            "000.00.15.H19-261130-0007",
            "1.001612",
            "Trần Thị Hoa",
            datetime(2026, 11, 30, 8, 5, tzinfo=VN_TZ),
            datetime(2026, 12, 4, 17, tzinfo=VN_TZ),
        ),
        FULL_COUNTER,
    ],
)
def test_counter_dossier(counter: CounterDossier) -> None:
    envelope = round_trip(build_counter_dossier(header(), counter))
    assert parse_counter_dossier(envelope) == counter
    assert text(envelope, "d:Body/d:CounterDossier/d:StatusCode") == "2"


@pytest.mark.parametrize("dossier", [sample_dossier(3), full_dossier()])
def test_dossier_message(dossier: Dossier) -> None:
    envelope = round_trip(build_dossier_message(header(from_organ_id=PLATFORM, to_organ_id=DEPARTMENT), dossier))
    assert parse_dossier(envelope) == dossier


def test_dossier_minimal() -> None:
    dossier = Dossier(
        code="000.00.15.H19-261127-0001",
        procedure_code="2.000635",
        procedure_name="Cấp bản sao trích lục hộ tịch",
        agency_code=DEPARTMENT,
        applicant=Applicant(name="Nguyễn Văn An"),
        status_code=1,
    )
    assert parse_dossier(round_trip(build_dossier_message(header(), dossier))) == dossier


@pytest.mark.parametrize("count", [0, 1, 25])
def test_dossier_feed(count: int) -> None:
    page = DossierFeedPage(
        dossiers=[full_dossier(i) for i in range(count)], next_cursor="c-000128.5", has_more=count == 25
    )
    envelope = round_trip(build_dossier_feed(header(from_organ_id=PLATFORM, to_organ_id=DEPARTMENT), page))
    assert parse_dossier_feed(envelope) == page
    assert len(envelope.findall("d:Body/d:DossierFeed/d:Dossier", {"d": NS})) == count


@pytest.mark.parametrize("duplicate", [False, True])
def test_receipt(duplicate: bool) -> None:
    received = "<Envelope>bất kỳ byte nào</Envelope>".encode()
    receipt = receipt_for(received, "7d0c5a4e-2b1f-4c36-9a53-0f7f5b2c9e11", received_at=T, duplicate=duplicate)
    assert receipt.digest_sha256 == sha256_hex(received)
    assert receipt.result is (ReceiptResult.DUPLICATE if duplicate else ReceiptResult.ACCEPTED)
    envelope = round_trip(build_receipt(header(from_organ_id=PLATFORM, to_organ_id=DEPARTMENT), receipt))
    digest = envelope.find("d:Body/d:Receipt/d:Digest", {"d": NS})
    assert digest.get("Algorithm") == "sha256"
    assert digest.text == sha256_hex(received)
    assert parse_receipt(envelope) == receipt


def test_header_with_optional_parts() -> None:
    full = header(
        document_type="HoSo",
        business_type="0",
        trace=[TraceHop(DEPARTMENT, T), TraceHop("000.00.00.H19", datetime(2026, 11, 30, 2, 11, tzinfo=UTC))],
    )
    envelope = round_trip(build_receipt(full, Receipt("m-1", T, "ab" * 32)))
    assert parse_header(envelope) == full


def test_new_header_has_fresh_id_and_local_time() -> None:
    first, second = EnvelopeHeader.new(PLATFORM, DEPARTMENT), EnvelopeHeader.new(PLATFORM, DEPARTMENT)
    assert first.message_id != second.message_id
    assert first.sent_at.utcoffset() is not None
    validate(build_receipt(first, Receipt("m-1", T, "ab" * 32)))


# ---------------------------------------------------------------------------------------------- values


def test_times_are_written_at_plus_seven() -> None:
    utc = datetime(2026, 11, 30, 2, 10, tzinfo=UTC)
    envelope = build_status_update(header(), StatusUpdate("000.00.15.H19-261127-0001", 9, utc, "An"))
    assert text(envelope, "d:Body/d:StatusUpdate/d:At") == "2026-11-30T09:10:00+07:00"
    assert parse_status_update(envelope).at == utc


def test_naive_times_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        build_status_update(header(), StatusUpdate("000.00.15.H19-261127-0001", 9, datetime(2026, 11, 30), "An"))


def test_control_characters_are_dropped_not_fatal() -> None:
    update = StatusUpdate("000.00.15.H19-261127-0001", 9, T, "Nguyễn\x0bVăn An", note="dòng\x00 một\x1f")
    envelope = round_trip(build_status_update(header(), update))
    parsed = parse_status_update(envelope)
    assert parsed.officer == "NguyễnVăn An"
    assert parsed.note == "dòng một"


def test_invalid_values_fail_validation() -> None:
    bad = StatusUpdate("000.00.15.H19-261127-0001", 11, T, "An")
    with pytest.raises(XmlRejected) as caught:
        validate(build_status_update(header(), bad))
    assert caught.value.reason_code == RejectReason.SCHEMA_INVALID


def test_reader_refuses_other_message_type() -> None:
    envelope = build_counter_dossier(header(), FULL_COUNTER)
    with pytest.raises(XmlRejected) as caught:
        parse_status_update(envelope)
    assert caught.value.reason_code == RejectReason.MESSAGE_TYPE_MISMATCH


def test_flatten_form_data() -> None:
    assert flatten_form_data(
        {"chong": {"ho_ten": "An", "nam_sinh": 1990}, "con": [{"ten": "Bé"}], "dong_y": True, "ghi_chu": None}
    ) == [
        ("chong.ho_ten", "An"),
        ("chong.nam_sinh", "1990"),
        ("con[0].ten", "Bé"),
        ("dong_y", "true"),
        ("ghi_chu", ""),
    ]


def test_bench_runs() -> None:
    rows = XML_BENCH["bench_sign_verify"](1, feed_sizes=(1, 3))
    assert [(r.algorithm, r.dossiers) for r in rows] == [
        ("rsa-sha256", 1),
        ("rsa-sha256", 3),
        ("ecdsa-sha256", 1),
        ("ecdsa-sha256", 3),
    ]
    assert all(isinstance(r, XML_BENCH["BenchRow"]) and r.size_bytes > 0 for r in rows)
    assert "build+sign ms" in XML_BENCH["format_bench"](rows)


def test_form_data_mapping_equals_pairs() -> None:
    pairs = full_dossier()
    as_mapping = Dossier(
        **{**{f: getattr(pairs, f) for f in pairs.__dataclass_fields__}, "form_data": dict(pairs.form_data)}
    )
    assert as_mapping == pairs
