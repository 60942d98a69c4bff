"""sphinx-lint on the English pages and the page catalogs, as python-docs-fr runs it.

Every checker is on (--enable all) except line-too-long: reST paragraphs and msgstr lines are wrapped
by their tools (the editor, msgmerge/Babel at 79 columns), and a long URL or literal cannot be split.
sphinx.po is left out: it holds the theme's HTML strings, not reST ("Made with " ends with a space
that sphinx-lint would call trailing whitespace).
"""

import subprocess
import sys

from tests.i18n.catalogs import ROOT, page_catalog_files
from tests.site.builtsite import SOURCE, page_names

LINT = [sys.executable, "-m", "sphinxlint", "--enable", "all", "--disable", "line-too-long"]


def lint(paths) -> subprocess.CompletedProcess:
    return subprocess.run(
        LINT + [str(path.relative_to(ROOT)) for path in paths],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )


def test_english_pages_pass_sphinx_lint():
    result = lint([SOURCE / f"{page}.rst" for page in page_names()])
    assert result.returncode == 0, result.stdout + result.stderr


def test_catalogs_pass_sphinx_lint():
    result = lint(page_catalog_files())
    assert result.returncode == 0, result.stdout + result.stderr
