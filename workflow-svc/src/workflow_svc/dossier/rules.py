"""Who may take which action at which step, and what each action needs: pure functions over plain data.

Nothing here touches the database or a session: the service turns its rows into a :class:`Situation` and a
:class:`Caller`, asks these functions, then writes. The unit tests exercise them without PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol, TypeVar

from vncalendar import WorkCalendar
from workflow_svc.definition.schemas import StepDef
from workflow_svc.dossier.schemas import ActionRequest
from workflow_svc.errors import Conflict, Forbidden, Invalid, Problem

# Entries at the boundary between the lead agency and the agency a part was handed off to: both see them.
BOUNDARY_ACTIONS = frozenset({"handoff", "accept_handoff", "refuse_handoff", "complete_handoff", "recall_handoff"})
# Any holder of an open step may take these, whatever its definition lists.
STEP_ACTIONS = frozenset({"claim", "release", "request_supplement"})
# While the applicant is awaited, only who holds the task can change: absence must never freeze a dossier.
WHILE_AWAITING = frozenset({"release", "reassign"})
WORKING_ROLES = ("reception", "specialist", "leader")
# An auto-forward fired within this much of its scheduled time was handed over as configured (form 05).
TIMER_GRACE = timedelta(minutes=5)
RESULT_LABELS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}
Result = Literal["early", "on_time", "late"]


@dataclass(frozen=True)
class Caller:
    """The officer asking (from the token)."""

    id: str
    roles: frozenset[str]
    agency: str | None
    department: str | None = None

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def own_role(self) -> str | None:
        """The role an officer acts in outside the step's own role (consultations, recalls)."""
        return next((r for r in ("specialist", "leader") if r in self.roles), None)


@dataclass(frozen=True)
class Situation:
    """What the rules need to know of one dossier now."""

    status: str  # active | result_ready | rejected | withdrawn
    step: StepDef
    agency_code: str  # the lead (resolving) agency
    step_agency: str | None  # the agency the current step belongs to
    assignee_id: str | None
    due_at: datetime
    warning_from: datetime  # from then on the dossier counts as nearly late (extension allowed)
    handoff_status: str | None = None  # of the hand-off in progress: requested | accepted
    open_consultations: tuple[str, ...] = ()  # departments whose opinion is awaited
    refusal_reason: str | None = None
    interagency: tuple[str, ...] = ()  # agencies parts may be handed off to
    awaiting_applicant: bool = False  # a supplement was requested during processing; the clock is stopped
    previous_assignee_id: str | None = None  # the officer a leader took the task from


@dataclass(frozen=True)
class Candidate:
    """An officer a task may be given to (from the agency's list of officers)."""

    id: str
    roles: frozenset[str]
    agency: str | None
    active: bool = True


# --- which actions, for whom ---------------------------------------------------------------------------------
def candidates(s: Situation) -> list[str]:
    """Every action that could be possible at the step, before asking who calls."""
    if s.status != "active" or s.step.terminal:
        return []
    return ["claim", *s.step.actions.keys(), "reply_consult", "recall_handoff", "release", "reassign",
            "request_supplement"]


def _reply_consult(s: Situation, c: Caller) -> Problem | None:
    if c.department not in s.open_consultations:
        return Conflict("Không có yêu cầu xin ý kiến nào đang chờ phòng của bạn.", slug="no-consultation")
    if c.agency != s.agency_code or not c.has("specialist", "leader"):
        return Forbidden("Chỉ cán bộ của phòng được xin ý kiến mới trả lời được.")
    return None


def _recall_handoff(s: Situation, c: Caller) -> Problem | None:
    if s.handoff_status != "requested":
        return Conflict("Chỉ thu hồi được yêu cầu liên thông chưa được tiếp nhận.", slug="handoff-state")
    if c.agency != s.agency_code or not c.has("specialist", "leader"):
        return Forbidden("Chỉ cán bộ của cơ quan chủ trì mới thu hồi được yêu cầu liên thông.")
    return None


def _extend(s: Situation, c: Caller, now: datetime) -> Problem | None:
    # form 04 is signed by the head of the resolving agency
    if not c.has("leader") or c.agency != s.agency_code:
        return Forbidden("Phiếu xin lỗi, hẹn lại ngày trả kết quả (mẫu 04) do lãnh đạo cơ quan giải quyết ký.")
    if now < s.warning_from:
        return Conflict("Chỉ gia hạn hồ sơ sắp đến hạn hoặc đã quá hạn.", slug="not-late")
    return None


def _reassign(s: Situation, c: Caller) -> Problem | None:
    if s.step.terminal or s.step.role is None:
        return Conflict(f"Bước '{s.step.name}' không có công việc để giao lại.", slug="wrong-step")
    if not c.has("leader") or c.agency != s.step_agency:
        return Forbidden("Chỉ lãnh đạo của cơ quan đang giữ hồ sơ mới giao lại được công việc.")
    return None


def _request_supplement(s: Situation) -> Problem | None:
    if s.step.role != "specialist" or s.step_agency != s.agency_code:
        return Conflict("Chỉ yêu cầu bổ sung được ở bước thẩm định của cơ quan giải quyết.", slug="wrong-step")
    return None


def _no_open_consultation(s: Situation) -> Problem | None:
    if s.open_consultations:
        return Conflict("Đang chờ ý kiến của phòng phối hợp; chưa thể trình.", slug="consultation-pending")
    return None


def _handoff_requested(s: Situation) -> Problem | None:
    if s.handoff_status != "requested":
        return Conflict("Yêu cầu liên thông không còn chờ tiếp nhận.", slug="handoff-state")
    return None


def _handoff_accepted(s: Situation) -> Problem | None:
    if s.handoff_status != "accepted":
        return Conflict("Phải tiếp nhận hồ sơ liên thông trước khi trả kết quả.", slug="handoff-state")
    return None


# What must hold of the dossier, beyond the step's rights, for the holder of the step to take the action.
_STATE_CHECKS: dict[str, Callable[[Situation], Problem | None]] = {
    "propose": _no_open_consultation,
    "propose_refusal": _no_open_consultation,
    "accept_handoff": _handoff_requested,
    "refuse_handoff": _handoff_requested,
    "complete_handoff": _handoff_accepted,
}


def refusal(s: Situation, c: Caller, action: str, now: datetime) -> Problem | None:
    """Why ``c`` may not take ``action`` now (None when allowed). State first (409), then rights (403)."""
    if s.status != "active":
        return Conflict("Hồ sơ đã kết thúc xử lý.", slug="dossier-closed")
    if s.awaiting_applicant and action not in WHILE_AWAITING:
        return Conflict("Hồ sơ đang chờ người nộp bổ sung; chưa thể xử lý tiếp.", slug="awaiting-applicant")
    step = s.step
    if action == "reply_consult":
        return _reply_consult(s, c)
    if action == "recall_handoff":
        return _recall_handoff(s, c)
    if action == "reassign":
        return _reassign(s, c)
    if step.terminal or (action not in STEP_ACTIONS and action not in step.actions):
        return Conflict(f"Thao tác '{action}' không thực hiện được ở bước '{step.name}'.", slug="wrong-step")
    if action == "extend":
        return _extend(s, c, now)
    if action == "request_supplement" and (problem := _request_supplement(s)) is not None:
        return problem
    if step.role is None or not c.has(step.role) or c.agency != s.step_agency:
        return Forbidden(f"Bước '{step.name}' do {step.role} của cơ quan {s.step_agency} xử lý.")
    if action == "claim":
        if s.assignee_id is not None:
            return Conflict("Hồ sơ đã có cán bộ nhận xử lý.", slug="already-claimed")
        return None
    if action == "release" and s.assignee_id is None:
        return Conflict("Hồ sơ chưa có cán bộ nhận xử lý.", slug="not-claimed")
    if s.assignee_id is not None and s.assignee_id != c.id:
        if c.id == s.previous_assignee_id:  # what the officer held was given to someone else meanwhile
            return Conflict("Lãnh đạo đã giao hồ sơ cho cán bộ khác xử lý.", slug="reassigned")
        return Forbidden("Hồ sơ đang do cán bộ khác xử lý.")
    check = _STATE_CHECKS.get(action)
    return check(s) if check is not None else None


def available(s: Situation, c: Caller, now: datetime) -> list[str]:
    """The actions ``c`` may take now (what a client offers as buttons)."""
    return [a for a in candidates(s) if refusal(s, c, a, now) is None]


def actor_role(action: str, step: StepDef, c: Caller) -> str | None:
    """The role recorded for who acted: the step's, except for the actions taken from outside it."""
    if action in ("reply_consult", "recall_handoff"):
        return c.own_role
    if action in ("extend", "reassign"):
        return "leader"
    return step.role


def assignee_problem(b: ActionRequest, s: Situation, found: Candidate | None) -> Invalid | None:
    """Reassign: the officer chosen holds the step's role in the agency that holds the step."""
    if found is None or not found.active or found.agency != s.step_agency:
        return _need("assignee", f"Không tìm thấy cán bộ '{b.assignee}' đang làm việc tại cơ quan {s.step_agency}.")
    if s.step.role not in found.roles:
        return _need("assignee", f"Cán bộ được giao phải có vai trò {s.step.role} để xử lý bước '{s.step.name}'.")
    return None


# --- what each action needs in its body ----------------------------------------------------------------------
def _need(field: str, msg: str) -> Invalid:
    return Invalid.field(("body", field), msg)


def _handoff_input(b: ActionRequest, s: Situation, c: Caller) -> Invalid | None:
    if not b.target_agency:
        return _need("target_agency", "Cần chọn cơ quan phối hợp liên thông.")
    if b.target_agency == s.agency_code:
        return _need("target_agency", "Cơ quan phối hợp phải khác cơ quan chủ trì.")
    if not s.interagency:
        return _need("target_agency", "Thủ tục này không có cơ quan phối hợp liên thông; không thể chuyển liên thông.")
    if b.target_agency not in s.interagency:
        return _need("target_agency", f"Cơ quan {b.target_agency} không thuộc danh sách cơ quan phối hợp liên thông "
                                      f"của thủ tục ({', '.join(s.interagency)}).")
    return None


def _consult_input(b: ActionRequest, s: Situation, c: Caller) -> Invalid | None:
    if not b.department:
        return _need("department", "Cần chọn phòng chuyên môn được xin ý kiến.")
    if b.department == c.department:
        return _need("department", "Phòng được xin ý kiến phải khác phòng chủ trì.")
    return None


def _extend_input(b: ActionRequest, s: Situation, c: Caller) -> Invalid | None:
    if not b.reason:
        return _need("reason", "Cần nêu lý do chậm trễ.")
    if b.new_due_at is None and b.extra_days is None:
        return _need("new_due_at", "Cần hẹn lại ngày trả kết quả (new_due_at hoặc extra_days).")
    return None


_INPUT_CHECKS: dict[str, Callable[[ActionRequest, Situation, Caller], Invalid | None]] = {
    "propose": lambda b, s, c: None if b.documents else _need("documents", "Cần đính kèm dự thảo văn bản kết quả."),
    "return_for_rework": lambda b, s, c: (
        None if b.reason or b.comment else _need("reason", "Cần nêu lý do trả lại để xử lý lại.")),
    "propose_refusal": lambda b, s, c: (
        None if b.reason else _need("reason", "Cần nêu rõ lý do từ chối giải quyết hồ sơ.")),
    "approve_refusal": lambda b, s, c: (
        None if b.reason or s.refusal_reason else _need("reason", "Cần nêu rõ lý do từ chối giải quyết hồ sơ.")),
    "consult": _consult_input,
    "reply_consult": lambda b, s, c: None if b.comment else _need("comment", "Cần nhập ý kiến của phòng phối hợp."),
    "handoff": _handoff_input,
    "refuse_handoff": lambda b, s, c: (
        None if b.reason else _need("reason", "Cần nêu lý do không tiếp nhận hồ sơ liên thông.")),
    "complete_handoff": lambda b, s, c: (
        None if b.comment or b.documents else _need("comment", "Cần gửi kết quả giải quyết phần việc liên thông.")),
    "extend": _extend_input,
    "reassign": lambda b, s, c: (
        _need("assignee", "Cần chọn cán bộ được giao (mã cán bộ trong danh sách cán bộ của cơ quan).")
        if not b.assignee else
        _need("assignee", "Cán bộ này đang xử lý hồ sơ.") if b.assignee == s.assignee_id else None),
    "request_supplement": lambda b, s, c: (
        None if b.items else _need("items", "Cần liệt kê giấy tờ, thông tin người nộp phải bổ sung.")),
}


def input_problem(b: ActionRequest, s: Situation, c: Caller) -> Invalid | None:
    """What the body of an allowed action lacks (422 naming the field), or None."""
    check = _INPUT_CHECKS.get(b.action)
    return check(b, s, c) if check is not None else None


def extension_due(b: ActionRequest, due_at: datetime, now: datetime, cal: WorkCalendar) -> datetime:
    """The new appointment of an extension: given, or ``extra_days`` working days after the later of the
    appointment and now; it must lie after both."""
    new_due = b.new_due_at or cal.add_working_days(max(due_at, now), b.extra_days or 0)
    if new_due <= due_at or new_due <= now:
        raise _need("new_due_at", "Ngày hẹn mới phải sau ngày hẹn hiện tại và sau thời điểm này.")
    return new_due


# --- times -----------------------------------------------------------------------------------------------------
def due_token(due_at: datetime) -> int:
    """Deadline timers remember the appointment they were set for (minutes since the epoch)."""
    return int(due_at.timestamp() // 60)


def judge(finished: datetime, due: datetime, cal: WorkCalendar, *, supplement_rounds: int = 0) -> Result:
    """Early: finished on an earlier day than the appointment; on time: by the appointment; else late. A dossier
    asked to supplement more than once counts as late (the waiting itself is not counted: see :func:`resumed`)."""
    if finished > due or supplement_rounds > 1:
        return "late"
    return "early" if finished.astimezone(cal.tz).date() < due.astimezone(cal.tz).date() else "on_time"


def step_due(step: StepDef, *, entered: datetime, received_at: datetime, due_at: datetime,
             auto_forward_at: Callable[[datetime], datetime], cal: WorkCalendar) -> datetime | None:
    """When a step must be done: the auto-forward time at the desk, else its share of the legal processing
    time counted from ``entered`` (never after the appointment); a step without a share has the appointment."""
    if step.terminal:
        return None
    if step.auto_forward_to is not None:
        return auto_forward_at(max(entered, received_at))
    legal = cal.working_time_between(received_at, due_at)
    if step.share <= 0 or legal <= timedelta(0):
        return due_at
    return min(cal.add_working_time(entered, legal * step.share), due_at)


def step_agency(step: StepDef, *, lead: str, current: str | None, target: str | None = None) -> str:
    """A ``target`` step belongs to the agency the hand-off went to; every other step to the lead agency."""
    return (target or current or lead) if step.agency == "target" else lead


def resumed(due_at: datetime, step_due_at: datetime | None, paused_at: datetime, resumed_at: datetime,
            cal: WorkCalendar) -> tuple[datetime, datetime | None, timedelta]:
    """After waiting on the applicant: both deadlines move by the working time waited (the clock stopped)."""
    waited = cal.working_time_between(paused_at, max(resumed_at, paused_at))
    new_due = cal.add_working_time(due_at, waited)
    new_step_due = min(cal.add_working_time(step_due_at, waited), new_due) if step_due_at is not None else None
    return new_due, new_step_due, waited


# --- who sees what ---------------------------------------------------------------------------------------------
class LogLine(Protocol):
    @property
    def actor_agency(self) -> str | None: ...
    @property
    def action(self) -> str: ...
    @property
    def target_agency(self) -> str | None: ...


L = TypeVar("L", bound=LogLine)


def may_see(c: Caller, *, is_officer: bool, lead: str, handoff_target: bool) -> bool:
    """Officers of the lead agency, and of an agency a part was handed off to."""
    return is_officer and c.agency is not None and (c.agency == lead or handoff_target)


def visible_log(lead: str, entries: Sequence[L], agency: str | None) -> list[L]:
    """Each agency sees its own internal work and the hand-off boundary, never the other's internals."""
    if agency == lead:
        return [e for e in entries if e.actor_agency in (None, lead) or e.action in BOUNDARY_ACTIONS]
    return [e for e in entries
            if e.actor_agency == agency or (e.action in BOUNDARY_ACTIONS and e.target_agency == agency)]


def working_roles(c: Caller) -> list[str]:
    return [r for r in WORKING_ROLES if c.has(r)]

