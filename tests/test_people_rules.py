"""People known without an admin for each: `people.rules` (a mail domain, everyone
`departments:` lists), `icsvc people import` from a CSV export of the company directory,
and a GitHub login `people:` does not map asking with the email it gives on the form,
marked unverified until an admin confirms it; `check --base` accepts exactly that."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import NOW, Store, make_store
from issue_helpers import REPO_URL, example_store, form_path, payload, render_body, write_event

PART = "[engineering/part-clarification] "
OPENED = "2026-11-24T15:00:00Z"


def mail(sender: str, msgid: str) -> str:
    return (f"From: {sender}\nTo: requests+engineering.part-clarification@example.com\n"
            f"Subject: Bracket\nMessage-ID: <{msgid}@x>\n\norder_number: SO-1\n"
            "part_number: 7730-C\nDepartment: sales\n\nWhich thread?\n")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    made = make_store(tmp_path / "store")
    made.env["ICSVC_NOW"] = NOW
    return made


def test_people_import_sets_departments_from_the_directory(store: Store,
                                                           tmp_path: Path) -> None:
    csv = tmp_path / "directory.csv"
    csv.write_text("Name,Email,Department,Manager,Phone\n"
                   "Maria,Maria@Example.com,customer-service,,1\n"
                   "Quinn,quinn@example.com,Customer Service,,2\n"  # the key or the name
                   "Dana,dana@example.com,customer-service,yes,3\n"
                   "Cy,cy@example.com,Payroll Clerks,,4\n"
                   ",,,,\n")
    dry = store.ok("people", "import", str(csv), "--dry-run")
    assert "dry run: nothing written" in dry.out
    before = store.snapshot()
    assert store.snapshot() == before
    done = store.ok("people", "import", str(csv), "--format", "json").json()
    assert [(d["department"], d["added"]) for d in done["departments"]] == [
        ("customer-service", False), ("payroll-clerks", True)]
    depts = yaml.safe_load((store.root / "providers.yaml").read_text())["departments"]
    assert depts["customer-service"]["members"] == ["maria@example.com", "quinn@example.com"]
    assert depts["customer-service"]["manager"] == "dana@example.com"
    assert depts["payroll-clerks"] == {"name": "Payroll Clerks", "members": ["cy@example.com"]}
    assert depts["sales"]["members"] == ["lee@example.com"]  # not in the file: left alone
    store.ok("check")
    # the same file again changes nothing
    after = store.snapshot()
    assert "nothing to do" in store.ok("people", "import", str(csv)).out
    assert store.snapshot() == after


@pytest.mark.parametrize(("text", "error"), [
    ("email,team\na@example.com,x\n", "directory.csv:1: the header ['email', 'team'] has no "
                                      "department column"),
    ("email,department\na@example.com,sales\nnot-an-email,sales\n",
     "directory.csv:3: email 'not-an-email' is not an email address"),
    ("email,department\na@example.com,\n", "directory.csv:2: a@example.com has no department"),
    ("", "directory.csv: empty"),
])
def test_people_import_refuses_a_bad_row_and_writes_nothing(store: Store, tmp_path: Path,
                                                            text: str, error: str) -> None:
    csv = tmp_path / "directory.csv"
    csv.write_text(text)
    before = store.snapshot()
    assert error in store.fails("people", "import", str(csv)).err
    assert store.snapshot() == before
    assert "cannot read" in store.fails("people", "import", str(tmp_path / "nope.csv"),
                                        code=2).err


def test_who_may_ask_by_mail_follows_the_rules(store: Store, tmp_path: Path) -> None:
    # only the people providers.yaml names may ask, until a rule says more
    strange = store.fails("mail", input=mail("new.hire@example.com", "a"))
    assert "new.hire@example.com is not someone providers.yaml knows" in strange.err
    with (store.root / "providers.yaml").open("a") as f:
        f.write("people:\n  rules:\n    domains: [example.com]\n")
    assert store.ok("mail", input=mail("new.hire@example.com", "b")).out.startswith("created ")
    assert "not someone providers.yaml knows" in store.fails(
        "mail", input=mail("someone@elsewhere.org", "c")).err
    # everyone the directory lists, with people.rules.departments
    text = (store.root / "providers.yaml").read_text().replace(
        "    domains: [example.com]\n", "    departments: true\n")
    (store.root / "providers.yaml").write_text(text)
    csv = tmp_path / "directory.csv"
    csv.write_text("email,department\nzoe@acme.org,sales\n")
    assert "not someone providers.yaml knows" in store.fails(
        "mail", input=mail("zoe@acme.org", "d")).err
    store.ok("people", "import", str(csv))
    assert store.ok("mail", input=mail("zoe@acme.org", "e")).out.startswith("created ")
    store.ok("check")


# -- a GitHub login people: does not map --------------------------------------------------

UNVERIFIED = "people:\n  rules:\n    unverified_github: true\n    domains: [example.com]\n"


@pytest.fixture
def example(tmp_path: Path) -> Store:
    made = example_store(tmp_path / "example")
    with (made.root / "providers.yaml").open("a") as f:
        f.write("\n")
    text = (made.root / "providers.yaml").read_text().replace(
        "\npeople:\n", "\n" + UNVERIFIED, 1)
    (made.root / "providers.yaml").write_text(text)
    made.ok("forms", "--repo-url", REPO_URL)
    made.git("add", "-A")
    made.git("commit", "-qm", "forms; unverified logins may ask",
             date="2026-11-20T10:00:00-05:00")
    return made


def ask(store: Store, number: int, login: str, email: str) -> tuple[int, dict[str, object]]:
    body = render_body(form_path(store, "engineering", "part-clarification"),
                       {"info-order_number": "SO-1", "info-part_number": "7730-C",
                        "email": email, "department": "sales"})
    path = write_event(store.root.parent, payload(number, PART + "Bore", body, login=login,
                                                  created_at=OPENED), f"ev-{number}.json")
    result = store.icsvc("intake", "--event", str(path), "--format", "json")
    return result.code, json.loads(result.out)


def test_an_unmapped_login_asks_with_the_email_it_gives(example: Store) -> None:
    form = yaml.safe_load(form_path(example, "engineering", "part-clarification").read_text())
    assert form["body"][-1]["attributes"]["label"] == "Your email"
    code, data = ask(example, 80, "newbie", "Newbie@Example.com")
    assert code == 0, data["message"]
    assert "marked unverified until an admin confirms it" in str(data["comment"])
    saved = yaml.safe_load(example.request_file(str(data["id"])).read_text())
    assert saved["customer"]["email"] == "newbie@example.com"
    assert saved["source"] == {"github_issue": 80, "url": f"{REPO_URL}/issues/80",
                               "github_login": "newbie", "unverified": True}
    assert "unverified: given by the GitHub login newbie" in example.ok(
        "show", str(data["id"])).out
    # committed as that login (the workflow does), check --base accepts it
    base = example.git("rev-parse", "HEAD").strip()
    example.git("add", "-A")
    example.git("commit", "-qm", "from #80",
                "--author=newbie <newbie@users.noreply.github.com>",
                date="2026-11-24T10:01:00-05:00")
    example.ok("check", "--base", base, now="2026-11-24T10:05:00-05:00")
    # an admin confirms: the login is mapped to the email, and the mark is gone
    text = (example.root / "providers.yaml").read_text().replace(
        "    domains: [example.com]\n",
        "    domains: [example.com]\n  newbie@example.com: {github: newbie}\n", 1)
    (example.root / "providers.yaml").write_text(text)
    assert "unverified" not in example.ok("show", str(data["id"])).out


@pytest.mark.parametrize(("email", "why"), [
    ("", "give the email your requests are recorded under in 'Your email'"),
    ("not an email", "is not an email address"),
    ("vp-eng@example.com", "acts for a provider or a department"),  # an escalation contact
    ("maria@example.com", "is under 'people:' with another GitHub login"),
    ("x@elsewhere.org", "is not an address of example.com"),
])
def test_an_unmapped_login_may_not_claim_just_any_email(example: Store, email: str,
                                                        why: str) -> None:
    before = example.snapshot()
    code, data = ask(example, 81, "newbie", email)
    assert code == 1 and data["status"] == "refused"
    assert why in str(data["message"]) and why in str(data["comment"])
    assert example.snapshot() == before


def test_a_claim_is_refused_by_check_base_without_the_rule(example: Store) -> None:
    """A request claiming an email for a login passes check --base only while the base's
    providers.yaml lets unmapped logins ask (a branch cannot turn the rule on for itself)."""
    code, data = ask(example, 82, "newbie", "newbie@example.com")
    assert code == 0
    text = (example.root / "providers.yaml").read_text().replace(
        "    unverified_github: true\n", "")
    (example.root / "providers.yaml").write_text(text)
    example.git("commit", "-qm", "no more unverified logins", "--author=COO <coo@example.com>",
                "providers.yaml", date="2026-11-24T10:00:30-05:00")
    example.git("add", "requests")
    example.git("commit", "-qm", "from #82", "--author=newbie <newbie@users.noreply.github.com>",
                date="2026-11-24T10:01:00-05:00")
    failed = example.fails("check", "--base", "HEAD~1", now="2026-11-24T10:05:00-05:00")
    assert "newbie@example.com is not the author" in failed.out, failed.out
    # and without the rule, intake says how to be added, as before
    code, data = ask(example, 83, "other", "other@example.com")
    assert code == 1 and str(data["comment"]).startswith(
        "@other, icsvc does not know who you are yet")
