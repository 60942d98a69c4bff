"""The reusing parser changes the build's cost, not its result: a small translated project built
with and without it gives the same HTML, and the translation shows."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PAGE = """\
Titre source
============

.. _target:

A paragraph with *emphasis*, ``code`` and a :ref:`link <target>`.

- an item
- another item with a |fact|

.. glossary::

   term
      Its definition.

A second section
----------------

See :term:`term`.

.. |fact| replace:: substitution
"""

CATALOG = {
    "Titre source": "Titre traduit",
    "A paragraph with *emphasis*, ``code`` and a :ref:`link <target>`.":
        "Un paragraphe avec *emphase*, ``code`` et un :ref:`lien <target>`.",
    "an item": "un élément",
    "another item with a |fact|": "un autre élément avec une |fact|",
    "term": "terme",
    "Its definition.": "Sa définition.",
    "A second section": "Une deuxième section",
    "See :term:`term`.": "Voir :term:`terme <term>`.",
}


def project(folder: Path, extensions: list[str]) -> Path:
    (folder / "locale" / "fr" / "LC_MESSAGES").mkdir(parents=True)
    (folder / "index.rst").write_text(PAGE, encoding="utf-8")
    (folder / "conf.py").write_text(f"extensions = {extensions!r}\nlocale_dirs = ['locale']\n"
                                    "gettext_compact = False\n", encoding="utf-8")
    entries = "".join(f'msgid "{source}"\nmsgstr "{target}"\n\n' for source, target in CATALOG.items())
    po = folder / "locale" / "fr" / "LC_MESSAGES" / "index.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n' + entries,
                  encoding="utf-8")
    return folder


def build(folder: Path, language: str) -> str:
    out = folder / "_build" / language
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "-D", f"language={language}",
                    str(folder), str(out)], check=True, capture_output=True, text=True)
    return (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_same_html_with_and_without_the_reusing_parser(tmp_path, language):
    plain = build(project(tmp_path / "plain", []), language)
    reusing = build(project(tmp_path / "reusing", ["sphinx_hpc_platform.reused_parser"]), language)
    assert reusing == plain
    if language == "fr":
        assert "Titre traduit" in reusing and "Sa définition." in reusing and "Voir" in reusing
