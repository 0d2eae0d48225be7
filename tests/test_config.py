from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings, load_sources
from bot.models import SourceKind
from tests.paths import ROOT


def test_shipped_defaults_use_sqlite_and_the_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "NEWSBRIEF_DATABASE_URL",
        "NEWSBRIEF_DATA_DIR",
        "NEWSBRIEF_SOURCES_FILE",
        "NEWSBRIEF_CONFIG",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(ROOT / "config" / "newsbrief.toml")
    assert settings.resolved_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.data_dir == (ROOT / "data").resolve()
    sources = load_sources(settings.sources_file)
    assert [(s.kind, Path(s.location)) for s in sources] == [(SourceKind.LOCAL, (ROOT / "seeds").resolve())]


def test_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEWSBRIEF_SUMMARY_SENTENCES", "5")
    monkeypatch.setenv("NEWSBRIEF_DATA_DIR", str(tmp_path))
    settings = load_settings(ROOT / "config" / "newsbrief.toml")
    assert settings.summary_sentences == 5
    assert settings.data_dir == tmp_path


def test_a_bad_setting_names_itself(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEWSBRIEF_SUMMARY_SENTENCES", "lots")
    with pytest.raises(ConfigError, match="NEWSBRIEF_SUMMARY_SENTENCES"):
        load_settings(ROOT / "config" / "newsbrief.toml")
    monkeypatch.delenv("NEWSBRIEF_SUMMARY_SENTENCES")
    bad = tmp_path / "newsbrief.toml"
    bad.write_text('database_url = "mysql://nope"\nfetch_timeout_seconds = -1\n')
    with pytest.raises(ConfigError) as info:
        load_settings(bad)
    assert "database_url" in str(info.value) and "fetch_timeout_seconds" in str(info.value)
    bad.write_text("unknown_key = 1\n")
    with pytest.raises(ConfigError, match="unknown_key"):
        load_settings(bad)
    bad.write_text("not toml = = =\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)


def test_sources_file_errors_are_clear(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\nname = "x"\n')
    with pytest.raises(ConfigError, match="needs a 'location'"):
        load_sources(path)
    path.write_text('[[source]]\nlocation = "ftp://example.com/feed"\nkind = "feed"\n')
    with pytest.raises(ConfigError, match="http"):
        load_sources(path)
    path.write_text('[[source]]\nlocation = "https://example.com/feed"\nkind = "podcast"\n')
    with pytest.raises(ConfigError, match="kind must be one of"):
        load_sources(path)
    path.write_text('[[source]]\nlocation = "https://example.com/feed"\n[[source]]\nlocation = "articles"\n')
    specs = load_sources(path)
    assert [s.kind for s in specs] == [SourceKind.FEED, SourceKind.LOCAL]
    assert specs[1].location == str((tmp_path / "articles").resolve())


def test_the_example_sources_file_is_all_commented_out_and_valid_once_uncommented(tmp_path: Path) -> None:
    example = ROOT / "config" / "sources.example.toml"
    assert load_sources(example) == []  # shipped commented out: nothing reaches the network
    uncommented = tmp_path / "config" / "sources.toml"
    uncommented.parent.mkdir()
    toml_line = re.compile(r"# (\[\[source\]\]|\w+ = .*)$")
    uncommented.write_text(
        "\n".join(m.group(1) for line in example.read_text().splitlines() if (m := toml_line.match(line)))
    )
    specs = load_sources(uncommented)
    feeds = [s for s in specs if s.kind is SourceKind.FEED]
    assert len(feeds) >= 3 and all(s.location.startswith("https://") for s in feeds)
    assert len({s.name for s in specs}) == len(specs)


def test_shards_are_read_as_ranges_and_lists_within_the_count() -> None:
    load = load_settings
    assert load(shards="0-1,3", shard_count=4).shard_ids == (0, 1, 3)
    assert load(shard_count=2).shard_ids == (0, 1)
    assert load().shard_ids is None
    for shards, count, message in (
        ("0-4", 4, "names shard 4, but NEWSBRIEF_SHARD_COUNT is 4"),
        ("1", None, "NEWSBRIEF_SHARDS needs NEWSBRIEF_SHARD_COUNT"),
        ("two", 4, "is not a list of shard ids"),
        ("3-1", 4, "runs backwards"),
    ):
        with pytest.raises(ConfigError, match=message):
            load(shards=shards, shard_count=count)
