"""The code stays as STYLE.md asks: ruff-clean, formatted, and mypy-clean on app/ and workers/;
the JavaScript ESLint-clean (eslint.config.js) without a warning."""

import shutil
import subprocess
import sys

from tests.support import ROOT


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


def test_eslint_on_the_javascript() -> None:
    """ESLint from package-lock.json, installed by scripts/test (`npm ci`), on every .js file."""
    assert shutil.which("npm") and shutil.which("node"), (
        "ESLint needs Node.js 20 or later and npm: install them (Debian: apt-get install "
        "nodejs npm), then run scripts/test, which runs `npm ci`"
    )
    eslint = ROOT / "node_modules" / ".bin" / "eslint"
    assert eslint.exists(), f"{eslint} is missing: run `npm ci` in {ROOT} (scripts/test does)"
    result = subprocess.run(
        [str(eslint), "--max-warnings", "0", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


def test_the_served_tus_client_is_the_pinned_release() -> None:
    """app/static/vendor/tus-js-client/tus.min.js is the browser build of the version
    package.json pins (installed by `npm ci`), less its source map's address."""
    import json

    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["tus-js-client"]
    installed = ROOT / "node_modules" / "tus-js-client"
    assert json.loads((installed / "package.json").read_text())["version"] == pinned
    release = (installed / "dist" / "tus.min.js").read_text().splitlines(keepends=True)
    assert release[-1].startswith("//# sourceMappingURL=")
    served = ROOT / "app" / "static" / "vendor" / "tus-js-client"
    assert (served / "tus.min.js").read_text() == "".join(release[:-1])
    assert (served / "LICENSE").read_text() == (installed / "LICENSE").read_text()
    assert f"tus-js-client {pinned}" in (served / "THIRD-PARTY-LICENSES").read_text()
