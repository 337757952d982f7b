"""User-facing errors.

A ``UserError`` is bad input from the person running the suite (an unknown model, a malformed
suite line, a missing run directory, missing weights).  The CLI prints its message on one line
and exits non-zero without a traceback.  Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input: printed as one line by the CLI, exit code 2."""

    exit_code = 2


class WeightsMissing(UserError):
    """A weight file the registry cannot resolve (offline, not in any local folder)."""

    exit_code = 3
