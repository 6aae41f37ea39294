"""The README's command examples: every option exists, and every file they read is bundled or written by an
earlier example."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
INPUT_OPTIONS = ("--midi", "--corpus", "--model")


def shell_lines(text: str) -> list[list[str]]:
    """The commands of the README's ```sh blocks, split as the shell would, comments dropped."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands.append(words)
    return commands


def app_arguments(words: list[str]) -> list[str] | None:
    """The arguments after main.py (or an installed command), or None for other commands."""
    for i, word in enumerate(words):
        if word.endswith("main.py") or word in ("sequence-studio", "sequence-studio-gui"):
            return words[i + 1:]
    return None


def written_files(args: list[str], words: list[str]) -> set[str]:
    made = set()
    if ">" in words:
        made.add(words[words.index(">") + 1])
    if "--out" in args:
        out = args[args.index("--out") + 1]
        made.add(out)
        if "--variations" in args:  # jazz generate writes NAME-1.mid ... NAME-K.mid
            stem, suffix = Path(out).stem, Path(out).suffix
            made |= {f"{stem}-{k}{suffix}" for k in range(1, int(args[args.index("--variations") + 1]) + 1)}
    return made


@pytest.fixture(scope="module")
def commands() -> list[list[str]]:
    found = shell_lines((ROOT / "README.md").read_text(encoding="utf-8"))
    assert sum(app_arguments(w) is not None for w in found) >= 10
    return found


def test_every_example_parses_with_the_real_command_line(commands):
    parser = build_parser()
    for words in commands:
        args = app_arguments(words)
        if args is None or not args or {"--help", "-h", "--version"} & set(args):
            continue
        try:
            parser.parse_args(args)
        except SystemExit:
            pytest.fail(f"the README's example does not parse: {shlex.join(words)}")


def test_every_file_an_example_reads_exists_or_is_made_before(commands):
    made: set[str] = set()
    for words in commands:
        args = app_arguments(words) or []
        for option in INPUT_OPTIONS:
            if option in args:
                path = args[args.index(option) + 1]
                assert path in made or (ROOT / path).exists(), f"{path} in: {shlex.join(words)}"
        made |= written_files(args, words)
