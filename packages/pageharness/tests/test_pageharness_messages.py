"""The Sphinx extension's own message (pageharness.sphinx): every message its code translates is in
the package's catalog and translated, for each language the package ships; the catalog is compiled
into the build when out of date only; and a site with no catalog of its own shows the note in its
language."""
from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from pageharness import sphinx as extension

PACKAGE = Path(extension.__file__).resolve().parent
LANGUAGES = sorted(path.parent.parent.name for path in extension.LOCALE.glob(f"*/LC_MESSAGES/{extension.DOMAIN}.po"))
NOTE = {
    "en": "This block uses a GPU or its software: the guide's tests run it only where a GPU is, and it has "
          "not been run on the stand-in, which has none.",
    "fr": "Ce bloc utilise un GPU ou ses logiciels\u00a0: les tests du guide ne l’exécutent que là où il y a "
          "un GPU, et il n’a pas été exécuté sur la réplique de la grappe, qui n’en a pas.",
}


def catalog_path(language: str) -> Path:
    return extension.LOCALE / language / "LC_MESSAGES" / f"{extension.DOMAIN}.po"


def code_messages() -> dict[str, str]:
    """Every message the package's Python marks (``_("...")``, ``N_("...")``) -> where."""
    found = {}
    for filename, line, message, _comments, _context in extract_from_dir(
            PACKAGE, method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS):
        found.setdefault(message, f"{filename}:{line}")
    return found


def test_the_package_ships_a_french_catalog():
    assert "fr" in LANGUAGES, f"no {catalog_path('fr')}"


def test_the_code_marks_its_messages():
    assert extension.NOT_RUN in code_messages(), f"the note is not marked in {extension.__file__}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_of_the_code_is_translated_in_the_catalog(language):
    path = catalog_path(language)
    with path.open("rb") as file:
        catalog = read_po(file, locale=language, domain=extension.DOMAIN)
    entries = {message.id: message for message in catalog if message.id}
    problems = []
    for message, where in code_messages().items():
        entry = entries.get(message)
        if entry is None:
            problems.append(f"{path}: no entry for {message!r} ({where})")
        elif not entry.string:
            problems.append(f"{path}:{entry.lineno}: untranslated: {message!r} ({where})")
        elif entry.fuzzy:
            problems.append(f"{path}:{entry.lineno}: fuzzy, shown in English: {message!r} ({where})")
    problems += [f"{path}:{entry.lineno}: no longer in the code: {message!r}"
                 for message, entry in entries.items() if message not in code_messages()]
    problems += [f"{path}: obsolete entry {message!r}" for message in catalog.obsolete]
    problems += [f"{path}:{message.lineno}: {error}" for message, errors in catalog.check() for error in errors]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_compiles_cleanly(language):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    result = subprocess.run([msgfmt, "--check", "-o", os.devnull, str(catalog_path(language))],
                            capture_output=True, text=True)
    assert result.returncode == 0 and not result.stderr, result.stderr


def test_the_catalog_is_compiled_only_when_out_of_date(tmp_path):
    source = tmp_path / "fr.po"
    shutil.copy2(catalog_path("fr"), source)
    target = tmp_path / "build" / "fr" / "LC_MESSAGES" / f"{extension.DOMAIN}.mo"
    assert extension.compile_catalog(source, target, "fr")
    with target.open("rb") as mo:
        assert gettext.GNUTranslations(mo).gettext(extension.NOT_RUN).startswith("Ce bloc utilise un GPU")
    assert not extension.compile_catalog(source, target, "fr"), "compiled again though up to date"
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**9))  # older, as a package installed again
    assert extension.compile_catalog(source, target, "fr")


PAGE = """\
GPU jobs
========

.. test: needs-gpu "the stand-in has no GPU"

.. code-block:: console

   $ nvidia-smi
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A site with no catalog of its own (no locale_dirs), built in English and in French."""
    root = tmp_path_factory.mktemp("site")
    (root / "conf.py").write_text('extensions = ["pageharness.sphinx"]\n', encoding="utf-8")
    (root / "index.rst").write_text(PAGE, encoding="utf-8")
    for language in ("en", "fr"):
        result = subprocess.run(
            [sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", "-d", str(root / "_doctrees" / language),
             "-D", f"language={language}", str(root), str(root / "_build" / language)],
            capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_site_without_catalogs_shows_the_note_in_its_language(site, language):
    html = (site / "_build" / language / "index.html").read_text(encoding="utf-8")
    notes = re.findall(r'<div class="[^"]*\bnot-run\b[^"]*">(.*?)</div>', html, re.DOTALL)
    assert len(notes) == 1, f"{language}: {len(notes)} notes before the GPU block"
    # Its paragraph, after the admonition's title (the note is made after docutils' smart quotes).
    assert re.findall(r"<p>(.*?)</p>", notes[0], re.DOTALL) == [NOTE[language]]


# The extension's catalog folder is a module constant; this build sets it to a copy, so the test may
# change a translation without touching the package.
BUILD_WITH_CATALOGS = """
import sys
from pathlib import Path
import pageharness.sphinx
from sphinx.cmd.build import build_main
pageharness.sphinx.LOCALE = Path(sys.argv[1])
sys.exit(build_main(sys.argv[2:]))
"""


def test_a_new_translation_of_the_note_reaches_the_pages_already_built(tmp_path):
    """A translator changes the note in the catalog and builds again: the page shows the new note,
    though the page itself did not change."""
    locale = tmp_path / "locale"
    shutil.copytree(extension.LOCALE, locale)
    (tmp_path / "conf.py").write_text('extensions = ["pageharness.sphinx"]\n', encoding="utf-8")
    (tmp_path / "index.rst").write_text(PAGE, encoding="utf-8")
    build = [sys.executable, "-c", BUILD_WITH_CATALOGS, str(locale), "-b", "html", "-W", "-q",
             "-d", str(tmp_path / "_doctrees"), "-D", "language=fr", str(tmp_path), str(tmp_path / "_build")]

    def note() -> str:
        result = subprocess.run(build, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        html = (tmp_path / "_build" / "index.html").read_text(encoding="utf-8")
        return re.search(r'<div class="[^"]*\bnot-run\b[^"]*">.*?<p>(.*?)</p>', html, re.DOTALL)[1]

    assert note() == NOTE["fr"]
    catalog = locale / "fr" / "LC_MESSAGES" / f"{extension.DOMAIN}.po"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace("Ce bloc utilise un GPU", "Ce bloc-ci utilise un GPU"), encoding="utf-8")
    assert note() == NOTE["fr"].replace("Ce bloc utilise", "Ce bloc-ci utilise")
