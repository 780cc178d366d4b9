from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from servicekit.timefmt import VNDateTime

SYSTEM_CODE = r"^[A-Za-z0-9][A-Za-z0-9._\-]{1,49}$"
AGENCY_CODE = r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}$"


class SystemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=SYSTEM_CODE, description="mã hệ thống một cửa, ví dụ `motcua-stp`")
    name: str = Field(min_length=1, max_length=500)
    agency_code: str = Field(pattern=AGENCY_CODE, description="mã định danh cơ quan, ví dụ 000.00.15.H19")
    certificate: str = Field(min_length=1, max_length=64 * 1024, description="chứng thư số X.509 (PEM)")
    push_url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://\S+$")


class CertificateRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    certificate: str = Field(min_length=1, max_length=64 * 1024)
    overlap_hours: int | None = Field(
        default=None, ge=0, le=24 * 90,
        description="bao lâu chứng thư cũ còn được chấp nhận (mặc định INTEROP_CERTIFICATE_OVERLAP_HOURS = 72)",
    )


class SystemRevoke(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=2000)


class CertificateRead(BaseModel):
    fingerprint: str
    subject: str
    key_type: str
    not_before: VNDateTime
    not_after: VNDateTime
    added_at: VNDateTime
    valid_until: VNDateTime | None
    revoked_at: VNDateTime | None
    trusted: bool


class SystemRead(BaseModel):
    code: str
    name: str
    agency_code: str
    client_id: str
    push_url: str | None
    status: str
    created_at: VNDateTime
    revoked_at: VNDateTime | None
    certificates: list[CertificateRead]


class SystemCreated(SystemRead):
    client_secret: str | None = Field(
        description="chỉ hiển thị một lần; không trả lại khi gửi lại cùng Idempotency-Key"
    )
