"""The benchmark scripts still run: each on a tiny slice of ../shared, in a subprocess with this Python.

They are run by hand for their figures; this only makes CI notice when one breaks. Nothing from
../shared is copied: the scripts read it in place, and the tests skip when it is absent.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

BENCH = ROOT / "bench"


def _run(script: str, *args: str, timeout: float) -> str:
    result = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_brief_speed_runs_on_a_few_articles(shared_dir: Path) -> None:
    data = shared_dir / "eval" / "summ" / "dev.jsonl"
    if not data.is_file():
        pytest.skip(f"{data} is missing")
    out = _run("brief_speed.py", str(data), "--limit", "3", timeout=120)
    assert out.startswith("machine: ")
    assert "3 articles" in out
    assert "ours: whole brief (build_brief)" in out
    assert "baseline: pysbd + sumy LexRank" in out
    for stage in ("split", "summary", "quotes", "changes"):
        assert f"\n{stage} (" in out, stage
    assert "target median <= 10 ms" in out


def test_poll_runs_on_a_few_feeds(shared_dir: Path) -> None:
    feeds = shared_dir / "eval" / "feeds"
    if not (feeds / "fastfeedparser-benchmark").is_dir():
        pytest.skip(f"{feeds / 'fastfeedparser-benchmark'} is missing")
    # Two feeds (about 25 articles) keep the run to seconds.
    out = _run("poll.py", str(feeds), "--feeds", "2", "--baseline-feeds", "2", timeout=300)
    assert out.startswith("machine: ")
    assert "serving 2 feeds" in out
    table = out.split("engine poll", 1)[1].split("baseline in the same process", 1)[0]
    rows = {line.split()[0]: line.split() for line in table.splitlines()[3:] if line.strip()}
    assert {"cold", "warm", "changed"} <= set(rows), table
    assert "FAILED" not in out, out
    # warm: both feeds answered 304 (the "304/same" column), nothing stored
    assert rows["warm"][1] == "2" and rows["warm"][9] == "2", table
    assert int(rows["cold"][5]) > 0, table  # the cold poll stored articles
    assert "feedparser.parse(url) loop" in out


def test_poll_stage_runs_on_a_few_feeds(shared_dir: Path) -> None:
    feeds = shared_dir / "eval" / "feeds"
    if not (feeds / "fastfeedparser-benchmark").is_dir():
        pytest.skip(f"{feeds / 'fastfeedparser-benchmark'} is missing")
    out = _run("poll.py", str(feeds), "--feeds", "2", "--baseline-feeds", "2", "--poll-stage", timeout=300)
    table = out.split("engine poll", 1)[1].split("baseline in the same process", 1)[0]
    rows = {line.split("  ")[0].strip(): line.split() for line in table.splitlines()[3:] if line.strip()}
    assert {"poll stage", "warm"} <= set(rows), table
    assert int(rows["poll stage"][6]) > 0, table  # entries stored raw
    assert rows["warm"][9] == "2", table  # then both feeds answered 304
    assert "search finds them: True" in out
    assert "median of 1 runs" in out and "targets (medians)" in out


def test_commands_benchmark_runs_on_a_small_store() -> None:
    # Synthetic store, real bot, fake Discord: no ../shared needed.
    out = _run("commands.py", "--articles", "500", "--runs", "10", timeout=300)
    assert out.startswith("machine: ")
    for command in ("all /search", "all /brief", "all /quote"):
        assert command in out, command


def test_headlines_runs_on_a_few_articles(shared_dir: Path) -> None:
    data = shared_dir / "eval" / "headlines" / "dev.jsonl"
    if not data.is_file():
        pytest.skip(f"{data} is missing")
    out = _run("headlines.py", str(data), "--limit", "20", timeout=120)
    assert out.startswith("machine: ")
    assert "tuning half (0)" in out and "HELD-OUT half (1)" in out
    for method in ("ours (bot.brief.headline)", "lead cut at 100 chars", "lead sentence"):
        assert out.count(method) == 2, method
    assert "target ROUGE-1 >= 30 on the held-out half" in out


def test_summaries_runs_on_a_few_articles(shared_dir: Path) -> None:
    data = shared_dir / "eval" / "summ" / "dev.jsonl"
    if not data.is_file():
        pytest.skip(f"{data} is missing")
    out = _run("summaries.py", str(data), "--limit", "6", "--rounds", "50", timeout=120)
    assert "cnndm, HELD-OUT half" in out and "95% paired bootstrap" in out


def test_responsiveness_benchmark_runs_on_a_small_poll() -> None:
    args = ("--runs", "1", "--feeds", "3", "--entries", "2", "--megabytes", "0.2")
    out = _run("responsiveness.py", *args, timeout=180)
    assert "threads (before)" in out and "process pool (now)" in out
    assert "p99 ratio, before / now:" in out and "no heartbeat missed:" in out


def test_scale_runs_with_two_worker_counts_on_a_few_feeds(shared_dir: Path) -> None:
    feeds = shared_dir / "eval" / "feeds"
    if not (feeds / "fastfeedparser-benchmark").is_dir():
        pytest.skip(f"{feeds / 'fastfeedparser-benchmark'} is missing")
    database = os.environ.get("NEWSBRIEF_TEST_DATABASE_URL")
    if not database:
        pytest.skip("bench/scale.py needs PostgreSQL: set NEWSBRIEF_TEST_DATABASE_URL")
    out = _run(
        "scale.py",
        str(feeds),
        "--database-url",
        database,
        *("--feeds", "20", "--workers", "1,2", "--runs", "1", "--cold-feeds", "1"),
        timeout=300,
    )
    table = out.split("polled once by N workers", 1)[1].split("Growth with workers", 1)[0]
    rows = {line.split()[0]: line.split() for line in table.splitlines()[3:] if line.strip()}
    assert set(rows) == {"1", "2"}, table
    assert rows["1"][2] == "1.00", table  # the 1-worker run is the baseline
    assert "Paper estimate for 1,000,000 sources" in out
    assert "polls/s" in out and "rows/s" in out and "TiB per month" in out
