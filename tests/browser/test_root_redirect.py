"""The site's root page sends each reader to the edition of their browser's language."""

from urllib.parse import urlsplit

import pytest

from tests.browser.browser import chromium, open_page, outside_loopback, requested_urls, wait_for

# A browser's preferred languages, and the edition its reader must land on.
READERS = [("fr-FR,fr", "fr"), ("fr-CA,fr,en", "fr"), ("en-US,en", "en"), ("de-DE,de", "en")]


@pytest.mark.parametrize(("accept_languages", "edition"), READERS, ids=[r[0] for r in READERS])
def test_root_sends_the_reader_to_their_language(site_url, accept_languages, edition):
    with chromium(accept_languages) as driver:
        urls = open_page(driver, f"{site_url}/index.html")
        wait_for(driver, "location.pathname !== '/index.html'", "the redirect")
        landed = urlsplit(driver.current_url).path
        urls += requested_urls(driver)
    assert not outside_loopback(urls), f"build/html/index.html requests outside 127.0.0.1: {outside_loopback(urls)}"
    assert landed == f"/{edition}/index.html", (
        f"source/_root/index.html sends a reader whose browser prefers {accept_languages} to {landed}"
    )
