"""`pyflash help`: the bundled docs, rendered in the terminal; --help lines whole."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT, run_main


def test_help_lists_the_topics(capsys):
    code, out, _ = run_main(["help"], capsys)
    assert code == 0
    for topic in ("deck-format", "study", "scheduling", "import", "anki-export", "doctor"):
        assert f"  {topic} " in out
    assert "The deck format" in out  # each topic with its title


def test_help_topic_renders_the_doc_and_aliases_work(capsys):
    code, out, _ = run_main(["help", "keys"], capsys)  # alias of "study"
    assert code == 0
    first = (ROOT / "docs" / "study.md").read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
    assert first.replace("`", "") in out.replace("`", "")
    assert "\x1b[" not in out  # not a terminal: plain text


def test_unknown_topic_exits_2_with_a_suggestion(capsys):
    code, out, err = run_main(["help", "schedulng"], capsys)
    assert code == 2
    assert "no help topic 'schedulng' (did you mean scheduling?)" in err
    assert "Traceback" not in out + err


def test_top_level_help_lines_are_not_cut():
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([sys.executable, "-m", "pyflash", "--help"], capture_output=True, text=True, env=env)
    assert out.returncode == 0
    commands = out.stdout.split("Commands:", 1)[1]
    assert "..." not in commands
    assert "where they came from" in " ".join(commands.split())
