"""sphinx_hpc_platform.last_updated, on the sphinx-last-updated-by-git it sets up, in a project of
two commits: a page is dated by its last commit, in its language's long date, and its translation
by its catalog as well (a dependency that Sphinx notes per page from 8.2 on). The site's own pages,
clones and incremental builds are tests/site/test_last_updated.py's."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

CONF = """\
extensions = ["sphinx_hpc_platform.last_updated"]
html_theme = "furo"
locale_dirs = ["locale"]
gettext_compact = False
"""
INDEX = "Home\n====\n\n.. toctree::\n\n   page\n"
PAGE = "A page\n======\n\nA paragraph.\n"
PAGE_PO = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "A page"
msgstr "Une page"
"""
# At noon UTC: the same day in the build machine's time zone, whichever it is.
FIRST, SECOND = "2024-03-01T12:00:00+00:00", "2025-06-15T12:00:00+00:00"
# The English page changed in the first commit only; its French catalog, in the second.
DATED = {"en": "March 1, 2024", "fr": "15 juin 2025"}


def commit(repo: Path, files: dict[str, str], date: str) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    for command in (["add", "-A"], ["-c", "user.name=Test", "-c", "user.email=test@example.org",
                                    "commit", "-q", "-m", date]):
        subprocess.run(["git", *command], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    pytest.importorskip("furo")
    repo = tmp_path_factory.mktemp("dated")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    commit(repo, {"conf.py": CONF, "index.rst": INDEX, "page.rst": PAGE}, FIRST)
    commit(repo, {"locale/fr/LC_MESSAGES/page.po": PAGE_PO}, SECOND)
    return repo


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_page_is_dated_by_its_last_commit_and_its_translation_by_its_catalog(project, tmp_path, language):
    out = tmp_path / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", "-d", str(tmp_path / "doctrees"),
         "-D", f"language={language}", str(project), str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    footer = re.search(r'<div class="last-updated">(.*?)</div>', (out / "page.html").read_text(encoding="utf-8"),
                       re.DOTALL)
    assert footer, f"{language}: no date at the foot of the page"
    assert DATED[language] in " ".join(footer[1].split()), footer[1]
