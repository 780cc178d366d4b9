"""The shared vocabulary and validators (database-free)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from contracts.validators import CCCD, OptionalEmail, OptionalPhone, Phone
from contracts.vocabulary import (
    NATIONAL_OF,
    NATIONAL_STATUS_VI,
    STATUS_OF_NATIONAL,
    STEP_VI,
    DossierStatus,
    NationalStatus,
    Step,
    step_label,
)


def test_every_status_maps_onto_a_national_code_and_back() -> None:
    assert set(NATIONAL_OF) == set(DossierStatus)
    assert set(NATIONAL_STATUS_VI) == set(NationalStatus) == set(STATUS_OF_NATIONAL)
    for status, national in NATIONAL_OF.items():
        assert STATUS_OF_NATIONAL[national] is status
    assert STATUS_OF_NATIONAL[NationalStatus.PAYMENT_REQUESTED] is DossierStatus.PROCESSING
    assert NATIONAL_OF[DossierStatus.REJECTED] == 8 and NATIONAL_OF[DossierStatus.RESULT_READY] == 9


def test_step_labels_prefer_the_name_the_event_carries() -> None:
    assert set(STEP_VI) == set(Step)
    assert step_label("leader") == "Lãnh đạo xem xét, ký duyệt"
    assert step_label("leader", "Giám đốc Sở ký duyệt") == "Giám đốc Sở ký duyệt"
    assert step_label("tham_dinh_rieng") == "tham_dinh_rieng"  # a procedure's own step without a name
    assert step_label(None) == ""


class Person(BaseModel):
    id_number: CCCD
    phone: Phone
    email: OptionalEmail = None
    other_phone: OptionalPhone = None


@pytest.mark.parametrize("phone", ["0912345678", "0912-345-678", "0912 345 678", "0912.345.678", "+84912345678",
                                   "+84 912 345 678", "84912345678"])
def test_phone_separators_and_country_code_become_ten_digits(phone: str) -> None:
    assert Person(id_number="079203001234", phone=phone).phone == "0912345678"


@pytest.mark.parametrize("phone", ["12345", "0212345678", "091234567", "09123456789", "0912/345/678", "0912a45678",
                                   "0" * 40])
def test_what_is_no_mobile_number_is_refused_in_vietnamese(phone: str) -> None:
    with pytest.raises(ValidationError) as err:
        Person(id_number="079203001234", phone=phone)
    [e] = err.value.errors()
    assert e["loc"] == ("phone",) and "Số điện thoại" in e["msg"]


def test_cccd_email_and_empty_optionals() -> None:
    p = Person(id_number=" 079203001234 ", phone="0912345678", email=" an@example.vn ", other_phone="  ")
    assert (p.id_number, p.email, p.other_phone) == ("079203001234", "an@example.vn", None)
    with pytest.raises(ValidationError) as err:
        Person(id_number="07920300123", phone="0912345678", email="an@", other_phone="12")
    assert {e["loc"][0]: e["msg"].split(",", 1)[1].strip() for e in err.value.errors()} == {
        "id_number": "Số Căn cước công dân phải gồm đúng 12 chữ số.",
        "email": "Địa chỉ thư điện tử (email) không hợp lệ.",
        "other_phone": "Số điện thoại di động Việt Nam không hợp lệ (ví dụ 0912345678 hoặc 0912-345-678).",
    }
