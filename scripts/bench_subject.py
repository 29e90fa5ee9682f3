"""Median round trip of one call through the subject boundary, beside a bare JSON-lines pipe echo.

Usage: .venv/bin/python scripts/bench_subject.py [CALLS]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from swai.subject import Subject

ECHO = "import sys\nfor line in sys.stdin:\n    sys.stdout.write(line)\n    sys.stdout.flush()\n"
LEARNER = "class Box:\n    def get(self, key):\n        return key\n"


def bare_pipe(calls: int) -> list[float]:
    proc = subprocess.Popen([sys.executable, "-c", ECHO], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    samples = []
    for i in range(calls):
        line = json.dumps({"id": i, "op": "call", "method": "get", "args": [i]}).encode() + b"\n"
        started = time.perf_counter()
        proc.stdin.write(line)
        proc.stdin.flush()
        json.loads(proc.stdout.readline())
        samples.append(time.perf_counter() - started)
    proc.stdin.close()
    proc.wait()
    return samples


def through_subject(calls: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        (project / "box.py").write_text(LEARNER, encoding="utf-8")
        with Subject(project, Path(tmp) / "work") as subject:
            box = subject.import_module("box").Box()
            samples = []
            for i in range(calls):
                started = time.perf_counter()
                box.get(i)
                samples.append(time.perf_counter() - started)
            return samples


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    bare = statistics.median(bare_pipe(calls)) * 1e6
    subject = statistics.median(through_subject(calls)) * 1e6
    print(f"calls: {calls}")
    print(f"bare JSON-lines pipe echo: median {bare:.1f} µs")
    print(f"subject call (cache.get):  median {subject:.1f} µs ({subject / bare:.2f}x the bare pipe)")


if __name__ == "__main__":
    main()
