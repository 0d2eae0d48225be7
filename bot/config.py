"""Settings and sources: `config/newsbrief.toml`, `config/sources.toml`, `NEWSBRIEF_*` variables.

Environment variables override the TOML file. Relative paths written in a TOML file are taken
relative to that file, so the shipped defaults work from any working directory.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from bot.errors import NewsbriefError
from bot.models import SourceKind, SourceSpec

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_DIR = PROJECT_ROOT / "config"
_PATH_KEYS = ("data_dir", "sources_file")


class ConfigError(NewsbriefError):
    """A setting or a source definition is wrong; the reason names it and says why."""

    exit_code = 2


# The kinds a sources file may name; the store's own kinds (articles fetched on request) are not.
CONFIG_SOURCE_KINDS = (SourceKind.FEED, SourceKind.PAGE, SourceKind.LOCAL)


# The most items one digest lists, whether set here or per channel with /digest set.
DIGEST_ITEMS_LIMIT = 50


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSBRIEF_", extra="forbid", validate_default=True)

    data_dir: Path = Field(Path("data"), description="where the SQLite file and other state live")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default: SQLite in data_dir")
    sources_file: Path = Field(DEFAULT_CONFIG_DIR / "sources.toml")

    summary_sentences: int = Field(3, ge=1, le=10)
    story_window_hours: float = Field(72.0, gt=0)
    digest_max_items: int = Field(10, ge=1, le=DIGEST_ITEMS_LIMIT)

    poll_interval_minutes: float = Field(15.0, gt=0)
    pause_after_failures: int = Field(10, ge=1)
    notice_after_failures: int = Field(3, ge=1)  # a guild's notice: a source failing this many times
    backoff_base_seconds: float = Field(60.0, gt=0)
    backoff_max_seconds: float = Field(6 * 3600.0, gt=0)
    # An entry whose article page failed is retried at later polls: base, 2*base, ... up to the
    # cap, then given up (kept with its reason) after this many attempts.
    entry_retry_base_seconds: float = Field(300.0, gt=0)
    entry_retry_max_seconds: float = Field(24 * 3600.0, gt=0)
    entry_retry_max_attempts: int = Field(8, ge=1)
    # CPU-heavy work (reading feeds, extracting pages, briefs, story features) runs in
    # worker_processes worker processes (default: one per core), a job given up after
    # work_timeout_seconds (a feed's, after feed_parse_timeout_seconds).
    worker_processes: int | None = Field(None, ge=1)
    work_timeout_seconds: float = Field(30.0, gt=0)
    # Hostile and huge feeds. A feed is given up after feed_parse_timeout_seconds; a feed keeps
    # its newest feed_max_entries entries (the rest are counted); a source's poll stops waiting
    # for teaser pages after source_poll_timeout_seconds, fetches at most teaser_fetch_concurrency
    # pages at once and teaser_fetches_per_source per poll, and a whole poll at most
    # teaser_fetches_per_poll: the entries left over wait in the retry queue for the next poll.
    feed_parse_timeout_seconds: float = Field(20.0, gt=0)
    feed_max_entries: int = Field(500, ge=1)
    source_poll_timeout_seconds: float = Field(60.0, gt=0)
    teaser_fetch_concurrency: int = Field(4, ge=1)
    teaser_fetches_per_source: int = Field(100, ge=1)
    teaser_fetches_per_poll: int = Field(2000, ge=1)

    fetch_connect_timeout_seconds: float = Field(10.0, gt=0)
    fetch_timeout_seconds: float = Field(20.0, gt=0)
    fetch_max_body_mb: float = Field(5.0, gt=0)
    fetch_max_redirects: int = Field(5, ge=0, le=20)
    fetch_max_connections: int = Field(64, ge=1)
    fetch_max_per_host: int = Field(4, ge=1)
    allow_private_addresses: bool = False
    allowed_addresses: list[str] = Field(default_factory=list)

    discord_api_base: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None

    # Many processes on one PostgreSQL (README, "Many processes"). A process's claim on a source or
    # a digest channel lasts lease_seconds and is renewed while it works, so a killed process's
    # work is taken over after at most that long. A worker polls worker_concurrency sources at
    # once. Digests due are looked for every digest_check_seconds. `newsbrief run` runs the
    # gateway shards `shards` ("0-3", "0,2"; all when unset) of `shard_count`, and polls too
    # unless run_polls is off (a shard process beside workers).
    lease_seconds: float = Field(30.0, gt=0)
    worker_concurrency: int = Field(32, ge=1)
    digest_check_seconds: float = Field(30.0, gt=0)
    shards: str | None = None
    shard_count: int | None = Field(None, ge=1)
    run_polls: bool = True

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB")
        return value

    @field_validator("shards")
    @classmethod
    def _shard_list(cls, value: str | None) -> str | None:
        if value is not None:
            parse_shard_ids(value)
        return value

    @model_validator(mode="after")
    def _shards_within_count(self) -> Settings:
        shard_ids_of(self.shards, self.shard_count)
        return self

    @property
    def shard_ids(self) -> tuple[int, ...] | None:
        """The gateway shards this process runs; None: not sharded (one connection, every guild)."""
        return shard_ids_of(self.shards, self.shard_count)

    def with_command_line(self, **options: Any) -> Settings:
        """These settings with the command line's options (those not None) put over them: an
        option given on the command line wins over the settings file and the environment."""
        given = {name: value for name, value in options.items() if value is not None}
        if not given:
            return self
        updated = self.model_copy(update=given)
        try:
            shard_ids_of(updated.shards, updated.shard_count)
        except ValueError as exc:
            raise ConfigError(f"bad settings: {exc}") from None
        return updated

    @field_validator("allowed_addresses")
    @classmethod
    def _ip_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network (write e.g. 10.0.0.5 or 10.0.0.0/8)"
                ) from None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file arrives as init values; the environment must win over it.
        return (env_settings, init_settings)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'newsbrief.db').resolve()}"


_SHARD_ITEM = re.compile(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?")


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """Shard ids as written: "0-3", "0,2,5", "1-2,6"; ValueError saying what to write otherwise."""
    shards: set[int] = set()
    for item in text.split(","):
        match = _SHARD_ITEM.fullmatch(item)
        if match is None:
            raise ValueError(f"{text!r} is not a list of shard ids: write e.g. 0-3 or 0,2")
        first = int(match[1])
        last = int(match[2]) if match[2] is not None else first
        if last < first:
            raise ValueError(f"shard range {item.strip()!r} runs backwards: write the lower id first")
        shards.update(range(first, last + 1))
    return tuple(sorted(shards))


def shard_ids_of(shards: str | None, shard_count: int | None) -> tuple[int, ...] | None:
    """The shards a process runs: `shards` of `shard_count` (all of them when `shards` is None);
    None when not sharded. ValueError when they do not fit together."""
    if shard_count is None:
        if shards is not None:
            raise ValueError("NEWSBRIEF_SHARDS needs NEWSBRIEF_SHARD_COUNT too (how many shards in all)")
        return None
    ids = parse_shard_ids(shards) if shards else tuple(range(shard_count))
    too_high = [shard for shard in ids if shard >= shard_count]
    if too_high:
        raise ValueError(
            f"NEWSBRIEF_SHARDS names shard {too_high[0]}, but NEWSBRIEF_SHARD_COUNT is {shard_count} "
            "(shards count from 0)"
        )
    return ids


def _config_file() -> tuple[Path, str | None]:
    """The settings file to read, and what named it (None: the default, which may be absent)."""
    explicit = os.environ.get("NEWSBRIEF_CONFIG")
    if explicit:
        return Path(explicit), "NEWSBRIEF_CONFIG"
    local = Path.cwd() / "config" / "newsbrief.toml"
    return (local if local.is_file() else DEFAULT_CONFIG_DIR / "newsbrief.toml"), None


def _read_toml(path: Path, named_by: str | None = None) -> dict[str, Any]:
    where = f"{named_by}={path}" if named_by else str(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"{where}: file not found") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{where}: is a directory, not a TOML file") from exc
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read it ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: not a text file (TOML is UTF-8 text)") from exc


def _describe(exc: ValidationError, origin: Path | None) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        if not key:  # a rule across settings: its message names them
            lines.append(f"bad settings: {error['msg'].removeprefix('Value error, ')}")
            continue
        where = f"NEWSBRIEF_{key.upper()}" + (f" or '{key}' in {origin}" if origin else "")
        lines.append(f"bad setting {where}: {error['msg'].removeprefix('Value error, ')}")
    return "\n".join(lines)


_UNPARSED_FIELD = re.compile(r'field "(\w+)"')


def _describe_unparsed(exc: SettingsError) -> str:
    """pydantic-settings reads list settings from the environment as JSON; say how to write one."""
    match = _UNPARSED_FIELD.search(str(exc))
    key = match.group(1) if match else "(settings)"
    return (
        f"bad setting NEWSBRIEF_{key.upper()}: not a JSON list; "
        f'write it like NEWSBRIEF_{key.upper()}=\'["10.0.0.5", "192.168.1.0/24"]\''
        if key == "allowed_addresses"
        else f"bad setting NEWSBRIEF_{key.upper()}: not valid JSON"
    )


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Read settings; raise ConfigError naming the bad setting."""
    path, named_by = (config_file, "--config") if config_file is not None else _config_file()
    values: dict[str, Any] = {}
    if path.is_file() or named_by is not None:
        values = _read_toml(path, named_by)
        for key in _PATH_KEYS:
            if isinstance(values.get(key), str):
                values[key] = (path.parent / values[key]).resolve()
    values.update(overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path if path.is_file() else None)) from exc
    except SettingsError as exc:
        raise ConfigError(_describe_unparsed(exc)) from exc


@dataclass(frozen=True, slots=True)
class _SourceEntry:
    name: str
    location: str
    kind: str | None


def _guess_kind(location: str) -> SourceKind:
    if "://" not in location:
        return SourceKind.LOCAL
    return SourceKind.FEED


def load_sources(path: Path) -> list[SourceSpec]:
    """Sources from a TOML file of `[[source]]` tables: name, location (URL or path), kind."""
    data = _read_toml(path)
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: 'source' must be a list of [[source]] tables")
    specs: list[SourceSpec] = []
    for index, raw in enumerate(entries, start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("location"), str):
            raise ConfigError(f"{path}: source #{index} needs a 'location' (a URL or a path)")
        entry = _SourceEntry(
            name=str(raw.get("name") or raw["location"]), location=raw["location"], kind=raw.get("kind")
        )
        kinds = {k.value: k for k in CONFIG_SOURCE_KINDS}
        if entry.kind is not None and entry.kind not in kinds:
            choices = ", ".join(kinds)
            raise ConfigError(f"{path}: source '{entry.name}': kind must be one of {choices}")
        kind = kinds[entry.kind] if entry.kind else _guess_kind(entry.location)
        location = entry.location
        if kind is SourceKind.LOCAL:
            location = str((path.parent / location).resolve())
        elif not location.startswith(("http://", "https://")):
            raise ConfigError(f"{path}: source '{entry.name}': a {kind.value} source needs an http(s) URL")
        specs.append(SourceSpec(name=entry.name, location=location, kind=kind))
    return specs
