"""Opening the engine for a command or the bot, with start-up failures said in one line.

A data directory that cannot be written, a PostgreSQL role or database that does not exist, a
port where nothing answers: each becomes a `NewsbriefError` that names the setting to fix,
instead of a driver's traceback.
"""

from __future__ import annotations

import socket
import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.config import Settings
from bot.errors import NewsbriefError
from bot.service.polling import Engine

DATABASE_SETTING = "NEWSBRIEF_DATABASE_URL"
DATA_DIR_SETTING = "NEWSBRIEF_DATA_DIR"
# PostgreSQL's SQLSTATE codes for the mistakes a URL can hold, and what to do about each.
_POSTGRESQL_ADVICE = {
    "28000": "create the role, or fix the user name in",  # invalid_authorization_specification
    "28P01": "fix the password in",  # invalid_password
    "3D000": "create the database (createdb NAME), or fix its name in",  # invalid_catalog_name
    "42501": "grant the role the rights it needs, or use another role in",  # insufficient_privilege
}


class StartupError(NewsbriefError):
    """The store cannot be opened where the settings say; the reason names the setting."""


def check_data_dir(settings: Settings) -> None:
    """The SQLite file's folder exists (created if need be) and can be written, or StartupError."""
    if settings.database_url is None:
        folder, setting = settings.data_dir, DATA_DIR_SETTING
        where = f"the data folder {folder} ({setting}, or data_dir in the settings file)"
        fix = f"point {setting} at a folder Newsbrief may write"
    else:
        url = make_url(settings.database_url)
        if url.get_backend_name() != "sqlite" or not url.database or url.database.startswith("file:"):
            return
        folder, setting = Path(url.database).expanduser().parent, DATABASE_SETTING
        where = f"the SQLite file's folder {folder} ({setting})"
        fix = f"point {setting} at a file in a folder Newsbrief may write"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise StartupError(f"{where} is a file, not a folder; {fix}") from None
    except NotADirectoryError:
        raise StartupError(f"{where} cannot be created: part of its path is a file; {fix}") from None
    except OSError as exc:
        raise StartupError(f"{where} cannot be created ({_os_reason(exc)}); {fix}") from exc
    if not folder.is_dir():
        raise StartupError(f"{where} is not a folder; {fix}")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise StartupError(f"{where} cannot be written ({_os_reason(exc)}); {fix}") from exc


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def database_problem(exc: BaseException, settings: Settings) -> str | None:
    """One line for a failure to open the store, or None when `exc` is not one (a bug: re-raise)."""
    url = make_url(settings.resolved_database_url)
    shown = url.render_as_string(hide_password=True)
    setting = DATABASE_SETTING if settings.database_url else DATA_DIR_SETTING
    if isinstance(exc, socket.gaierror):
        return f"cannot open the database {shown}: host {url.host} not found; fix the host in {setting}"
    if isinstance(exc, ConnectionRefusedError):
        return (
            f"cannot open the database {shown}: nothing answers at {url.host}:{url.port or 5432}; "
            f"is PostgreSQL running there? Fix the host or port in {setting}"
        )
    if isinstance(exc, OSError):
        return f"cannot open the database {shown}: {_os_reason(exc)}; check {setting}"
    if isinstance(exc, DBAPIError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        advice = _POSTGRESQL_ADVICE.get(str(code))
        if advice:
            return f"cannot open the database {shown}: {reason}; {advice} {setting}"
        return f"cannot open the database {shown}: {reason}; check {setting}"
    if isinstance(exc, SQLAlchemyError):
        return f"cannot open the database {shown}: {exc}; check {setting}"
    return None


@asynccontextmanager
async def open_engine(settings: Settings) -> AsyncIterator[Engine]:
    """`Engine.open`, with a data directory or database that cannot be used said in one line."""
    check_data_dir(settings)
    async with AsyncExitStack() as stack:
        try:
            engine = await stack.enter_async_context(Engine.open(settings))
        except (OSError, SQLAlchemyError) as exc:
            problem = database_problem(exc, settings)
            if problem is None:
                raise
            raise StartupError(problem) from exc
        yield engine
