"""The `newsbrief` command line, run in-process on the shipped config and the seeds."""

from __future__ import annotations

import gzip
import http.server
import io
import json
import random
import re
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.text import Span

from bot.cli import build_parser, highlighted, main, run_jsonl
from bot.store import SNIPPET_END, SNIPPET_START
from tests.paths import ROOT

SEED_ARTICLE = ROOT / "seeds" / "000_73dc0a62098f353a.txt"


@pytest.fixture(autouse=True)
def isolated_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("NEWSBRIEF_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NEWSBRIEF_DATABASE_URL", raising=False)
    monkeypatch.delenv("NEWSBRIEF_CONFIG", raising=False)
    monkeypatch.chdir(ROOT)
    return tmp_path


def test_digest_dry_run_prints_the_seed_digest(
    capsys: pytest.CaptureFixture[str], isolated_data: Path
) -> None:
    assert main(["digest", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Newsbrief digest" in out
    assert "Harlow Bay night ferry crossings to stop in January as captains leave" in out  # the feed's title
    assert "Main library to open on Sundays" in out
    assert "“We cannot run a ferry without people qualified to steer it” — Marta Okafor" in out
    assert "first report" in out
    # Each of the four briefs is printed in full: a three-sentence summary and the key quotes.
    assert (
        out.count("    Summary\n") == 4
        and "“Cutting the late sailings is the least bad option we have.”" in out
    )
    # The follow-up from another outlet is grouped with the first ferry report and says what it adds.
    assert out.index("Island workers ask for water taxi") < out.index("Main library")
    assert "new: A petition signed by 640 islanders" in out
    assert (isolated_data / "newsbrief.db").exists()


def test_poll_prints_a_table_per_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["poll"]) == 0
    first = capsys.readouterr().out
    assert "Newsbrief seeds" in first and "│   4 │" in first
    assert main(["poll"]) == 0
    again = capsys.readouterr().out
    assert "│   0 │       0 │         4 │      0 │ ok" in again


def test_brief_of_a_file_as_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "seeds" / "003_library_hours.txt")
    assert main(["brief", path]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Harlow Bay's main library to open on Sundays\n")
    assert "Tomas Whitfield" in text and "first report" in text
    assert main(["brief", path, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"id", "headline", "summary", "quotes", "changes", "url", "source"}
    assert len(data["summary"]) == 3
    assert data["changes"]["basis"] == "first_report"
    assert data["quotes"][0]["speaker"] == "Tomas Whitfield"


def test_brief_with_a_previous_version_shows_the_changes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old = (ROOT / "seeds" / "003_library_hours.txt").read_text()
    new = old.replace("$180,000", "$195,000")
    (tmp_path / "old.txt").write_text(old)
    (tmp_path / "new.txt").write_text(new)
    assert main(["brief", str(tmp_path / "new.txt"), "--previous", str(tmp_path / "old.txt"), "--json"]) == 0
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert changes["basis"] == "previous_version"
    assert changes["items"] == [{"kind": "number_changed", "before": "$180,000", "after": "$195,000"}]


def test_jsonl_is_in_order_and_survives_bad_lines() -> None:
    lines = [
        json.dumps(
            {
                "id": "a",
                "text": 'The mayor resigned on Friday. "It was time," she said. The council meets Monday.',
            }
        ),
        "not json",
        json.dumps(
            {
                "id": 7,
                "html": "<html><body><article><p>Rain is expected across the region on Sunday, forecasters said in a statement on Saturday morning.</p></article></body></html>",
            }
        ),
        json.dumps({"id": "c"}),
    ]
    out = io.StringIO()
    assert run_jsonl(io.StringIO("\n".join(lines) + "\n"), out, 3) == 0
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in results] == ["a", None, 7, "c"]
    assert results[0]["headline"] == "Mayor resigned on Friday"
    assert [q["text"].rstrip(",") for q in results[0]["quotes"]] == ["It was time"]
    assert "not JSON" in results[1]["error"]
    assert "Rain is expected" in results[2]["summary"][0]
    assert "needs 'text' or 'html'" in results[3]["error"]


def test_bad_input_gets_a_clear_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["brief", "no/such/file.txt"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["brief", "http://10.0.0.1/article"]) == 1
    assert "private" in capsys.readouterr().err
    assert main(["digest"]) == 2
    assert "--dry-run" in capsys.readouterr().err
    monkeypatch.setenv("NEWSBRIEF_DIGEST_MAX_ITEMS", "0")
    assert main(["poll"]) == 2
    assert "NEWSBRIEF_DIGEST_MAX_ITEMS" in capsys.readouterr().err


def test_a_huge_article_is_refused_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"All work and no play. " * 300_000)  # 6.6 MB
    assert main(["brief", str(huge)]) == 1
    assert "too large" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(huge.read_bytes())))
    assert main(["brief", "-"]) == 1
    assert "too large" in capsys.readouterr().err


def test_run_without_a_token_says_so_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["run"]) == 2
    out = capsys.readouterr().out.strip()
    assert "DISCORD_TOKEN" in out and "newsbrief digest --dry-run" in out and "\n" not in out


@pytest.mark.skipif(not SEED_ARTICLE.exists(), reason=f"{SEED_ARTICLE.name} is not in seeds/")
def test_the_seed_article_brief(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["brief", str(SEED_ARTICLE), "--json"]) == 0
    brief = json.loads(capsys.readouterr().out)
    headline = brief["headline"]
    assert "Hegseth" in headline and "NATO" in headline and "Ukraine" in headline, headline
    assert not headline.startswith("Well") and not headline.endswith("…"), headline
    assert len(brief["summary"]) == 3
    assert not brief["summary"][0].startswith("Well, that’s one way"), brief["summary"]
    quotes = {q["text"].rstrip(".,"): q["speaker"] for q in brief["quotes"]}
    quotes_said = (
        "We need a ceasefire",
        "If there are security guarantees, they will not involve U.S. boots on the ground",
        "We need to prepare for great-power competition",
    )
    for said in quotes_said:
        assert quotes.get(said) == "Pete Hegseth", (said, quotes)
    assert brief["changes"]["basis"] == "first_report"
    assert main(["brief", str(SEED_ARTICLE)]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"{headline}\n") and "first report" in text
    # The README's first command prints it too, in full.
    assert main(["digest", "--dry-run"]) == 0
    out = capsys.readouterr().out
    for said in quotes_said:
        assert f"“{said}" in out and "— Pete Hegseth" in out, said
    # The digest shows the same headline as the brief of the file, and opens on it.
    assert f"■ {headline}\n" in out
    assert out.index("■ ") == out.index(f"■ {headline}\n")


# ---- every mistake gets one line and a non-zero exit -----------------------------------------


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The one line a failed command wrote to stderr (and it must be one: no traceback, no usage)."""
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("newsbrief"), lines
    return lines[0]


def _postgresql_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return False
    return True


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens there once the probe is closed


@pytest.mark.skipif(not _postgresql_reachable(), reason="no PostgreSQL at 127.0.0.1:5432")
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql+asyncpg://no_such_role_here@127.0.0.1:5432/postgres",
            'role "no_such_role_here" does not exist; create the role, or fix the user name in '
            "NEWSBRIEF_DATABASE_URL",
        ),
        (
            "postgresql+asyncpg://postgres@127.0.0.1:5432/no_such_database_here",
            'database "no_such_database_here" does not exist; create the database (createdb NAME), '
            "or fix its name in NEWSBRIEF_DATABASE_URL",
        ),
    ],
    ids=["missing role", "missing database"],
)
def test_a_postgresql_that_refuses_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    monkeypatch.setenv("NEWSBRIEF_DATABASE_URL", url)
    assert main(["poll"]) == 1
    assert one_error_line(capsys) == f"newsbrief: cannot open the database {url}: {expected}"


def test_a_database_port_where_nothing_answers_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = _closed_port()
    monkeypatch.setenv("NEWSBRIEF_DATABASE_URL", f"postgresql+asyncpg://postgres@127.0.0.1:{port}/newsbrief")
    assert main(["sources"]) == 1
    line = one_error_line(capsys)
    assert f"nothing answers at 127.0.0.1:{port}; is PostgreSQL running there?" in line
    assert line.endswith("Fix the host or port in NEWSBRIEF_DATABASE_URL")


def test_a_data_dir_that_cannot_be_created_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("a file, not a folder")
    data_dir = tmp_path / "file" / "sub"  # fails for root too
    monkeypatch.setenv("NEWSBRIEF_DATA_DIR", str(data_dir))
    assert main(["poll"]) == 1
    assert one_error_line(capsys) == (
        f"newsbrief: the data folder {data_dir} (NEWSBRIEF_DATA_DIR, or data_dir in the settings file) "
        "cannot be created: part of its path is a file; point NEWSBRIEF_DATA_DIR at a folder Newsbrief may write"
    )
    monkeypatch.setenv("NEWSBRIEF_DATA_DIR", str(tmp_path / "file"))
    assert main(["digest", "--dry-run"]) == 1
    assert "is a file, not a folder; point NEWSBRIEF_DATA_DIR" in one_error_line(capsys)


def test_allowed_addresses_that_are_not_addresses_are_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBRIEF_ALLOWED_ADDRESSES", "notalist")
    assert main(["poll"]) == 2
    assert one_error_line(capsys).startswith(
        "newsbrief: bad setting NEWSBRIEF_ALLOWED_ADDRESSES: not a JSON list; write it like"
    )
    monkeypatch.setenv("NEWSBRIEF_ALLOWED_ADDRESSES", '["10.0.0.5", "192.168.0.0/16", "intranet"]')
    assert main(["poll"]) == 2
    line = one_error_line(capsys)
    assert line.startswith("newsbrief: bad setting NEWSBRIEF_ALLOWED_ADDRESSES")
    assert line.endswith("'intranet' is not an IP address or network (write e.g. 10.0.0.5 or 10.0.0.0/8)")


def test_a_missing_settings_file_is_one_line_however_it_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.toml"
    monkeypatch.setenv("NEWSBRIEF_CONFIG", str(missing))
    assert main(["poll"]) == 2
    assert one_error_line(capsys) == f"newsbrief: NEWSBRIEF_CONFIG={missing}: file not found"
    monkeypatch.delenv("NEWSBRIEF_CONFIG")
    assert main(["--config", str(missing), "poll"]) == 2
    assert one_error_line(capsys) == f"newsbrief: --config={missing}: file not found"


@pytest.mark.parametrize(
    ("name", "body", "what"),
    [
        ("python", Path(sys.executable).resolve().read_bytes()[:65536], "a program"),
        (
            "notes.txt.gz",
            gzip.compress(b"Plain text, compressed. " * 200),
            "a gzip file (decompress it first)",
        ),
        ("noise.txt", random.Random(7).randbytes(20_000), "binary data"),
    ],
    ids=["executable", "gzip", "random bytes"],
)
def test_brief_refuses_a_binary_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, body: bytes, what: str
) -> None:
    path = tmp_path / name
    path.write_bytes(body)
    assert main(["brief", str(path)]) == 1
    assert one_error_line(capsys) == f"newsbrief: {name} is {what}, not a text or HTML article"
    assert capsys.readouterr().out == ""


def test_brief_still_reads_text_in_other_encodings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = (ROOT / "seeds" / "003_library_hours.txt").read_text()
    for encoding in ("utf-16", "utf-16-le", "cp1252"):
        path = tmp_path / f"article-{encoding}.txt"
        path.write_bytes(text.encode(encoding, errors="replace"))
        assert main(["brief", str(path)]) == 0, capsys.readouterr().err


class _BinaryHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"\x89PNG\r\n\x1a\n" + bytes(200)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def image_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BinaryHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/photo"
    finally:
        server.shutdown()
        server.server_close()


def test_brief_refuses_a_url_that_serves_an_image(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, image_url: str
) -> None:
    monkeypatch.setenv("NEWSBRIEF_ALLOWED_ADDRESSES", '["127.0.0.1"]')
    assert main(["brief", image_url]) == 1
    assert one_error_line(capsys) == "newsbrief: the server sent image/png, not a text or HTML page or a feed"


def test_brief_says_only_http_and_https_and_is_a_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["brief", "ftp://example.com/article.txt"]) == 2
    assert one_error_line(capsys) == (
        "newsbrief: ftp://example.com/article.txt: only http and https URLs can be read (or give a file path, or -)"
    )
    assert main(["brief", str(tmp_path)]) == 2
    assert one_error_line(capsys) == (
        f"newsbrief: {tmp_path}: is a directory; give one article file, an http(s) URL, or -"
    )


def test_jsonl_answers_every_line_with_one_line() -> None:
    good = json.dumps({"id": "a", "text": "The mayor resigned on Friday. The council meets on Monday."})
    lines = [
        good,
        "",
        json.dumps({"id": "b", "text": ""}),
        json.dumps({"id": "c", "text": "   \n "}),
        json.dumps({"id": "d", "text": "".join(chr(c) for c in random.Random(3).choices(range(32), k=400))}),
        json.dumps({"id": "e", "html": "\x00\x01\x02\x03" * 100}),
        "   ",
        good,
    ]
    out = io.StringIO()
    assert run_jsonl(io.StringIO("\n".join(lines) + "\n"), out, 3) == 0
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(results) == len(lines)
    assert results[0]["headline"] and results[-1]["headline"]
    assert results[1:7] == [
        {"id": None, "error": "line 2: blank line (expected a JSON object)"},
        {"id": "b", "error": "line 3: 'text' is empty"},
        {"id": "c", "error": "line 4: 'text' is empty"},
        {"id": "d", "error": "line 5: 'text' holds binary data, not text"},
        {"id": "e", "error": "line 6: 'html' holds binary data, not text"},
        {"id": None, "error": "line 7: blank line (expected a JSON object)"},
    ]


def test_poll_counts_a_failed_source_and_exits_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nname = "Seeds"\nlocation = "{ROOT / "seeds"}"\nkind = "local"\n\n'
        f'[[source]]\nname = "Down"\nlocation = "http://127.0.0.1:{_closed_port()}/feed.xml"\nkind = "feed"\n'
    )
    monkeypatch.setenv("NEWSBRIEF_SOURCES_FILE", str(sources))
    monkeypatch.setenv("NEWSBRIEF_ALLOWED_ADDRESSES", '["127.0.0.1"]')
    assert main(["poll"]) == 3
    rows = {line.split("│")[1].strip(): line for line in capsys.readouterr().out.splitlines() if "│" in line}
    down = [cell.strip() for cell in rows["Down"].split("│")[1:-1]]
    assert down[:5] == ["Down", "0", "0", "0", "1"]
    assert down[5].startswith("failed: ") and "refused" in down[5]
    assert [cell.strip() for cell in rows["Seeds"].split("│")][5] == "0"


def test_common_options_may_follow_the_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = tmp_path / "settings.toml"
    settings.write_text(
        f'data_dir = "{tmp_path / "elsewhere"}"\nsources_file = "{ROOT / "config" / "sources.toml"}"\n'
    )
    monkeypatch.delenv("NEWSBRIEF_DATA_DIR")
    args = build_parser().parse_args(["poll", "-v", "--config", str(settings)])
    assert args.verbose is True and args.config == settings
    assert main(["poll", "-v", "--config", str(settings)]) == 0
    assert "Newsbrief seeds" in capsys.readouterr().out
    assert (tmp_path / "elsewhere" / "newsbrief.db").exists()
    assert build_parser().parse_args(["-v", "poll"]).verbose is True
    assert build_parser().parse_args(["poll"]).verbose is False
    # Given before the command, they still count.
    assert main(["--config", str(tmp_path / "nope.toml"), "poll"]) == 2
    assert "file not found" in one_error_line(capsys)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["search", "ferry", "--limit", "0"],
            "newsbrief search: argument --limit: must be at least 1, not 0",
        ),
        (
            ["digest", "--dry-run", "--max-items", "0"],
            "newsbrief digest: argument --max-items: must be from 1 to 50, not 0",
        ),
        (
            ["brief", "-", "--sentences", "many"],
            "newsbrief brief: argument --sentences: 'many' is not a whole number",
        ),
    ],
    ids=["limit 0", "max-items 0", "sentences not a number"],
)
def test_an_option_out_of_range_is_one_short_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    line = one_error_line(capsys)
    assert line.startswith(expected) and len(line) < 120, line


def test_digest_header_says_articles_and_stories_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["digest", "--dry-run"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert re.fullmatch(r"Newsbrief digest — \d+ articles? in \d+ (story|stories)", header), header
    assert "(s)" not in header and "(ies)" not in header


def test_the_terminal_shows_headlines_and_search_hits_in_bold(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich writes styles as if to a terminal
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["digest", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "\x1b[1mMain library to open on Sundays" in out
    assert main(["search", "ferry"]) == 0
    out = capsys.readouterr().out
    assert "**" not in out
    assert re.search(r"\x1b\[1mferry\x1b\[0m", out, re.IGNORECASE), out
    marked = f"the {SNIPPET_START}night{SNIPPET_END} ferry {SNIPPET_START}stops{SNIPPET_END}"
    assert highlighted(marked).spans == [Span(4, 9, "bold"), Span(16, 21, "bold")]


def test_source_kind_errors_name_only_the_kinds_a_user_may_write(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sources = tmp_path / "sources.toml"
    monkeypatch.setenv("NEWSBRIEF_SOURCES_FILE", str(sources))
    for kind in ("podcast", "requested"):
        sources.write_text(
            f'[[source]]\nname = "x"\nlocation = "https://example.com/feed"\nkind = "{kind}"\n'
        )
        assert main(["poll"]) == 2
        assert (
            one_error_line(capsys)
            == f"newsbrief: {sources}: source 'x': kind must be one of feed, page, local"
        )


def test_the_poll_table_says_what_a_capped_or_cut_short_poll_left_for_later() -> None:
    from bot.cli import _status
    from bot.service.polling import SourceReport

    report = SourceReport(1, "Huge", new=5, queued=15, deferred=15, beyond_cap=99_980, timed_out=True)
    status = _status(report)
    assert status.startswith("ok (stopped at source_poll_timeout_seconds)")
    assert "15 waiting for a retry, 15 of them not tried yet" in status
    assert "99980 beyond feed_max_entries, not read" in status
    assert _status(SourceReport(2, "Small", new=1)) == "ok"
