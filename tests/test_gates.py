"""Each kind of breakage a translator or a maintainer can make, made on purpose in a scratch copy:
the check that guards against it fails, naming the file and the line to fix.

(A new English paragraph left untranslated: tests/test_translation_workflow.py. A broken example, a failing
Python block, a bad #SBATCH line: the pages of packages/pageharness/tests/test_pages.py.)
"""

import re
from pathlib import Path

import polib
import pytest

from tests.scratch_checkout import run_checks, scratch_checkout

MODULES_PO = "locale/fr/LC_MESSAGES/howto/modules.po"
INDEX_PO = "locale/fr/LC_MESSAGES/index.po"
THREADS_PO = "locale/fr/LC_MESSAGES/howto/threads.po"
REQUIREMENTS_PO = "locale/fr/LC_MESSAGES/howto/requirements.po"
DIGIT_GROUP = re.compile(r"(\d)\u00a0(\d{3})")  # 20 000, with its U+00A0


def edit_entry(checkout: Path, catalog: str, choose, change) -> None:
    po = polib.pofile(str(checkout / catalog), wrapwidth=79)
    entry = next(entry for entry in po if entry.msgid and choose(entry))
    change(entry)
    po.save()


def drop_a_page_link(checkout: Path) -> None:
    edit_entry(checkout, INDEX_PO, lambda e: ":doc:`" in e.msgstr,
               lambda e: setattr(e, "msgstr", re.sub(r":doc:`[^`]+`", "le tutoriel", e.msgstr)))


def drop_a_section_link(checkout: Path) -> None:
    edit_entry(checkout, THREADS_PO, lambda e: ":ref:`calcul-lent-label`" in e.msgstr,
               lambda e: setattr(e, "msgstr", e.msgstr.replace(":ref:`calcul-lent-label`", "La FAQ")))


def mark_fuzzy(checkout: Path) -> None:
    edit_entry(checkout, MODULES_PO, lambda e: len(e.msgid.split()) > 5, lambda e: e.flags.append("fuzzy"))


def misspell(checkout: Path) -> None:
    edit_entry(checkout, MODULES_PO, lambda e: " défaut" in e.msgstr,
               lambda e: setattr(e, "msgstr", e.msgstr.replace(" défaut", " défault", 1)))


def ungroup_digits(checkout: Path) -> None:
    edit_entry(checkout, THREADS_PO, lambda e: not e.fuzzy and DIGIT_GROUP.search(e.msgstr),
               lambda e: setattr(e, "msgstr", DIGIT_GROUP.sub(r"\1\2", e.msgstr, count=1)))


def type_three_dots(checkout: Path) -> None:
    edit_entry(checkout, REQUIREMENTS_PO, lambda e: not e.fuzzy and "…" in e.msgstr,
               lambda e: setattr(e, "msgstr", e.msgstr.replace("…", "...", 1)))


def break_a_string(checkout: Path) -> None:
    catalog = checkout / MODULES_PO
    lines = catalog.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines) if text.startswith('msgstr "') and len(text) > 12)
    lines[line] = lines[line].rstrip('"')  # a closing quote lost in an edit
    catalog.write_text("\n".join(lines) + "\n", encoding="utf-8")


def misdirect_the_switcher(checkout: Path) -> None:
    page = checkout / "build/html/en/howto/modules.html"
    html = page.read_text(encoding="utf-8")
    twin = re.search(r'<a [^>]*hreflang="fr"[^>]*>', html)
    assert twin, f"{page}: no French link in the switcher"
    page.write_text(html.replace(twin[0], re.sub(r'href="[^"]*"', 'href="../../fr/index.html"', twin[0])),
                    encoding="utf-8")


BREAKAGES = {
    "a msgstr drops a :doc: link": (
        drop_a_page_link, ["tests/i18n"], ["tests/i18n/test_markup_kept.py", "-k", "index"],
        rf"{INDEX_PO}:\d+: drops the cross-reference :doc:`tutorial/first-python-job`"),
    "a msgstr drops a :ref: link": (
        drop_a_section_link, ["tests/i18n"], ["tests/i18n/test_markup_kept.py", "-k", "threads"],
        rf"{THREADS_PO}:\d+: drops the cross-reference :ref:`calcul-lent-label`"),
    "a fuzzy entry": (
        mark_fuzzy, ["tests/i18n"], ["tests/i18n/test_catalogs.py", "-k", "translated and modules"],
        rf"{MODULES_PO}:\d+: fuzzy, shown in English until reviewed"),
    "a misspelled French word": (
        misspell, ["tests/i18n"], ["tests/i18n/test_spelling.py", "-k", "french_spelling and modules"],
        rf"{MODULES_PO}:\d+: unknown word 'défault'"),
    "a number without its digit groups": (
        ungroup_digits, ["tests/i18n"], ["tests/i18n/test_typography.py", "-k", "french_typography and threads"],
        rf"{THREADS_PO}:\d+: ungrouped number '\d{{4,}}': write \d+⍽\d{{3}}"),
    "three dots for an ellipsis": (
        type_three_dots, ["tests/i18n"], ["tests/i18n/test_typography.py", "-k", "french_typography and requirements"],
        rf"{REQUIREMENTS_PO}:\d+: three dots in .*: French prose uses the ellipsis"),
    "a .po line broken in an edit": (
        break_a_string, ["tests/i18n"], ["tests/i18n/test_catalogs.py", "-k", "compiles and modules"],
        rf"{MODULES_PO}:\d+: end-of-line within string"),
    "a switcher link to the wrong page": (
        misdirect_the_switcher, ["tests/site", "build/html"],
        ["tests/site/test_languages.py", "-k", "switcher and en-fr and howto/modules"],
        r"build/html/en/howto/modules.html:\d+: the fr link of the switcher leads to fr/index.html"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_breakage_fails_its_check_with_file_and_line(breakage, tmp_path):
    mutate, copied, check, message = BREAKAGES[breakage]
    checkout = scratch_checkout(tmp_path, *copied)
    intact = run_checks(checkout, *check)
    assert intact.returncode == 0, f"the check fails before the breakage:\n{intact.stdout[-3000:]}"
    mutate(checkout)
    broken = run_checks(checkout, *check)
    assert broken.returncode == 1, f"{breakage}: the check did not fail:\n{broken.stdout[-3000:]}"
    assert re.search(message, broken.stdout), f"{breakage}: expected /{message}/ in:\n{broken.stdout[-3000:]}"
