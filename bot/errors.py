"""The one error base class: an error that carries the reason a user reads.

The command line prints `reason` as one line and exits with `exit_code`; the Discord layer
replies with it. Subclasses say where the problem lies (a setting, a source, the command line).
"""

from __future__ import annotations


class NewsbriefError(Exception):
    """Something went wrong that the user can act on; `reason` says what and what to do."""

    exit_code = 1  # what `newsbrief` exits with when this ends a command (see README, exit codes)

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason
