"""Each page's foot says when it last changed, from git, in the page's language
(sphinx_hpc_platform.last_updated, on sphinx-last-updated-by-git): the built site's dates against
git's own answer, and a small project built from a full clone, a shallow one and a French catalog."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from babel.dates import format_date
from bs4 import BeautifulSoup

from tests.site.builtsite import LANGUAGES, PLATFORM, ROOT, SOURCE, html_path, page_names, soup

PAGES = page_names()
FOOTER = {"en": "Last updated on {date}", "fr": "Mis à jour le {date}"}
EXTENSION = "packages/sphinx-hpc-platform/src/sphinx_hpc_platform/last_updated.py"


def git(*args: str, cwd: Path = ROOT, env: dict | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def long_date(timestamp: int, language: str) -> str:
    """The date as the page's language writes it in full, in the build machine's time zone."""
    return format_date(datetime.fromtimestamp(timestamp).date(), format="long", locale=language)


def footer_date(language: str, page: str) -> str | None:
    element = soup(language, page).select_one(".bottom-of-page .last-updated")
    return " ".join(element.get_text().split()) if element else None


def page_files(language: str, page: str) -> list[Path]:
    """What dates a page: its source, its figures as the page shows them, its catalog (translations)."""
    files = [SOURCE / f"{page}.rst"]
    for image in soup(language, page).select("article img"):
        files += list(SOURCE.rglob(Path(image["src"]).name))
    if language != PLATFORM.source_language:
        files.append(ROOT / "locale" / language / "LC_MESSAGES" / f"{page}.po")
    return [path for path in files if path.exists()]


@pytest.fixture(scope="module")
def full_history():
    if git("rev-parse", "--is-shallow-repository") == "true":
        pytest.skip("this clone is shallow: its pages show no date (test_a_shallow_clone_builds_and_shows_no_date)")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_footer_dates_the_page_by_its_last_commit(full_history, language, page):
    files = page_files(language, page)
    last = git("log", "-1", "--author-date-order", "--format=%at", "--", *map(str, files))
    where = html_path(language, page).relative_to(ROOT)
    if not last:
        pytest.skip(f"{page} has no commit yet")
    expected = FOOTER[language].format(date=long_date(int(last), language))
    assert footer_date(language, page) == expected, (
        f"{where}: the footer says {footer_date(language, page)!r}, not {expected!r}, the last commit of "
        f"{', '.join(str(path.relative_to(ROOT)) for path in files)} ({EXTENSION})")


# A small translated project: a page changed in the first commit and translated in the second, a
# page changed in the second.
CONF = """\
extensions = ["sphinx_hpc_platform.last_updated"]
html_theme = "furo"
language = "en"
locale_dirs = ["locale"]
gettext_compact = False
html_last_updated_fmt = ""
"""
INDEX = "Home\n====\n\n.. toctree::\n\n   old\n   new\n"
OLD = "Old page\n========\n\nAn old paragraph.\n"
NEW = "New page\n========\n\nA paragraph.\n"
NEW_CHANGED = "New page\n========\n\nA changed paragraph.\n"
OLD_PO = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Old page"
msgstr "Ancienne page"

msgid "An old paragraph."
msgstr "Un vieux paragraphe."
"""
FIRST, SECOND = "2024-03-01T12:00:00+00:00", "2025-06-15T12:00:00+00:00"


def commit(repo: Path, files: dict[str, str], date: str) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    git("add", "-A", cwd=repo, env=env)
    git("-c", "user.name=Test", "-c", "user.email=test@example.org", "commit", "-q", "-m", date, cwd=repo, env=env)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("dated") / "origin"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    commit(repo, {"conf.py": CONF, "index.rst": INDEX, "old.rst": OLD, "new.rst": NEW}, FIRST)
    commit(repo, {"new.rst": NEW_CHANGED, "locale/fr/LC_MESSAGES/old.po": OLD_PO}, SECOND)
    return repo


def build(source: Path, language: str, clean: bool = True) -> Path:
    """Build `source` in `language`: from nothing, or (clean=False) on the previous build, as make html does."""
    out, doctrees = (source.parent / f"{source.name}-{kind}-{language}" for kind in ("html", "doctrees"))
    if clean:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(doctrees, ignore_errors=True)
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", "-d", str(doctrees), "-D", f"language={language}",
         str(source), str(out)],
        capture_output=True, text=True)
    assert result.returncode == 0, f"sphinx-build -W failed in {source}:\n{result.stderr}"
    return out


def shown_date(out: Path, page: str) -> str | None:
    page_soup = BeautifulSoup((out / f"{page}.html").read_text(encoding="utf-8"), "html.parser")
    element = page_soup.select_one(".last-updated")
    return " ".join(element.get_text().split()) if element else None


def timestamp(date: str) -> int:
    return int(datetime.fromisoformat(date).timestamp())


def test_a_full_clone_dates_each_page_and_a_translation_by_its_catalog(project, tmp_path):
    clone = tmp_path / "clone"
    git("clone", "-q", f"file://{project}", str(clone))
    english, french = build(clone, "en"), build(clone, "fr")
    assert long_date(timestamp(FIRST), "en") in shown_date(english, "old")
    assert long_date(timestamp(SECOND), "en") in shown_date(english, "new")
    # The French page of "old" changed when its catalog did, after the English page.
    assert long_date(timestamp(SECOND), "fr") in shown_date(french, "old"), (
        f"the French page is dated by its English source only, not by its catalog ({EXTENSION})")
    assert long_date(timestamp(SECOND), "fr") in shown_date(french, "new")


THIRD = "2026-01-20T12:00:00+00:00"


def test_a_commit_after_a_build_dates_the_page_in_the_next_build(project, tmp_path):
    """Edit, build, commit, build: the commit changed the page's date, not its file, and the second
    (incremental) build must show the commit's date, not the one the first build read."""
    clone = tmp_path / "clone"
    git("clone", "-q", f"file://{project}", str(clone))
    (clone / "old.rst").write_text(OLD + "\nA new paragraph.\n", encoding="utf-8")
    assert long_date(timestamp(FIRST), "en") in shown_date(build(clone, "en"), "old")
    commit(clone, {}, THIRD)
    assert long_date(timestamp(THIRD), "en") in shown_date(build(clone, "en", clean=False), "old"), (
        f"a commit made after a build leaves the page with its old date ({EXTENSION})")


@pytest.mark.parametrize("depth", [1, 2])
def test_a_shallow_clone_builds_and_shows_no_date(project, tmp_path, depth):
    """git clone --depth N cannot know when a file older than its commits changed: no date for it
    (not the date of the clone's oldest commit), and no warning, which -W would make an error."""
    clone = tmp_path / "clone"
    git("clone", "-q", f"--depth={depth}", f"file://{project}", str(clone))
    assert git("rev-parse", "--is-shallow-repository", cwd=clone) == "true"
    english = build(clone, "en")
    assert shown_date(english, "old") is None
    if depth == 1:  # the one commit has no parent: even its own changes cannot be told apart
        assert shown_date(english, "new") is None
    else:
        assert long_date(timestamp(SECOND), "en") in shown_date(english, "new")
