"""Helpers shared by the quote tests."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from bot.models import Quote
from tests.paths import ROOT


def only(quotes: list[Quote]) -> Quote:
    assert len(quotes) == 1, quotes
    return quotes[0]


def load_quote_bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """bench/quotes.py as a module (bench/ is scripts, not a package; it imports bench/common.py)."""
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location("bench_quotes", ROOT / "bench" / "quotes.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench)  # dataclasses look their module up while it loads
    spec.loader.exec_module(bench)
    return bench
