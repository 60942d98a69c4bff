"""Every page's French catalog is complete, current and valid; each failure names the .po line."""

import subprocess

import pytest

from tests.i18n.catalogs import LOCALE, ROOT, TRANSLATIONS, catalog_files, extract_pot, load, page_catalog_files, where

CATALOGS = catalog_files()


@pytest.fixture(scope="module")
def fresh_pot_dir(tmp_path_factory):
    return extract_pot(tmp_path_factory.mktemp("gettext"))


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_page_has_a_catalog(fresh_pot_dir, language):
    missing = [
        str(pot.relative_to(fresh_pot_dir).with_suffix(".po"))
        for pot in sorted(fresh_pot_dir.rglob("*.pot"))
        if not (LOCALE / language / "LC_MESSAGES" / pot.relative_to(fresh_pot_dir).with_suffix(".po")).exists()
    ]
    assert not missing, f"pages without a {language} catalog (run make gettext && make update-po): {missing}"


def source_line(pot_entry) -> str:
    """``source/howto/modules.rst:6``: where the English message is (the .pot's path is relative)."""
    path, line = pot_entry.occurrences[0]
    return f"{path[path.rindex('source/'):]}:{line}"


@pytest.mark.parametrize("po_path", page_catalog_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_catalog_matches_the_english_source(fresh_pot_dir, po_path):
    """An English edit not yet merged with `make gettext && make update-po` fails here."""
    language = po_path.relative_to(LOCALE).parts[0]
    pot_path = fresh_pot_dir / po_path.relative_to(LOCALE / language / "LC_MESSAGES").with_suffix(".pot")
    assert pot_path.exists(), f"{where(po_path)}: its page no longer exists (make update-po removes it)"
    pot = load(pot_path)
    po = load(po_path)
    in_po = {(entry.msgctxt, entry.msgid) for entry in po if not entry.obsolete}
    problems = [
        f"{where(po_path)}: new English message from {source_line(entry)} "
        f"is not in the catalog: {entry.msgid[:70]!r}"
        for entry in pot if (entry.msgctxt, entry.msgid) not in in_po
    ]
    in_pot = {(entry.msgctxt, entry.msgid) for entry in pot}
    problems += [
        f"{where(po_path, entry)}: message no longer in the English page: {entry.msgid[:70]!r}"
        for entry in po if not entry.obsolete and (entry.msgctxt, entry.msgid) not in in_pot
    ]
    assert not problems, "stale catalog, run `make gettext && make update-po`:\n" + "\n".join(problems)


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalog_is_fully_translated(po_path):
    problems = []
    for entry in load(po_path):
        if entry.obsolete:
            problems.append(f"{where(po_path, entry)}: obsolete entry (make update-po drops them)")
        elif entry.fuzzy:
            problems.append(f"{where(po_path, entry)}: fuzzy, shown in English until reviewed: {entry.msgid[:70]!r}")
        elif not entry.msgstr:
            problems.append(f"{where(po_path, entry)}: untranslated: {entry.msgid[:70]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalog_compiles_cleanly(po_path):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(po_path)], capture_output=True, text=True
    )
    assert result.returncode == 0 and not result.stderr, result.stderr
