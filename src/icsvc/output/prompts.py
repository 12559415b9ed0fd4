"""Questions on a terminal: one at a time, with the choices shown, asked again after a bad
answer (with the same one-line message an option would get), Enter to skip where skipping
is allowed. The command line asks only when `ui.interactive()`; scripts get errors instead."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from icsvc.errors import IcsvcError

T = TypeVar("T")


def _input(label: str) -> str:
    from icsvc.output.ui import console

    try:
        return console().input(label)
    except EOFError:
        raise IcsvcError("no answer (end of input); nothing was written") from None


def show_choices(choices: Sequence[tuple[str, str]]) -> None:
    from rich.markup import escape

    from icsvc.output.ui import console

    con = console()
    for value, description in choices:
        con.print(f"  [bold]{escape(value)}[/bold]" + (f"  {escape(description)}"
                                                     if description else ""))


def ask(label: str, read: Callable[[str], T], *, choices: Sequence[tuple[str, str]] = (),
        default: str | None = None, skippable: bool = False) -> T | None:
    """Ask until `read` accepts the answer (it raises IcsvcError or ValueError with the
    reason otherwise). Enter gives `default`, or None when `skippable`."""
    from rich.markup import escape

    from icsvc.output.ui import console

    if choices:
        show_choices(choices)
    hint = f" [{default}]" if default is not None else " (Enter to skip)" if skippable else ""
    while True:
        answer = _input(f"{escape(label)}{escape(hint)}: ").strip()
        if not answer:
            if default is not None:
                answer = default
            elif skippable:
                return None
            else:
                console().print("  [yellow]an answer is needed[/yellow]")
                continue
        try:
            return read(answer)
        except (IcsvcError, ValueError) as exc:
            text = exc.message if isinstance(exc, IcsvcError) else str(exc)
            console().print(f"  [yellow]{escape(text)}[/yellow]")


def confirm(question: str, default: bool = True) -> bool:
    """A yes/no question; Enter gives the default."""
    from rich.markup import escape

    from icsvc.output.ui import console

    hint = "[Y/n]" if default else "[y/N]"
    while True:
        answer = _input(f"{escape(question)} {escape(hint)} ").strip().lower()
        if not answer:
            return default
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no"):
            return False
        console().print("  [yellow]answer y or n[/yellow]")
