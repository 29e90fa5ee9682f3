"""The profile service's user lookup: a read-through cache in front of the users table.

Every request for a user's profile calls ``UserLookup.get(user_id)``; sign-ups and profile
edits call ``put``. The table behind it (``db``) offers:

    db.get(key) -> str | None     the row's value, or None when there is no such user
    db.keys() -> list[str]        every key of the table (a full scan: fine once, at start-up)
    db.put(key, value) -> None    insert or update a row

Profiles found in the table are kept for ``ttl`` seconds, so a popular profile costs one
database read per ``ttl`` instead of one per request.

This is the version running in production. Run the load from your project folder to see how
it behaves (the exercise's README tells the incident):

    python incidents/cache_penetration_load.py
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any


class UserLookup:
    """Profiles by user id, cached for ``ttl`` seconds in front of ``db``. Not thread-safe."""

    def __init__(self, db: Any, *, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
            raise TypeError(f"ttl must be a number of seconds, got {type(ttl).__name__}: {ttl!r}")
        if not 0 < ttl < math.inf:
            raise ValueError(f"ttl must be a finite number of seconds > 0, got {ttl!r}")
        self._db = db
        self._ttl = float(ttl)
        self._clock = clock
        self._entries: dict[str, tuple[str, float]] = {}  # key -> (value, expires at)

    def get(self, key: str) -> str | None:
        """The user's profile, or None when there is no such user."""
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None:
            if now < entry[1]:
                return entry[0]
            del self._entries[key]
        value = self._db.get(key)
        if value is None:
            return None
        self._entries[key] = (value, now + self._ttl)
        return value

    def put(self, key: str, value: str) -> None:
        """Write the profile to the table, then to the cache, so the next get() sees it."""
        self._db.put(key, value)
        self._entries[key] = (value, self._clock() + self._ttl)

    def stats(self) -> dict[str, int]:
        """What the service holds, for its metrics endpoint."""
        return {"cached": len(self._entries)}
