"""Seeded interleaving of the threads of one ``threads`` request.

Free-running threads switch when the interpreter's switch interval lets them, and on a busy
machine that can be seldom enough for a missing lock to go unseen. Under ``Turns`` one planned
thread runs at a time; at each bytecode of the solution's own code the running thread hands its
turn to another with a seeded chance, higher for code that has run only a few times (where the
one-off state changes are), so the interleavings a seed reaches are reached on every run, however
loaded the machine.

A thread given the turn that runs no bytecode of the solution and sleeps in the kernel is taken
to be blocked (on a lock a paused thread holds) and the turn moves on; when it runs again it has got
what it waited for, and it takes the turn back. That only happens with locks, whose owner decides
the order anyway, so a solution without locks is scheduled the same way every time.
"""

from __future__ import annotations

import os
import random
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from swai.subject.threadstate import asleep

Tracer = Callable[[FrameType, str, Any], Any]


class Turns:
    """The turn-taking of ``count`` threads over the code under ``root``."""

    def __init__(self, count: int, *, seed: int, chance: float, root: str, patience: float = 0.0001) -> None:
        self._lock = threading.Lock()
        # One condition per thread, so a hand-over wakes only the thread that gets the turn.
        self._wakes = [threading.Condition(self._lock) for _ in range(count)]
        self._watch_wake = threading.Condition(self._lock)
        self._pick = random.Random(seed)  # whom the turn goes to; used under the lock
        self._seed = seed
        self._chance = chance
        self._root = os.path.abspath(root) + os.sep
        self._patience = patience
        self._count = count
        self._ready = 0
        self._turn = -1  # nobody runs until every thread has arrived
        self._moves = 0  # counts hand-overs, so a waiter can tell the turn has not moved
        self._steps = 0  # counts bytecodes run, so a waiter can tell the turn's holder is still going
        self._live = set(range(count))
        self._stalled: set[int] = set()
        self._seen: dict[tuple[Any, int], int] = {}  # runs of each bytecode, by all threads
        self._tids: dict[int, int] = {}  # thread index -> the kernel's thread id
        self._yielder = -1  # the thread that last handed its turn on of its own accord

    def run(self, index: int, body: Callable[[], None]) -> None:
        """Run ``body`` as thread ``index``, taking turns at the solution's bytecodes."""
        coin = random.Random(self._seed * 1_000_003 + index)  # this thread's own decisions
        chance, root, seen = self._chance, self._root, self._seen

        def step(frame: FrameType, event: str, arg: Any) -> Tracer:
            if event == "opcode":
                self._steps += 1
                # A bytecode's n-th run hands over with chance + 1/(2n²): the code a state change
                # runs once (the window of most races) is interleaved as often as the busy loops.
                where = (frame.f_code, frame.f_lasti)
                runs = seen[where] = seen.get(where, 0) + 1
                if self._turn != index or coin.random() < chance + 0.5 / (runs * runs):
                    self._hand_over(index)
            return step

        def call(frame: FrameType, event: str, arg: Any) -> Tracer | None:
            if not frame.f_code.co_filename.startswith(root):
                return None
            frame.f_trace_opcodes = True  # switch inside a line too: `x -= n` is a read and a write
            return step

        with self._lock:
            self._tids[index] = threading.get_native_id()
            self._ready += 1
            if self._ready == self._count:
                threading.Thread(target=self._watch, name="swai-turns-watch", daemon=True).start()
                self._give(0)
            self._wait(index)
        sys.settrace(call)
        try:
            body()
        finally:
            sys.settrace(None)
            with self._lock:
                self._live.discard(index)
                self._stalled.discard(index)
                if self._turn == index and self._live:
                    self._give(self._choose(self._live))

    def _watch(self) -> None:
        """Move the turn on when its holder is blocked: it has run nothing for ``patience`` and the
        kernel has it asleep, twice in a row (once could be a wait for the interpreter lock). A
        holder the OS merely preempted is runnable, so a busy machine does not change the schedule."""
        with self._lock:
            idle = 0
            while self._live:
                progress = (self._moves, self._steps)
                self._watch_wake.wait(self._patience)
                if not self._live:
                    break
                if (self._moves, self._steps) != progress or not asleep(self._tids.get(self._turn)):
                    idle = 0
                    continue
                idle += 1
                if idle == 2:
                    idle = 0
                    self._stalled.add(self._turn)
                    runnable = self._live - self._stalled
                    # The thread that last handed its turn on is runnable, and most likely the one
                    # holding the lock: back to it, rather than to more threads that would block too.
                    self._give(self._yielder if self._yielder in runnable else self._choose(runnable or self._live))

    # -- under the lock ----------------------------------------------------------------
    def _hand_over(self, index: int) -> None:
        with self._lock:
            if index in self._stalled:
                # Back from a block (it has the lock now): it goes on; the holder waits at its next step.
                self._stalled.discard(index)
                self._give(index)
                return
            if self._turn == index:
                others = self._live - self._stalled - {index}
                if not others:
                    return
                self._yielder = index
                self._give(self._choose(others))
            self._wait(index)

    def _wait(self, index: int) -> None:
        self._stalled.discard(index)
        while self._turn != index:
            self._wakes[index].wait()

    def _choose(self, candidates: set[int]) -> int:
        return self._pick.choice(sorted(candidates))

    def _give(self, index: int) -> None:
        self._turn = index
        self._moves += 1
        self._wakes[index].notify()
