"""The one error type for user mistakes, and its exit codes.

Exit codes: 0 done; 1 a refusal or a failed check (`IcsvcError`); 2 bad usage (`UsageError`);
3 an internal error (a bug: any other exception, reported by `cli.entry.main()`), so CI can tell a
crash from a rejected pull request.
"""

from __future__ import annotations

import re
from pathlib import Path


class IcsvcError(Exception):
    """A user-facing error: one line, no traceback, a non-zero exit (1 = refusal/failed check)."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(IcsvcError):
    """Bad command-line usage (exit 2)."""

    exit_code = 2


INTERNAL_ERROR_EXIT = 3
"""The exit code of an unexpected exception (a bug)."""


class ValidationError(IcsvcError):
    """A problem in a store file, located as `path:line: field: problem`.

    `keys` is the path of the node at fault (mapping keys and list indexes): the domain
    checks data without its text, and the store, which read the text, finds the line
    (`located`)."""

    def __init__(
        self, path: Path | str, problem: str, *, line: int | None = None, field: str = "",
        keys: tuple[str | int, ...] = (),
    ) -> None:
        self.path = Path(path)
        self.line = line
        self.field = field
        self.problem = problem
        self.keys = keys
        super().__init__(self.format())

    def located(self, line: int | None) -> ValidationError:
        """The same error at `line` of its file."""
        return ValidationError(self.path, self.problem, line=line, field=self.field,
                               keys=self.keys)

    def format(self) -> str:
        where = f"{display(self.path)}:{self.line}" if self.line else display(self.path)
        if self.field:
            return f"{where}: {self.field}: {self.problem}"
        return f"{where}: {self.problem}"


def display(path: Path) -> str:
    """A path as a user would type it: relative to the current folder when inside it."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


_UNSAFE = "[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]"
"""What cannot go into a one-line message as is: C0 and C1 control characters (newlines,
carriage returns, tabs, ESC and the terminal sequences it starts), DEL, the Unicode line and
paragraph separators, and surrogates (the bytes of a name that is not UTF-8, as Python reads
them from the file system and from git). Compiled when a message is first made (1 ms of
every command's start otherwise)."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte (surrogateescape): the byte itself
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def one_line(text: str) -> str:
    r"""`text` as one printable line: control characters escaped as Python writes them
    (`\n`, `\x1b`, `\u2028`), and the bytes of a file name that are not UTF-8 as `\xff`.
    Every error and warning goes through it, so a hostile value (an option, a file name, a
    field) can neither break a message into lines nor send sequences to the terminal."""
    return re.compile(_UNSAFE).sub(_escape, text)  # (`re` keeps it compiled)
