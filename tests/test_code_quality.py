"""The code stays as STYLE.md asks: ruff-clean, formatted, and mypy-clean on app/ and workers/."""

import subprocess
import sys

from tests.helpers import ROOT


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_lint_and_format() -> None:
    lint = run_tool("ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout[-3000:]
    formatted = run_tool("ruff", "format", "--check", ".")
    assert formatted.returncode == 0, formatted.stdout[-3000:]


def test_mypy_on_app_and_workers() -> None:
    result = run_tool("mypy", "app", "workers")
    assert result.returncode == 0, result.stdout[-3000:]
