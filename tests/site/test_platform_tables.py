"""The tables of nodes and partitions follow platform.toml in both languages, with no catalog to edit.

A copy of the site gets 128 cores in place of 96 for cp3702-cp3704: its English and French pages
then show 128, its catalogs are not touched, and the messages extracted for translation are the same
as before the change, so the catalogs stay as current as they were.
"""

import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import polib
import pytest
from bs4 import BeautifulSoup

from tests.scratch_checkout import scratch_checkout

PAGES = ("reference/job-submission", "howto/where-to-run")
GROUP, CORES_BEFORE, CORES_AFTER = "cp3702-cp3704", 96, 128


def sphinx_build(site: Path, builder: str, out: Path, *options: str) -> Path:
    command = [sys.executable, "-m", "sphinx", "-b", builder, "-c", str(site), "-d", str(out / ".doctrees"),
               "-W", "-n", "--keep-going", "-q", *options, str(site / "source"), str(out)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}{result.stderr}"
    return out


def messages(pot_dir: Path) -> dict[str, set]:
    return {str(pot.relative_to(pot_dir)): {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(pot))}
            for pot in sorted(pot_dir.rglob("*.pot"))}


def set_group_cores(platform_file: Path) -> None:
    """cp3702-cp3704 get CORES_AFTER cores: the first `cores` line after their names."""
    text = platform_file.read_text(encoding="utf-8")
    changed, count = re.subn(rf'(names = \["cp3702", "cp3703", "cp3704"\]\n(?:.*\n)*?cores = ){CORES_BEFORE}\n',
                             rf"\g<1>{CORES_AFTER}\n", text, count=1)
    assert count == 1, f"{platform_file}: no `cores = {CORES_BEFORE}` for {GROUP}"
    platform_file.write_text(changed, encoding="utf-8")


def catalogs(site: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted((site / "locale").rglob("*.po"))}


class ChangedSite(NamedTuple):
    folder: Path
    messages_before: dict[str, set]  # per .pot file, extracted before the change
    messages_after: dict[str, set]
    catalogs: dict[Path, bytes]  # the .po files as the change left them


@pytest.fixture(scope="module")
def changed_site(tmp_path_factory) -> ChangedSite:
    site = scratch_checkout(tmp_path_factory.mktemp("site"))
    before = messages(sphinx_build(site, "gettext", site / "gettext-before"))
    set_group_cores(site / "platform.toml")
    po_files = catalogs(site)
    for language in ("en", "fr"):
        sphinx_build(site, "html", site / "html" / language, "-D", f"language={language}")
    after = messages(sphinx_build(site, "gettext", site / "gettext-after"))
    return ChangedSite(site, before, after, po_files)


def node_table(site: Path, language: str, page: str) -> list[list[str]]:
    """The rows of the page's table that lists the nodes, each cell's text on one line."""
    html = site / "html" / language / f"{page}.html"
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    for table in soup.find("article").find_all("table"):
        rows = [[" ".join(cell.get_text().split()) for cell in row.find_all(["th", "td"])]
                for row in table.find_all("tr")]
        if any(row[0] == GROUP for row in rows):
            return rows
    pytest.fail(f"{html}: no table lists {GROUP}")


def translation(site: Path, page: str, text: str) -> str:
    """What the French page shows for an English message: its translation, or the English."""
    path = site / "locale" / "fr" / "LC_MESSAGES" / f"{page}.po"
    if not path.exists():
        return text
    found = {entry.msgid: entry.msgstr for entry in polib.pofile(str(path)).translated_entries()}
    return found.get(text, text)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("page", PAGES)
def test_both_languages_show_the_changed_core_count(changed_site, page):
    site = changed_site.folder
    english, french = node_table(site, "en", page), node_table(site, "fr", page)
    cores = english[0].index("Cores per node")
    for language, rows in (("en", english), ("fr", french)):
        row = next(row for row in rows if row[0] == GROUP)
        assert row[cores] == str(CORES_AFTER), f"{language}/{page}.html: {GROUP} shows {row[cores]} cores"
    # The French headers are what the page's catalog translates them to (English until it does).
    assert french[0] == [translation(site, page, header) for header in english[0]]


@pytest.mark.timeout(300)
def test_no_catalog_is_touched_and_none_goes_stale(changed_site):
    assert catalogs(changed_site.folder) == changed_site.catalogs, "building the changed site rewrote a .po file"
    before, after = changed_site.messages_before, changed_site.messages_after
    changed = {pot: sorted(after.get(pot, set()) ^ before.get(pot, set()))
               for pot in after.keys() | before.keys() if after.get(pot) != before.get(pot)}
    assert not changed, f"messages changed with a core count, so catalogs need editing: {changed}"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_owners_show_as_platform_toml_writes_them(language):
    """An owner such as "A. Blais" is a name in its cell, not an item of an enumerated list."""
    from tests.site.builtsite import PLATFORM, soup

    page = soup(language, "howto/where-to-run")
    owners = {", ".join(group.owners) for group in PLATFORM.nodes if group.owners}
    cells = {" ".join(cell.get_text().split()) for cell in page.find("article").select("td.platform-value")}
    assert owners <= cells, f"{language}/howto/where-to-run.html: owners shown as {sorted(cells - owners)}"
    assert not page.find("article").select("table ol"), f"{language}/howto/where-to-run.html: a list in a table"
