"""The browser gate (issue 23, "what a reader sees"): every page of both editions, in Chromium, on a
desktop (1280 px) and a phone (390 px), shows no error text, no message key, does not scroll
sideways, and has no serious or critical accessibility violation (axe-core); without JavaScript it
shows no key either, and the job-script builder says it needs JavaScript. A screenshot of each page
at each width is kept in build/test-artefacts/browser/gate/, with the findings of each page as JSON
(scripts/browser-gate-summary counts them per check).

The checks are tests/browser/gate.py; test_gate_planted.py proves each one catches its defect.
One test per page and language (both widths inside), so that xdist spreads them: `make
test-browser-gate` runs them with --dist load. BROWSER_GATE_SITE=<build/html of another build>
gates another build (BROWSER_GATE_OUT: where its screenshots and findings go).
"""

import pytest
from bs4 import BeautifulSoup

from tests.browser.browser import serve
from tests.browser.gate import (
    NOT_READ,
    axe_source,
    gate_artefacts,
    gate_chromium,
    gate_site,
    inspect_page,
    reader_pages,
    write_findings,
)

SITE = gate_site()
PAGES = reader_pages(SITE)


@pytest.fixture(scope="module")
def gate_url():
    with serve(SITE) as url:
        yield url


@pytest.fixture(scope="module")
def gate_browser():
    with gate_chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def axe():
    return axe_source()


@pytest.mark.parametrize(("language", "page"), PAGES, ids=[f"{language}-{page}" for language, page in PAGES])
def test_what_a_reader_sees(gate_browser, gate_url, axe, language, page):
    if not (SITE / language / f"{page}.html").exists():
        pytest.fail(f"{SITE / language / page}.html is missing: run `make html` first (make test does)")
    artefacts = gate_artefacts()
    findings = inspect_page(gate_browser, gate_url, language, page, axe, artefacts)
    write_findings(artefacts, language, page, findings)
    assert not findings, f"{len(findings)} finding(s) on {language}/{page}.html:\n" + "\n".join(map(str, findings))


@pytest.mark.parametrize("page", sorted(NOT_READ))
def test_a_page_left_out_is_one_no_reader_reaches(page):
    """The pages the gate leaves out (gate.NOT_READ) stay out of a reader's way: no page links to them."""
    linking = []
    for language in sorted({language for language, _ in PAGES}):
        for path in sorted((SITE / language).rglob("*.html")):
            if str(path.relative_to(SITE / language).with_suffix("")) in NOT_READ:
                continue  # its own links (the language switcher's, to its twin) lead no one to it
            body = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").body
            hrefs = [link["href"].split("#")[0] for link in body.find_all("a", href=True)] if body else []
            if any(href.endswith(f"{page}.html") for href in hrefs):
                linking.append(str(path.relative_to(SITE)))
    assert not linking, (f"{', '.join(linking)} link(s) to {page}.html, which the browser gate leaves out "
                         f"({NOT_READ[page]}): take it out of tests/browser/gate.py's NOT_READ")
