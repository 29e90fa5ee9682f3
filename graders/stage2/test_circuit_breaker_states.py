"""Grader for stage2/circuit-breaker-states: 熔断器三态转换的条件？ (a concept exercise).

The learner predicts the state of a circuit breaker after every event of four sequences,
answers structured questions about the transitions, and measures a few numbers with their
own ``CircuitBreaker`` (stage2/circuit-breaker). Everything is read from
``answers/circuit-breaker-states.yaml`` and checked two ways:

- against the key below (the rules of stage2/circuit-breaker), and
- against the learner's own breaker, replayed on the same workloads inside the subject by
  ``support/circuit_breaker_states_support.py`` (the source of truth for the workloads; the
  learner's experiment script holds a copy and is never imported here).

When a prediction and the learner's breaker disagree, the message says which of the two
disagrees with the key. Every section of the answers file is read with a schema of its own,
so a blank in one section fails that section's check (and the completeness check) only.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

import pytest

from swai.grading import fail
from swai.grading.documents import read_answers
from swai.subject import Subject
from swai.subject.client import show

NAME = "circuit-breaker-states"
EXPERIMENT = "python experiments/circuit_breaker_states.py"
STATES = ["closed", "open", "half_open"]


def _load_workloads() -> Any:
    """The support module, as data: the grader reads its event lists to describe events."""
    path = Path(__file__).resolve().parent / "support" / "circuit_breaker_states_support.py"
    spec = importlib.util.spec_from_file_location("_circuit_breaker_states_workloads", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WORKLOADS = _load_workloads()

# -- the key ---------------------------------------------------------------------------------

KEY_SEQUENCES: dict[str, list[str]] = {
    "a": ["closed", "closed", "closed", "closed", "closed", "open", "open", "open", "half_open", "half_open",
          "half_open", "closed"],
    "b": ["closed", "closed", "open", "open", "open", "half_open", "half_open", "open", "open", "half_open",
          "half_open", "closed", "closed"],
    "c": ["closed", "closed", "closed", "closed", "open", "open", "open", "half_open", "half_open", "half_open",
          "half_open", "open", "half_open", "half_open", "half_open", "half_open", "closed"],
    "d": ["open", "open", "half_open", "half_open", "half_open", "half_open", "half_open", "half_open",
          "half_open", "closed", "closed", "open"],
}

# Why the state is what it is, at the events where predictions usually go wrong
# (sequence, 0-based event index); other events get the sequence's lesson.
NOTES: dict[tuple[str, int], str] = {
    ("a", 3): "Only consecutive failures count: the success at event 3 set the count back to 0.",
    ("a", 4): "Only consecutive failures count: the success at event 3 set the count back to 0.",
    ("a", 5): "Three failures in a row reach failure_threshold = 3 (>=, not >): the breaker opens now.",
    ("a", 7): "The timeout runs from the moment the breaker opened (t = 0); 9.5 s is not yet 10.",
    ("a", 8): "At exactly reset_timeout seconds after opening the breaker is half_open (>=, not >).",
    ("a", 10): "A try_acquire() refused because the trial calls are used up changes no state.",
    ("b", 3): "The timeout is measured from the failure that opened the breaker (t = 6), not from the first "
              "failure of the streak (t = 0).",
    ("b", 4): "A try_acquire() refused while open changes nothing; it does not restart the timeout.",
    ("b", 5): "Opened at t = 6, reset_timeout = 10: at t = 16 the breaker is half_open.",
    ("b", 7): "One failed trial call is enough: half_open goes back to open, and the timeout restarts now.",
    ("b", 8): "The failed trial at t = 16 re-opened the breaker: the timeout now runs from t = 16, not t = 6.",
    ("b", 12): "Closing starts a fresh consecutive-failure count: one failure of failure_threshold = 2.",
    ("c", 6): "An outcome reported while open (a call admitted before the breaker opened) is ignored: it "
              "neither closes the breaker nor restarts the timeout.",
    ("c", 7): "The late success at t = 3 was ignored, so the timeout still runs from t = 0: half_open at t = 5.",
    ("c", 10): "success_threshold = 2: one success in half_open is not enough to close.",
    ("c", 11): "A single failure in half_open re-opens the breaker; failure_threshold applies only in closed.",
    ("c", 12): "Re-opened at t = 5 with reset_timeout = 5: half_open again at t = 10.",
    ("c", 15): "Every half_open period starts with no successes: the success before the re-opening does not "
               "count, so one success in this period is not enough.",
    ("d", 6): "A try_acquire() beyond half_open_max_calls is refused and changes no state.",
    ("d", 7): "half_open has no timeout of its own: with no outcome reported it stays half_open.",
    ("d", 9): "The 2nd success in this half_open period reaches success_threshold = 2: closed.",
    ("d", 11): "failure_threshold = 1: a single failure in closed opens the breaker.",
}

LESSONS = {
    "a": "Closed counts consecutive failures; open lasts reset_timeout seconds (at exactly reset_timeout it is "
         "half_open); half_open admits half_open_max_calls trial calls and closes after success_threshold successes.",
    "b": "The open timeout runs from the moment the breaker (re-)opened; a failed trial re-opens it at once.",
    "c": "Outcomes reported while open are ignored; a failure in half_open re-opens; every half_open period "
         "starts with no trial calls used and no successes.",
    "d": "half_open admits exactly half_open_max_calls trial calls, has no timeout of its own, and closes after "
         "success_threshold successes.",
}

TRANSITION_CHOICES = [
    "consecutive_failures_reach_failure_threshold",
    "failures_in_total_reach_failure_threshold",
    "reset_timeout_elapsed_since_opened",
    "reset_timeout_elapsed_since_first_failure",
    "reset_timeout_elapsed_since_last_refused_call",
    "success_threshold_successes_in_half_open",
    "any_single_success",
    "any_single_failure_in_half_open",
    "failure_threshold_failures_in_half_open",
    "half_open_max_calls_used_up",
    "never",
]
KEY_TRANSITIONS = {
    "closed_to_open": "consecutive_failures_reach_failure_threshold",
    "open_to_half_open": "reset_timeout_elapsed_since_opened",
    "half_open_to_closed": "success_threshold_successes_in_half_open",
    "half_open_to_open": "any_single_failure_in_half_open",
    "open_to_closed": "never",
    "closed_to_half_open": "never",
}
TRANSITION_HINTS = {
    "closed_to_open": "Sequence a: two failures, a success, then three failures. When does it open, and why "
                      "not at the fourth failure in total?",
    "open_to_half_open": "Sequence b: the streak starts at t = 0 but the breaker opens at t = 6, and a failed "
                         "trial re-opens it at t = 16. When is it half_open each time?",
    "half_open_to_closed": "Sequences c and d: count the successes in one half_open period.",
    "half_open_to_open": "Sequences b and c: what does one failed trial call do, with failure_threshold = 2?",
    "open_to_closed": "Look for a sequence where an open breaker becomes closed without passing through "
                      "half_open. Is there one, even after a late success (sequence c, event 7)?",
    "closed_to_half_open": "Is there any way into half_open except from open?",
}

WHILE_OPEN_CALL = ["rejected_at_once", "queued_until_half_open", "sent_and_failure_counted",
                   "sent_and_outcome_ignored", "waits_until_reset_timeout"]
LATE_OUTCOME = ["ignored", "restarts_reset_timeout", "success_closes_the_breaker", "counts_toward_half_open"]
BEYOND_BUDGET = ["rejected_at_once", "admitted_anyway", "opens_the_breaker", "waits_for_a_trial_to_finish"]
LONG_WAIT = ["stays_half_open", "back_to_open", "back_to_closed"]
KEY_WHILE_OPEN = {"call": "rejected_at_once", "late_outcome": "ignored"}
KEY_HALF_OPEN = {"trial_calls_admitted": 3, "call_beyond_budget": "rejected_at_once",
                 "after_a_long_wait": "stays_half_open"}
KEY_TRAFFIC: dict[str, float] = {"calls_sent_while_down": 7, "calls_refused": 27, "closed_again_at": 34.0}
TOLERANCE = 1e-9  # counts of whole calls and a time on a whole-second grid: exact

# -- the answers file's schema ---------------------------------------------------------------


def _states_schema(name: str) -> dict[str, Any]:
    count = len(KEY_SEQUENCES[name])
    return {"type": "array", "minItems": count, "maxItems": count,
            "description": f"a list of {count} states, one after each event of sequence {name}",
            "items": {"enum": STATES}}


def _choice(options: list[str]) -> dict[str, Any]:
    return {"enum": options}


def _count(what: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "description": f"a whole number: {what}"}


SECTIONS: dict[str, dict[str, Any]] = {
    "sequences": {"type": "object", "additionalProperties": False, "required": list(KEY_SEQUENCES),
                  "description": "the sequences a, b, c and d, each a list of states",
                  "properties": {name: _states_schema(name) for name in KEY_SEQUENCES}},
    "transitions": {"type": "object", "additionalProperties": False, "required": list(KEY_TRANSITIONS),
                    "description": "one condition for each of the six pairs of states",
                    "properties": {name: _choice(TRANSITION_CHOICES) for name in KEY_TRANSITIONS}},
    "while_open": {"type": "object", "additionalProperties": False, "required": ["call", "late_outcome"],
                   "description": "the fields call and late_outcome",
                   "properties": {"call": _choice(WHILE_OPEN_CALL), "late_outcome": _choice(LATE_OUTCOME)}},
    "half_open": {"type": "object", "additionalProperties": False,
                  "required": ["trial_calls_admitted", "call_beyond_budget", "after_a_long_wait"],
                  "description": "the fields trial_calls_admitted, call_beyond_budget and after_a_long_wait",
                  "properties": {"trial_calls_admitted": _count("calls admitted out of the burst of 5"),
                                 "call_beyond_budget": _choice(BEYOND_BUDGET),
                                 "after_a_long_wait": _choice(LONG_WAIT)}},
    "traffic": {"type": "object", "additionalProperties": False, "required": list(KEY_TRAFFIC),
                "description": "the fields calls_sent_while_down, calls_refused and closed_again_at",
                "properties": {"calls_sent_while_down": _count("calls admitted while the dependency was down"),
                               "calls_refused": _count("calls refused in the 60 seconds"),
                               "closed_again_at": {"type": "number", "minimum": 0,
                                                   "description": "a number of seconds on the clock, e.g. 12"}}},
}


TEMPLATE = "the template's sections: " + ", ".join(SECTIONS)
STRICT_SCHEMA = {"type": "object", "required": list(SECTIONS), "additionalProperties": False,
                 "description": TEMPLATE, "properties": SECTIONS}


def field_schema(section: str, field: str) -> dict[str, Any]:
    """A schema that checks one field of the answers file and lets everything else be."""
    part = {key: value for key, value in SECTIONS[section].items()
            if key not in ("required", "properties", "additionalProperties")}
    part |= {"required": [field], "properties": {field: SECTIONS[section]["properties"][field]}}
    return {"type": "object", "required": [section], "description": TEMPLATE, "properties": {section: part}}


def answers(project: Path, *wanted: str) -> dict[str, Any]:
    """The answers file, with the ``wanted`` fields ("section" or "section.field") checked in
    the template's order, so the first problem reported is the first one in the file. With
    nothing named, every field is checked, then the whole file strictly (no unknown keys)."""
    fields = []
    for name in wanted or tuple(SECTIONS):
        section, _, field = name.partition(".")
        fields += [(section, field)] if field else [(section, f) for f in SECTIONS[section]["properties"]]
    data: dict[str, Any] = {}
    for section, field in fields:
        data = read_answers(project, NAME, field_schema(section, field))
    if not wanted:
        data = read_answers(project, NAME, STRICT_SCHEMA)
    return data


# -- helpers ---------------------------------------------------------------------------------


def describe_event(name: str, index: int) -> str:
    """``event 4, advance(6), t = 12``: which event it was and the clock after it."""
    now = 0.0
    events = WORKLOADS.SEQUENCES[name]["events"]
    for event in events[: index + 1]:
        if event[0] == "advance":
            now += event[1]
    event = events[index]
    call = f"advance({event[1]:g})" if event[0] == "advance" else f"{event[0]}()"
    return f"event {index + 1}, {call}, t = {now:g}"


def replay(subject: Subject) -> dict[str, dict[str, Any]]:
    """Every sequence replayed with the learner's own breaker, inside the subject."""
    result: dict[str, dict[str, Any]] = subject.import_module("circuit_breaker_states_support").sequences()
    return result


def measured(subject: Subject) -> dict[str, Any]:
    result: dict[str, Any] = subject.import_module("circuit_breaker_states_support").numbers()
    return result


def breaker_says(run: dict[str, Any], index: int) -> str | None:
    states = run["states"]
    return states[index] if index < len(states) else None


def breaker_remark(run: dict[str, Any], index: int, predicted: str, key: str) -> str:
    """One sentence on what the learner's own breaker does at this event, against the key."""
    said = breaker_says(run, index)
    if said is None:
        return (f"Your own breaker could not be replayed this far ({run['error']} at event "
                f"{run['failed_at'] + 1}); finish circuit_breaker.py (stage2/circuit-breaker) and run `{EXPERIMENT}`.")
    if said == key:
        return (f"Your own breaker says {said!r} here, and it follows the rules: run `{EXPERIMENT}` and work out "
                "why.")
    if said == predicted:
        return (f"Your own breaker says {said!r} too, so it has the same misunderstanding: fix circuit_breaker.py "
                "as well (swai grade stage2/circuit-breaker).")
    return f"Your own breaker says {said!r} here, which is not what the rules give either."


def check_sequence(project: Path, subject: Subject, name: str) -> None:
    predicted = answers(project, f"sequences.{name}")["sequences"][name]
    key = KEY_SEQUENCES[name]
    wrong = [i for i, (p, k) in enumerate(zip(predicted, key, strict=True)) if p != k]
    if not wrong:
        return
    first = wrong[0]
    run = replay(subject)[name]
    note = NOTES.get((name, first), LESSONS[name])
    later = len(wrong) - 1
    more = f" ({later} later event{'s are' if later > 1 else ' is'} wrong too)" if later else ""
    fail(f"sequence {name}: your prediction after {describe_event(name, first)} is not the state the rules "
         f"give{more}",
         expected=f"the state after {describe_event(name, first)} by the rules of stage2/circuit-breaker",
         got=show(predicted[first]),
         hint=f"{note} {breaker_remark(run, first, predicted[first], key[first])}")


def same_number(stated: Any, value: Any) -> bool:
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (stated, value))
    return numeric and math.isclose(float(stated), float(value), rel_tol=0.0, abs_tol=TOLERANCE)


def number_remark(got: dict[str, Any], field: str, stated: Any, key: Any) -> str:
    """One sentence on what the learner's own breaker measures for ``field``, against the key."""
    if got["error"] is not None:
        return (f"Your own breaker could not run the experiment ({got['error']}); finish circuit_breaker.py "
                f"(stage2/circuit-breaker) and run `{EXPERIMENT}`.")
    said = got[field]
    if same_number(said, key):
        return f"Your own breaker measures {show(said)}, and it follows the rules: run `{EXPERIMENT}`."
    if same_number(said, stated):
        return (f"Your own breaker measures {show(said)} too, so it has the same bug: fix circuit_breaker.py "
                "as well (swai grade stage2/circuit-breaker).")
    return f"Your own breaker measures {show(said)}, which is not what the rules give either."


# -- checks ----------------------------------------------------------------------------------


@pytest.mark.correctness
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/circuit-breaker-states.yaml has every answer filled in, as the template asks"""
    answers(project)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_sequence_a_consecutive_failures(project: Path, subject: Subject) -> None:
    """sequence a: consecutive failures open, the timeout ends at exactly reset_timeout"""
    check_sequence(project, subject, "a")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_sequence_b_timeout_from_opening(project: Path, subject: Subject) -> None:
    """sequence b: the open timeout runs from each (re-)opening"""
    check_sequence(project, subject, "b")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_sequence_c_late_outcomes_and_fresh_periods(project: Path, subject: Subject) -> None:
    """sequence c: late outcomes while open are ignored, each half_open period starts afresh"""
    check_sequence(project, subject, "c")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_sequence_d_half_open_budget(project: Path, subject: Subject) -> None:
    """sequence d: half_open admits half_open_max_calls trials and has no timeout of its own"""
    check_sequence(project, subject, "d")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_predictions_match_your_breaker(project: Path, subject: Subject) -> None:
    """your predicted states are what your own CircuitBreaker does on the same events"""
    predicted = answers(project, "sequences")["sequences"]
    runs = replay(subject)
    for name, key in KEY_SEQUENCES.items():
        run = runs[name]
        for index, (mine, want) in enumerate(zip(predicted[name], key, strict=True)):
            said = breaker_says(run, index)
            if said is None:
                fail(f"sequence {name}: your CircuitBreaker raised {run['error']} at {describe_event(name, index)}",
                     expected="your breaker to run every event of the sequence", got=str(run["error"]),
                     hint="The experiment runs on your own circuit_breaker.py: finish it (stage2/circuit-breaker), "
                          f"then run `{EXPERIMENT}`.")
            if said == mine:
                continue
            where = f"sequence {name}: after {describe_event(name, index)} you predicted {mine!r}, your breaker says "
            if mine == want:
                fail(where + f"{said!r}; your prediction is right, your breaker disagrees with the rules",
                     expected=f"your breaker in state {mine!r}", got=show(said),
                     hint="Fix circuit_breaker.py (swai grade stage2/circuit-breaker shows the rule it breaks). "
                          f"{NOTES.get((name, index), LESSONS[name])}")
            if said == want:
                fail(where + f"{said!r}; your breaker follows the rules here, your prediction does not",
                     expected=f"your prediction to be what your breaker does: {said!r}", got=show(mine),
                     hint=f"Run `{EXPERIMENT}`, compare, and correct the prediction. "
                          f"{NOTES.get((name, index), LESSONS[name])}")
            fail(where + f"{said!r}; neither is the state the rules give",
                 expected="your prediction and your breaker to agree, on the state the rules give",
                 got=f"prediction {mine!r}, breaker {said!r}",
                 hint=f"Fix circuit_breaker.py (swai grade stage2/circuit-breaker), then re-run `{EXPERIMENT}`. "
                      f"{NOTES.get((name, index), LESSONS[name])}")


@pytest.mark.correctness
@pytest.mark.points(3)
def test_transition_conditions(project: Path) -> None:
    """the condition of each transition (and which transitions do not exist)"""
    chosen = answers(project, "transitions")["transitions"]
    wrong = [name for name, key in KEY_TRANSITIONS.items() if chosen[name] != key]
    if wrong:
        fail(f"transitions: {len(wrong)} of {len(KEY_TRANSITIONS)} conditions are not the rules': {', '.join(wrong)}",
             expected=f"for {wrong[0]}, the condition the rules state", got=f"{wrong[0]}: {chosen[wrong[0]]}",
             hint=TRANSITION_HINTS[wrong[0]])


@pytest.mark.correctness
@pytest.mark.points(2)
def test_while_open(project: Path) -> None:
    """what happens to a call, and to a late outcome, while the breaker is open"""
    chosen = answers(project, "while_open")["while_open"]
    if chosen["call"] != KEY_WHILE_OPEN["call"]:
        fail("while_open.call: that is not what an open breaker does with a call",
             expected="what try_acquire() (and call()) do while open", got=show(chosen["call"]),
             hint="Sequences a and b call try_acquire() while open: what does it return, how long does it take, "
                  "and does the dependency see the call? The point of opening is to fail fast.")
    if chosen["late_outcome"] != KEY_WHILE_OPEN["late_outcome"]:
        fail("while_open.late_outcome: that is not what happens to an outcome reported while open",
             expected="what record_success()/record_failure() do while open", got=show(chosen["late_outcome"]),
             hint="Sequence c, event 7: a call admitted before the breaker opened reports success at t = 3. "
                  "When does the breaker turn half_open afterwards?")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_half_open(project: Path, subject: Subject) -> None:
    """how many trial calls half_open admits, what happens beyond them, and with no outcome"""
    chosen = answers(project, "half_open")["half_open"]
    key = KEY_HALF_OPEN["trial_calls_admitted"]
    if not same_number(chosen["trial_calls_admitted"], key):
        remark = number_remark(measured(subject), "trial_calls_admitted", chosen["trial_calls_admitted"], key)
        fail("half_open.trial_calls_admitted is not the number of trial calls the rules admit",
             expected="how many of the 5 try_acquire() calls return True with sequence d's configuration",
             got=show(chosen["trial_calls_admitted"]),
             hint=f"Which parameter limits the trial calls of one half_open period, and which one counts successes? "
                  f"{remark}")
    if chosen["call_beyond_budget"] != KEY_HALF_OPEN["call_beyond_budget"]:
        fail("half_open.call_beyond_budget: that is not what happens to a call beyond the trial budget",
             expected="what try_acquire() does once the trial calls are used up",
             got=show(chosen["call_beyond_budget"]),
             hint="Sequence d, event 7: the 4th try_acquire() with half_open_max_calls = 3. What does it return, "
                  "and does the state change?")
    if chosen["after_a_long_wait"] != KEY_HALF_OPEN["after_a_long_wait"]:
        fail("half_open.after_a_long_wait: that is not what a half_open breaker does when no outcome comes",
             expected="the state after 60 s in half_open with no outcome reported",
             got=show(chosen["after_a_long_wait"]),
             hint="Sequence d, event 8: the clock moves on by 60 s in half_open. Which rule would change the state, "
                  "and does any rule read the clock in half_open?")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_traffic_numbers(project: Path, subject: Subject) -> None:
    """the traffic run: calls sent to the dead dependency, calls refused, when the breaker closed again"""
    stated = answers(project, "traffic")["traffic"]
    for field, key in KEY_TRAFFIC.items():
        if not same_number(stated[field], key):
            remark = number_remark(measured(subject), field, stated[field], key)
            fail(f"traffic.{field} is not what the traffic run gives by the rules",
                 expected=f"traffic.{field} as the rules make it (exact)", got=show(stated[field]),
                 hint="Walk the run second by second: 5 failures in a row open the breaker, it stays open 10 s from "
                      f"each opening, then one trial call decides; the dependency answers again from t = 25. {remark}")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_numbers_match_your_breaker(project: Path, subject: Subject) -> None:
    """the numbers you state are what your own CircuitBreaker measures"""
    data = answers(project, "half_open.trial_calls_admitted", "traffic")
    stated = {"trial_calls_admitted": data["half_open"]["trial_calls_admitted"], **data["traffic"]}
    key = {"trial_calls_admitted": KEY_HALF_OPEN["trial_calls_admitted"], **KEY_TRAFFIC}
    got = measured(subject)
    if got["error"] is not None:
        fail(f"your CircuitBreaker raised {got['error']} in the experiment",
             expected="your breaker to run the half_open burst and the traffic run", got=str(got["error"]),
             hint=f"The numbers are measured with your own circuit_breaker.py: finish it (stage2/circuit-breaker), "
                  f"then run `{EXPERIMENT}`.")
    for field, mine in stated.items():
        said = got[field]
        if same_number(mine, said):
            continue
        section = "half_open" if field == "trial_calls_admitted" else "traffic"
        where = f"{section}.{field}: you state {show(mine)}, your breaker measures {show(said)}"
        if same_number(mine, key[field]):
            fail(where + "; your number is right, your breaker disagrees with the rules",
                 expected=f"your breaker to measure {show(mine)}", got=show(said),
                 hint="Fix circuit_breaker.py (swai grade stage2/circuit-breaker shows the rule it breaks), then "
                      f"re-run `{EXPERIMENT}`.")
        if same_number(said, key[field]):
            fail(where + "; your breaker follows the rules, the number you state does not",
                 expected=f"the number your breaker measures: {show(said)}", got=show(mine),
                 hint=f"Copy the number `{EXPERIMENT}` prints; a number from another run or another configuration "
                      "does not count.")
        fail(where + "; neither is what the rules give",
             expected="your stated number and your breaker to agree, on what the rules give",
             got=f"stated {show(mine)}, measured {show(said)}",
             hint=f"Fix circuit_breaker.py (swai grade stage2/circuit-breaker), then re-run `{EXPERIMENT}` and copy "
                  "its numbers.")
