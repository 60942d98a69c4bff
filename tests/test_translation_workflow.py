"""The maintainer's translation workflow, end to end, on a scratch copy of the repository.

An English paragraph changes; the catalog check names the stale .po; `make gettext && make update-po`
merges the change; `make stats` shows exactly one message to translate on that page, and the
catalog check then fails on that entry's .po line, until it is translated.
"""

import re
import subprocess

import pytest

from tests.scratch_checkout import run_checks, scratch_checkout

PAGE = "source/howto/modules.rst"
CATALOG = "locale/fr/LC_MESSAGES/howto/modules.po"


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    return scratch_checkout(tmp_path_factory.mktemp("checkout"), "tests/i18n")


def make(checkout, *targets):
    return subprocess.run(["make", "--no-print-directory", *targets], cwd=checkout, text=True,
                          capture_output=True, timeout=600)


def catalog_check(checkout):
    return run_checks(checkout, "tests/i18n/test_catalogs.py", "-k", "modules")


def stats_row(output: str, catalog: str) -> tuple[int, int, int]:
    name = catalog.removeprefix("locale/fr/LC_MESSAGES/")
    row = re.search(rf"^\s*{re.escape(name)}\s+(\d+)\s+(\d+)\s+(\d+)", output, re.MULTILINE)
    assert row, f"no row for {name} in make stats:\n{output}"
    return tuple(int(n) for n in row.groups())


def test_an_english_edit_is_tracked_until_translated(checkout):
    before = make(checkout, "stats")
    assert before.returncode == 0, before.stdout + before.stderr
    translated, fuzzy, untranslated = stats_row(before.stdout, CATALOG)
    assert fuzzy == untranslated == 0

    page = checkout / PAGE
    text = page.read_text()
    page.write_text(text.rstrip("\n") + "\n\nA paragraph the French catalog has never seen.\n")
    line = text.rstrip("\n").count("\n") + 3

    stale = catalog_check(checkout)
    assert stale.returncode == 1, stale.stdout
    assert f"new English message from {PAGE}:{line}" in stale.stdout, stale.stdout

    merged = make(checkout, "gettext", "update-po")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    stats = make(checkout, "stats")
    assert stats.returncode != 0, "make stats must fail while something is left to translate"
    assert stats_row(stats.stdout, CATALOG) == (translated, 0, 1), stats.stdout
    assert stats.stdout.count("<- to do") == 1, stats.stdout

    untranslated_entry = catalog_check(checkout)
    assert untranslated_entry.returncode == 1, untranslated_entry.stdout
    where = re.search(rf"{re.escape(CATALOG)}:(\d+): untranslated: 'A paragraph the French",
                      untranslated_entry.stdout)
    assert where, untranslated_entry.stdout
    entry = (checkout / CATALOG).read_text().splitlines()[int(where[1]) - 1:][:4]
    assert any(line.startswith('msgid "A paragraph') for line in entry), f"line {where[1]} is not the entry"
