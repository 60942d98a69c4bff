"""The package's own messages (sphinx_hpc_platform.i18n): every message its code translates is in
its catalog and translated, for each language the package ships; its page template translates
nothing; the catalog is compiled into the build when out of date only; and a site with no catalog
of its own shows them in its language."""
from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from sphinx_hpc_platform import i18n

PACKAGE = Path(i18n.__file__).resolve().parent
LANGUAGES = sorted(path.parent.parent.name for path in i18n.LOCALE.glob(f"*/LC_MESSAGES/{i18n.DOMAIN}.po"))


def catalog_path(language: str) -> Path:
    return i18n.LOCALE / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


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
    """The messages the extensions write on a page, found where the code translates them."""
    messages = code_messages()
    for expected in ("Copy to clipboard", "Toggle site navigation sidebar", "Toggle table of contents sidebar",
                     "Toggle Light / Dark / Auto color theme"):
        assert expected in messages, f"{expected!r} is not marked in {PACKAGE}"
    assert any("technical support" in message for message in messages)
    assert any("This guide follows" in message for message in messages)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_of_the_code_is_translated_in_the_catalog(language):
    path = catalog_path(language)
    with path.open("rb") as file:
        catalog = read_po(file, locale=language, domain=i18n.DOMAIN)
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
    # Babel's checks: the same %(name)s placeholders in the translation as in the message.
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


def test_the_page_template_translates_nothing():
    """Its words come translated from Python (facts.py): a site's theme catalog has none of them."""
    template = PACKAGE / "templates" / "page.html"
    environment = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    found = [f"{template}:{line}: {message!r}"
             for line, _function, message in environment.extract_translations(template.read_text(encoding="utf-8"))]
    assert not found, "\n".join(found)


def test_the_catalog_is_compiled_only_when_out_of_date(tmp_path):
    source = tmp_path / "fr.po"
    shutil.copy2(catalog_path("fr"), source)
    target = tmp_path / "build" / "fr" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
    assert i18n.compile_catalog(source, target, i18n.DOMAIN, "fr")
    with target.open("rb") as mo:
        assert gettext.GNUTranslations(mo).gettext("Copy to clipboard") == "Copier dans le presse-papiers"
    assert not i18n.compile_catalog(source, target, i18n.DOMAIN, "fr"), "compiled again though up to date"
    # Any other time of the .po, older as well as newer (a package installed again), compiles it again.
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**9))
    assert i18n.compile_catalog(source, target, i18n.DOMAIN, "fr")
    source.unlink()  # a language no longer shipped leaves nothing to read
    assert not i18n.compile_catalog(source, target, i18n.DOMAIN, "fr")
    assert not target.exists()


# A platform that names its documentation (the footer's second line) and its support page (the
# first); with [sources], every fact cites one or says why it is assumed.
PLATFORM = """\
[sources.docs]
repository = "github:example/lab-docs"
commit = "0123456789abcdef0123456789abcdef01234567"
date = "2026-05-01"

[guide]
languages = { en = "English", fr = "Français" }
titles = { en = "Lab guide", fr = "Guide du labo" }
columns = 100
rows = 50

[site]
names = { en = "Lab & Co Cluster", fr = "grappe Lab & Co" }
documentation = { en = "https://docs.example.org/en/", fr = "https://docs.example.org/fr/" }
pages = { support = "help/support" }
assumed = { names = "a test", documentation = "a test", pages = "a test" }

[login]
host = "hpc1"
user = "bob"
prompt = "{user}@{host}:{dir}$ "
module_avail_columns = 80
assumed = { host = "a test", user = "a test", prompt = "a test", module_avail_columns = "a test" }

[slurm]
cluster_name = "lab"
assumed = { cluster_name = "a test" }

[[partitions]]
name = "batch"
default = true
access = "everyone"
time_limit_days = 2
assumed = { name = "a test", default = "a test", access = "a test", time_limit_days = "a test" }

[[nodes]]
names = ["n001", "n002"]
partitions = ["batch"]
cores = 32
memory = "192G"
assumed = { names = "a test", partitions = "a test", cores = "a test", memory = "a test" }
"""

CONF = """\
extensions = ["sphinx_hpc_platform.copy_buttons", "sphinx_hpc_platform.language_switcher",
              "sphinx_hpc_platform.facts"]
html_theme = "furo"
"""

PAGE = """\
The lab
=======

Connect to |login_host|.

.. code-block:: console

   bob@hpc1:~$ hostname
"""

FOOTER = {
    "en": ['Questions about the Lab &amp; Co Cluster? Write to its '
           '<a href="https://docs.example.org/en/help/support.html">technical support</a>.',
           'This guide follows the <a href="https://docs.example.org/en/">Lab &amp; Co Cluster\'s documentation</a> '
           'of May 1, 2026 (commit 0123456).'],
    "fr": ['Des questions sur la grappe Lab &amp; Co\u00a0? Écrivez à son '
           '<a href="https://docs.example.org/fr/help/support.html">soutien technique</a>.',
           'Ce guide suit la <a href="https://docs.example.org/fr/">documentation de la grappe Lab &amp; Co</a> '
           'du 1er mai 2026 (commit 0123456).'],
}
LABELS = {
    "en": ["Toggle site navigation sidebar", "Toggle table of contents sidebar",
           "Toggle Light / Dark / Auto color theme"],
    "fr": ["Afficher ou masquer la navigation du site", "Afficher ou masquer la table des matières",
           "Changer de thème (clair, sombre ou automatique)"],
}
COPY_LABEL = {"en": "Copy to clipboard", "fr": "Copier dans le presse-papiers"}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A site with no catalog of its own (no locale_dirs), built in English and in French."""
    pytest.importorskip("furo")
    root = tmp_path_factory.mktemp("site")
    (root / "platform.toml").write_text(PLATFORM, encoding="utf-8")
    (root / "conf.py").write_text(CONF, encoding="utf-8")
    (root / "index.rst").write_text(PAGE, encoding="utf-8")
    for language in ("en", "fr"):
        result = subprocess.run(
            [sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", "-d", str(root / "_doctrees" / language),
             "-D", f"language={language}", str(root), str(root / "_build" / language)],
            capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_site_without_catalogs_shows_the_messages_in_its_language(site, language):
    html = (site / "_build" / language / "index.html").read_text(encoding="utf-8")
    footer = re.search(r'<div class="platform-footer">(.*?)</div>', html, re.DOTALL)
    assert footer, "no footer"
    assert re.findall(r"<p>(.*?)</p>", footer[1], re.DOTALL) == FOOTER[language]
    labels = re.findall(r'aria-label="([^"]*)"', html)
    for label in LABELS[language]:
        assert label in labels, f"{language}: no aria-label {label!r} in {labels}"
    if language != "en":
        assert not set(LABELS["en"]) & set(labels), f"{language}: furo's labels left in English"
    assert re.search(rf'<script [^>]*data-label="{COPY_LABEL[language]}"[^>]*copy-buttons\.js', html), (
        f"{language}: the copy buttons' label is not {COPY_LABEL[language]!r}")


def test_the_french_catalog_is_compiled_into_the_build(site):
    compiled = site / "_doctrees" / "fr" / "message-catalogs" / "fr" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
    assert compiled.is_file()
    assert compiled.stat().st_mtime_ns == catalog_path("fr").stat().st_mtime_ns
    assert not list((site / "_doctrees" / "en").rglob("*.mo")), "an English build compiled a catalog"
