"""`people:` in providers.yaml (GitHub logins and signing keys) and a request's `source`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import PROVIDERS, Store
from icsvc.store.files import load_catalogue

PEOPLE = """\
people:
  maria@example.com:
    github: Maria-Acme
    signing_keys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests maria@laptop
    - sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t maria@yubikey
  ana@example.com: {github: ana-acme}
  pat@example.com: {}
"""
LINE = re.compile(r"^providers\.yaml:(\d+): (.*)$")


def test_people_are_loaded_and_found_by_login(tmp_path: Path) -> None:
    path = tmp_path / "providers.yaml"
    path.write_text(PROVIDERS + PEOPLE)
    cat = load_catalogue(path)
    maria = cat.people["maria@example.com"]
    assert maria.github == "Maria-Acme"
    assert maria.signing_keys[0].startswith("ssh-ed25519 ")
    assert cat.person_by_github("maria-acme") is maria
    assert cat.person_by_github("MARIA-ACME") is maria
    assert cat.person_by_github("ana-acme") is cat.people["ana@example.com"]
    assert cat.people["pat@example.com"].github is None
    assert cat.person_by_github("octocat") is None


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ("    github: Maria-Acme\n", "    github: maria acme\n", "people.maria@example.com.github",
     "'maria acme' is not valid (accepted: a GitHub login"),
    ("    github: Maria-Acme\n", "    github: -maria\n", "people.maria@example.com.github",
     "is not valid"),
    ("  ana@example.com: {github: ana-acme}", "  ana@example.com: {github: MARIA-acme}",
     "people.ana@example.com.github",
     "MARIA-acme is already the login of maria@example.com (logins ignore case)"),
    ("  pat@example.com: {}", "  pat@example.com: {gihub: pat}", "people.pat@example.com.gihub",
     "unknown key; did you mean github? (accepted: github, signing_keys)"),
    ("    - ssh-ed25519 AAAAC3", "    - AAAAC3", "people.maria@example.com.signing_keys[0]",
     "is not an SSH public key (accepted: a line starting ssh-, sk-ssh-, ecdsa-"),
    ("  ana@example.com: {github: ana-acme}",
     "  ana@example.com: {github: ana-acme, signing_keys: ssh-rsa AAAA}",
     "people.ana@example.com.signing_keys", "expected a list"),
    ("  pat@example.com: {}", "  pat: {}", "people.pat", "'pat' is not an email address"),
    ("  pat@example.com: {}", "  PAT@example.com: {}\n  pat@example.com: {}",
     "people.pat@example.com", "pat@example.com is listed twice"),
])
def test_people_errors_are_located(store: Store, old: str, new: str, field: str,
                                   message: str) -> None:
    text = PROVIDERS + PEOPLE
    assert old in text
    text = text.replace(old, new, 1)
    (store.root / "providers.yaml").write_text(text)
    result = store.fails("check")
    first = result.out.strip().splitlines()[0]
    match = LINE.match(first)
    assert match, first
    assert match.group(2).startswith(f"{field}: "), first
    assert message in first, first
    assert int(match.group(1)) > PROVIDERS.count("\n")


def test_a_request_source_is_validated_and_kept_in_order(store: Store) -> None:
    store.ok("check")
    rid = store.new("-p", "engineering", "-s", "drawing-review", "-t", "Check D-1")
    path = store.request_file(rid)
    text = path.read_text()
    source = "source:\n  github_issue: 12\n  url: https://github.com/acme/requests/issues/12\n"
    path.write_text(text.replace("targets:\n", source + "targets:\n"))
    store.ok("check")
    store.ok("update", rid, "--note", "Looking at it", actor="ana@example.com")
    data = yaml.safe_load(path.read_text())
    assert list(data).index("source") == list(data).index("targets") - 1
    assert data["source"]["github_issue"] == 12
    for bad, message in (("github_issue: twelve", "source.github_issue: expected a whole "
                                                  "number"),
                         ("github_issue: 0", "source.github_issue: expected an issue number"),
                         ("github_issue: 12\n  issue: 12", "source.issue: unknown key")):
        path.write_text(text.replace("targets:\n", f"source:\n  {bad}\ntargets:\n"))
        result = store.fails("check")
        assert message in result.out, result.out
