"""The worker pool (bot.workers) and the engine's jobs in it (bot.service.work): results, errors in
one line, a job over its budget stopped and its worker replaced, cancelled jobs, retired workers."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.brief.build import ArticleText, BriefContext, build_brief
from bot.brief.stories import story_features
from bot.config import load_settings
from bot.ingest.sources import SourceError
from bot.models import SourceKind, SourceSpec
from bot.service.polling import Engine
from bot.service.work import PRELOAD, CpuWork
from bot.workers import WORKER_NICENESS, JobTimeout, WorkerError, WorkerPool
from tests.clock import Clock
from tests.feedkit import ARTICLE, as_html, rss
from tests.httpserver import LocalServer, respond
from tests.jobkit import breaks, hangs, never_returns, niceness, refuses, worker_pid
from tests.paths import ROOT


@pytest.fixture
async def pool() -> AsyncIterator[WorkerPool]:
    # The engine's preload: the fork server is one per process, and the first pool sets what it imports.
    workers = WorkerPool(processes=1, preload=PRELOAD)
    yield workers
    workers.close()


async def test_a_job_runs_in_another_process(pool: WorkerPool) -> None:
    pid = await pool.run(worker_pid, budget_s=30, what="asking")
    assert pid != os.getpid()
    assert await pool.run(worker_pid, budget_s=30, what="asking") == pid  # the worker is kept


async def test_workers_yield_the_cpu_to_the_bot(pool: WorkerPool) -> None:
    assert await pool.run(niceness, budget_s=30, what="asking") == min(19, os.nice(0) + WORKER_NICENESS)


async def test_a_newsbrief_error_comes_back_as_raised(pool: WorkerPool) -> None:
    with pytest.raises(SourceError) as raised:
        await pool.run(refuses, "no article text found", budget_s=30, what="reading")
    assert raised.value.reason == "no article text found"
    assert raised.value.retryable is False


async def test_any_other_error_is_one_line_and_its_trace_is_logged(
    pool: WorkerPool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.workers"), pytest.raises(WorkerError) as raised:
        await pool.run(breaks, budget_s=30, what="briefing the article")
    assert raised.value.reason == "briefing the article failed: an internal error (see the bot's log)"
    assert "ValueError: a bug" in caplog.text
    assert await pool.run(worker_pid, budget_s=30, what="asking")  # the worker goes on


async def test_a_job_over_its_budget_is_stopped_and_its_worker_replaced(pool: WorkerPool) -> None:
    first = await pool.run(worker_pid, budget_s=30, what="asking")
    with pytest.raises(JobTimeout) as raised:
        await pool.run(never_returns, budget_s=0.2, what="extracting the page's text")
    assert raised.value.reason == "extracting the page's text took longer than 0.2 s: stopped"
    assert pool.worker_pids == []
    assert await pool.run(worker_pid, budget_s=30, what="asking") != first


async def test_a_cancelled_job_stops_its_worker(pool: WorkerPool) -> None:
    first = await pool.run(worker_pid, budget_s=30, what="asking")
    job = asyncio.create_task(pool.run(never_returns, budget_s=60, what="waiting"))
    await asyncio.sleep(0)  # let it start
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert await pool.run(worker_pid, budget_s=30, what="asking") != first


async def test_a_worker_that_read_a_big_input_is_retired(pool: WorkerPool) -> None:
    first = await pool.run(worker_pid, budget_s=30, what="asking", retire=True)
    assert await pool.run(worker_pid, budget_s=30, what="asking") != first


async def test_the_engine_jobs_give_what_the_functions_give_in_process(tmp_path: Path) -> None:
    settings = load_settings(ROOT / "config" / "newsbrief.toml", data_dir=tmp_path, worker_processes=1)
    work = CpuWork(settings)
    try:
        article = ArticleText(ARTICLE, "Pool to close")
        context = BriefContext(url="https://elmsworth.example/pool", source="Echo")
        brief = await work.brief(article, context)
        assert brief == build_brief(article, context, sentences=settings.summary_sentences)
        assert await work.story_features(article) == story_features(article.title, article.text)
        many = await work.many_story_features([(article.title, article.text)] * 600)  # 3 batches
        assert many == [story_features(article.title, article.text)] * 600
        page = await work.extract(as_html(ARTICLE, "Pool to close").encode(), "https://e.example/p", None)
        assert page.title == "Pool to close" and "Elmsworth" in page.text
        with pytest.raises(SourceError) as raised:
            await work.extract(b"\x89PNG\r\n\x1a\n....", "https://e.example/p.png", None)
        assert "is an image" in raised.value.reason
    finally:
        work.close()


async def test_an_article_whose_brief_overruns_fails_in_one_line_and_is_briefed_later(
    tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(
        ROOT / "config" / "newsbrief.toml",
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'test.db'}",
        allowed_addresses=["127.0.0.1"],
        work_timeout_seconds=2,
    )
    html = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n"))
    server.add(
        "/feed.xml",
        respond(
            rss([("g1", "https://elmsworth.example/pool", "Pool", html)]), content_type="application/rss+xml"
        ),
    )
    async with Engine.open(settings, clock=Clock()) as engine:
        source = await engine.store.upsert_source(
            SourceSpec(name="Echo", location=server.url("/feed.xml"), kind=SourceKind.FEED)
        )
        monkeypatch.setattr("bot.service.work._brief_job", hangs)  # the worker runs tests.jobkit.hangs
        with caplog.at_level(logging.INFO, logger="bot.service.briefing"):
            report = await engine.poll_source(source, force=True)
        # Stored by the poll stage (searchable), its brief left queued for the work stage.
        assert report.error is None and (report.new, report.failed, report.briefs) == (1, 0, [])
        assert "briefing the article took longer than 2 s: stopped" in caplog.text
        assert await engine.store.pending_brief_count() == 1
        found = await engine.store.find_article(
            source_id=source.id,
            canonical_url="https://elmsworth.example/pool",
            guid="g1",
            text_hash=None,
            fetched=None,
        )
        assert found is not None and await engine.store.latest_brief(found.id) is None
        monkeypatch.undo()
        reread = await engine.store.get_source(source.id)
        assert reread is not None
        again = await engine.poll_source(reread, force=True)  # a new worker; the queued brief is made
        assert again.error is None and again.new == 0 and again.failed == 0
        assert await engine.store.pending_brief_count() == 0
        assert await engine.store.latest_brief(found.id) is not None
