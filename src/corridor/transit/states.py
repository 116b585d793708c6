"""The declaration life cycle as an explicit state machine (eTIR / NCTS phase 5 style, transit-anchors §1-2, §7).

::

    submitted --accept--> accepted --assess--> assessed --release--> released --enter--> entered --exit--> exited
                                                  |  (red needs inspection)                                 |
                                                  +--hold--> held --inspect(pass)--> released          discharge
                                                                 --inspect(fail)--> rejected                 v
    reject: submitted | accepted | assessed | held -> rejected                                          discharged
    cancel: submitted | accepted | assessed | held -> cancelled  (only before release, as NCTS IE014)

A discrepancy recorded by a checkpoint (broken or missing seal, mass or count mismatch) stops the ordinary path:
only an officer's decision, with its reason, moves the movement on (NCTS: unloading remarks with discrepancies
are resolved by the office of departure before the movement is discharged, or recovery starts)::

    released --enter (discrepancy)--> entry_discrepancy --decide proceed--> entered
                                                        --decide refuse---> rejected (R04)
    entered  --exit (discrepancy)---> exit_discrepancy  --decide discharge--> discharged (guarantee released)
                                                        --decide recover----> recovery (guarantee kept)

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
    ENTRY_DISCREPANCY = "entry_discrepancy"
    EXIT_DISCREPANCY = "exit_discrepancy"
    RECOVERY = "recovery"


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
    ENTER_DISCREPANCY = "enter_discrepancy"
    EXIT_DISCREPANCY = "exit_discrepancy"
    DECIDE_PROCEED = "decide_proceed"
    DECIDE_REFUSE = "decide_refuse"
    DECIDE_DISCHARGE = "decide_discharge"
    DECIDE_RECOVER = "decide_recover"
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
    Act.ENTER_DISCREPANCY: {S.RELEASED: S.ENTRY_DISCREPANCY},
    Act.EXIT_DISCREPANCY: {S.ENTERED: S.EXIT_DISCREPANCY},
    Act.DECIDE_PROCEED: {S.ENTRY_DISCREPANCY: S.ENTERED},
    Act.DECIDE_REFUSE: {S.ENTRY_DISCREPANCY: S.REJECTED},
    Act.DECIDE_DISCHARGE: {S.EXIT_DISCREPANCY: S.DISCHARGED},
    Act.DECIDE_RECOVER: {S.EXIT_DISCREPANCY: S.RECOVERY},
    Act.DISCHARGE: {S.EXITED: S.DISCHARGED},
    Act.CANCEL: {s: S.CANCELLED for s in _BEFORE_RELEASE},
    # flags: the state does not change
    Act.FLAG_OVERDUE: {S.RELEASED: S.RELEASED, S.ENTERED: S.ENTERED},
    Act.ENQUIRE: {S.RELEASED: S.RELEASED, S.ENTERED: S.ENTERED},
}

#: States in which the goods are under transit control on the corridor (for the board).
IN_TRANSIT = (S.RELEASED, S.ENTERED)
FINAL = (S.DISCHARGED, S.REJECTED, S.CANCELLED, S.RECOVERY)
#: States that wait for an officer's decision on a recorded discrepancy.
DISCREPANCY = (S.ENTRY_DISCREPANCY, S.EXIT_DISCREPANCY)
#: decision outcome -> the act it is (the state it may be taken from follows from `TRANSITIONS`)
DECISIONS: dict[str, Act] = {
    "proceed": Act.DECIDE_PROCEED,
    "refuse": Act.DECIDE_REFUSE,
    "discharge": Act.DECIDE_DISCHARGE,
    "recover": Act.DECIDE_RECOVER,
}


def decisions_from(current: State | str) -> list[str]:
    """The decision outcomes an officer may record on a movement in ``current`` (empty if none)."""
    return [name for name, act in DECISIONS.items() if State(current) in TRANSITIONS[act]]


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
