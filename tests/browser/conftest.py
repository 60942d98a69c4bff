"""One loopback server and one Chromium per test module: starting Chromium costs about a second."""

import pytest

from tests.browser.browser import chromium, grant_clipboard, serve
from tests.site.builtsite import SITE


@pytest.fixture(scope="module")
def site_url():
    with serve(SITE) as url:
        yield url


@pytest.fixture(scope="module")
def browser(site_url):
    with chromium() as driver:
        grant_clipboard(driver, site_url)
        yield driver
