"""Helpers shared by the benchmark scripts: the machine line, percentiles, peak memory, tables.

Benchmarks are run by hand on whatever machine is at hand, so every script prints what it ran
on first and compares against a baseline run in the same process (ratios survive a noisy host).
"""

from __future__ import annotations

import math
import os
import platform
import resource
import statistics
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_PROC_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def machine_line() -> str:
    """One line saying what the figures were measured on."""
    return (
        f"machine: {cpu_model()}, {usable_cores()} cores usable ({os.cpu_count()} online), "
        f"Python {platform.python_version()} ({platform.python_implementation()}), {platform.system()}"
    )


def print_machine() -> None:
    print(machine_line())
    sys.stdout.flush()


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1); nan for no values.

    Nearest rank rather than interpolation: a p99 over 240 articles is then a time one article
    really took.
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def peak_rss_mb() -> float:
    """The process's peak resident set size (VmHWM) in MB, since start or the last reset."""
    try:
        for line in _PROC_STATUS.read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    # ru_maxrss is in kB on Linux; it cannot be reset, so it is the peak since start.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    try:
        for line in _PROC_STATUS.read_text(encoding="utf-8").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


def reset_peak_rss() -> bool:
    """Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM). False if not possible."""
    try:
        _CLEAR_REFS.write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


def cpu_seconds() -> float:
    """User + system CPU time of this process, all threads (SQLite driver threads included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table: first column left-aligned, the others right-aligned; floats to 2 places."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return "-" if math.isnan(value) else f"{value:,.2f}"
        return str(value)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        rest = zip(values[1:], widths[1:], strict=True)
        parts = [values[0].ljust(widths[0])] + [v.rjust(w) for v, w in rest]
        return "  ".join(parts).rstrip()

    out = [line(list(headers)), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    print(f"\n{title}")
    print(format_table(headers, rows))
    sys.stdout.flush()


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


TUNE_HALF = 0  # the half every constant and rule was chosen on
HELD_OUT_HALF = 1  # the half the figures that count come from


def half_of(item_id: str) -> int:
    """Which half of a dev set an item is in: a fixed hash (CRC-32) of its id, so every benchmark
    and every run splits the same way."""
    return zlib.crc32(item_id.encode("utf-8")) % 2


def half_name(half: int) -> str:
    return "tuning half" if half == TUNE_HALF else "HELD-OUT half"
