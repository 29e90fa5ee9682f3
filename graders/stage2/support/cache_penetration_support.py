"""Subject-side helpers of the stage2/cache-penetration grader.

They run inside the learner's process (this folder comes first on its sys.path), so a whole
load, or a flood of lookups, goes through the learner's UserLookup in one call; the grader
computes every verdict from the plain figures they return.

The block between the ">>> shared" and "<<< end" lines is the source of truth for the load. It
is copied verbatim into the learner's incidents/cache_penetration_load.py
(exercises/stage2/cache-penetration/stub/incidents/). If the copies ever drift, the figures the
reference states (printed by that script) stop matching what the grader re-measures here, and
the proofs fail: keep the two blocks identical. The grader also loads this file in its own
process and replays the load through a model of the shipped program, to compute the key of
the "before" figures.
"""

from __future__ import annotations

# >>> shared with support/cache_penetration_support.py: the grader replays this block, keep it unchanged
import random
from collections.abc import Callable
from typing import Any

SEED = 2207
USERS = 9_000  # rows of the users table at start-up: user:0 .. user:8999
SIGNUPS = 1_000  # users written through the service during the load: user:9000 .. user:9999
LOOKUPS = 20_000
STEP = 0.005  # seconds between two requests: the load lasts 105 s of (simulated) time
POLLED = range(USERS + 300, USERS + 325)  # signed up a third of the way in; a client polls them from the start


def user_id(n: int) -> str:
    return f"user:{n}"


def profile(n: int) -> str:
    return f"profile of user {n}"


class CountingDatabase:
    """The users table: get(key) -> value or None, keys(), put(key, value); it counts every get."""

    def __init__(self, rows: dict[str, str]) -> None:
        self.rows = dict(rows)
        self.absent_calls = 0  # get() of a key the table does not hold
        self.present_calls = 0  # get() of a key it holds

    def get(self, key: str) -> str | None:
        value = self.rows.get(key)
        if value is None:
            self.absent_calls += 1
        else:
            self.present_calls += 1
        return value

    def keys(self) -> list[str]:
        return list(self.rows)

    def put(self, key: str, value: str) -> None:
        self.rows[key] = value


class LoadClock:
    """The clock the service reads: the load moves it STEP seconds per request."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def requests(seed: int = SEED) -> list[tuple[str, ...]]:
    """The load, in order: ("get", key) lookups and ("put", key, value) signups."""
    rng = random.Random(seed)
    kinds = ["put"] * SIGNUPS + ["get"] * LOOKUPS
    rng.shuffle(kinds)
    polled = [user_id(n) for n in POLLED]
    ops: list[tuple[str, ...]] = []
    next_user = USERS
    for kind in kinds:
        if kind == "put":
            ops.append(("put", user_id(next_user), profile(next_user)))
            next_user += 1
            continue
        draw = rng.random()
        if draw < 0.30:  # a real user's profile, mostly one of the 1 000 most active
            n = rng.randrange(1_000) if rng.random() < 0.8 else rng.randrange(next_user)
            ops.append(("get", user_id(n)))
        elif draw < 0.90:  # a scraper trying random ids from a huge range: almost none exist
            ops.append(("get", user_id(rng.randrange(10**6, 10**9))))
        else:  # a client polling for users that do not exist yet
            ops.append(("get", rng.choice(polled)))
    return ops


def run_load(make_service: Callable[[CountingDatabase, LoadClock], Any], seed: int = SEED) -> dict[str, Any]:
    """Replay the load through ``make_service(db, clock)``; the figures the load script prints."""
    db = CountingDatabase({user_id(n): profile(n) for n in range(USERS)})
    clock = LoadClock()
    service = make_service(db, clock)
    lookups = absent_lookups = answered_without_db = wrong = 0
    first_wrong = None
    for op in requests(seed):
        clock.now += STEP
        if op[0] == "put":
            service.put(op[1], op[2])
            continue
        key = op[1]
        truth = db.rows.get(key)
        before = db.absent_calls + db.present_calls
        answer = service.get(key)
        lookups += 1
        absent_lookups += truth is None
        answered_without_db += db.absent_calls + db.present_calls == before
        if answer != truth:
            wrong += 1
            if first_wrong is None:
                first_wrong = f"at {clock.now:.3f} s get({key!r}) returned {answer!r}, the table holds {truth!r}"
    return {
        "lookups": lookups,
        "absent_lookups": absent_lookups,
        "signups": SIGNUPS,
        "db_calls_absent": db.absent_calls,
        "db_calls_present": db.present_calls,
        "hit_ratio": round(answered_without_db / lookups, 4),
        "wrong_answers": wrong,
        "first_wrong": first_wrong,
    }
# <<< end of the shared block


def _service_class() -> Any:
    from incidents.cache_penetration import UserLookup  # the learner's module

    return UserLookup


def replay_load() -> dict[str, Any]:
    """The load script's run, with the learner's UserLookup built as the script builds it."""
    lookup = _service_class()
    return run_load(lambda db, clock: lookup(db, clock=clock))


class Database(CountingDatabase):
    """The users table of the grader's checks: counts per key, and faults the grader switches on."""

    def __init__(self, rows: dict[str, str]) -> None:
        super().__init__(rows)
        self.calls: dict[str, int] = {}
        self.failures = 0  # how many of the next get()/put() calls raise

    def get(self, key: str) -> str | None:
        self.calls[key] = self.calls.get(key, 0) + 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the database is unavailable")
        return super().get(key)

    def put(self, key: str, value: str) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the database is unavailable")
        super().put(key, value)

    # -- the grader's controls, not part of the table's contract -----------------------------------
    def fail_next(self, count: int) -> None:
        self.failures = count

    def insert_directly(self, key: str, value: str) -> None:
        """Another writer (a data fix, a restore) adds a row without going through the service."""
        self.rows[key] = value

    def calls_for(self, keys: list[str]) -> list[int]:
        return [self.calls.get(key, 0) for key in keys]

    def total_calls(self) -> int:
        return sum(self.calls.values())


def users(count: int, start: int = 0) -> dict[str, str]:
    return {user_id(n): profile(n) for n in range(start, start + count)}


def absent_ids(count: int, seed: int) -> list[str]:
    """``count`` distinct ids no table of the grader holds (its rows are user:0 .. user:99999)."""
    rng = random.Random(seed)
    found: dict[str, None] = {}
    while len(found) < count:
        found[user_id(rng.randrange(10**6, 10**9))] = None
    return list(found)


def look_up_all(service: Any, db: Database, keys: list[str]) -> dict[str, Any]:
    """get() every key once; which keys reached the database, and what came back."""
    before = db.calls_for(keys)
    answers = [service.get(key) for key in keys]
    after = db.calls_for(keys)
    return {"reached": [k for k, b, a in zip(keys, before, after, strict=True) if a > b],
            "db_calls": sum(after) - sum(before),
            "found": [k for k, v in zip(keys, answers, strict=True) if v is not None]}


def flood(service: Any, db: Database, keys: list[str]) -> dict[str, Any]:
    """get() every key once, reading stats()["negative"] after each; the largest and the last seen."""
    largest = last = -1
    for key in keys:
        service.get(key)
        stats = service.stats()
        value = stats.get("negative") if isinstance(stats, dict) else None
        if type(value) is not int:
            return {"bad_stats": repr(stats)[:200], "after": key}
        last = value
        largest = max(largest, value)
    return {"largest": largest, "last": last, "db_calls": db.total_calls()}


def sign_up_all(service: Any, keys: list[str]) -> dict[str, Any]:
    """put() a profile for every key: users who sign up."""
    for key in keys:
        service.put(key, f"profile of {key}")
    return {"written": len(keys)}
