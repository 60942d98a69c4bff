"""Debian's Chromium, driven by Debian's chromedriver, reading the built site from a loopback server.

No browser is downloaded: Selenium is handed /usr/bin/chromedriver, so Selenium Manager never runs.
Every request a page makes is read back from Chromium's performance log, which is how the tests
prove that nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.site.builtsite import ROOT, SITE

CHROMEDRIVER = Path("/usr/bin/chromedriver")
# The Debian launcher /usr/bin/chromium is a shell script that only adds flags from /etc/chromium.d;
# the binary behind it takes our flags as they are.
CHROMIUM_CANDIDATES = (Path("/usr/lib/chromium/chromium"), Path("/usr/bin/chromium"))
ARTEFACTS = ROOT / "build" / "test-artefacts" / "browser"
DESKTOP = (1280, 900)
PHONE = (375, 812)
LOCAL_SCHEMES = {"data", "blob", "about"}
LOOPBACK = "127.0.0.1"
WAIT_SECONDS = 10

FLAGS = (
    "--headless",
    # Root in a container has no user namespace for the sandbox.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Containers give /dev/shm 64 MiB, too little for Chromium's renderers.
    "--disable-dev-shm-usage",
    # A page that asks for an outside host still shows the request in the log, but nothing is resolved.
    f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {LOOPBACK}",
)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without printing a line per request into the test output."""

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 at a free port; yields the base URL, stops the thread after."""
    if not (directory / "en" / "index.html").exists():
        pytest.fail(f"{directory} has no site: run `make html` first (make test does)")
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer((LOOPBACK, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def chromium_binary() -> Path:
    for candidate in CHROMIUM_CANDIDATES:
        if candidate.exists():
            return candidate
    pytest.fail("Chromium is not installed: `make system-packages` installs the Debian package chromium")


@contextlib.contextmanager
def chromium(accept_languages: str = "en-US,en") -> Iterator[WebDriver]:
    """A headless Chromium with a fresh profile whose readers prefer `accept_languages`."""
    if not CHROMEDRIVER.exists():
        pytest.fail("chromedriver is missing: `make system-packages` installs the Debian package chromium-driver")
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium_binary())
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--lang={accept_languages.split(',')[0]}")
    options.add_argument(f"--window-size={DESKTOP[0]},{DESKTOP[1]}")
    options.add_experimental_option("prefs", {"intl.accept_languages": accept_languages})
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    # Chromium writes crash reports and dconf settings under HOME and XDG folders: give it the profile's.
    home = {"HOME": profile, "XDG_CONFIG_HOME": f"{profile}/config", "XDG_CACHE_HOME": f"{profile}/cache"}
    service = Service(str(CHROMEDRIVER), env={**os.environ, **home})
    driver = webdriver.Chrome(options=options, service=service)
    try:
        requested_urls(driver)  # the new-tab page's own chrome:// loads are not the site's
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def requested_urls(driver: WebDriver) -> list[str]:
    """The URLs requested since the last call (the performance log empties as it is read)."""
    urls = []
    for record in driver.get_log("performance"):
        message = json.loads(record["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            # Chromium's own new-tab page (chrome://...) loads its resources in the background while the
            # first site page loads: those requests are the browser's, not the site's.
            if urlsplit(message["params"].get("documentURL", "")).scheme == "chrome":
                continue
            urls.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


def outside_loopback(urls: list[str]) -> list[str]:
    """The URLs that would leave the machine: any host but 127.0.0.1, any non-local scheme."""
    outside = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            continue
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname == LOOPBACK:
            continue
        outside.append(url)
    return outside


def settle(driver: WebDriver, quiet_seconds: float = 0.3) -> None:
    """Wait until the page has loaded and fetched nothing new for `quiet_seconds` (lazy loads too)."""
    deadline = time.monotonic() + WAIT_SECONDS
    count = -1
    while time.monotonic() < deadline:
        state, now = driver.execute_script(
            "return [document.readyState, performance.getEntriesByType('resource').length]"
        )
        if state == "complete" and now == count:
            return
        count = now
        time.sleep(quiet_seconds)
    raise TimeoutError(f"{driver.current_url} kept loading for {WAIT_SECONDS} s")


def open_page(driver: WebDriver, url: str, site: Path = SITE) -> list[str]:
    """Load `url` of `site`, wait for it to settle, return every URL it requested."""
    built = site / urlsplit(url).path.lstrip("/")
    if not built.exists():
        pytest.fail(f"{built} is missing: run `make html` first (make test does)")
    requested_urls(driver)
    driver.get(url)
    settle(driver)
    return requested_urls(driver)


@contextlib.contextmanager
def viewport(driver: WebDriver, width: int, height: int, mobile: bool) -> Iterator[None]:
    """Emulate a screen: at phone size with `mobile`, the page's viewport meta tag applies as on a phone."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1, "mobile": mobile},
    )
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def horizontal_overflow(driver: WebDriver) -> tuple[int, int]:
    """(document width, viewport width): the reader scrolls sideways when the first is larger."""
    return tuple(driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]"
    ))


def widest_elements(driver: WebDriver, limit: int = 3) -> list[str]:
    """The elements that stick out of the viewport, to name the culprit in a failure."""
    return driver.execute_script(
        """
        const width = window.innerWidth, found = [];
        for (const el of document.querySelectorAll('body *')) {
          const box = el.getBoundingClientRect();
          if (box.right > width + 1 && box.width > 0) {
            const classes = el.className && typeof el.className === 'string'
              ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
            found.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes +
                       ' (right edge ' + Math.round(box.right) + ' px)');
          }
        }
        return found.slice(-arguments[0]);
        """,
        limit,
    )


def grant_clipboard(driver: WebDriver, origin: str) -> None:
    driver.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": origin, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )


def clipboard_text(driver: WebDriver) -> str:
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done, error => done('clipboard error: ' + error));"
    )


def clear_clipboard(driver: WebDriver) -> None:
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.writeText('').then(() => done(), () => done());"
    )


def click_like_a_reader(driver: WebDriver, element: WebElement) -> None:
    """Scroll to the element, hover it (copy buttons show on hover) and click it with the mouse.

    The scroll is instant, and the click waits until the element stands still: a smooth scroll furo
    started before (a jump to a section) can still move the page by a few pixels, and a click aimed
    while the page moves lands beside a link as short as the language switcher's.
    """
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    wait_until_still(driver, element)
    ActionChains(driver).move_to_element(element).click().perform()


def wait_until_still(driver: WebDriver, element: WebElement, frames: int = 10) -> None:
    """Wait until `element` has kept its place in the window for `frames` animation frames."""
    still = driver.execute_async_script(
        """const [element, frames, limit, done] = arguments;
        const place = () => JSON.stringify(element.getBoundingClientRect());
        let last = place(), same = 0, seen = 0;
        const look = () => {
          const now = place();
          same = now === last ? same + 1 : 0;
          last = now;
          if (same >= frames) return done(true);
          if (++seen >= limit) return done(false);
          requestAnimationFrame(look);
        };
        requestAnimationFrame(look);""",
        element, frames, 60 * WAIT_SECONDS // 2,
    )
    if not still:
        raise AssertionError(f"{driver.current_url}: {element.tag_name} kept moving: a reader could not click it")


def wait_for(driver: WebDriver, script: str, what: str, *args):
    """Poll a JavaScript expression (`args` are its ``arguments``) until truthy; fail naming `what`."""
    try:
        return WebDriverWait(driver, WAIT_SECONDS).until(lambda d: d.execute_script(f"return {script}", *args))
    except Exception as error:  # selenium's TimeoutException says nothing about the page
        raise AssertionError(f"{driver.current_url}: {what} did not happen within {WAIT_SECONDS} s") from error


def save_screenshot(driver: WebDriver, name: str) -> Path:
    """A PNG of the whole page under build/test-artefacts/browser/, kept by the lead and CI."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    width, height = driver.execute_script(
        "return [window.innerWidth, document.documentElement.scrollHeight]"
    )
    clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
