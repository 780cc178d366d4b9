"""The processing rules as pure functions: no database, no NATS, no application (marked ``unit``)."""

from __future__ import annotations

import typing
from dataclasses import replace
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from contracts.vocabulary import VN_TZ as VN
from servicekit.problems import Conflict, Forbidden, Invalid, Problem
from vncalendar import default_calendar
from workflow_svc.definition.defaults import DEFAULT_DEFINITION
from workflow_svc.definition.schemas import ALL_ACTIONS, IMPLICIT_ACTIONS, StepDef
from workflow_svc.dossier import rules
from workflow_svc.dossier.actions import ACTIONS
from workflow_svc.dossier.process import EXTERNAL_STEP, OUTCOME_STEPS, find_step, outcome_step, recall_target
from workflow_svc.dossier.rules import Caller, Situation
from workflow_svc.dossier.schemas import ActionName, ActionRequest

pytestmark = pytest.mark.unit

CAL = default_calendar()
LEAD, PARTNER, THIRD = "000.00.15.H19", "000.00.21.H19", "000.00.32.H19"
MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=VN)  # a working Monday
DUE = datetime(2026, 12, 11, 17, 0, tzinfo=VN)  # that Friday's close of office
NOW = MONDAY + timedelta(hours=1)


def step(code: str) -> StepDef:
    return find_step(DEFAULT_DEFINITION, code)


def at(code: str, **kw: typing.Any) -> Situation:
    values: dict[str, typing.Any] = {
        "status": "active", "step": step(code), "agency_code": LEAD,
        "step_agency": PARTNER if step(code).agency == "target" else LEAD, "assignee_id": None, "due_at": DUE,
        "warning_from": DUE - timedelta(days=1), "interagency": (PARTNER,), **kw}
    return Situation(**values)


def officer(role: str, agency: str = LEAD, id: str | None = None, department: str | None = None) -> Caller:
    return Caller(id or f"{role}-{agency}", frozenset({role}), agency, department)


SPECIALIST, LEADER, DESK = officer("specialist"), officer("leader"), officer("reception")


def refused(s: Situation, c: Caller, action: str, now: datetime = NOW) -> Problem:
    problem = rules.refusal(s, c, action, now)
    assert problem is not None, f"{action} should be refused"
    return problem


# --- who may act at which step --------------------------------------------------------------------------------
def test_each_step_belongs_to_its_role_of_its_agency() -> None:
    assert rules.available(at("reception"), DESK, NOW) == ["claim", "forward"]
    assert rules.available(at("specialist"), SPECIALIST, NOW) == [
        "claim", "propose", "propose_refusal", "consult", "handoff", "request_supplement"]
    assert rules.available(at("leader"), LEADER, NOW) == ["claim", "approve", "return_for_rework", "reassign"]
    for who in (SPECIALIST, LEADER, officer("reception", THIRD), officer("specialist", PARTNER)):
        assert isinstance(refused(at("reception"), who, "forward"), Forbidden)
    assert rules.available(at("specialist"), DESK, NOW) == []


def test_an_action_of_another_step_is_a_conflict_before_any_right_is_checked() -> None:
    problem = refused(at("specialist"), DESK, "approve")
    assert isinstance(problem, Conflict) and problem.slug == "wrong-step"
    assert "Lãnh đạo" not in problem.detail and "'approve'" in problem.detail


def test_a_claimed_task_is_its_assignees_alone() -> None:
    s = at("specialist", assignee_id="an")
    an, binh = officer("specialist", id="an"), officer("specialist", id="binh")
    assert rules.refusal(s, an, "propose", NOW) is None
    assert isinstance(refused(s, binh, "propose"), Forbidden)
    claim = refused(s, binh, "claim")
    assert isinstance(claim, Conflict) and claim.slug == "already-claimed"
    assert rules.available(s, binh, NOW) == []
    assert "claim" not in rules.available(s, an, NOW)


def test_a_closed_dossier_takes_no_action() -> None:
    for status in ("result_ready", "rejected", "withdrawn"):
        s = at("specialist", status=status)
        assert rules.candidates(s) == [] and rules.available(s, SPECIALIST, NOW) == []
        problem = refused(s, SPECIALIST, "claim")
        assert isinstance(problem, Conflict) and problem.slug == "dossier-closed"
    assert rules.candidates(at("result")) == []


def test_proposing_waits_for_the_departments_asked() -> None:
    s = at("specialist", open_consultations=("Phòng Tư pháp",))
    problem = refused(s, SPECIALIST, "propose")
    assert problem.slug == "consultation-pending"
    assert refused(s, SPECIALIST, "propose_refusal").slug == "consultation-pending"
    assert "consult" in rules.available(s, SPECIALIST, NOW) and "propose" not in rules.available(s, SPECIALIST, NOW)


def test_only_the_department_asked_replies() -> None:
    s = at("specialist", open_consultations=("Phòng Tư pháp",))
    asked = officer("specialist", department="Phòng Tư pháp")
    assert rules.refusal(s, asked, "reply_consult", NOW) is None
    assert refused(s, officer("specialist", department="Phòng Kinh tế"), "reply_consult").slug == "no-consultation"
    assert isinstance(refused(s, officer("reception", department="Phòng Tư pháp"), "reply_consult"), Forbidden)
    assert isinstance(refused(s, officer("specialist", PARTNER, department="Phòng Tư pháp"), "reply_consult"),
                      Forbidden)
    assert "reply_consult" in rules.available(s, asked, NOW)


def test_the_hand_off_life_cycle_rules() -> None:
    partner = officer("specialist", PARTNER)
    requested = at("interagency", handoff_status="requested")
    assert rules.available(requested, partner, NOW) == ["claim", "accept_handoff", "refuse_handoff"]
    assert refused(requested, partner, "complete_handoff").slug == "handoff-state"
    accepted = at("interagency", handoff_status="accepted", assignee_id=partner.id)
    assert rules.available(accepted, partner, NOW) == ["complete_handoff", "release"]
    assert refused(accepted, partner, "accept_handoff").slug == "handoff-state"
    # the lead agency may take back a hand-off nobody accepted yet, never one under way
    assert rules.available(requested, SPECIALIST, NOW) == ["recall_handoff"]
    assert refused(accepted, SPECIALIST, "recall_handoff").slug == "handoff-state"
    assert isinstance(refused(requested, DESK, "recall_handoff"), Forbidden)
    assert isinstance(refused(requested, officer("specialist", THIRD), "accept_handoff"), Forbidden)


def test_only_the_lead_agencys_leader_extends_and_only_when_late() -> None:
    s = at("specialist")
    late = s.warning_from + timedelta(minutes=1)
    assert rules.refusal(s, LEADER, "extend", late) is None
    assert refused(s, LEADER, "extend", s.warning_from - timedelta(minutes=1)).slug == "not-late"
    assert isinstance(refused(s, SPECIALIST, "extend", late), Forbidden)
    assert isinstance(refused(s, officer("leader", PARTNER), "extend", late), Forbidden)
    assert refused(at("reception"), LEADER, "extend", late).slug == "wrong-step"  # not an action of the desk


def test_who_is_recorded_as_acting() -> None:
    both = Caller("x", frozenset({"leader", "specialist"}), LEAD)
    assert rules.actor_role("propose", step("specialist"), SPECIALIST) == "specialist"
    assert rules.actor_role("extend", step("specialist"), LEADER) == "leader"
    assert rules.actor_role("reply_consult", step("leader"), SPECIALIST) == "specialist"
    assert rules.actor_role("recall_handoff", step("interagency"), both) == "specialist"


def test_every_action_of_the_api_has_a_handler_and_a_role_rule() -> None:
    names = set(typing.get_args(ActionName))
    assert names == set(ACTIONS)
    assert names == ALL_ACTIONS
    for a in names - IMPLICIT_ACTIONS - {"extend"}:
        owner = next(s for s in DEFAULT_DEFINITION.steps if a in s.actions)
        assert isinstance(refused(at(owner.code), officer("reception", THIRD), a), Forbidden), a


def test_the_assignee_gives_a_task_back() -> None:
    s = at("specialist", assignee_id=SPECIALIST.id)
    assert "release" in rules.available(s, SPECIALIST, NOW)
    assert isinstance(refused(s, officer("specialist", id="binh"), "release"), Forbidden)
    assert refused(at("specialist"), SPECIALIST, "release").slug == "not-claimed"


def test_a_leader_of_the_agency_holding_the_step_reassigns_it() -> None:
    claimed = at("specialist", assignee_id="an")
    assert rules.refusal(claimed, LEADER, "reassign", NOW) is None
    assert rules.refusal(at("specialist"), LEADER, "reassign", NOW) is None  # unclaimed as well
    assert isinstance(refused(claimed, officer("specialist", id="an"), "reassign"), Forbidden)
    assert isinstance(refused(claimed, officer("leader", PARTNER), "reassign"), Forbidden)
    partner_step = at("interagency", handoff_status="accepted", assignee_id="x")
    assert rules.refusal(partner_step, officer("leader", PARTNER), "reassign", NOW) is None
    assert isinstance(refused(partner_step, LEADER, "reassign"), Forbidden)
    assert refused(at("result", status="result_ready"), LEADER, "reassign").slug == "dossier-closed"
    assert refused(at("result"), LEADER, "reassign").slug == "wrong-step"
    external = replace(at("specialist"), step=EXTERNAL_STEP)
    assert refused(external, LEADER, "reassign").slug == "wrong-step"  # the agency's own software holds it


def test_the_officer_a_task_was_taken_from_is_told_it_moved() -> None:
    s = at("specialist", assignee_id="binh", previous_assignee_id="an")
    an, binh = officer("specialist", id="an"), officer("specialist", id="binh")
    assert refused(s, an, "propose").slug == "reassigned" and isinstance(refused(s, an, "propose"), Conflict)
    assert refused(s, an, "claim").slug == "already-claimed"
    assert rules.refusal(s, binh, "propose", NOW) is None
    assert rules.available(s, an, NOW) == []


def test_the_officer_chosen_must_hold_the_steps_role_in_that_agency() -> None:
    s, b = at("specialist", assignee_id="an"), body("reassign", assignee="binh")
    fits = rules.Candidate("binh", frozenset({"specialist"}), LEAD)
    assert rules.assignee_problem(b, s, fits) is None
    for wrong in (None, replace(fits, agency=PARTNER), replace(fits, active=False),
                  replace(fits, roles=frozenset({"reception"}))):
        problem = rules.assignee_problem(b, s, wrong)
        assert isinstance(problem, Invalid) and problem.errors == [{"loc": ["body", "assignee"], "msg": problem.detail}]
    assert missing(body("reassign"), s, LEADER) == "body.assignee"
    assert missing(body("reassign", assignee="an"), s, LEADER) == "body.assignee"  # already theirs


def test_a_specialist_asks_the_applicant_for_more_and_the_dossier_waits() -> None:
    s = at("specialist")
    assert rules.refusal(s, SPECIALIST, "request_supplement", NOW) is None
    assert missing(body("request_supplement"), s) == "body.items"
    assert rules.input_problem(body("request_supplement", items=["Bản sao CCCD"]), s, SPECIALIST) is None
    assert isinstance(refused(s, DESK, "request_supplement"), Conflict | Forbidden)
    assert refused(at("leader"), LEADER, "request_supplement").slug == "wrong-step"
    assert refused(at("interagency", handoff_status="accepted"), officer("specialist", PARTNER),
                   "request_supplement").slug == "wrong-step"  # the lead agency asks its applicant
    assert isinstance(refused(at("specialist", assignee_id="binh"), SPECIALIST, "request_supplement"), Forbidden)
    waiting = at("specialist", assignee_id=SPECIALIST.id, awaiting_applicant=True)
    for action in ("propose", "request_supplement", "consult", "claim"):
        assert refused(waiting, SPECIALIST, action).slug == "awaiting-applicant"
    # absence never freezes it: the task can still be given back or given to someone else
    assert rules.available(waiting, SPECIALIST, NOW) == ["release"]
    assert rules.refusal(waiting, LEADER, "reassign", NOW) is None
    assert body("request_supplement", items=["  Bản sao CCCD  "]).items == ["Bản sao CCCD"]


# --- what an action's body must carry -------------------------------------------------------------------------
def body(action: str, **kw: typing.Any) -> ActionRequest:
    return ActionRequest.model_validate({"action": action, **kw})


def missing(b: ActionRequest, s: Situation | None = None, c: Caller = SPECIALIST) -> str:
    problem = rules.input_problem(b, s or at("specialist"), c)
    assert isinstance(problem, Invalid) and problem.errors
    return ".".join(str(x) for x in problem.errors[0]["loc"])


def test_bodies_name_the_missing_field() -> None:
    assert missing(body("propose")) == "body.documents"
    assert rules.input_problem(body("propose", documents=[{"name": "Dự thảo"}]), at("specialist"), SPECIALIST) is None
    assert missing(body("return_for_rework")) == "body.reason"
    assert rules.input_problem(body("return_for_rework", comment="Sửa lại"), at("leader"), LEADER) is None
    assert missing(body("propose_refusal")) == "body.reason"
    assert missing(body("approve_refusal")) == "body.reason"
    assert rules.input_problem(body("approve_refusal"), at("leader_refusal", refusal_reason="Thiếu"), LEADER) is None
    assert missing(body("reply_consult")) == "body.comment"
    assert missing(body("refuse_handoff")) == "body.reason"
    assert missing(body("complete_handoff")) == "body.comment"
    assert missing(body("extend")) == "body.reason"
    assert missing(body("extend", reason="Chờ xác minh")) == "body.new_due_at"
    assert rules.input_problem(body("claim"), at("specialist"), SPECIALIST) is None


def test_consultation_goes_to_another_department() -> None:
    mine = officer("specialist", department="Phòng Tư pháp")
    assert missing(body("consult"), c=mine) == "body.department"
    assert missing(body("consult", department="Phòng Tư pháp"), c=mine) == "body.department"
    assert rules.input_problem(body("consult", department="Phòng Kinh tế"), at("specialist"), mine) is None


def test_a_hand_off_goes_to_a_partner_agency_of_the_procedure() -> None:
    assert missing(body("handoff")) == "body.target_agency"
    for target, s in ((LEAD, at("specialist")), (THIRD, at("specialist")), (PARTNER, at("specialist", interagency=()))):
        problem = rules.input_problem(body("handoff", target_agency=target), s, SPECIALIST)
        assert isinstance(problem, Invalid) and problem.errors and problem.errors[0]["loc"] == ["body", "target_agency"]
    assert THIRD in str(rules.input_problem(body("handoff", target_agency=THIRD), at("specialist"), SPECIALIST))
    assert rules.input_problem(body("handoff", target_agency=PARTNER), at("specialist"), SPECIALIST) is None


def test_an_extension_lies_after_the_appointment_and_now() -> None:
    b = body("extend", reason="Chờ xác minh", extra_days=1)
    assert rules.extension_due(b, DUE, NOW, CAL) == datetime(2026, 12, 14, 17, 0, tzinfo=VN)  # over the weekend
    long_late = DUE + timedelta(days=3)
    assert rules.extension_due(b, DUE, long_late, CAL) == CAL.add_working_days(long_late, 1)
    with pytest.raises(Invalid) as e:
        rules.extension_due(body("extend", reason="x", new_due_at=DUE - timedelta(hours=1)), DUE, NOW, CAL)
    assert e.value.errors == [{"loc": ["body", "new_due_at"], "msg": e.value.detail}]


# --- times ----------------------------------------------------------------------------------------------------
def test_results_are_judged_against_the_appointment_day() -> None:
    assert rules.judge(DUE - timedelta(days=1), DUE, CAL) == "early"
    assert rules.judge(DUE - timedelta(hours=1), DUE, CAL) == "on_time"
    assert rules.judge(DUE + timedelta(seconds=1), DUE, CAL) == "late"
    # asked to supplement more than once during processing: late whenever it ends
    assert rules.judge(DUE - timedelta(days=1), DUE, CAL, supplement_rounds=1) == "early"
    assert rules.judge(DUE - timedelta(days=1), DUE, CAL, supplement_rounds=2) == "late"


def test_a_step_has_its_share_of_the_legal_time() -> None:
    def forward_in_6h(t: datetime) -> datetime:
        return CAL.add_working_hours(t, 6)

    kw: dict[str, typing.Any] = {"received_at": MONDAY, "due_at": DUE, "auto_forward_at": forward_in_6h, "cal": CAL}
    assert rules.step_due(step("reception"), entered=MONDAY, **kw) == CAL.add_working_hours(MONDAY, 6)
    legal = CAL.working_time_between(MONDAY, DUE)
    assert rules.step_due(step("specialist"), entered=MONDAY, **kw) == CAL.add_working_time(MONDAY, legal * 0.45)
    assert rules.step_due(step("leader"), entered=DUE - timedelta(hours=1), **kw) == DUE  # never after the appointment
    assert rules.step_due(StepDef(code="x", name="x", role="specialist"), entered=MONDAY, **kw) == DUE
    assert rules.step_due(step("result"), entered=MONDAY, **kw) is None


def test_a_target_step_belongs_to_the_agency_handed_to() -> None:
    assert rules.step_agency(step("interagency"), lead=LEAD, current=LEAD, target=PARTNER) == PARTNER
    assert rules.step_agency(step("interagency"), lead=LEAD, current=PARTNER) == PARTNER
    assert rules.step_agency(step("specialist"), lead=LEAD, current=PARTNER, target=PARTNER) == LEAD


def test_waiting_on_the_applicant_moves_both_deadlines_by_the_working_time_waited() -> None:
    step_due = DUE - timedelta(days=2)
    due, new_step_due, waited = rules.resumed(DUE, step_due, MONDAY, MONDAY + timedelta(days=1), CAL)
    assert waited == CAL.day_length
    assert due == datetime(2026, 12, 14, 17, 0, tzinfo=VN)  # Friday's appointment moves past the weekend
    assert new_step_due == CAL.add_working_time(step_due, waited)
    # waiting over a weekend costs nothing; the step's deadline never passes the appointment
    friday_close = DUE
    due, new_step_due, waited = rules.resumed(DUE, DUE, friday_close, friday_close + timedelta(days=2), CAL)
    assert waited == timedelta(0) and due == DUE and new_step_due == DUE


def test_deadline_timers_know_the_appointment_they_were_set_for() -> None:
    assert rules.due_token(DUE) == rules.due_token(DUE + timedelta(seconds=59))
    assert rules.due_token(DUE) != rules.due_token(DUE + timedelta(minutes=1))


# --- who sees what ----------------------------------------------------------------------------------------------
def test_each_agency_sees_its_own_work_and_the_boundary() -> None:
    def entry(action: str, actor_agency: str | None, target: str | None = None) -> SimpleNamespace:
        return SimpleNamespace(action=action, actor_agency=actor_agency, target_agency=target)

    log = [entry("start", None), entry("claim", LEAD), entry("handoff", LEAD, PARTNER),
           entry("claim", PARTNER), entry("accept_handoff", PARTNER, PARTNER), entry("consult", LEAD)]
    assert [e.action for e in rules.visible_log(LEAD, log, LEAD)] == [
        "start", "claim", "handoff", "accept_handoff", "consult"]
    assert [e.action for e in rules.visible_log(LEAD, log, PARTNER)] == ["handoff", "claim", "accept_handoff"]
    assert rules.visible_log(LEAD, log, THIRD) == []
    assert rules.may_see(SPECIALIST, is_officer=True, lead=LEAD, handoff_target=False)
    assert rules.may_see(officer("specialist", PARTNER), is_officer=True, lead=LEAD, handoff_target=True)
    assert not rules.may_see(officer("specialist", THIRD), is_officer=True, lead=LEAD, handoff_target=False)
    assert not rules.may_see(replace(SPECIALIST, agency=None), is_officer=True, lead=LEAD, handoff_target=True)


def test_the_process_knows_its_steps_and_where_a_recall_returns() -> None:
    assert find_step(DEFAULT_DEFINITION, "external") == EXTERNAL_STEP
    assert outcome_step(DEFAULT_DEFINITION, "rejected").code == "refused"
    no_outcome = DEFAULT_DEFINITION.model_copy(update={"steps": [step("reception"), step("specialist")]})
    assert outcome_step(no_outcome, "result_ready") == OUTCOME_STEPS["result_ready"]
    with pytest.raises(Problem) as e:
        find_step(DEFAULT_DEFINITION, "nowhere")
    assert e.value.status == 500
    assert recall_target(DEFAULT_DEFINITION, step("interagency")) == "specialist"
    assert recall_target(DEFAULT_DEFINITION, EXTERNAL_STEP) == "specialist"  # the desk's auto-forward target
