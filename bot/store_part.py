"""What a per-domain part of the store (a mixin of `Store`) may call on the store it is part of."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection


class StorePart:
    """The store's connections and upsert, which `Store` provides; a part never opens its own."""

    def _write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        raise NotImplementedError

    def _read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        raise NotImplementedError

    def _upsert(self, table: Any, values: Mapping[str, Any], keys: Sequence[str]) -> Any:
        raise NotImplementedError
