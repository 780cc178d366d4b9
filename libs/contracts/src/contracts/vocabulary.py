"""The platform's shared words, defined once: national status codes, dossier statuses, processing steps,
channels and return methods, document references, and Vietnam's time zone.

Services import these instead of re-typing numbers, codes or labels (see ``docs/vocabulary.md``).
Standard library only, but for ``typing_extensions.TypedDict`` (pydantic's own dependency, which pydantic
needs on Python 3.11 to validate a TypedDict).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from typing_extensions import TypedDict

# ------------------------------------------------------------------------------------------------ time

VN_TZ_NAME: Final = "Asia/Ho_Chi_Minh"
VN_TZ: Final = ZoneInfo(VN_TZ_NAME)
"""Vietnam's time (UTC+7, no daylight saving): what the API shows, office hours, the day in a dossier code."""


# ------------------------------------------------------------------------------ national status (1–10)


class NationalStatus(IntEnum):
    """The national portal's dossier status (TrangThaiHoSo), 1–10."""

    SUBMITTED_ONLINE = 1
    RECEIVED = 2
    NOT_RECEIVED = 3
    PROCESSING = 4
    SUPPLEMENT_REQUESTED = 5
    PAYMENT_REQUESTED = 6
    WITHDRAWN = 7
    STOPPED = 8
    FINISHED = 9
    RESULT_RETURNED = 10


NATIONAL_STATUS_VI: Final[dict[NationalStatus, str]] = {
    NationalStatus.SUBMITTED_ONLINE: "Mới nộp trực tuyến, chưa tiếp nhận",
    NationalStatus.RECEIVED: "Đã tiếp nhận",
    NationalStatus.NOT_RECEIVED: "Không tiếp nhận",
    NationalStatus.PROCESSING: "Đang xử lý",
    NationalStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung",
    NationalStatus.PAYMENT_REQUESTED: "Yêu cầu thanh toán",
    NationalStatus.WITHDRAWN: "Công dân rút hồ sơ",
    NationalStatus.STOPPED: "Dừng xử lý",
    NationalStatus.FINISHED: "Đã xử lý xong",
    NationalStatus.RESULT_RETURNED: "Đã trả kết quả",
}

# A status report with one of these codes refuses or stops the dossier: it must say why.
REASON_REQUIRED: Final = frozenset({NationalStatus.NOT_RECEIVED, NationalStatus.STOPPED})


def national_status(value: object) -> NationalStatus | None:
    """The national status a number (or numeric text) stands for; ``None`` for anything else."""
    try:
        return NationalStatus(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------- dossier statuses


class DossierStatus(StrEnum):
    """The platform's own (richer) dossier status; every one maps onto a national status."""

    SUBMITTED = "submitted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    REFUSED = "refused"  # refused at reception (form 03)
    ACCEPTED = "accepted"
    PROCESSING = "processing"
    RESULT_READY = "result_ready"
    REJECTED = "rejected"  # refused after processing, with the leader's signed reasons
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


# National status 6 (payment requested) has no status of its own: a pending online payment shows as 6
# while the dossier keeps its status. A refusal after processing is "processing stopped" (8); its letter
# is then handed over like a result, which makes it "returned" (10).
NATIONAL_OF: Final[dict[DossierStatus, NationalStatus]] = {
    DossierStatus.SUBMITTED: NationalStatus.SUBMITTED_ONLINE,
    DossierStatus.ACCEPTED: NationalStatus.RECEIVED,
    DossierStatus.REFUSED: NationalStatus.NOT_RECEIVED,
    DossierStatus.PROCESSING: NationalStatus.PROCESSING,
    DossierStatus.SUPPLEMENT_REQUESTED: NationalStatus.SUPPLEMENT_REQUESTED,
    DossierStatus.WITHDRAWN: NationalStatus.WITHDRAWN,
    DossierStatus.REJECTED: NationalStatus.STOPPED,
    DossierStatus.RESULT_READY: NationalStatus.FINISHED,
    DossierStatus.RETURNED: NationalStatus.RESULT_RETURNED,
}

# What a national status reported by an agency's one-stop software means here (6: still processing).
STATUS_OF_NATIONAL: Final[dict[NationalStatus, DossierStatus]] = {
    **{national: status for status, national in NATIONAL_OF.items()},
    NationalStatus.PAYMENT_REQUESTED: DossierStatus.PROCESSING,
}

DOSSIER_STATUS_VI: Final[dict[DossierStatus, str]] = {
    DossierStatus.SUBMITTED: "Đã nộp trực tuyến, chờ tiếp nhận",
    DossierStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung hồ sơ",
    DossierStatus.REFUSED: "Từ chối tiếp nhận",
    DossierStatus.ACCEPTED: "Đã tiếp nhận",
    DossierStatus.PROCESSING: "Đang xử lý",
    DossierStatus.RESULT_READY: "Đã có kết quả, chờ trả",
    DossierStatus.REJECTED: "Không giải quyết (có văn bản nêu lý do)",
    DossierStatus.RETURNED: "Đã trả kết quả",
    DossierStatus.WITHDRAWN: "Công dân đã rút hồ sơ",
}


# ---------------------------------------------------------------------------------- processing steps


class Step(StrEnum):
    """Step codes of the built-in process, and the steps the platform itself adds.

    A procedure may have its own process with other codes: events carry each step's name as well
    (``to_step_name``); ``STEP_VI`` is the fallback for the codes below.
    """

    RECEPTION = "reception"
    SPECIALIST = "specialist"
    LEADER = "leader"
    LEADER_REFUSAL = "leader_refusal"
    INTERAGENCY = "interagency"
    RESULT = "result"  # terminal: the result goes back to the reception desk
    REFUSED = "refused"  # terminal: the refusal letter goes back to the reception desk
    EXTERNAL = "external"  # processed in the agency's own one-stop software
    RESULT_READY = "result_ready"  # terminal step of a process without a result step (one-stop finished it)
    REJECTED = "rejected"  # terminal step of a process without a refusal step (one-stop stopped it)


STEP_VI: Final[dict[Step, str]] = {
    Step.RECEPTION: "Bộ phận tiếp nhận và trả kết quả",
    Step.SPECIALIST: "Phòng chuyên môn thẩm định, đề xuất",
    Step.LEADER: "Lãnh đạo xem xét, ký duyệt",
    Step.LEADER_REFUSAL: "Lãnh đạo xem xét văn bản từ chối",
    Step.INTERAGENCY: "Cơ quan phối hợp liên thông giải quyết",
    Step.RESULT: "Trả kết quả",
    Step.REFUSED: "Trả văn bản từ chối",
    Step.EXTERNAL: "Chuyển phần mềm một cửa của cơ quan giải quyết",
    Step.RESULT_READY: "Trả kết quả",
    Step.REJECTED: "Trả văn bản từ chối",
}

# Reaching one of these is announced by its own event (result ready, refused): no "forwarded" notice.
FINAL_STEPS: Final = frozenset({Step.RESULT, Step.REFUSED, Step.RESULT_READY, Step.REJECTED})


def step_label(code: str | None, name: str | None = None) -> str:
    """The Vietnamese name of a step: the one the event carries, else the built-in one, else the code."""
    if name:
        return name
    if not code:
        return ""
    try:
        return STEP_VI[Step(code)]
    except ValueError:
        return code


# ------------------------------------------------------------------------- channels and return methods


class Channel(StrEnum):
    """How a dossier reached the platform."""

    ONLINE = "online"
    COUNTER = "counter"  # received at an agency's counter (reported by its one-stop software)
    POSTAL = "postal"


class ReturnMethod(StrEnum):
    """How the applicant gets the result (and how a result was handed over)."""

    COUNTER = "counter"
    POSTAL = "postal"
    ONLINE = "online"


CHANNEL_VI: Final[dict[Channel, str]] = {
    Channel.ONLINE: "Trực tuyến",
    Channel.COUNTER: "Trực tiếp",
    Channel.POSTAL: "Bưu chính",
}

class NationalChannel(IntEnum):
    """The national portal's channel codes."""

    COUNTER = 1
    ONLINE = 2
    POST = 3


NATIONAL_CHANNEL: Final[dict[Channel, NationalChannel]] = {
    Channel.COUNTER: NationalChannel.COUNTER,
    Channel.ONLINE: NationalChannel.ONLINE,
    Channel.POSTAL: NationalChannel.POST,
}


# ----------------------------------------------------------------------------------- document references


class DocumentRef(TypedDict, total=False):
    """An applicant's attached file as dossier events carry it (what one-stop software downloads)."""

    file_id: str
    name: str
    requirement_code: str | None
    sha256: str | None
    size: int | None
    media_type: str | None


class ResultDocumentRef(TypedDict, total=False):
    """A result document as events carry it: approved in processing (a file uploaded to intake: ``file_id``)
    or reported by an agency's one-stop software (``download_url``). Values are text."""

    name: str
    file_id: str
    kind: str
    sha256: str
    size: str
    media_type: str
    download_url: str
    requirement_code: str
