"""A scratch copy of the repository for tests that break things on purpose or run maintainer commands.

Only what the checks read is copied (pages, catalogs, configuration, scripts, the tests that run);
the virtual environment is linked, not copied, so `make` targets of the copy run with the real tools.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALWAYS = ["conf.py", "platform.toml", "Makefile", "requirements.txt", "source", "locale", "scripts",
          "tests/__init__.py"]


def scratch_checkout(folder: Path, *extra: str) -> Path:
    """Copy the repository's checked parts (and `extra` paths, e.g. "tests/i18n", "build/html")."""
    for name in ALWAYS + list(extra):
        source, target = ROOT / name, folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy2(source, target)  # keeps requirements.txt older than .venv/.installed
    (folder / ".venv").symlink_to(ROOT / ".venv")
    (folder / "pytest.ini").write_text("[pytest]\n")
    return folder


def run_checks(checkout: Path, *pytest_args: str) -> subprocess.CompletedProcess:
    """pytest on the copy's own tests, as `make test` would run them there."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *pytest_args],
        cwd=checkout, text=True, capture_output=True, timeout=600)
