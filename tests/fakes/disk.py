"""A disk that fills up: files of this process cannot grow past a size (RLIMIT_FSIZE).

A write that crosses the limit is cut short and the next fails with EFBIG, as on a full disk;
it applies to root too, unlike permissions. SIGXFSZ is ignored meanwhile so the process lives.
"""

from __future__ import annotations

import contextlib
import resource
import signal


@contextlib.contextmanager
def files_cannot_grow_past(size: int):
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
