"""Grader for stage2/worker-pool-shutdown: "Worker Pool 如何优雅关闭？", answered by an experiment.

The learner stops their own WorkerPool in a fixed scenario (2 workers busy on gated tasks t1 and
t2, t3..t5 queued, t6 waiting for room, t7 submitted once the shutdown began), once with
shutdown(wait=True) and once with shutdown_now(), and states in answers/worker-pool-shutdown.yaml
the fate of every task, what shutdown_now() returned and how many pool threads were alive when
each call returned; plus the order of the steps of a graceful shutdown, the drain time of a bigger
pool (a formula for given inputs) and four choices.

The scenario lives in support/worker_pool_shutdown_support.py (the learner's
experiments/worker_pool_shutdown.py holds a verbatim copy and is never imported here). It is
replayed with the learner's own worker_pool.py: their pool must produce the key's outcomes, and
their stated outcomes must match what their pool did. Everything else is checked against the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from swai.grading import fail
from swai.grading.documents import read_answers
from swai.subject import RemoteObject, Subject
from swai.subject.errors import SubjectError

NAME = "worker-pool-shutdown"
SUPPORT = "worker_pool_shutdown_support"
TASKS = ("t1", "t2", "t3", "t4", "t5", "t6", "t7")
FATES = ("ran", "cancelled", "rejected", "lost", "blocked")
STEPS = ("close_intake", "drain_queue", "join_workers", "return_to_caller", "wake_waiters", "workers_exit")
CALL = {"graceful": "shutdown(wait=True)", "immediate": "shutdown_now()"}
TOLERANCE = 0.05  # seconds, on a stated drain time
RUN = "Run `python experiments/worker_pool_shutdown.py` from your project folder and copy what it prints."

# -- the key ----------------------------------------------------------------------------------
KEY_STEPS = ["close_intake", "wake_waiters", "drain_queue", "workers_exit", "join_workers", "return_to_caller"]
KEY: dict[str, dict[str, Any]] = {
    "graceful": {
        "fates": {"t1": "ran", "t2": "ran", "t3": "ran", "t4": "ran", "t5": "ran",
                  "t6": "rejected", "t7": "rejected"},
        "threads_left": 0,
    },
    "immediate": {
        "fates": {"t1": "ran", "t2": "ran", "t3": "cancelled", "t4": "cancelled", "t5": "cancelled",
                  "t6": "rejected", "t7": "rejected"},
        "returned": ["t3", "t4", "t5"],
        "threads_left": 2,  # shutdown_now() returns at once: both workers are still in t1 and t2
    },
}
# WorkerPool(4, 16), 4 tasks with 1.0 s left, 10 queued tasks of 0.5 s: the workers are busy until
# 1.0, then take the queue 4 at a time (1.0-1.5, 1.5-2.0, 2.0-2.5). shutdown_now() empties the
# queue and returns at once; its workers exit when their running tasks end, at 1.0.
KEY_DRAIN = {"shutdown_returns_after": 2.5, "shutdown_now_returns_after": 0.0, "workers_gone_after_shutdown_now": 1.0}
KEY_CHOICES = {
    "submit_after_shutdown": "raises_pool_closed",
    "blocked_submitter": "raises_pool_closed_at_once",
    "running_tasks_on_shutdown_now": "finish_normally",
    "must_never": "drop_accepted_task",
}
CHOICES = {
    "submit_after_shutdown": ["raises_pool_closed", "waits_until_drained", "queued_and_run", "queued_and_cancelled",
                              "returns_none"],
    "blocked_submitter": ["raises_pool_closed_at_once", "raises_pool_closed_when_room", "queued_when_room",
                          "blocked_for_ever"],
    "running_tasks_on_shutdown_now": ["finish_normally", "interrupted", "cancelled", "killed_with_worker"],
    "must_never": ["drop_accepted_task", "refuse_new_tasks", "wait_for_running_tasks", "release_blocked_submitters",
                   "run_queued_tasks"],
}

# What each task is in the scenario, and why its fate is what it is: the hint for a wrong fate.
ROLE = {
    "t1": "t1 and t2 were running when the shutdown began",
    "t2": "t1 and t2 were running when the shutdown began",
    "t3": "t3, t4 and t5 were waiting in the queue: their submit() had returned a handle",
    "t4": "t3, t4 and t5 were waiting in the queue: their submit() had returned a handle",
    "t5": "t3, t4 and t5 were waiting in the queue: their submit() had returned a handle",
    "t6": "t6's submit() was waiting for room in the full queue when the shutdown began",
    "t7": "t7's submit() came after the shutdown began",
}
WHY = {
    ("graceful", "t1"): "A thread cannot be stopped from outside; a graceful shutdown waits for running tasks.",
    ("graceful", "t3"): "A graceful shutdown honours every task it accepted: the queue drains before the "
                        "workers exit.",
    ("graceful", "t6"): "Its submit() had not returned a handle, so the task was never accepted; shutdown() wakes "
                        "it (notify_all) and it finds the pool closed.",
    ("graceful", "t7"): "From the moment the pool is closed, submit() refuses new work.",
    ("immediate", "t1"): "shutdown_now() only empties the queue; nothing stops a task that already runs.",
    ("immediate", "t3"): "shutdown_now() takes the queued tasks out of the queue and marks their handles "
                         "cancelled: accepted work is not run, but its submitter is told so.",
    ("immediate", "t6"): "Its submit() had not returned a handle, so the task was never accepted; shutdown_now() "
                         "wakes it and it finds the pool closed.",
    ("immediate", "t7"): "From the moment the pool is closed, submit() refuses new work.",
}
FATE_WORDS = ("ran: it ran; cancelled: accepted, never run, handle.cancelled() is True; rejected: submit() raised; "
              "lost: accepted, neither run nor cancelled; blocked: submit() never returned")

POOL_HINT = ("Your worker_pool.py is the pool of stage2/worker-pool: fix it there (swai grade stage2/worker-pool "
             "shows how), then run the experiment again and update your answers.")
JOIN_HINT = ("shutdown() must set the closed flag, wake every waiting thread (notify_all on both conditions) and, "
             "with wait=True, join() each worker thread before it returns.")

# -- the answers file's shape -------------------------------------------------------------------
FATE_MAP = {"type": "object", "required": list(TASKS), "additionalProperties": False,
            "properties": {t: {"enum": list(FATES)} for t in TASKS},
            "description": "one fate per task, t1: ... to t7: ..., each one of " + ", ".join(FATES)}
COUNT = {"type": "integer", "minimum": 0, "description": "a count of threads (a whole number, 0 or more)"}
SECONDS = {"type": "number", "minimum": 0, "description": "a number of seconds, e.g. 1.75"}
FIELDS: dict[str, dict[str, Any]] = {
    "steps": {"type": "array", "items": {"enum": list(STEPS)}, "minItems": len(STEPS), "maxItems": len(STEPS),
              "uniqueItems": True,
              "description": "a list of the six step names, each exactly once: " + ", ".join(STEPS)},
    "graceful": {"type": "object", "required": ["fates", "threads_left"], "additionalProperties": False,
                 "properties": {"fates": FATE_MAP, "threads_left": COUNT},
                 "description": "graceful: with fates: (t1 ... t7) and threads_left:"},
    "immediate": {"type": "object", "required": ["fates", "returned", "threads_left"], "additionalProperties": False,
                  "properties": {"fates": FATE_MAP, "threads_left": COUNT,
                                 "returned": {"type": "array", "items": {"enum": list(TASKS)}, "uniqueItems": True,
                                              "description": "a list of task names, e.g. [t1, t7], or []"}},
                  "description": "immediate: with fates: (t1 ... t7), returned: and threads_left:"},
    "drain_time": {"type": "object", "required": list(KEY_DRAIN), "additionalProperties": False,
                   "properties": dict.fromkeys(KEY_DRAIN, SECONDS),
                   "description": "drain_time: with " + ", ".join(KEY_DRAIN)},
    **{name: {"enum": options} for name, options in CHOICES.items()},
}


def schema(*wanted: str) -> dict[str, Any]:
    """The answers' schema: the ``wanted`` fields (every field, strictly, when none is named), so a
    blank in one answer does not fail the checks of the others."""
    if not wanted:
        return {"type": "object", "required": list(FIELDS), "properties": FIELDS, "additionalProperties": False,
                "description": "the template's keys: " + ", ".join(FIELDS)}
    return {"type": "object", "required": list(wanted), "properties": {w: FIELDS[w] for w in wanted},
            "description": "the template's keys, " + ", ".join(wanted) + " among them"}


def answers(project: Path, *wanted: str) -> dict[str, Any]:
    return read_answers(project, NAME, schema(*wanted))


# -- replaying the scenario with the learner's pool --------------------------------------------

def support(subject: Subject) -> RemoteObject:
    entries = subject.transcript.entries
    known = len(entries)
    module = subject.import_module(SUPPORT)  # recorded once per subject, on the first import
    del entries[known:]  # the grader's own module is no business of the learner's
    return module


def replay(subject: Subject, how: str) -> dict[str, Any]:
    """The scenario, run with the learner's worker_pool.py; what became of every task."""
    text = f"[the scenario with your WorkerPool(2, 3), stopped with {CALL[how]}]"
    try:
        result = subject.call(support(subject), "run_scenario", (how,), {}, text=text, timeout=30.0)
    except SubjectError as exc:
        where = f" ({exc.frames[-1].file}, line {exc.frames[-1].line})" if exc.frames else ""
        if exc.is_a("NotImplementedError"):
            fail("your WorkerPool is still the stub, so the scenario cannot run",
                 expected="a working worker_pool.py (exercise stage2/worker-pool)",
                 got=f"NotImplementedError{where}",
                 hint="This question is answered with your own pool: finish stage2/worker-pool first "
                      "(swai grade stage2/worker-pool), then run the experiment.")
        fail("your worker_pool.py raised while the scenario ran", expected="the scenario to run to its end",
             got=f"{exc.type_name}: {exc.message}{where}", hint=POOL_HINT)
    entry = subject.transcript.entries[-1]
    if not isinstance(result, dict) or not isinstance(result.get("fates"), dict) \
            or not isinstance(result.get("timeline"), list):
        fail("the scenario came back garbled", expected="the scenario's report", got=str(type(result).__name__),
             hint="Your worker_pool.py must not patch other modules of the process; keep it to the pool.")
    entry.outcome = "-> what happened, in order:"
    for event in result["timeline"]:
        subject.transcript.add(f"    {event}")
    return result


def listed(values: dict[str, Any], names: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f"{n}: {values.get(n)}" for n in names)


def check_pool(subject: Subject, how: str) -> None:
    """The learner's pool, replayed, gives the key's outcomes."""
    result = replay(subject, how)
    key = KEY[how]
    call = CALL[how]
    fates = result["fates"]
    wrong = [t for t in TASKS if fates.get(t) != key["fates"][t]]
    if wrong:
        lost = [t for t in wrong if fates.get(t) in ("lost", "blocked")]
        hint = (f"A task whose submit() returned a handle must end run or cancelled, never lost; a submit() must "
                f"never stay blocked once the pool is closed. {POOL_HINT}" if lost else POOL_HINT)
        fail(f"with your worker_pool.py, {call} does not give every task the fate a correct pool gives it",
             expected=f"{listed(key['fates'], wrong)}", got=f"{listed(fates, wrong)}", hint=hint)
    odd = {t: kind for t, kind in dict(result.get("refusals") or {}).items() if kind != "PoolClosed"}
    if odd:
        fail(f"with your worker_pool.py, a submit() after {call} raised the wrong exception",
             expected="PoolClosed (a RuntimeError)", got=", ".join(f"{t}: {k}" for t, k in odd.items()),
             hint="A closed pool refuses tasks with PoolClosed. " + POOL_HINT)
    waiting = list(result.get("waiting_when_the_gate_opened") or [])
    if waiting:
        fail(f"with your worker_pool.py, a submit() waiting on the full queue was not released by {call}",
             expected="t6 and t7 refused with PoolClosed at once, while t1 and t2 still run",
             got=f"submit() of {', '.join(waiting)} still waiting when t1 and t2 returned",
             hint="Shutting down must wake the submitters waiting for room (notify_all on the not-full "
                  "condition), and a waiting submitter must check the closed flag each time it wakes. " + POOL_HINT)
    if how == "immediate" and result.get("returned") != key["returned"]:
        fail("with your worker_pool.py, shutdown_now() did not return the queued tasks' handles, oldest first",
             expected=str(key["returned"]), got=str(result.get("returned")),
             hint="shutdown_now() returns the very handles submit() gave for the tasks still in the queue. "
                  + POOL_HINT)
    if result.get("threads_left") != key["threads_left"]:
        left = result.get("threads_left")
        got = f"{call} did not return within its bound" if left is None else f"{left} pool threads alive"
        if how == "graceful":
            fail("with your worker_pool.py, threads of the pool were alive when shutdown(wait=True) returned",
                 expected="0 pool threads alive when it returns", got=got, hint=JOIN_HINT + " " + POOL_HINT)
        fail("with your worker_pool.py, shutdown_now() did not return at once",
             expected="it returns while t1 and t2 still run: both workers still alive",
             got=got if left is None else f"{left} pool threads alive when it returned",
             hint="shutdown_now() empties the queue, wakes everyone and returns without waiting for the running "
                  "tasks; shutdown() called afterwards waits for the workers. " + POOL_HINT)


def check_fates_against_key(project: Path, how: str) -> None:
    stated = answers(project, how)[how]
    key = KEY[how]
    call = CALL[how]
    wrong = [t for t in TASKS if stated["fates"][t] != key["fates"][t]]
    if wrong:
        seen: list[str] = []
        for t in wrong:
            role = ROLE[t]
            why = WHY[(how, {"t2": "t1", "t4": "t3", "t5": "t3"}.get(t, t))]
            if role not in seen:
                seen.append(role)
                seen.append(why)
        fail(f"{how}.fates: under {call}, {'these tasks do' if len(wrong) > 1 else 'this task does'} not end "
             "as you state", expected=f"a different fate for {', '.join(wrong)}",
             got=listed(stated["fates"], wrong), hint=" ".join(f"{r}." if not r.endswith(".") else r for r in seen)
             + f" ({FATE_WORDS}.)")
    if how == "immediate" and stated["returned"] != key["returned"]:
        fail("immediate.returned: these are not the handles shutdown_now() returns",
             expected="the handles of exactly the tasks it cancelled, oldest first", got=str(stated["returned"]),
             hint="shutdown_now() hands back the tasks it took out of the queue, so their submitters' "
                  "owners can log, retry or report them. " + RUN)
    if stated["threads_left"] != key["threads_left"]:
        hint = ("shutdown(wait=True) joins every worker thread before it returns." if how == "graceful" else
                "shutdown_now() does not wait: it returns while the running tasks still hold their workers.")
        fail(f"{how}.threads_left: not the number of pool threads alive when {call} returns",
             expected="a different count", got=str(stated["threads_left"]), hint=hint + " " + RUN)


def check_choice(project: Path, name: str, summary: str, hint: str) -> None:
    stated = answers(project, name)[name]
    if stated != KEY_CHOICES[name]:
        fail(f"{name}: {summary}", expected="another of the choices the template lists", got=str(stated),
             hint=hint)


# -- the checks: the answers against the key -----------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/worker-pool-shutdown.yaml answers every question in the template's form"""
    answers(project)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_steps_of_a_graceful_shutdown(project: Path) -> None:
    """the steps of a graceful shutdown are in the order each one completes"""
    steps = answers(project, "steps")["steps"]
    if steps != KEY_STEPS:
        at = next(i for i, (a, b) in enumerate(zip(steps, KEY_STEPS, strict=True)) if a != b)
        right = f"the first {at} as you have them, then " if at else ""
        fail(f"steps: the order goes wrong at step {at + 1} ({steps[at]})",
             expected=f"{right}a different step {at + 1}", got=" → ".join(steps),
             hint="Ask of each step what must be true before it can complete. A woken thread that does not yet "
                  "see the closed flag goes back to sleep (a lost wake-up). A worker may leave its loop only "
                  "when the queue is empty, or accepted tasks are lost. join() returns only once its thread "
                  "has exited, and the caller of shutdown(wait=True) is released last.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_fates_under_graceful_shutdown(project: Path) -> None:
    """the stated fates and thread count under shutdown(wait=True) are those of a graceful pool"""
    check_fates_against_key(project, "graceful")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_fates_under_shutdown_now(project: Path) -> None:
    """the stated fates, returned handles and thread count under shutdown_now() are right"""
    check_fates_against_key(project, "immediate")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_drain_time(project: Path) -> None:
    """the drain times of WorkerPool(4, 16) with 4 tasks running and 10 queued are right (±0.05 s)"""
    stated = answers(project, "drain_time")["drain_time"]
    wrong = [k for k, v in KEY_DRAIN.items() if abs(float(stated[k]) - v) > TOLERANCE]
    if wrong:
        fail(f"drain_time: {', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not when that happens",
             expected=f"the exact time for these inputs, within ±{TOLERANCE:g} s",
             got=listed(stated, wrong),
             hint="Draw the 4 workers as 4 lanes on a time line. Nothing queued starts before a lane is free, "
                  "and a free lane takes the oldest queued task at once; shutdown(wait=True) returns when the "
                  "last lane is empty, shutdown_now() waits for nothing, and a worker exits when it finds the "
                  "queue empty and the pool closed. The experiment's times (measured at 1/10 scale) should "
                  "come close to yours.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_what_a_submit_gets_after_shutdown(project: Path) -> None:
    """a late submit() and a submit() waiting for room are answered as a graceful pool answers them"""
    check_choice(project, "submit_after_shutdown", "that is not what a submit() after the shutdown began gets",
                 hint="Look at t7 in the experiment's timeline. A pool that accepted work after its workers "
                      "may have left could never run it.")
    check_choice(project, "blocked_submitter", "that is not what happens to a submit() waiting for room",
                 hint="Look at t6 in the experiment's timeline: when does its submit() return, compared with "
                      "the moment t1 and t2 return?")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_what_a_shutdown_must_spare(project: Path) -> None:
    """what shutdown_now() does to running tasks, and what a graceful shutdown must never do"""
    check_choice(project, "running_tasks_on_shutdown_now", "that is not what shutdown_now() does to running tasks",
                 hint="Look at t1 and t2 under shutdown_now() in the experiment. Python offers no safe way to "
                      "stop a thread from outside; Go and Java only ask a task to stop (context, interrupt).")
    check_choice(project, "must_never", "a graceful shutdown does that, or may",
                 hint="Graceful means no acknowledged work is ever silently dropped: every task whose submit() "
                      "returned a handle either runs or is cancelled where its submitter can see it.")


# -- the checks: the learner's own pool -------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(2)
def test_your_pool_shuts_down_gracefully(subject: Subject) -> None:
    """your WorkerPool, stopped in the scenario with shutdown(wait=True), stops as its spec says"""
    check_pool(subject, "graceful")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_your_pool_shuts_down_now(subject: Subject) -> None:
    """your WorkerPool, stopped in the scenario with shutdown_now(), stops as its spec says"""
    check_pool(subject, "immediate")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_stated_outcomes_match_your_pool(subject: Subject, project: Path) -> None:
    """the fates, handles and thread counts you state are what your own pool does in the scenario"""
    stated = answers(project, "graceful", "immediate")
    differences = []
    for how in ("graceful", "immediate"):
        measured = replay(subject, how)
        fields = ["threads_left"] + (["returned"] if how == "immediate" else [])
        for t in TASKS:
            if stated[how]["fates"][t] != measured["fates"].get(t):
                differences.append(f"{how}.fates.{t}: you state {stated[how]['fates'][t]}, your pool: "
                                   f"{measured['fates'].get(t)}")
        for field in fields:
            if stated[how][field] != measured.get(field):
                differences.append(f"{how}.{field}: you state {stated[how][field]}, your pool: {measured.get(field)}")
    if differences:
        fail("the outcomes you state are not what your own pool does in the scenario",
             expected="your answers to match the replay with your worker_pool.py",
             got="; ".join(differences),
             hint=RUN + " If what your pool does looks wrong to you, fix worker_pool.py and measure again; "
                        "do not write what should happen instead of what you measured.")
