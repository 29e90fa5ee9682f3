"""Hostile: every value returned is an object that claims to equal anything.

``Liar`` has ``__eq__`` always True and ``__hash__`` 0; ``LyingInt`` is an int subclass
whose ``__eq__`` lies too, and ``LyingStr`` a str subclass. A grader that compared these
with ``==`` inside the learner's process (or unpickled them) would see every check pass.
"""


class Liar:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = lambda self: 0  # noqa: E731

    def __repr__(self):
        return "1"

    def __bool__(self):
        return True


class LyingInt(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__


class LyingStr(str):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = str.__hash__


class LRUCache:
    def __init__(self, capacity):
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"capacity must be an int, got {capacity!r}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._calls = 0

    @property
    def capacity(self):
        return LyingInt(self._capacity)

    def get(self, key, default=None):
        self._calls += 1
        return (Liar(), LyingInt(0), LyingStr(""))[self._calls % 3]

    def put(self, key, value):
        return Liar()

    def __len__(self):
        return LyingInt(0)  # len() itself insists on an int; a subclass gets through

    def __contains__(self, key):
        return Liar()
