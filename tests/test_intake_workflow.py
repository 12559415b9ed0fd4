"""The intake workflow's own steps (examples/github-intake-workflow.yml), run with bash, real
git and the installed icsvc as a GitHub runner would, with a stand-in `gh` that records what
it was asked to do on GitHub, and GitHub's API (the comments `icsvc intake --post` makes) a
real HTTP server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer

from conftest import ICSVC, STORE_MADE, Store
from issue_helpers import (
    REPO,
    REPO_URL,
    example_with_forms,
    form_path,
    payload,
    render_body,
)

WORKFLOW = REPO / "examples" / "github-intake-workflow.yml"
OPENED_AT = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
BOT = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"

GH_STUB = """#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
record = {"args": args}
if "--body-file" in args and args[args.index("--body-file") + 1] == "-":
    record["stdin"] = sys.stdin.read()
elif "--body-file" in args:
    record["file"] = open(args[args.index("--body-file") + 1]).read()
with open(os.environ["GH_LOG"], "a") as log:
    log.write(json.dumps(record) + "\\n")
if args[:2] == ["pr", "create"]:
    print("https://github.com/acme/requests/pull/99")
"""


@dataclass
class Runner:
    """A GitHub runner for one event: a fresh clone of `origin`, the workflow's env."""

    origin: Path
    tmp: Path
    env: dict[str, str]
    api: HTTPServer

    def run(self, event: dict[str, Any], **job_env: str) -> list[dict[str, Any]]:
        """Run the job's steps for `event` (`job_env` overriding the job's settings, such as
        INTAKE_TO); return the `gh` calls it made, and the API calls as `{"api": ...}`."""
        self.api.clear_log()
        work = self.tmp / f"work-{len(list(self.tmp.glob('work-*')))}"
        subprocess.run(["git", "clone", "-q", str(self.origin), str(work)], check=True,
                       env=self.env)
        event_path = self.tmp / "event.json"
        event_path.write_text(json.dumps(event))
        log = self.tmp / "gh.log"
        log.write_text("")
        outputs: dict[str, dict[str, str]] = {}
        job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["intake"]
        settings = {k: str(v) for k, v in job["env"].items() if "${{" not in str(v)}
        env = dict(self.env, **{**settings, **job_env}, GITHUB_EVENT_PATH=str(event_path),
                   RUNNER_TEMP=str(self.tmp), ISSUE=str(event["issue"]["number"]),
                   BASE="main", GH_TOKEN="token", GITHUB_TOKEN="token", GH_LOG=str(log),
                   GITHUB_REPOSITORY="acme/requests",
                   GITHUB_API_URL=self.api.url_for("/").rstrip("/"))
        # the runner starts as the event happens: its commits are dated then
        happened = (event.get("comment") or event["issue"])["created_at"]
        env.update(GIT_AUTHOR_DATE=happened, GIT_COMMITTER_DATE=happened)
        for step in job["steps"]:
            if "uses" in step or step["run"].startswith("pip install"):
                continue  # checkout (the clone above), setup-python, install: done already
            condition = step.get("if")
            if condition:
                match = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+) == '(\w+)'", condition)
                assert match, condition
                if outputs.get(match[1], {}).get(match[2]) != match[3]:
                    continue
            output = self.tmp / "output"
            output.write_text("")
            proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                                   step["run"]], cwd=work, capture_output=True, text=True,
                                  env=dict(env, GITHUB_OUTPUT=str(output)), timeout=120)
            assert proc.returncode == 0, f"{step.get('name')}: {proc.stdout}{proc.stderr}"
            if "id" in step:
                outputs[step["id"]] = dict(line.split("=", 1) for line in
                                           output.read_text().splitlines() if "=" in line)
        calls = [json.loads(line) for line in log.read_text().splitlines()]
        return calls + [{"api": [request.method, request.path], "json": request.get_json()}
                        for request, _ in self.api.log]

    def git(self, *args: str) -> str:
        return subprocess.run(["git", "-C", str(self.origin), *args], capture_output=True,
                              text=True, check=True, env=self.env).stdout


@pytest.fixture
def runner(tmp_path: Path, httpserver: HTTPServer) -> tuple[Store, Runner]:
    store = example_with_forms(tmp_path / "example", date=STORE_MADE)
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    store.git("push", "-q", str(origin), "main")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(GH_STUB.replace("python3", sys.executable, 1))
    (bin_dir / "gh").chmod(0o755)
    assert ICSVC
    # a runner has no git identity and no clock override: the workflow sets both
    env = {k: v for k, v in store.env.items() if not k.startswith(("GIT_", "ICSVC_"))}
    env.update(GIT_CONFIG_NOSYSTEM="1",
               PATH=os.pathsep.join([str(bin_dir), str(Path(ICSVC).parent),
                                     os.environ["PATH"]]))
    runs = tmp_path / "runs"
    runs.mkdir()
    httpserver.expect_request(re.compile("/repos/acme/requests/.*")).respond_with_json({})
    return store, Runner(origin, runs, env, httpserver)


def _body(store: Store, **answers: str) -> str:
    return render_body(form_path(store, "engineering", "part-clarification"),
                       {"info-order_number": "SO-88412", "info-part_number": "7730-C",
                        **answers})


def comments(calls: list[dict[str, Any]]) -> list[str]:
    """The comments posted through GitHub's API."""
    return [c["json"]["body"] for c in calls
            if c.get("api", [None, ""])[1].endswith("/comments")]


def test_an_issue_is_in_the_queue_at_once(runner: tuple[Store, Runner]) -> None:
    """By default the request is committed as the requester straight to the default branch,
    after check, and the issue answered; its clocks start at the issue's time."""
    store, gh = runner
    event = payload(12, "[engineering/part-clarification] Thread spec", _body(store),
                    created_at="2026-11-24T20:00:00Z")
    calls = gh.run(event)
    log = gh.git("log", "--format=%an <%ae>|%cn <%ce>|%s", "main", "-1")
    author, committer, subject = log.strip().split("|")
    assert author == "maria-acme <maria-acme@users.noreply.github.com>"
    assert committer == BOT
    files = gh.git("diff", "--name-only", "main~1", "main").split()
    assert len(files) == 1 and files[0].startswith("requests/engineering/")
    rid = Path(files[0]).stem
    assert subject == f"{rid}: Thread spec (from #12)"
    saved = yaml.safe_load(gh.git("show", f"main:{files[0]}"))
    assert saved["source"] == {"github_issue": 12, "url": f"{REPO_URL}/issues/12"}
    assert saved["history"][0]["at"] == OPENED_AT  # the issue's time, not the run's
    assert [c["args"][:2] for c in calls if "args" in c] == [["label", "create"],
                                                             ["issue", "edit"]]
    [said] = comments(calls)
    assert said.startswith(f"@maria-acme, this is now request **{rid}**")
    assert "It is in Engineering's queue" in said and "pull request" not in said
    assert said.endswith("<!-- icsvc -->")
    assert gh.git("branch", "--list", "--format=%(refname:short)").split() == ["main"]
    # edited, or '/icsvc retry': nothing more happens
    before = gh.git("rev-parse", "main")
    for again in (payload(12, "[engineering/part-clarification] Thread spec", _body(store),
                          action="edited"),
                  payload(12, "[engineering/part-clarification] Thread spec", _body(store),
                          comment="/icsvc retry")):
        assert gh.run(again) == []
    assert gh.git("rev-parse", "main") == before


def _comment(number: int, body: str, login: str, cid: int) -> dict[str, Any]:
    event = payload(number, "[engineering/part-clarification] Thread spec", "",
                    comment=body)
    user = {"login": login, "id": 4242, "type": "User"}
    event["sender"] = user
    event["comment"] = {"id": cid, "body": body, "user": user,
                        "created_at": "2026-11-24T21:00:00Z",
                        "updated_at": "2026-11-24T21:00:00Z"}
    return event


def test_comments_act_and_are_committed_as_their_writers(runner: tuple[Store, Runner]
                                                         ) -> None:
    store, gh = runner
    gh.run(payload(12, "[engineering/part-clarification] Thread spec", _body(store)))
    rid = Path(gh.git("diff", "--name-only", "main~1", "main").split()[0]).stem
    calls = gh.run(_comment(12, "/ack", "ana-acme", 501))
    assert gh.git("log", "-1", "--format=%ae %s", "main").strip() == (
        f"ana-acme@users.noreply.github.com {rid}: status (from #12)")
    assert any(f"{rid} acknowledged" in body for body in comments(calls))
    # the same comment delivered again, and icsvc's own answer: nothing changes
    before = gh.git("rev-parse", "main")
    assert comments(gh.run(_comment(12, "/ack", "ana-acme", 501))) == []
    assert gh.run(_comment(12, "/cancel\n\n<!-- icsvc -->", "maria-acme", 502)) == []
    # a refusal is answered on the issue, and nothing is committed
    refused = gh.run(_comment(12, "/rate 5", "maria-acme", 503))
    [why] = comments(refused)
    assert why.startswith(f"@maria-acme, icsvc could not do that on request {rid}")
    assert gh.git("rev-parse", "main") == before
    # the requester cancels: committed as them, and the issue closes
    calls = gh.run(_comment(12, "/cancel We found it", "maria-acme", 504))
    assert ["PATCH", "/repos/acme/requests/issues/12"] in [c.get("api") for c in calls]
    assert gh.git("log", "-1", "--format=%ae", "main").strip() == (
        "maria-acme@users.noreply.github.com")
    clone = gh.tmp / "final"
    subprocess.run(["git", "clone", "-q", str(gh.origin), str(clone)], check=True,
                   env=gh.env)
    proc = subprocess.run([str(ICSVC), "check", "--base", before.strip()], cwd=clone,
                          capture_output=True, text=True, env=gh.env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_issue_becomes_a_pull_request_committed_as_the_requester(
        runner: tuple[Store, Runner]) -> None:
    store, gh = runner
    event = payload(12, "[engineering/part-clarification] Thread spec", _body(store),
                    created_at="2026-11-24T20:00:00Z")
    calls = gh.run(event, INTAKE_TO="pull-request")
    log = gh.git("log", "--format=%an <%ae>|%cn <%ce>|%s", "icsvc/issue-12", "-1")
    author, committer, subject = log.strip().split("|")
    assert author == "maria-acme <maria-acme@users.noreply.github.com>"
    assert committer == BOT
    files = gh.git("diff", "--name-only", "main", "icsvc/issue-12").split()
    assert len(files) == 1 and files[0].startswith("requests/engineering/")
    rid = Path(files[0]).stem
    assert subject == f"{rid}: Thread spec (from #12)"
    saved = yaml.safe_load(gh.git("show", f"icsvc/issue-12:{files[0]}"))
    assert saved["source"] == {"github_issue": 12, "url": f"{REPO_URL}/issues/12"}
    assert saved["customer"]["email"] == "maria@example.com"
    assert saved["history"][0]["at"] == OPENED_AT  # not the merge's
    commands = [c["args"][:2] for c in calls if "args" in c]
    assert commands == [["pr", "list"], ["pr", "create"], ["label", "create"],
                        ["issue", "edit"]]
    create = calls[1]["args"]
    assert create[create.index("--head") + 1] == "icsvc/issue-12"
    assert create[create.index("--base") + 1] == "main"
    assert create[create.index("--title") + 1] == (
        "Thread spec (engineering/part-clarification, #12)")
    assert calls[1]["file"].startswith(f"Request {rid} from #12, asked by @maria-acme")
    [said] = comments(calls)
    assert said.startswith(f"@maria-acme, this is now request **{rid}**")
    assert "added by the pull request linked to this issue" in said
    assert calls[3]["args"] == ["issue", "edit", "12", "--add-label", "engineering"]
    assert gh.git("rev-parse", "main") == gh.git("rev-parse", "main~0")
    assert gh.git("log", "-1", "--format=%s", "main").strip() == "issue forms"
    # edited, or '/icsvc retry': the runner finds the branch, and nothing more happens
    before = gh.git("rev-parse", "icsvc/issue-12")
    for again in (payload(12, "[engineering/part-clarification] Thread spec", _body(store),
                          action="edited"),
                  payload(12, "[engineering/part-clarification] Thread spec", _body(store),
                          comment="/icsvc retry")):
        assert gh.run(again, INTAKE_TO="pull-request") == []
    assert gh.git("rev-parse", "icsvc/issue-12") == before
    assert gh.git("branch", "--list", "--format=%(refname:short)").split() == [
        "icsvc/issue-12", "main"]


def test_a_refusal_is_commented_and_nothing_is_pushed(runner: tuple[Store, Runner]) -> None:
    store, gh = runner
    before = gh.git("rev-parse", "main")
    calls = gh.run(payload(13, "[engineering/part-clarification] Bore",
                           _body(store, priority="urgent")))
    assert [c["api"] for c in calls] == [["POST", "/repos/acme/requests/issues/13/comments"]]
    assert "a rush needs 'Justification for a rush'" in comments(calls)[0]
    calls = gh.run(payload(14, "[engineering/part-clarification] Bore", _body(store),
                           login="octocat"))
    assert comments(calls)[0].startswith("@octocat, icsvc does not know who you are yet")
    assert gh.git("rev-parse", "main") == before
    assert gh.git("branch", "--list", "--format=%(refname:short)").split() == ["main"]


def test_the_pull_request_passes_check_base(runner: tuple[Store, Runner]) -> None:
    store, gh = runner
    gh.run(payload(15, "[engineering/part-clarification] Bore", _body(store)),
           INTAKE_TO="pull-request")
    clone = gh.tmp / "review"
    subprocess.run(["git", "clone", "-q", "-b", "icsvc/issue-15", str(gh.origin), str(clone)],
                   check=True, env=gh.env)
    proc = subprocess.run([str(ICSVC), "check", "--base", "origin/main"], cwd=clone,
                          capture_output=True, text=True, env=gh.env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
