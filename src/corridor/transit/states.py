"""The declaration life cycle as an explicit state machine (eTIR / NCTS phase 5 style, transit-anchors §1-2, §7).

::

    submitted --accept--> accepted --assess--> assessed --release--> released --enter--> entered --exit--> exited
                                                  |  (red needs inspection)                                 |
                                                  +--hold--> held --inspect(pass)--> released          discharge
                                                                 --inspect(fail)--> rejected                 v
    reject: submitted | accepted | assessed | held -> rejected                                          discharged
    cancel: submitted | accepted | assessed | held -> cancelled  (only before release, as NCTS IE014)

Overdue is a flag, not a state: a released or entered movement whose deadline has passed is flagged, and an
officer may then open an enquiry (NCTS IE140/141). Any other act answers 409 ``OUT_OF_SEQUENCE``.
"""

from __future__ import annotations

from enum import StrEnum

from corridor.transit.errors import Conflict


class State(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    ASSESSED = "assessed"
    HELD = "held"
    RELEASED = "released"
    ENTERED = "entered"
    EXITED = "exited"
    DISCHARGED = "discharged"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Act(StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    REJECT = "reject"
    ASSESS = "assess"
    RELEASE = "release"
    HOLD = "hold"
    INSPECT_PASS = "inspect_pass"
    INSPECT_FAIL = "inspect_fail"
    ENTER = "enter"
    EXIT = "exit"
    DISCHARGE = "discharge"
    CANCEL = "cancel"
    FLAG_OVERDUE = "flag_overdue"
    ENQUIRE = "enquire"


S = State
_BEFORE_RELEASE = (S.SUBMITTED, S.ACCEPTED, S.ASSESSED, S.HELD)

#: act -> {state it may start from: state it leads to}
TRANSITIONS: dict[Act, dict[State, State]] = {
    Act.ACCEPT: {S.SUBMITTED: S.ACCEPTED},
    Act.REJECT: {s: S.REJECTED for s in _BEFORE_RELEASE},
    Act.ASSESS: {S.ACCEPTED: S.ASSESSED},
    Act.RELEASE: {S.ASSESSED: S.RELEASED},
    Act.HOLD: {S.ASSESSED: S.HELD},
    Act.INSPECT_PASS: {S.HELD: S.RELEASED},
    Act.INSPECT_FAIL: {S.HELD: S.REJECTED},
    Act.ENTER: {S.RELEASED: S.ENTERED},
    Act.EXIT: {S.ENTERED: S.EXITED},
    Act.DISCHARGE: {S.EXITED: S.DISCHARGED},
    Act.CANCEL: {s: S.CANCELLED for s in _BEFORE_RELEASE},
    # flags: the state does not change
    Act.FLAG_OVERDUE: {S.RELEASED: S.RELEASED, S.ENTERED: S.ENTERED},
    Act.ENQUIRE: {S.RELEASED: S.RELEASED, S.ENTERED: S.ENTERED},
}

#: States in which the goods are under transit control on the corridor (for the board).
IN_TRANSIT = (S.RELEASED, S.ENTERED)
FINAL = (S.DISCHARGED, S.REJECTED, S.CANCELLED)


def next_state(current: State | str, act: Act) -> State:
    """The state ``act`` leads to from ``current``; raises `Conflict` (409 OUT_OF_SEQUENCE) if not allowed."""
    current = State(current)
    allowed = TRANSITIONS[act]
    if current not in allowed:
        starts = ", ".join(s.value for s in allowed) or "none"
        raise Conflict(
            "OUT_OF_SEQUENCE",
            f"cannot {act.value.replace('_', ' ')} a declaration that is {current.value}; allowed from: {starts}",
            field="state",
        )
    return allowed[current]
