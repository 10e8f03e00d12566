"""One exception tree for inkless.

::

    InklessError                 anything inkless reports to a user as one or more lines
     +-- InputError              a file or argument is wrong: says where, what, and how to fix it
     |    +-- ScenarioError      a scenario file has problems (all of them, one line each)
     +-- IntegrityError          stored data failed verification (a ledger entry, a signature)

The CLI prints ``str(error)`` (one line per problem) and exits with ``error.exit_code``;
no traceback reaches the user. Code past the boundary does not catch these.
"""

from __future__ import annotations

__all__ = ["InklessError", "InputError", "IntegrityError", "ScenarioError"]


class InklessError(Exception):
    """Base of every error inkless reports to a user."""

    exit_code = 2

    def __init__(self, *problems: str) -> None:
        self.problems: tuple[str, ...] = problems or ("unknown error",)
        super().__init__("\n".join(self.problems))


class InputError(InklessError):
    """A file or argument is wrong. Each problem is one line: location, what is wrong, the fix."""


class ScenarioError(InputError):
    """A scenario file has one or more problems, each ``location: message``."""


class IntegrityError(InklessError):
    """Stored data failed verification; the message names the entry."""

    exit_code = 1
