"""Resource limits applied to a subject process before it runs any learner code."""

from __future__ import annotations

import resource
from collections.abc import Callable
from dataclasses import dataclass

GiB = 1 << 30


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 2 * GiB  # address space: a runaway allocation becomes MemoryError
    cpu_seconds: int = 120  # total CPU time of the process: a last resort behind call timeouts
    file_bytes: int = 256 << 20  # largest file the subject may write
    call_timeout: float = 5.0  # default wall-clock limit of one call

    def preexec(self) -> Callable[[], None]:
        """A function for ``Popen(preexec_fn=...)`` that applies the limits in the child."""

        def apply() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
            resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds + 5))
            resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_bytes, self.file_bytes))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        return apply
