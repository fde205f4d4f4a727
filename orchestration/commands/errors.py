"""The one exception every `revwh` command raises for a mistake the user can fix.

Its own module so that each command's module can raise it and orchestration.commands.cli can
catch it without either importing the other: `main` prints it as one line and exits 2.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; printed as one line, no traceback."""
