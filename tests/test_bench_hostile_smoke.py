"""bench/hostile.py still runs: one run of its crafted-author scenario, without the slow baseline."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import ROOT


def test_hostile_benchmark_runs_its_author_scenario() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "hostile.py"),
            "--runs",
            "1",
            "--scenarios",
            "author",
            "--no-baseline",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("machine: ")
    row = next(line for line in result.stdout.splitlines() if line.startswith("author "))
    assert '"new": 2' in row and '"error": null' in row
