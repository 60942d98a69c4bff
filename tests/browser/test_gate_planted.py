"""Each check of the browser gate (tests/browser/gate.py) catches its defect: a defect planted in a
small page is reported by the same inspection the gate runs on the site, under its check, and the
intact page beside it is not.

The small pages are a Sphinx project of their own built with the site's conf.py (its theme, Furo,
and its extensions) into a scratch folder; the builder's defects are planted in a copy of the built
job-script builder page, which runs the site's own scripts.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.browser.browser import serve
from tests.browser.gate import axe_source, gate_chromium, inspect_page
from tests.site.builtsite import ROOT, SITE

INTACT = """\
Intact
======

Nothing here is wrong: the bra-ket ⟨ψ|H|ψ⟩ is no substitution, ``program.py``, ``job.sh`` and
``environment.yml`` are files, not message keys.

.. code-block:: console

   $ grep -E '^(numpy|qutip|scipy)==' requirements.txt {long}

.. toctree::
   :hidden:

   {pages}
""".replace("{long}", "--a-very-long-option " * 40)

# page: (its reST, the check that must report it, what the finding says)
PLANTED = {
    "contents": ("""\
A page with a table of contents
===============================

.. contents::

First
-----

Text.

Second
------

Text.
""", "errors", r'::before shows the generated text "ERROR: Adding a table of contents'),
    "substitution": ("""\
A fact that is not one
======================

The partition is |no_such_fact|, says the page.
""", "errors", r"\|no_such_fact\|"),
    "script-error": ("""\
A script that fails
===================

.. raw:: html

   <script>window.noSuchFunction();</script>
""", "errors", r"console: .*noSuchFunction"),
    "raw-key": ("""\
A message key in the text
=========================

.. raw:: html

   <p>The time limit: help.time</p>
   <p><button type="button" title="comment.requeue">?</button></p>
""", "keys", r"message keys? '(help\.time|comment\.requeue)'"),
    "too-wide": ("""\
A block wider than the screen
=============================

.. raw:: html

   <div style="width: 1600px; height: 2em">wide</div>
""", "overflow", r"scrolls sideways: .*sticking out: div \(1600 px wide"),
    "unlabelled": ("""\
A form control without a label
==============================

.. raw:: html

   <p><input type="text"></p>
""", "axe", r"critical label: Form elements must have labels"),
}
WIDTHS = {"desktop", "phone"}


@pytest.fixture(scope="module")
def planted_site(tmp_path_factory):
    """The small project, built with the site's conf.py into <tmp>/out/en/."""
    folder = tmp_path_factory.mktemp("planted")
    source = folder / "source"
    source.mkdir()
    (source / "index.rst").write_text(INTACT.replace("{pages}", "\n   ".join(PLANTED)), encoding="utf-8")
    for page, (text, _, _) in PLANTED.items():
        (source / f"{page}.rst").write_text(text, encoding="utf-8")
    built = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(ROOT), "-D", "language=en", "-q",
         str(source), str(folder / "out" / "en")], cwd=ROOT, text=True, capture_output=True, timeout=300)
    assert built.returncode == 0, f"the small project did not build:\n{built.stdout}{built.stderr}"
    return folder / "out"


@pytest.fixture(scope="module")
def planted_browser():
    with gate_chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def axe():
    return axe_source()


@pytest.fixture(scope="module")
def intact(planted_site, planted_browser, axe):
    with serve(planted_site) as url:
        return inspect_page(planted_browser, url, "en", "index", axe)


def widths_reporting(findings, check: str, pattern: str) -> set[str]:
    return {finding.width for finding in findings if finding.check == check and re.search(pattern, finding.detail)}


def test_the_intact_page_shows_nothing_the_gate_reports_as_an_error_key_or_overflow(intact):
    """A code block wider than the screen scrolls in its box; ψ|H|ψ and file names are no defects."""
    wrong = [str(finding) for finding in intact if finding.check != "axe"]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("page", PLANTED)
def test_a_planted_defect_is_reported_by_its_check(planted_site, planted_browser, axe, intact, page):
    _, check, pattern = PLANTED[page]
    with serve(planted_site) as url:
        findings = inspect_page(planted_browser, url, "en", page, axe)
    reported = widths_reporting(findings, check, pattern)
    assert reported >= WIDTHS, (f"{page}: the {check} check reports /{pattern}/ at {sorted(reported)} only, "
                                f"not at {sorted(WIDTHS)}; it found:\n" + "\n".join(map(str, findings)))
    assert not widths_reporting(intact, check, pattern), f"the intact page reports /{pattern}/ too"


# --- the job-script builder, its messages and its <noscript> -----------------------------------------

BUILDER = Path("howto/job-script-builder.html")


def without_a_message(page: BeautifulSoup) -> None:
    """A message the form needs (the label of its cores field) missing from the page's list."""
    key = next(code for code in page.select(".builder-messages li code") if code.get_text() == "field.cores")
    key.find_parent("li").decompose()


def list_shown(page: BeautifulSoup) -> None:
    """The list of messages, data for the script, written without its class and its hidden attribute
    (the script still finds it, and hides it): without JavaScript a reader sees it."""
    messages = page.select_one(".builder-messages")
    del messages["hidden"]
    del messages["class"]


def without_noscript(page: BeautifulSoup) -> None:
    """The form's note for a browser without JavaScript gone: the page says nothing where the form was."""
    page.select_one(".job-script-builder noscript").decompose()


NO_JAVASCRIPT = {"desktop-no-javascript"}
BUILDER_DEFECTS = {
    "a message missing from the list": (without_a_message, WIDTHS, r"message keys? .*'field\.cores'"),
    "the list of messages not hidden": (list_shown, NO_JAVASCRIPT, r"the text shows the message keys 'field\.kind'"),
    "no <noscript> note": (without_noscript, NO_JAVASCRIPT, r"\.job-script-builder shows no <noscript> note"),
}


def builder_copy(folder: Path, plant=None) -> Path:
    """A site of one page: the built builder page (planted), beside the built site's own files."""
    edition = folder / "en"
    (edition / BUILDER.parent).mkdir(parents=True)
    for shared in ("_static", "_images", "index.html", "searchindex.js"):
        if (SITE / "en" / shared).exists():
            (edition / shared).symlink_to(SITE / "en" / shared)
    built = SITE / "en" / BUILDER
    if not built.exists():
        pytest.fail(f"{built} is missing: run `make html` first (make test does)")
    page = BeautifulSoup(built.read_text(encoding="utf-8"), "html.parser")
    if plant:
        plant(page)
    (edition / BUILDER).write_text(str(page), encoding="utf-8")
    return folder


def test_the_intact_builder_shows_no_key(planted_browser, axe, tmp_path):
    with serve(builder_copy(tmp_path)) as url:
        findings = inspect_page(planted_browser, url, "en", str(BUILDER.with_suffix("")), axe)
    assert not [finding for finding in findings if finding.check == "keys"], "\n".join(map(str, findings))


@pytest.mark.parametrize("defect", BUILDER_DEFECTS)
def test_a_builder_defect_is_reported_as_keys(planted_browser, axe, tmp_path, defect):
    plant, widths, pattern = BUILDER_DEFECTS[defect]
    with serve(builder_copy(tmp_path, plant)) as url:
        findings = inspect_page(planted_browser, url, "en", str(BUILDER.with_suffix("")), axe)
    reported = widths_reporting(findings, "keys", pattern)
    assert reported >= widths, (f"{defect}: the keys check reports /{pattern}/ at {sorted(reported)}, "
                                f"not at {sorted(widths)}; it found:\n" + "\n".join(map(str, findings)))
