"""Every page of both editions, loaded on a phone-sized screen: it fits the screen and fetches nothing
outside 127.0.0.1 (the platform's readers may sit on a network without the internet).
"""

from urllib.parse import urlsplit

import pytest

from tests.browser.browser import (
    PHONE,
    horizontal_overflow,
    open_page,
    outside_loopback,
    serve,
    viewport,
    widest_elements,
)
from tests.site.builtsite import LANGUAGES, page_names

# The pages Sphinx adds to every edition, besides the guide's own.
PAGES = page_names() + ["genindex", "search"]


@pytest.fixture(scope="module")
def phone_visit(browser, site_url):
    """Each page loaded once at phone width: what it requested and how wide it is (shared by two tests)."""
    visits = {}

    def visit(language: str, page: str):
        if (language, page) not in visits:
            query = "?q=python" if page == "search" else ""  # the search page loads its index on a query
            with viewport(browser, *PHONE, mobile=True):
                urls = open_page(browser, f"{site_url}/{language}/{page}.html{query}")
                widths = horizontal_overflow(browser)
                culprits = widest_elements(browser) if widths[0] > widths[1] else []
                visits[language, page] = (urls, widths, culprits)
        return visits[language, page]

    return visit


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_page_requests_nothing_outside_loopback(phone_visit, language, page):
    urls, _, _ = phone_visit(language, page)
    assert any(urlsplit(url).path == f"/{language}/{page}.html" for url in urls), f"{page} was not loaded: {urls}"
    outside = outside_loopback(urls)
    assert not outside, f"build/html/{language}/{page}.html requests outside 127.0.0.1: {outside}"


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_page_fits_a_phone_screen(phone_visit, language, page):
    _, (document_width, screen_width), culprits = phone_visit(language, page)
    assert screen_width == PHONE[0], f"the page's viewport is {screen_width} px wide, not the phone's {PHONE[0]}"
    assert document_width <= screen_width, (
        f"build/html/{language}/{page}.html scrolls sideways on a {PHONE[0]} px phone: "
        f"{document_width} px wide, widest: {culprits}"
    )


def test_a_request_outside_loopback_is_caught(browser, tmp_path):
    """The check can fail: a page that loads a font from outside shows that request in the log."""
    page = tmp_path / "en" / "index.html"
    page.parent.mkdir()
    page.write_text('<!DOCTYPE html><link rel="stylesheet" href="https://fonts.example.com/font.css"><p>x</p>')
    with serve(tmp_path) as url:
        urls = open_page(browser, f"{url}/en/index.html", site=tmp_path)
    assert outside_loopback(urls) == ["https://fonts.example.com/font.css"]
