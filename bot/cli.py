"""The `newsbrief` command line: poll, brief, digest, sources, search, run."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, NoReturn

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from bot import __version__
from bot.brief.build import ArticleText, BriefContext, build_brief
from bot.brief.serialize import brief_to_dict
from bot.config import DIGEST_ITEMS_LIMIT, Settings, load_settings, load_sources
from bot.errors import NewsbriefError
from bot.ingest.fetch import Fetcher
from bot.ingest.opml import OpmlError, OpmlFeed, export_opml, parse_opml
from bot.ingest.sources import (
    SourceError,
    article_from_body,
    control_share,
    fetch_page,
    read_limited,
    read_local_file,
)
from bot.ingest.urls import canonicalize_url
from bot.models import SourceKind
from bot.render import render_brief_rich, render_digest_rich
from bot.service.polling import Engine, PollReport, SourceReport, fetch_settings
from bot.service.startup import open_engine
from bot.service.workers import SharedPolling
from bot.store import SNIPPET_END, SNIPPET_START, SourceRecord
from bot.store.leases import process_name
from bot.store.retries import RetrySummary

log = logging.getLogger("newsbrief")


Handler = Callable[[Settings, argparse.Namespace, Console], Coroutine[Any, Any, int]]

# Exit codes (README, "Exit codes"). A NewsbriefError exits with its own `exit_code`: 1, or 2 for
# a usage or settings mistake.
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_SOURCES_FAILED = 3  # `poll` ran, but at least one source could not be read
EXIT_INTERRUPTED = 130
# Above this share of control characters a JSON Lines item's text is binary data, not an article.
_MAX_CONTROL_SHARE = 0.05


class UsageError(NewsbriefError):
    """Bad input on the command line; the reason says what to do instead."""

    exit_code = EXIT_USAGE


# ---- poll ----------------------------------------------------------------------------------


def poll_table(report: PollReport) -> Table:
    table = Table(title="Poll", title_justify="left")
    for column in ("source", "new", "updated", "unchanged", "failed", "status"):
        table.add_column(
            column, justify="right" if column in ("new", "updated", "unchanged", "failed") else "left"
        )
    for source in report.sources:
        table.add_row(
            source.name,
            str(source.new),
            str(source.updated),
            str(source.unchanged),
            str(failed_count(source)),
            _status(source),
        )
    return table


def failed_count(source: SourceReport) -> int:
    """What failed in one source: its articles that could not be read, or 1 when the whole source failed."""
    return source.failed + (1 if source.error else 0)


def _status(source: SourceReport) -> str:
    if source.error:
        return f"failed: {source.error}"
    if source.skipped:
        return f"skipped: {source.skipped}"
    if source.failures:
        return (
            "; ".join(f"{f.where}: {f.reason}" for f in source.failures[:3])
            + (f" (+{len(source.failures) - 3} more)" if len(source.failures) > 3 else "")
            + _entry_notes(source)
        )
    status = "ok (not modified)" if source.not_modified else "ok"
    if source.timed_out:
        status += " (stopped at source_poll_timeout_seconds)"
    return status + _entry_notes(source)


def _entry_notes(source: SourceReport) -> str:
    """What became of entries that are not stored: queued for a retry, given up, or skipped."""
    notes = [
        f"{count} {what}"
        for count, what in (
            (source.queued, "waiting for a retry"),
            (source.deferred, "of them not tried yet (page budget or poll time spent)"),
            (source.given_up, "given up"),
            (source.beyond_cap, "beyond feed_max_entries, not read"),
            (
                len(source.skipped_entries),
                f"skipped ({source.skipped_entries[0].reason})" if source.skipped_entries else "",
            ),
        )
        if count
    ]
    return f"; {', '.join(notes)}" if notes else ""


async def _poll(engine: Engine, console: Console, *, force: bool) -> PollReport:
    specs = load_sources(engine.settings.sources_file)
    await engine.sync_sources(specs)
    if not console.is_terminal:
        return await engine.poll(force=force)
    with Progress(
        TextColumn("polling"), BarColumn(), MofNCompleteColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task("poll", total=len(await engine.store.list_sources()))
        return await engine.poll(force=force, on_source_done=lambda _: progress.advance(task))


async def cmd_poll(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    async with open_engine(settings) as engine:
        report = await _poll(engine, console, force=True)
    console.print(poll_table(report))
    return EXIT_SOURCES_FAILED if any(s.error for s in report.sources) else EXIT_OK


# ---- digest --------------------------------------------------------------------------------


async def cmd_digest(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    if not args.dry_run:
        raise UsageError(
            "posting a digest needs the Discord bot (`newsbrief run`); "
            "use `newsbrief digest --dry-run` to print it here"
        )
    async with open_engine(settings) as engine:
        report = await _poll(engine, console, force=True)
        digest = await engine.digest(max_items=args.max_items)
    failing = [s for s in report.sources if s.error]
    for source in failing:
        console.print(f"[yellow]source {source.name!r} failed: {source.error}[/yellow]", highlight=False)
    console.print(render_digest_rich(digest), highlight=False, soft_wrap=True)
    return 0


# ---- brief ---------------------------------------------------------------------------------


async def _read_target(target: str, settings: Settings) -> tuple[ArticleText, str | None]:
    if target == "-":
        page = article_from_body(read_limited(sys.stdin.buffer), url="stdin.txt", name="standard input")
        return ArticleText(page.text, page.title), None
    if target.lower().startswith(("http://", "https://")):
        async with Fetcher(fetch_settings(settings)) as fetcher:
            page = await fetch_page(fetcher, target)
        return ArticleText(page.text, page.title), page.canonical_url or target
    scheme, sep, _ = target.partition("://")
    if sep and scheme.isascii() and scheme.isalpha():
        raise UsageError(f"{target}: only http and https URLs can be read (or give a file path, or -)")
    return await asyncio.to_thread(_read_file, Path(target)), None


def _read_file(path: Path) -> ArticleText:
    if path.is_dir():
        raise UsageError(f"{path}: is a directory; give one article file, an http(s) URL, or -")
    if not path.exists():
        raise UsageError(f"{path}: no such file (give a path, an http(s) URL, or - for standard input)")
    if not path.is_file():
        raise UsageError(f"{path}: not a regular file; give one article file, an http(s) URL, or -")
    page = read_local_file(path.resolve())
    return ArticleText(page.text, page.title)


def jsonl_error(item_id: Any, number: int, reason: str) -> dict[str, Any]:
    """The error object for one JSON Lines item (README: "The JSON Lines interface")."""
    return {"id": item_id, "error": f"line {number}: {reason}"}


def _not_article_text(value: str, field: str) -> str | None:
    """Why an item's text or HTML cannot be briefed, or None when it can."""
    if not value.strip():
        return f"'{field}' is empty"
    if control_share(value[:8192]) > _MAX_CONTROL_SHARE:
        return f"'{field}' holds binary data, not text"
    return None


def _jsonl_brief(line: str, number: int, sentences: int) -> dict[str, Any]:
    if not line.strip():
        return jsonl_error(None, number, "blank line (expected a JSON object)")
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return jsonl_error(None, number, f"not JSON ({exc.msg})")
    if not isinstance(item, dict):
        return jsonl_error(None, number, "expected a JSON object")
    item_id = item.get("id")
    field = next((key for key in ("text", "html") if isinstance(item.get(key), str)), None)
    if field is None:
        return jsonl_error(item_id, number, "needs 'text' or 'html' (a string)")
    problem = _not_article_text(item[field], field)
    if problem:
        return jsonl_error(item_id, number, problem)
    if field == "text":
        text, title = item["text"], item.get("title")
    else:
        try:
            page = article_from_body(
                item["html"].encode(),
                url=item.get("url") or "item.html",
                content_type="text/html",
                name="'html'",
            )
        except SourceError as exc:
            return jsonl_error(item_id, number, exc.reason)
        text, title = page.text, item.get("title") or page.title
    context = BriefContext(id=None if item_id is None else str(item_id), url=item.get("url"))
    brief = build_brief(ArticleText(text, title), context, sentences=sentences)
    out = brief_to_dict(brief)
    out["id"] = item_id
    return out


def run_jsonl(stdin: IO[str], stdout: IO[str], sentences: int) -> int:
    """One JSON object per input line, in order: a brief, or for a bad line (a blank one too) an
    error object, so that output line N always answers input line N."""
    for number, line in enumerate(stdin, start=1):
        stdout.write(json.dumps(_jsonl_brief(line, number, sentences), ensure_ascii=False) + "\n")
    stdout.flush()
    return 0


async def cmd_brief(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    sentences = args.sentences or settings.summary_sentences
    if args.jsonl:
        return run_jsonl(sys.stdin, sys.stdout, sentences)
    if not args.target:
        raise UsageError("give a PATH, an http(s) URL, or - (or --jsonl to read JSON Lines)")
    article, url = await _read_target(args.target, settings)
    previous = None
    if args.previous:
        previous, _ = await _read_target(args.previous, settings)
    brief = build_brief(article, BriefContext(url=url, previous=previous), sentences=sentences)
    if args.json:
        sys.stdout.write(json.dumps(brief_to_dict(brief), ensure_ascii=False) + "\n")
    else:
        console.print(render_brief_rich(brief), highlight=False, soft_wrap=True)
    return 0


# ---- sources and search --------------------------------------------------------------------


def import_opml(settings: Settings, path: Path, console: Console) -> None:
    """Append the OPML file's feeds that the sources file does not list yet to it, as feeds."""
    try:
        wanted = parse_opml(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except OpmlError as exc:
        raise UsageError(f"{path}: {exc.reason}") from exc
    listed = {canonicalize_url(spec.location) for spec in load_sources(settings.sources_file)}
    new = [feed for feed in wanted.feeds if feed.url not in listed]
    tables = "".join(
        f"\n[[source]]\nname = {json.dumps(feed.title, ensure_ascii=False)}\n"
        f'location = {json.dumps(feed.url, ensure_ascii=False)}\nkind = "feed"\n'
        for feed in new
    )
    with settings.sources_file.open("a", encoding="utf-8") as out:
        out.write(tables)
    console.print(
        f"imported {len(new)} feed(s) into {settings.sources_file}; "
        f"{len(wanted.feeds) - len(new)} already listed, {wanted.skipped} skipped (not http(s) or repeated)"
    )


def export_opml_file(settings: Settings, path: Path, console: Console) -> None:
    feeds = [
        OpmlFeed(spec.location, spec.name)
        for spec in load_sources(settings.sources_file)
        if spec.kind is SourceKind.FEED
    ]
    try:
        path.write_bytes(export_opml(feeds, title="Newsbrief sources"))
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    console.print(f"exported {len(feeds)} feed(s) to {path}")


async def cmd_sources(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    if args.import_file is not None:
        import_opml(settings, args.import_file, console)
    if args.export_file is not None:
        export_opml_file(settings, args.export_file, console)
    async with open_engine(settings) as engine:
        await engine.sync_sources(load_sources(settings.sources_file))
        # The store's own source of articles fetched on request is no source anyone configured.
        records = [s for s in await engine.store.list_sources() if s.kind is not SourceKind.REQUESTED]
        retries = await engine.store.retry_summaries()
    console.print(sources_table(records, retries))
    return 0


def sources_table(records: Sequence[SourceRecord], retries: Mapping[int, RetrySummary]) -> Table:
    """Each source's health, and the entries of it waiting in the retry queue."""
    table = Table(title="Sources", title_justify="left")
    for column in ("id", "name", "kind", "last success", "failures", "last error", "retry queue", "state"):
        table.add_column(column)
    for s in records:
        table.add_row(
            str(s.id),
            s.name,
            s.kind.value,
            f"{s.last_success_at:%Y-%m-%d %H:%M}" if s.last_success_at else "never",
            str(s.consecutive_failures),
            s.last_error or "",
            retries[s.id].describe() if s.id in retries else "",
            f"paused: {s.pause_reason}" if s.paused else "active",
        )
    return table


async def cmd_search(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    async with open_engine(settings) as engine:
        hits = await engine.store.search(" ".join(args.query), limit=args.limit)
    if not hits:
        console.print("no stored article matches")
    for hit in hits:
        line = Text.assemble("• ", (hit.title or "(untitled)", "bold"), f" — {hit.url or ''}\n    ")
        console.print(line + highlighted(hit.snippet), highlight=False)
    return 0


def highlighted(snippet: str) -> Text:
    """A search snippet with its matched words in bold, instead of the store's markers around them."""
    text = Text()
    rest = snippet
    while (start := rest.find(SNIPPET_START)) >= 0 and (
        end := rest.find(SNIPPET_END, start + len(SNIPPET_START))
    ) >= 0:
        text.append(rest[:start])
        text.append(rest[start + len(SNIPPET_START) : end], style="bold")
        rest = rest[end + len(SNIPPET_END) :]
    return text.append(rest)


async def cmd_run(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if not token:
        console.print(
            "DISCORD_TOKEN is not set: the Discord bot cannot start. "
            "To see what it would post, run `newsbrief digest --dry-run`.",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        return EXIT_USAGE
    from bot.discord.client import run_bot  # discord.py loads only when the bot runs

    return await run_bot(settings, token)


async def cmd_worker(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    """Poll and brief, sharing the sources with every other worker on the same database."""
    async with open_engine(settings) as engine:
        await engine.sync_sources(load_sources(settings.sources_file))
        polling = SharedPolling(engine, holder=process_name("worker"))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        log.info("worker %s polling (every %s min)", polling.holder, settings.poll_interval_minutes)
        await polling.run(stop)
        log.info("worker %s stopped after polling %d sources", polling.holder, polling.reports)
    return EXIT_OK


# ---- entry point ---------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, with a mistake said in one line (the usage is one `--help` away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`, refused in one short line."""
    span = f"from {low} to {high}" if high is not None else f"at least {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ({span})") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {span}, not {value}")
        return value

    return parse


def _common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Options every command takes, before or after its name (`newsbrief poll -v`).

    On a command they default to SUPPRESS, so that one given before the command name stands."""
    default: dict[str, Any] = {} if top else {"default": argparse.SUPPRESS}
    parser.add_argument(
        "--config", type=Path, help="settings file (default: config/newsbrief.toml)", **default
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the engine does", **default)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="newsbrief", description="Newsbrief: the news, briefly.")
    parser.add_argument("--version", action="version", version=f"newsbrief {__version__}")
    _common_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        _common_options(p, top=False)
        p.set_defaults(handler=handler)
        return p

    command("poll", cmd_poll, "fetch every source once and store what is new")

    p = command("brief", cmd_brief, "print the brief of one article")
    p.add_argument("target", nargs="?", help="a file, an http(s) URL, or - for standard input")
    p.add_argument("--previous", help="an earlier version of the article, to show what changed")
    p.add_argument("--sentences", type=whole_number(1, 10), metavar="N", help="summary length (1-10)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print the brief as one JSON object")
    mode.add_argument("--jsonl", action="store_true", help="read JSON Lines articles on stdin, write briefs")

    p = command("digest", cmd_digest, "poll, then show the digest")
    p.add_argument("--dry-run", action="store_true", help="print the digest here instead of posting it")
    p.add_argument(
        "--max-items",
        type=whole_number(1, DIGEST_ITEMS_LIMIT),
        metavar="N",
        help=f"items in the digest (1-{DIGEST_ITEMS_LIMIT})",
    )

    p = command("sources", cmd_sources, "list sources with their health")
    p.add_argument("--import", dest="import_file", type=Path, metavar="FILE", help="add an OPML file's feeds")
    p.add_argument("--export", dest="export_file", type=Path, metavar="FILE", help="write the feeds as OPML")

    p = command("search", cmd_search, "full-text search over stored articles")
    p.add_argument("query", nargs="+")
    p.add_argument(
        "--limit", type=whole_number(1), default=10, metavar="N", help="most hits shown (default 10)"
    )

    p = command("run", cmd_run, "start the Discord bot (needs DISCORD_TOKEN)")
    p.add_argument(
        "--shards", metavar="IDS", help="the gateway shards to run, e.g. 0-3 or 0,2 (needs --shard-count)"
    )
    p.add_argument(
        "--shard-count", type=whole_number(1), metavar="N", help="how many shards the bot has in all"
    )
    p.add_argument("--no-poll", action="store_true", help="leave polling to `newsbrief worker` processes")
    command("worker", cmd_worker, "poll and brief, beside other workers and bots on one database")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    console = Console()
    errors = Console(stderr=True)
    try:
        settings = load_settings(args.config)
        if args.command == "run":
            settings = settings.with_command_line(
                shards=args.shards, shard_count=args.shard_count, run_polls=False if args.no_poll else None
            )
        handler: Handler = args.handler
        return asyncio.run(handler(settings, args, console))
    except NewsbriefError as exc:
        errors.print(f"newsbrief: {exc.reason}", highlight=False, markup=False, soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
