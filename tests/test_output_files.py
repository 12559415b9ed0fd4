"""Output options (`report -o`, `codeowners -o`, `forms -o`) never overwrite a file unless
told to (`--force`), and never write among the store's own files or git's, whatever the
path's case, `..` or symlinks: they overwrote providers.yaml, a request file and
`.git/config`."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Store

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "T",
        "--info", "order_number=1", "--info", "part_number=2"]
REPO_URL = "https://github.com/acme/requests"


def _everything(store: Store) -> dict[str, bytes]:
    """Every file of the store, .git's included (the snapshot leaves .git out)."""
    return {str(p.relative_to(store.root)): p.read_bytes()
            for p in sorted(store.root.rglob("*")) if p.is_file() and not p.is_symlink()
            and "index.sqlite" not in p.name and p.name != "index"}


@pytest.fixture
def busy(store: Store) -> Store:
    """A store with a request, a survey answer folder and derived data, committed."""
    store.new(*PART)
    (store.root / "surveys" / "2026Q4").mkdir(parents=True)
    store.git("add", "-A")
    store.git("commit", "-qm", "a request")
    store.ok("list")  # makes .icsvc/
    return store


MANAGED = [
    "providers.yaml", "PROVIDERS.YAML", "requests", "requests/engineering/r.html",
    "Requests/Engineering/r.html", "surveys/2026Q4/r.md", "SURVEYS/r.md", ".icsvc/r.json",
    ".git/config", ".GIT/config", ".git/hooks/pre-commit", "sub/../providers.yaml",
    "./requests/../requests/x.csv", ".", "link-to-requests/r.html", "link-to-catalogue",
    "requests/engineering/{rid}.yaml",
]


def _links(store: Store) -> None:
    (store.root / "link-to-requests").symlink_to(store.root / "requests" / "engineering")
    (store.root / "link-to-catalogue").symlink_to("providers.yaml")
    (store.root / "sub").mkdir(exist_ok=True)


@pytest.mark.parametrize("target", MANAGED)
@pytest.mark.parametrize("force", [False, True])
def test_report_never_writes_the_stores_own_files(busy: Store, target: str,
                                                  force: bool) -> None:
    _links(busy)
    rid = next((busy.root / "requests" / "engineering").glob("*.yaml")).stem
    target = target.format(rid=rid)
    before = _everything(busy)
    result = busy.fails("report", "-o", target, *(["--force"] if force else []), code=2)
    assert result.err.startswith(f"icsvc: error: --output: {Path(target)} is ")
    assert result.err.endswith(": no output is written there, even with --force (accepted: "
                               "a path outside providers.yaml, requests/, surveys/, .icsvc/ "
                               "and .git)\n")
    assert len(result.err.splitlines()) == 1
    assert _everything(busy) == before
    assert not (busy.root / "requests" / "engineering" / "r.html").exists()


def test_report_refuses_an_existing_file_unless_forced(busy: Store, tmp_path: Path) -> None:
    target = tmp_path / "weekly.html"
    target.write_text("someone's notes\n")
    result = busy.fails("report", "-o", str(target))
    assert result.err == (f"icsvc: error: refused: {target} already exists; pass --force to "
                          "replace it, or name another file\n")
    assert target.read_text() == "someone's notes\n"
    busy.ok("report", "-o", str(target), "--force")
    assert target.read_text().startswith("<!DOCTYPE html>")
    other = tmp_path / "fresh.md"
    busy.ok("report", "-o", str(other))
    assert other.read_text().startswith("## Service report")
    (tmp_path / "a-folder").mkdir()
    r = busy.fails("report", "-o", str(tmp_path / "a-folder"), "--force", code=2)
    assert "is a folder (accepted: a file path)" in r.err


def test_report_refuses_a_symlink_or_fifo_in_the_way(busy: Store, tmp_path: Path) -> None:
    import os

    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n")
    link = tmp_path / "r.csv"
    link.symlink_to(outside)
    busy.fails("report", "-o", str(link))
    fifo = tmp_path / "r.json"
    os.mkfifo(fifo)
    busy.fails("report", "-o", str(fifo))  # refused at once: never opened
    busy.ok("report", "-o", str(link), "--force")  # replaces the link, not its target
    assert outside.read_text() == "keep\n" and not link.is_symlink()


@pytest.mark.parametrize("target", ["providers.yaml", "requests/engineering/CODEOWNERS",
                                    ".git/CODEOWNERS", ".icsvc/CODEOWNERS",
                                    "surveys/CODEOWNERS", "x/../Providers.yaml"])
def test_codeowners_never_writes_the_stores_own_files(busy: Store, target: str) -> None:
    before = _everything(busy)
    for extra in ([], ["--force"], ["--check"]):
        result = busy.fails("codeowners", "-o", target, *extra, code=2)
        assert f"--output: {target} is " in result.err
    assert _everything(busy) == before


def test_codeowners_updates_its_own_block_but_needs_force_for_another_file(
        busy: Store) -> None:
    owners = busy.root / "docs" / "OWNERS"
    owners.parent.mkdir()
    owners.write_text("# the docs team's\n/docs/ @acme/writers\n")
    result = busy.fails("codeowners", "-o", "docs/OWNERS")
    assert result.err == ("icsvc: error: refused: docs/OWNERS already exists; pass --force "
                          "to replace it, or name another file\n")
    assert owners.read_text() == "# the docs team's\n/docs/ @acme/writers\n"
    assert busy.fails("codeowners", "-o", "docs/OWNERS", "--check").code == 1  # only read
    busy.ok("codeowners", "-o", "docs/OWNERS", "--force")
    text = owners.read_text()
    assert text.startswith("# the docs team's\n/docs/ @acme/writers\n\n# BEGIN icsvc")
    # the file now holds the block: it is icsvc's to update, without --force
    (busy.root / "providers.yaml").write_text((busy.root / "providers.yaml").read_text()
                                              .replace("[pat@example.com]",
                                                       "[pat@example.com, o@example.com]"))
    busy.ok("codeowners", "-o", "docs/OWNERS")
    assert "o@example.com" in owners.read_text()
    assert owners.read_text().startswith("# the docs team's\n")
    busy.ok("codeowners")  # the default file is always icsvc's to write
    busy.ok("codeowners")


@pytest.mark.parametrize("target", ["requests/engineering", "requests", ".git", ".icsvc",
                                    "surveys/2026Q4", "providers.yaml", "REQUESTS/x"])
def test_forms_never_write_among_the_stores_own_files(busy: Store, target: str) -> None:
    before = _everything(busy)
    result = busy.fails("forms", "-o", target, "--repo-url", REPO_URL, "--force", code=2)
    assert f"--output: {target} is " in result.err
    assert _everything(busy) == before


def test_forms_keep_hand_written_files_unless_forced(busy: Store, tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "config.yml").write_text("blank_issues_enabled: true\n")
    out = busy.ok("forms", "-o", str(folder), "--repo-url", REPO_URL).out
    assert "kept     config.yml (written by hand: icsvc leaves it alone; --force replaces it)" \
        in out
    assert (folder / "config.yml").read_text() == "blank_issues_enabled: true\n"
    out = busy.ok("forms", "-o", str(folder), "--repo-url", REPO_URL, "--force").out
    assert "replaced config.yml" in out
    assert (folder / "config.yml").read_text() != "blank_issues_enabled: true\n"
    busy.ok("forms", "-o", str(folder), "--check")
    file = tmp_path / "a-file"
    file.write_text("x\n")
    r = busy.fails("forms", "-o", str(file), "--repo-url", REPO_URL, code=2)
    assert "is not a folder (accepted: a folder)" in r.err
    assert file.read_text() == "x\n"
