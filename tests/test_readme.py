"""The README's promises: the two quick-start commands, CI running the second, the library example."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_quick_start_opens_with_the_two_commands_and_ci_runs_the_second():
    install_and_search, install_and_test = [block.strip() for block in code_blocks("sh")[:2]]
    assert "pip install" in install_and_search and "cli.py search" in install_and_search
    assert "pip install" in install_and_test and "pytest" in install_and_test
    assert install_and_test in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_library_example_runs_on_the_shipped_seeds(tmp_path):
    shutil.copytree(REPO / "seeds", tmp_path / "seeds")
    example = code_blocks("python")[0]
    result = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("1 0 []")  # one article added, nothing unchanged, no problems
    assert "000_8a7e0e5c3f8f0a9f.txt" in result.stdout and "'التنظيم'" in result.stdout


def test_every_command_is_documented():
    import cli

    for name in cli.main.commands:
        assert f"python cli.py {name}" in README, name
