"""Signed commits: git's SSH signing set up from the keys `people:` lists in providers.yaml.

`check --base --require-signed` (or `settings.require_signed`) verifies every commit of the
branch, merges included, against an allowed-signers file made from `people:` (email ->
signing_keys), as the catalogue is at the base: each must be signed by its author's key
(and a commit turning `require_signed` off by an admin's, whatever the check requires).
`icsvc git-setup` writes the same file for this clone (in `.icsvc/`, `store.derived`) so
`git log --show-signature` agrees, and configures signing with the acting person's key.
"""

from __future__ import annotations

from pathlib import Path

from icsvc.domain.catalogue import Catalogue
from icsvc.errors import IcsvcError
from icsvc.store import derived, gitutil

ALLOWED_SIGNERS = "allowed_signers"


def allowed_signers(cat: Catalogue) -> str:
    """git's allowed-signers file for `people:`: one line per key, `email key`."""
    lines = [f'{email} namespaces="git" {key}'
             for email, person in cat.people.items() for key in person.signing_keys]
    return "\n".join(lines) + ("\n" if lines else "")


def key_text(path: Path) -> str:
    """The public key (type and base64) of a key file, public or private (`.pub` beside)."""
    public = path if path.suffix == ".pub" else path.with_name(path.name + ".pub")
    try:
        parts = public.read_text(encoding="utf-8").split()
    except OSError as exc:
        raise IcsvcError(f"--signing-key: cannot read {public}: {exc.strerror} (accepted: an "
                         "SSH key file, e.g. ~/.ssh/id_ed25519)") from None
    if len(parts) < 2:
        raise IcsvcError(f"--signing-key: {public} is not an SSH public key")
    return f"{parts[0]} {parts[1]}"


def listed(cat: Catalogue, email: str, key: str) -> bool:
    person = cat.people.get(email.lower())
    return person is not None and any(
        " ".join(k.split()[:2]) == key for k in person.signing_keys)


def find_key(cat: Catalogue, email: str, home: Path) -> Path | None:
    """The first `~/.ssh/*.pub` whose key `people:` lists for `email`."""
    for public in sorted((home / ".ssh").glob("*.pub")):
        try:
            if listed(cat, email, key_text(public)):
                return public
        except IcsvcError:
            continue
    return None


def setup(root: Path, cat: Catalogue, email: str | None, key: Path | None,
          home: Path) -> list[str]:
    """Configure SSH commit signing in this clone; returns what changed."""
    top = gitutil.require_repo(root)
    changed: list[str] = []
    signers = allowed_signers(cat)
    if not signers and key is None:
        return changed
    path = derived.folder(root) / ALLOWED_SIGNERS
    try:
        current: str | None = derived.read(path, 1 << 24)
    except OSError:  # none yet, or not a regular file (replaced, never followed)
        current = None
    if current != signers:
        from icsvc.store.yamlio import write_atomic

        write_atomic(path, signers)
        changed.append(f"{path.relative_to(root)}: {signers.count(chr(10))} key(s) from "
                       "people: in providers.yaml")
    settings = {"gpg.format": "ssh", "gpg.ssh.allowedSignersFile": str(path)}
    chosen = key if key is not None else (find_key(cat, email, home) if email else None)
    if key is not None and email is not None and not listed(cat, email, key_text(key)):
        raise IcsvcError(f"--signing-key: {key} is not a key providers.yaml lists for {email} "
                         "(people: ... signing_keys); add its public key there first")
    if chosen is not None:
        settings["user.signingkey"] = str(chosen)
        settings["commit.gpgsign"] = "true"
    for name, value in settings.items():
        if gitutil.config_get(top, name) != value:
            gitutil.config_set(top, name, value)
            changed.append(f"git config {name} {value!r}")
    return changed
