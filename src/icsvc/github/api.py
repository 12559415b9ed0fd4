"""The GitHub REST API calls icsvc makes: a comment on an issue, closing or reopening it.

The workflow gives the repository and a token in its environment (`GITHUB_REPOSITORY`,
`GITHUB_TOKEN` or `GH_TOKEN`, and `GITHUB_API_URL` on GitHub Enterprise); nothing else
here talks to GitHub. A failure is one line naming the call and GitHub's answer, without
the token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from icsvc.errors import IcsvcError

DEFAULT_API = "https://api.github.com"
TIMEOUT = 30
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
MARK = "<!-- icsvc -->"
"""The end of every comment icsvc posts: intake never acts on one (posted with a person's
token, it would otherwise read as that person's)."""


@dataclass(frozen=True)
class Post:
    """What to do on one issue: a comment, and whether to close (as completed or not
    planned) or reopen it."""

    issue: int
    body: str | None = None
    close: str | None = None
    """`completed` or `not_planned`; None leaves the issue as it is."""
    reopen: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"issue": self.issue, "body": self.body, "close": self.close,
                "reopen": self.reopen}

    @classmethod
    def from_dict(cls, data: Any) -> Post:
        if not isinstance(data, dict) or isinstance(data.get("issue"), bool) or \
                not isinstance(data.get("issue"), int):
            raise IcsvcError(f"--post: {data!r} is not a post (expected issue, body, close, "
                             "reopen as 'icsvc intake --format json' prints them)")
        body = data.get("body")
        close = data.get("close")
        if close not in (None, "completed", "not_planned"):
            raise IcsvcError(f"--post: close {close!r} is not completed or not_planned")
        return cls(int(data["issue"]), str(body) if body else None, close,
                   bool(data.get("reopen")))


class GitHub:
    def __init__(self, api: str, repo: str, token: str) -> None:
        self.api = api.rstrip("/")
        self.repo = repo
        self.token = token

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> GitHub:
        repo = env.get("GITHUB_REPOSITORY", "")
        token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or ""
        if not _REPO.match(repo):
            raise IcsvcError(f"GITHUB_REPOSITORY: {repo!r} is not OWNER/NAME (GitHub sets it "
                             "in a workflow)")
        if not token:
            raise IcsvcError("GITHUB_TOKEN (or GH_TOKEN) is not set: the workflow gives it "
                             "(secrets.GITHUB_TOKEN)")
        return cls(env.get("GITHUB_API_URL") or DEFAULT_API, repo, token)

    def call(self, method: str, path: str, data: dict[str, Any]) -> Any:
        import urllib.error
        import urllib.request

        url = f"{self.api}/repos/{self.repo}/{path}"
        request = urllib.request.Request(
            url, data=json.dumps(data).encode(), method=method,
            headers={"Authorization": f"Bearer {self.token}",
                     "Accept": "application/vnd.github+json",
                     "X-GitHub-Api-Version": "2022-11-28",
                     "Content-Type": "application/json", "User-Agent": "icsvc"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                text = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300].replace("\n", " ")
            raise IcsvcError(f"GitHub: {method} {path} failed: {exc.code} {exc.reason} "
                             f"{detail}".replace(self.token, "***").strip()) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise IcsvcError(f"GitHub: {method} {path} failed: {reason}") from None
        return json.loads(text) if text.strip() else None

    def comment(self, issue: int, body: str) -> None:
        self.call("POST", f"issues/{issue}/comments", {"body": f"{body}\n\n{MARK}"})

    def set_state(self, issue: int, state: str, reason: str | None = None) -> None:
        data: dict[str, Any] = {"state": state}
        if reason:
            data["state_reason"] = reason
        self.call("PATCH", f"issues/{issue}", data)

    def post(self, post: Post) -> None:
        """Comment first, then close or reopen: the comment says why."""
        if post.body:
            self.comment(post.issue, post.body)
        if post.close:
            self.set_state(post.issue, "closed", post.close)
        elif post.reopen:
            self.set_state(post.issue, "open", "reopened")
