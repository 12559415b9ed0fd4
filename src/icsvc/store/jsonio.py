"""JSON that comes from outside icsvc (a GitHub event, `.icsvc/notify.json`), read within
bounds: its nesting is measured before it is parsed (the parser recurses, and a deep enough
document would stop the command), and a number too long to print, NaN, an infinity or text
that is not valid Unicode (a lone surrogate escape) is refused. Every refusal is a
ValueError whose message says what is wrong and what is accepted.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from icsvc.domain import limits

_TOKENS = re.compile(r'["\\\[\]{}]')


def depth(text: str, most: int) -> int:
    """How deep the lists and objects of a JSON text nest, counted up to `most + 1` (the
    scan stops there). Strings are skipped, escapes included; only the characters that
    matter are visited, so the scan is linear."""
    deepest = level = 0
    in_string = False
    skip = -1  # the position of a character a backslash escapes
    for match in _TOKENS.finditer(text):
        at = match.start()
        if at == skip:
            continue
        char = match.group()
        if in_string:
            if char == "\\":
                skip = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            level += 1
            if level > deepest:
                deepest = level
                if deepest > most:
                    break
        else:
            level -= 1
    return deepest


def _int(text: str) -> int:
    if len(text.lstrip("-")) > limits.NUMBER_DIGITS:
        raise ValueError(f"a number of {len(text.lstrip('-')):,} digits (accepted: up to "
                         f"{limits.NUMBER_DIGITS})")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large (accepted: finite numbers)")
    return value


def _constant(text: str) -> Any:
    raise ValueError(f"{text} is not a JSON value (accepted: numbers, text, true, false, null)")


def loads(text: str, max_depth: int = limits.JSON_DEPTH) -> Any:
    """Parse JSON text; ValueError (`json.JSONDecodeError` for malformed JSON) naming what
    is refused."""
    found = depth(text, max_depth)
    if found > max_depth:
        raise ValueError(f"lists and objects nest more than {max_depth} levels deep "
                         f"(accepted: up to {max_depth})")
    try:
        data = json.loads(text, parse_int=_int, parse_float=_float,
                          parse_constant=_constant)
    except RecursionError:  # (the scan above makes this unreachable)
        raise ValueError(f"lists and objects nest too deep (accepted: up to {max_depth} "
                         "levels)") from None
    _check_text(data)
    return data


def _check_text(data: Any) -> None:
    """Every key and text value must be valid Unicode (JSON's `\\ud800` escapes can make a
    lone surrogate, which no file or terminal can hold)."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(f"the text {value[:40]!r} is not valid Unicode (it holds a "
                                 "lone surrogate escape such as \\ud800)") from None
