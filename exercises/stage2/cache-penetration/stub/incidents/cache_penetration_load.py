"""The load of stage2/cache-penetration: the profile service under a scraper and a polling client.

Run it from your project folder:

    python incidents/cache_penetration_load.py

It replays 20 000 lookups and 1 000 sign-ups through YOUR incidents/cache_penetration.py, built
as production builds it, ``UserLookup(db, clock=clock)`` (every other parameter at its
default), in front of a users table of 9 000 rows that counts its reads. The simulated clock
moves 5 ms per request (105 s in all). Of the lookups:

- 30 % are real users' profiles, mostly the 1 000 most active users;
- 60 % come from a scraper trying random ids from a huge range: almost none exist;
- 10 % come from a client polling 25 users that sign up a third of the way in.

It prints the figures to copy into answers/cache-penetration.yaml: the database reads for
users that do not exist and for users that do, the hit ratio (the share of lookups answered
without a database read), and the wrong answers (a lookup whose answer differs from the
table's row at that moment: "not found" for a user that exists, or a stale profile).

The grader does not run this file: it replays the same load with your cache_penetration.py
from its own copy, and compares the figures you stated with what it measures. The block
between the ">>> shared" and "<<< end" lines is that copy, character for character. Do not
change it: with another load your figures will not match the grader's. Try other loads in a
copy of this script instead.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project folder: incidents/, bloom_filter.py

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


def main() -> None:
    from incidents.cache_penetration import UserLookup

    started = time.perf_counter()
    figures = run_load(lambda db, clock: UserLookup(db, clock=clock))
    elapsed = time.perf_counter() - started
    print(f"cache penetration load (seed {SEED}): {figures['lookups']} lookups and {figures['signups']} sign-ups, "
          f"{USERS} users at start-up, {LOOKUPS * STEP + SIGNUPS * STEP:g} s of simulated time")
    print(f"  lookups of users that do not exist:     {figures['absent_lookups']}")
    print(f"  db_calls_absent   (reads for users that do not exist): {figures['db_calls_absent']}")
    print(f"  db_calls_present  (reads for users that exist):        {figures['db_calls_present']}")
    print(f"  hit_ratio         (lookups answered without a read):   {figures['hit_ratio']:.4f}")
    print(f"  wrong_answers     (answer differs from the table):     {figures['wrong_answers']}")
    if figures["first_wrong"]:
        print(f"    the first: {figures['first_wrong']}")
    print(f"  ({elapsed:.2f} s of real time)")


if __name__ == "__main__":
    main()
