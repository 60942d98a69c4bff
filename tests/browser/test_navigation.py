"""A reader who switches language deep in a page stays where they were, and a French reader finds
pages by words typed without their accents."""

import re
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.browser import click_like_a_reader, open_page, viewport, wait_for
from tests.site.builtsite import article, page_names

SWITCHER = "packages/sphinx-hpc-platform/src/sphinx_hpc_platform/static/language-switcher.js"
SEARCH = "packages/sphinx-hpc-platform/src/sphinx_hpc_platform/search.py"
PAGE, SECTION = "howto/where-to-run", "memory"
WIDE = (1440, 900)


def switch_to(driver, target: str) -> None:
    """Click the switcher's link to `target` as a reader does, wait for the other edition's page."""
    link = driver.find_element(By.CSS_SELECTOR, f'.language-switcher a[hreflang="{target}"]')
    before = driver.current_url
    click_like_a_reader(driver, link)
    wait_for(driver, f"location.href !== {before!r} && document.readyState === 'complete'", "the switch")


def where(driver) -> tuple[str, str, str]:
    parts = urlsplit(driver.current_url)
    return parts.path, parts.query, parts.fragment


def section_top(driver, section: str) -> float:
    """Where the section's heading is in the window: 0 at its top edge."""
    return driver.execute_script("return document.getElementById(arguments[0]).getBoundingClientRect().top", section)


def assert_at_section(driver, language: str, section: str) -> None:
    """The section's heading is at the top of the window (furo scrolls there smoothly: wait)."""
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
    try:
        wait_for(driver, "(top => top >= 0 && top < innerHeight / 4)"
                         "(document.getElementById(arguments[0]).getBoundingClientRect().top)",
                 f"the scroll to #{section}", section)
    except AssertionError:
        top = section_top(driver, section)
        raise AssertionError(f"{driver.current_url}: #{section} is {top:.0f} px from the top of the window, "
                             f"the reader does not see the section ({SWITCHER})") from None


@pytest.mark.parametrize(("start", "target"), [("en", "fr"), ("fr", "en")])
def test_switching_language_keeps_the_section_and_the_query(browser, site_url, start, target):
    open_page(browser, f"{site_url}/{start}/{PAGE}.html?q=memoire#{SECTION}")
    assert_at_section(browser, start, SECTION)
    switch_to(browser, target)
    assert where(browser) == (f"/{target}/{PAGE}.html", "q=memoire", SECTION), (
        f"switching from /{start}/{PAGE}.html?q=memoire#{SECTION} lands on {browser.current_url} ({SWITCHER})")
    assert_at_section(browser, target, SECTION)


def test_switching_language_keeps_a_section_the_reader_went_to(browser, site_url):
    """The reader follows the table of contents to a section, then switches: the fragment is the
    one the page has now, not the one it was loaded with."""
    # A wide screen, where furo shows the page's contents beside it (narrower, they are in a drawer).
    with viewport(browser, *WIDE, mobile=False):
        open_page(browser, f"{site_url}/en/{PAGE}.html")
        click_like_a_reader(browser, browser.find_element(By.CSS_SELECTOR, f'.toc-tree a[href="#{SECTION}"]'))
        wait_for(browser, f"location.hash === '#{SECTION}'", "the jump to the section")
        switch_to(browser, "fr")
        assert where(browser) == (f"/fr/{PAGE}.html", "", SECTION), (
            f"after a jump to #{SECTION}, the switcher leads to {browser.current_url} ({SWITCHER})")
        assert_at_section(browser, "fr", SECTION)


def results(driver) -> list[str]:
    """The search page's results once it has finished: the pages' paths."""
    wait_for(driver, "document.querySelector('#search-results .search-summary')?.innerText", "the search")
    links = driver.find_elements(By.CSS_SELECTOR, "#search-results ul.search li a")
    return sorted({urlsplit(link.get_attribute("href")).path for link in links})


def test_switching_language_on_the_search_page_keeps_the_search(browser, site_url):
    open_page(browser, f"{site_url}/en/search.html?q=partition")
    assert results(browser)
    switch_to(browser, "fr")
    assert where(browser) == ("/fr/search.html", "q=partition", ""), (
        f"switching on the search page lands on {browser.current_url} ({SWITCHER})")
    french = results(browser)
    assert french and all(path.startswith("/fr/") for path in french), f"the French search found {french}"


def search(driver, site_url: str, language: str, words: str) -> list[str]:
    """Type `words` in the search box of the edition's home page and press Enter, as a reader does."""
    open_page(driver, f"{site_url}/{language}/index.html")
    box = driver.find_element(By.CSS_SELECTOR, "input.sidebar-search")
    click_like_a_reader(driver, box)
    box.send_keys(words, Keys.ENTER)
    wait_for(driver, "location.pathname.endsWith('/search.html')", "the search page")
    return results(driver)


def pages_saying(language: str, word: str) -> list[str]:
    """The pages whose text has `word` itself (any case), as the search shows their paths."""
    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
    return sorted(f"/{language}/{page}.html" for page in page_names()
                  if pattern.search(article(language, page).get_text(" ")))


# A word typed without its accents, and the word as the French pages write it.
UNACCENTED = [("tache", "tâche"), ("memoire", "mémoire")]


@pytest.mark.parametrize(("typed", "written"), UNACCENTED, ids=[typed for typed, _ in UNACCENTED])
def test_french_search_finds_words_typed_without_accents(browser, site_url, typed, written):
    expected = pages_saying("fr", written)
    assert expected, f"no French page says {written!r}: choose another word"
    found = search(browser, site_url, "fr", typed)
    missing = sorted(set(expected) - set(found))
    assert not missing, (
        f"searching the French edition for {typed!r} misses pages that say {written!r}: {missing} "
        f"(found {found}; build/html/fr/searchindex.js, {SEARCH})")
    # The accents change nothing: typed with them, the same pages.
    assert search(browser, site_url, "fr", written) == found
