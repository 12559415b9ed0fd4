"""Request IDs: short, random, case-insensitive, easy to read aloud.

Crockford's base32 alphabet leaves out I, L, O and U, so 0/O and 1/I/L cannot be confused;
when reading an ID we map o->0 and i/l->1 the way that alphabet specifies. Eight characters
carry 40 random bits: two branches creating requests at once will not collide in practice,
and `icsvc check` reports a duplicate if they ever do.
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
MIN_PREFIX = 4
ID_PATTERN = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")
_READ = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_id(taken: set[str] | None = None, seed: str | None = None) -> str:
    """A random ID not in `taken`. With a `seed` (ICSVC_ID_SEED and the request's content,
    for demos and tests) the same request always gets the same ID."""
    import random  # here: only commands making a request need it

    # `secrets.choice` is `SystemRandom().choice` (its import costs 7 ms: OpenSSL's hashes)
    choice = random.Random(seed).choice if seed else random.SystemRandom().choice
    while True:
        value = "".join(choice(ALPHABET) for _ in range(LENGTH))
        if not taken or value not in taken:
            return value


def normalize(text: str) -> str:
    """Upper-case and map the look-alike letters, so `7kq2-m9xo` reads as `7KQ2M9X0`."""
    return text.strip().upper().replace("-", "").translate(_READ)


def is_valid(text: str) -> bool:
    return ID_PATTERN.fullmatch(text) is not None


def is_prefix(text: str) -> bool:
    """Whether a normalized text can start an ID: up to `LENGTH` characters of `ALPHABET`."""
    return 0 < len(text) <= LENGTH and all(c in ALPHABET for c in text)
