"""Shell completion: the candidates icsvc gives through its completion entry point (the
`_ICSVC_COMPLETE` environment protocol), for bash, zsh and fish, and the scripts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ICSVC, Store
from icsvc.cli.completion import SHELLS

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "Bore diameter",
        "--info", "order_number=SO-1", "--info", "part_number=P-2"]


def complete(store: Store, line: str, shell: str = "bash", cwd: Path | None = None,
             **env: str) -> list[str]:
    r = store.icsvc(env={"_ICSVC_COMPLETE": shell, "_ICSVC_COMPLETE_ARGS": line, **env},
                    cwd=cwd)
    assert r.code == 0 and r.err == "", r.err
    return r.out.splitlines()


def test_commands_and_options(store: Store) -> None:
    assert complete(store, "icsvc sh") == ["show"]
    assert {"new", "queue", "commit", "completion", "schema"} <= set(complete(store, "icsvc "))
    assert complete(store, "icsvc list --st") == ["--status", "--store"]
    assert complete(store, "icsvc list -f ") == ["table", "json", "csv", "markdown"]


def test_request_ids_from_file_names(store: Store) -> None:
    rid = store.new(*PART)
    other = store.new(*PART)
    assert set(complete(store, "icsvc show ")) == {rid, other}
    assert complete(store, f"icsvc triage {rid[:3]}") == [rid]
    typed = rid[:5].lower()  # in the case typed (an all-digit prefix has no case)
    assert complete(store, f"icsvc update {typed}") == [rid.lower() if typed.islower()
                                                        else rid]


def test_names_from_providers_yaml(store: Store) -> None:
    rid = store.new(*PART)
    assert complete(store, "icsvc queue ") == ["engineering", "payroll"]
    assert complete(store, "icsvc list -p Pay") == ["Payroll"]  # any case, kept as typed
    assert complete(store, "icsvc new -p payroll -s ") == ["pay-correction",
                                                           "part-clarification"]
    assert complete(store, "icsvc new --provider=engineering -s d") == ["drawing-review"]
    assert complete(store, "icsvc list --status w") == ["waiting-on-customer"]
    assert complete(store, "icsvc new --priority ") == ["low", "normal", "high", "urgent"]
    assert complete(store, f"icsvc triage {rid} --assign ") == ["ana@example.com",
                                                                "raj@example.com"]
    assert complete(store, "icsvc triage X --redirect p") == ["payroll"]
    assert complete(store, "icsvc list --department c") == ["customer-service"]
    assert "maria@example.com" in complete(store, "icsvc show X --as ")


def test_zsh_and_fish_get_the_descriptions(store: Store) -> None:
    assert complete(store, "icsvc queue eng", "zsh") == ["engineering:Engineering"]
    assert complete(store, "icsvc queue eng", "fish") == ["engineering\tEngineering"]
    assert complete(store, "icsvc sh", "fish")[0].startswith("show\tA request with its SLA")


def test_a_broken_or_missing_store_gives_no_candidates(store: Store, tmp_path: Path) -> None:
    (store.root / "providers.yaml").write_text("providers: [unclosed\n")
    assert complete(store, "icsvc queue ") == []
    assert complete(store, "icsvc sh") == ["show"]  # commands still complete
    (store.root / "providers.yaml").write_text("- just\n- a list\n")
    assert complete(store, "icsvc new -p ") == []
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert complete(store, "icsvc show ", cwd=outside) == []
    assert complete(store, "icsvc queue ", ICSVC_STORE=str(tmp_path / "nope")) == []
    assert complete(store, 'icsvc new -t "open quote -p ') == []


def test_a_bad_shell_is_one_line(store: Store) -> None:
    r = store.icsvc(env={"_ICSVC_COMPLETE": "tcsh", "_ICSVC_COMPLETE_ARGS": "icsvc "})
    assert r.code == 2 and r.err.startswith("icsvc: error: _ICSVC_COMPLETE: 'tcsh'")


@pytest.mark.parametrize("shell", SHELLS)
def test_completion_prints_the_script(store: Store, shell: str) -> None:
    out = store.ok("completion", shell).out
    assert "_ICSVC_COMPLETE" in out and "icsvc" in out
    assert out.startswith("#")


def _shell_env(store: Store) -> dict[str, str]:
    """The store's environment with the installed icsvc first on PATH, for a real shell."""
    return dict(store.env, PATH=f"{Path(ICSVC or 'icsvc').parent}{os.pathsep}"
                                f"{os.environ['PATH']}")


def test_the_bash_script_completes(store: Store) -> None:
    rid = store.new(*PART)
    env = _shell_env(store)
    script = (f'eval "$("{ICSVC}" completion bash)"; '
              'COMP_LINE="icsvc triage $ID --ass"; COMP_POINT=${#COMP_LINE}; _icsvc_complete; '
              'printf "%s\\n" "${COMPREPLY[@]}"; '
              'COMP_LINE="icsvc show "; COMP_POINT=${#COMP_LINE}; _icsvc_complete; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    proc = subprocess.run(["bash", "--norc", "-c", script], cwd=store.root,
                          env={**env, "ID": rid}, capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["--assign", rid]


def test_completion_reads_file_names_on_a_big_store(store: Store) -> None:
    rid = store.new(*PART)
    template = store.request_file(rid).read_text()
    folder = store.request_file(rid).parent
    for i in range(3000):
        name = f"B{i:07d}"
        (folder / f"{name}.yaml").write_text(template.replace(rid, name))
    proc = subprocess.run([sys.executable, "-m", "icsvc"], cwd=store.root,
                          env={**store.env, "_ICSVC_COMPLETE": "bash",
                               "_ICSVC_COMPLETE_ARGS": "icsvc show B00012"},
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.stdout.split() == [f"B00012{i}{j}" for i in range(10) for j in range(10)][:100]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_the_fish_script_completes(store: Store, tmp_path: Path) -> None:
    """The script as a user saves it, sourced by a real fish; `complete -C` asks fish what it
    would offer on Tab."""
    rid = store.new(*PART)
    script = tmp_path / "icsvc.fish"
    script.write_text(store.ok("completion", "fish").out)
    proc = subprocess.run(
        ["fish", "--no-config", "-c",
         f"source {script}; complete -C 'icsvc queue eng'; complete -C 'icsvc show {rid[:4]}'"],
        cwd=store.root, env=_shell_env(store), capture_output=True, text=True, timeout=60,
        check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["engineering\tEngineering", f"{rid}\tengineering"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_the_zsh_script_registers_and_completes(store: Store) -> None:
    """A real zsh with compinit loads the script: `_icsvc` is registered for icsvc; run in the
    state zsh's completion gives it (`words`, `CURRENT`), it hands `_describe` the candidates
    (`_describe` itself, zsh's menu, needs a terminal: here it prints what it was given)."""
    rid = store.new(*PART)
    script = (
        'autoload -U compinit && compinit -u -D; '
        f'eval "$("{ICSVC or "icsvc"}" completion zsh)"; '
        'print -r -- "registered: ${_comps[icsvc]}"; '
        '_describe() { print -rl -- "${(@P)2}"; }; '
        'words=(icsvc queue eng); CURRENT=3; _icsvc; '
        f'words=(icsvc show {rid[:4]}); CURRENT=3; _icsvc')
    proc = subprocess.run(["zsh", "-f", "-c", script], cwd=store.root, env=_shell_env(store),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["registered: _icsvc", "engineering:Engineering",
                                        f"{rid}:engineering"]
