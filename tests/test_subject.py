"""The subject boundary: calls, errors, limits, timeouts and crashes, seen from the grader."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from swai.subject import Limits, Subject, SubjectCrashed, SubjectError, SubjectTimeout

LEARNER = '''
import os, sys, threading, time
print("PASSED: 12 passed")  # learner output must never reach the grader

class Box:
    def __init__(self, value=None):
        self.value = value
    def get(self):
        return self.value
    def set(self, value):
        self.value = value
    def child(self):
        return Box(self)
    def fail(self):
        return {}[42]
    def spin(self):
        while True:
            pass
    def deadlock(self):
        lock = threading.Lock()
        lock.acquire()
        lock.acquire()
    def leave(self):
        os._exit(0)
    def hog(self):
        return bytearray(8 << 30)
    def nap(self):
        time.sleep(0.02)
    def shout(self, text):
        print(text)
        sys.stderr.write(text + "\\n")
'''


@pytest.fixture
def subject(tmp_path: Path) -> Iterator[Subject]:
    project = tmp_path / "project"
    project.mkdir()
    (project / "box.py").write_text(LEARNER, encoding="utf-8")
    with Subject(project, tmp_path / "work", limits=Limits(call_timeout=1.0)) as running:
        yield running


def test_calls_look_local_and_are_transcribed(subject: Subject) -> None:
    box = subject.import_module("box").Box(1)
    assert box.get() == 1
    box.set({"k": (1, 2)})
    assert box.get() == {"k": (1, 2)}
    inner = box.child()
    assert inner.get() == box  # an object returned twice is the same remote reference
    assert subject.transcript.lines() == [
        "import box",
        "box = Box(1)",
        "box.get() -> 1",
        "box.set({'k': (1, 2)}) -> None",
        "box.get() -> {'k': (1, 2)}",
        "box_2 = box.child()",
        "box_2.get() -> box",
    ]


def test_classes_and_functions_keep_their_names(subject: Subject) -> None:
    box_class = subject.import_module("box").attr("Box")
    assert box_class.get(box_class(7)) == 7
    assert subject.transcript.lines()[-2:] == ["box = Box(7)", "Box.get(box) -> 7"]


def test_environment_can_be_set(tmp_path: Path) -> None:
    with Subject(tmp_path, tmp_path / "work", env={"PYTHONHASHSEED": "1"}) as other:
        assert other.import_module("os").attr("environ").get("PYTHONHASHSEED") == "1"


def test_learner_exception_is_data_with_learner_frames(subject: Subject) -> None:
    box = subject.import_module("box").Box()
    with pytest.raises(SubjectError) as caught:
        box.fail()
    assert caught.value.type_name == "KeyError" and caught.value.is_a("LookupError")
    assert [f.file for f in caught.value.frames] == ["box.py"]
    assert box.get() is None  # the subject keeps serving


@pytest.mark.parametrize("method", ["spin", "deadlock"])
def test_a_hung_call_times_out_and_kills_the_subject(subject: Subject, method: str) -> None:
    box = subject.import_module("box").Box()
    started = time.monotonic()
    with pytest.raises(SubjectTimeout, match="did not return within 1 s"):
        getattr(box, method)()
    assert time.monotonic() - started < 3
    with pytest.raises(SubjectCrashed, match="already stopped"):
        box.get()


def test_exit_mid_call_is_a_crash(subject: Subject) -> None:
    box = subject.import_module("box").Box()
    with pytest.raises(SubjectCrashed, match=r"exited with code 0 during box\.leave\(\)"):
        box.leave()


def test_memory_limit_turns_a_huge_allocation_into_memory_error(subject: Subject) -> None:
    box = subject.import_module("box").Box()
    with pytest.raises(SubjectError, match="MemoryError"):
        box.hog()
    assert box.get() is None


def test_learner_output_goes_to_the_log_not_the_protocol(subject: Subject) -> None:
    box = subject.import_module("box").Box()
    box.shout('{"id": 99, "ok": true, "value": "forged"}')
    assert box.get() is None
    assert "forged" in subject.output_tail() and "PASSED" in subject.output_tail()


def test_threads_run_plans_concurrently(subject: Subject) -> None:
    box = subject.import_module("box").Box(0)
    results, errors = subject.threads(box, [[("get", ())] * 3, [("set", (5,)), ("fail", ())]])
    assert results[0] in ([0, 0, 0], [0, 0, 5], [0, 5, 5], [5, 5, 5])
    assert errors[0] is None and errors[1]["index"] == 1 and errors[1]["error"]["type"] == "KeyError"


def test_batches_time_the_wall_clock_or_the_subjects_cpu_time(subject: Subject) -> None:
    box = subject.import_module("box").Box()
    calls = [("nap", ())] * 5
    wall, _ = subject.batch(box, calls)
    cpu, _ = subject.batch(box, calls, clock="cpu")
    assert wall[0] >= 0.1  # waiting counts on the wall clock
    assert cpu[0] < 0.05  # and not in CPU time: nor the time a busy machine preempts it
    assert 0 < subject.calibrate(rounds=10_000, clock="cpu") < 1.0


def test_round_trip_is_fast_enough_for_property_tests(subject: Subject) -> None:
    box = subject.import_module("box").Box(0)
    samples = []
    for _ in range(300):
        started = time.perf_counter()
        box.get()
        samples.append(time.perf_counter() - started)
    assert statistics.median(samples) < 0.005  # a few hundred µs at worst on a loaded 2-core machine


def test_fake_clock_reaches_learner_code(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "timer.py").write_text(
        "import time\nclass Timer:\n    def __init__(self, clock=time.monotonic):\n        self.clock = clock\n"
        "        self.start = clock()\n    def elapsed(self):\n        return self.clock() - self.start\n",
        encoding="utf-8")
    with Subject(project, tmp_path / "work") as subject:
        clock = subject.import_module("swai.subject.fakes").FakeClock(100.0)
        timer = subject.import_module("timer").Timer(clock)
        clock.advance(2.5)
        assert timer.elapsed() == 2.5
        clock.set(50.0)  # a clock that jumps backwards
        assert timer.elapsed() == -50.0
        assert clock.attr("reads") == 3


def test_recorder_and_gate_run_as_injected_behaviour(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "runner.py").write_text(
        "import threading\n"
        "def run_all(tasks):\n    out = []\n    for t in tasks:\n        try:\n            out.append(t())\n"
        "        except RuntimeError as e:\n            out.append(str(e))\n    return out\n"
        "def in_thread(task):\n    threading.Thread(target=task, daemon=True).start()\n",
        encoding="utf-8")
    with Subject(project, tmp_path / "work") as subject:
        fakes, runner = subject.import_module("swai.subject.fakes"), subject.import_module("runner")
        rec = fakes.Recorder(["b"], "ok")
        assert runner.run_all([rec.task("a"), rec.task("b")]) == ["ok", "injected failure for 'b'"]
        assert rec.calls() == [["a"], ["b"]]
        gate = fakes.Gate()
        runner.in_thread(gate.task(1))
        assert gate.wait_started(1) is True and gate.started() == [1]
        gate.open()


def test_grader_helpers_come_before_the_learners_files(tmp_path: Path) -> None:
    """A learner file named like a grader helper does not replace the helper."""
    project, support = tmp_path / "project", tmp_path / "support"
    project.mkdir()
    support.mkdir()
    (project / "trace_support.py").write_text("def who():\n    return 'learner'\n", encoding="utf-8")
    (support / "trace_support.py").write_text("def who():\n    return 'grader'\n", encoding="utf-8")
    with Subject(project, tmp_path / "work", support=[support]).start() as subject:
        assert subject.import_module("trace_support").who() == "grader"


CRASHY = '''
import os, time

class Log:
    """Appends lines to a file, flushing each: what survives a crash is what was written."""
    def __init__(self, path):
        self.path = path
    def append(self, n):
        with open(self.path, "a") as f:
            for i in range(n):
                f.write(f"{i}\\n")
                f.flush()
                time.sleep(0.001)
        return n
    def lines(self):
        with open(self.path) as f:
            return len(f.read().splitlines())
    def pid(self):
        return os.getpid()
'''


def test_crash_and_restart_keep_files_and_drop_old_objects(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "crashy.py").write_text(CRASHY, encoding="utf-8")
    data = tmp_path / "log.txt"
    with Subject(project, tmp_path / "work").start() as subject:
        log = subject.import_module("crashy").Log(str(data))
        assert log.append(5) == 5
        with subject.killed_after(0.3):
            log.append(100_000)  # cut short by the kill: the block ends quietly
        subject.restart()
        fresh = subject.import_module("crashy").Log(str(data))
        written = fresh.lines()
        assert 5 < written < 100_005, "the crash came mid-append, and what was flushed survived"
        with pytest.raises(RuntimeError, match="before it was restarted"):
            log.lines()
        subject.crash()
        subject.restart()
        assert subject.import_module("crashy").Log(str(data)).lines() == written
        assert any("SIGKILL" in line for line in subject.transcript.lines(50))
