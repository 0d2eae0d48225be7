"""OPML import and export: the parser's rules and `newsbrief sources --import/--export`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_sources
from bot.ingest.opml import OpmlError, OpmlFeed, export_opml, parse_opml
from tests.paths import ROOT

READER_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>My feeds</title></head><body>
<outline text="News" title="News">
  <outline type="rss" text="Harlow Daily" xmlUrl="https://harlow.example/feed.xml" htmlUrl="https://harlow.example/"/>
  <outline type="rss" text="Harlow again" xmlUrl="https://HARLOW.example/feed.xml"/>
</outline>
<outline type="rss" text="Old gopher" xmlUrl="gopher://old.example/feed"/>
<outline type="rss" text="Bay Times" xmlUrl="https://bay.example/rss"/>
</body></opml>"""


def test_a_reader_export_gives_each_http_feed_once_with_its_title() -> None:
    parsed = parse_opml(READER_EXPORT)
    assert parsed.feeds == (
        OpmlFeed("https://harlow.example/feed.xml", "Harlow Daily"),
        OpmlFeed("https://bay.example/rss", "Bay Times"),
    )
    assert parsed.skipped == 2  # the repeat (same canonical URL) and the gopher address


def test_an_export_reads_back_the_same_feeds() -> None:
    feeds = [OpmlFeed("https://a.example/feed?x=1&y=2", "A & B <news>"), OpmlFeed("https://b.example/", "B")]
    assert parse_opml(export_opml(feeds, title="t")).feeds == tuple(feeds)


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"", "empty"), (b"<html><body>hi</body></html>", "No feeds found"), (b"x" * 1_000_001, "over 1000 KB")],
)
def test_what_is_not_a_subscription_list_gets_one_line(data: bytes, expected: str) -> None:
    with pytest.raises(OpmlError) as raised:
        parse_opml(data)
    assert expected in raised.value.reason and "\n" not in raised.value.reason


@pytest.fixture
def sources_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("NEWSBRIEF_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NEWSBRIEF_DATABASE_URL", raising=False)
    monkeypatch.delenv("NEWSBRIEF_CONFIG", raising=False)
    monkeypatch.chdir(ROOT)
    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\nname = "Bay"\nlocation = "https://bay.example/rss"\nkind = "feed"\n')
    monkeypatch.setenv("NEWSBRIEF_SOURCES_FILE", str(path))
    return path


def test_the_command_line_imports_new_feeds_and_exports_them(
    sources_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opml = tmp_path / "feeds.opml"
    opml.write_bytes(READER_EXPORT)
    assert main(["sources", "--import", str(opml)]) == 0
    assert "imported 1 feed(s)" in capsys.readouterr().out
    assert [(s.name, s.location) for s in load_sources(sources_file)] == [
        ("Bay", "https://bay.example/rss"),
        ("Harlow Daily", "https://harlow.example/feed.xml"),
    ]
    assert main(["sources", "--import", str(opml)]) == 0  # again: nothing new
    assert len(load_sources(sources_file)) == 2
    exported = tmp_path / "out.opml"
    assert main(["sources", "--export", str(exported)]) == 0
    assert [f.url for f in parse_opml(exported.read_bytes()).feeds] == [
        "https://bay.example/rss",
        "https://harlow.example/feed.xml",
    ]


def test_a_bad_file_on_the_command_line_is_one_line_and_changes_nothing(
    sources_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sources_file.read_text()
    assert main(["sources", "--import", str(tmp_path / "missing.opml")]) == 2
    err = " ".join(capsys.readouterr().err.split())  # rich wraps at the terminal's width
    assert err.startswith("newsbrief: cannot read") and "missing.opml: No such file" in err
    assert sources_file.read_text() == before
