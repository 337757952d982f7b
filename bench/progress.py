"""Progress reporting that suits where the output goes.

``progress(iterable, total, desc)`` wraps an iterable:

- on a terminal (``sys.stderr.isatty()``): a tqdm bar, as before;
- otherwise (CI logs, files, pipes): one start line, then a count line each time another 10 % is
  done or 30 s have passed since the last line, and one closing line with the elapsed time, e.g.
  ``score [rank 0/1]: 120/1200 videos (10%), 14s``;
- ``BENCH_PROGRESS=0``: nothing at all; ``BENCH_PROGRESS=bar`` or ``=lines`` forces a style.

Lines go to ``sys.stderr`` (looked up at each write, so redirection and pytest's capture see
them).  tqdm has no "periodic plain lines" mode for non-terminals, hence this small wrapper.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Iterable, Iterator

#: a count line at least every this many seconds, and at each further tenth of the total
INTERVAL_S = 30.0
STEP = 0.10


def mode() -> str:
    """``"off"``, ``"bar"`` or ``"lines"`` from ``$BENCH_PROGRESS`` and whether stderr is a terminal."""
    v = os.environ.get("BENCH_PROGRESS", "").strip().lower()
    if v in ("0", "off", "no", "false"):
        return "off"
    if v in ("bar", "lines"):
        return v
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):
        tty = False
    return "bar" if tty else "lines"


def _lines(iterable: Iterable[Any], total: int, desc: str, unit: str,
           interval: float, clock: Any) -> Iterator[Any]:
    t0 = last_t = clock()
    print(f"{desc}: starting, {total} {unit}s", file=sys.stderr, flush=True)
    next_frac = STEP
    n = 0
    for x in iterable:
        yield x
        n += 1
        now = clock()
        frac = n / total if total else 1.0
        if n < total and (frac >= next_frac - 1e-12 or now - last_t >= interval):
            print(f"{desc}: {n}/{total} {unit}s ({100 * frac:.0f}%), {now - t0:.0f}s", file=sys.stderr, flush=True)
            last_t = now
            while next_frac <= frac + 1e-12:
                next_frac += STEP
    print(f"{desc}: done, {n} {unit}s in {clock() - t0:.0f}s", file=sys.stderr, flush=True)


def progress(iterable: Iterable[Any], total: int, desc: str, unit: str = "video", *,
             interval: float = INTERVAL_S, clock: Any = time.monotonic) -> Iterable[Any]:
    """``iterable`` with progress on stderr (see the module docstring)."""
    m = mode()
    if m == "off":
        return iterable
    if m == "bar":
        from tqdm import tqdm

        return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True)
    return _lines(iterable, total, desc, unit, interval, clock)
