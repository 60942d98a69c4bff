"""What a reader does in a real browser: switch language, copy a command, search; screenshots kept."""

from urllib.parse import urlsplit

import pytest
import sphinx_hpc_platform.language_switcher as switcher
from pageharness.transcript import Prompt, parse_transcript
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.browser import (
    DESKTOP,
    PHONE,
    clear_clipboard,
    click_like_a_reader,
    clipboard_text,
    open_page,
    save_screenshot,
    viewport,
    wait_for,
)
from tests.site.builtsite import LANGUAGES, PLATFORM, ROOT, SOURCE, html_path, page_names

PAGES = page_names()
PROMPT = Prompt(PLATFORM.login.prompt, PLATFORM.prompt())
CONSOLE_PAGES = [page for page in PAGES
                 if "code-block:: console" in (SOURCE / f"{page}.rst").read_text(encoding="utf-8")]
SWITCHER_SOURCE = ", ".join(
    [str(path) for path in sorted((switcher.HERE / "templates").rglob("*.html"))] + [switcher.__file__])


def page_path(url: str) -> str:
    return urlsplit(url).path


def html_line(language: str, page: str, text: str) -> str:
    """``build/html/en/x.html:123``: the built file and the line where `text` first appears."""
    path = html_path(language, page)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return f"{path.relative_to(ROOT)}:{number}"
    return str(path.relative_to(ROOT))


def follow_switcher(driver, language: str, page: str, target: str) -> None:
    """Click the switcher's link to `target` and assert it lands on the twin of `page`."""
    links = driver.find_elements(By.CSS_SELECTOR, f'.language-switcher a[hreflang="{target}"]')
    assert len(links) == 1, \
        f"{html_path(language, page).relative_to(ROOT)}: no switcher link to {target} ({SWITCHER_SOURCE})"
    link = links[0]
    before = driver.current_url
    click_like_a_reader(driver, link)
    wait_for(driver, f"location.href !== {before!r} && document.readyState === 'complete'", "the switch")
    landed = page_path(driver.current_url)
    link_markup = f'hreflang="{target}"'
    assert landed == f"/{target}/{page}.html", (
        f"{html_line(language, page, link_markup)}: the {target} link of the switcher "
        f"leads to {landed}, not to /{target}/{page}.html (made by {SWITCHER_SOURCE})"
    )
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == target


@pytest.mark.parametrize("page", PAGES)
def test_switcher_leads_to_the_same_page_in_french_and_back(browser, site_url, page):
    open_page(browser, f"{site_url}/en/{page}.html")
    follow_switcher(browser, "en", page, "fr")
    follow_switcher(browser, "fr", page, "en")


def test_switcher_works_on_a_phone(browser, site_url):
    """On a phone furo hides the sidebar: the switcher must still be on screen and work."""
    page = "howto/modules"
    with viewport(browser, *PHONE, mobile=True):
        open_page(browser, f"{site_url}/en/{page}.html")
        follow_switcher(browser, "en", page, "fr")
        follow_switcher(browser, "fr", page, "en")


def rst_line(page: str, first_line: str) -> str:
    """``source/x.rst:14``: where a console block whose first line is `first_line` starts."""
    path = SOURCE / f"{page}.rst"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() == first_line.strip():
            return f"{path.relative_to(ROOT)}:{number}"
    return str(path.relative_to(ROOT))


def commands_of(transcript: str, where: str) -> list[str]:
    """The lines a reader must paste: each command with its continuation lines, as the tests run them."""
    steps = parse_transcript(transcript, 1, where, PROMPT)
    return [line for step in steps for line in step.command.splitlines() if line.strip()]


def copy_with_button(driver, block) -> str:
    """Click the copy button of a code block and return what landed in the clipboard."""
    button = block.find_element(By.XPATH, "./following-sibling::button[contains(@class, 'copybtn')]")
    clear_clipboard(driver)
    click_like_a_reader(driver, button)
    # sphinx-copybutton marks the button "success" once its copy handler ran; only then read.
    wait_for(driver, "arguments[0].classList.contains('success')", "the copy button's 'Copied!'", button)
    return clipboard_text(driver)


@pytest.mark.parametrize("page", CONSOLE_PAGES)
def test_copy_button_copies_the_commands_without_prompts_or_output(browser, site_url, page):
    open_page(browser, f"{site_url}/en/{page}.html")
    blocks = browser.find_elements(By.CSS_SELECTOR, "div.highlight-console pre")
    assert blocks, f"{html_path('en', page).relative_to(ROOT)}: no console block in the built page"
    wrong = []
    for block in blocks:
        transcript = block.get_property("textContent")
        where = rst_line(page, transcript.splitlines()[0])
        expected = commands_of(transcript, where)
        # Blank lines carry no command: the button keeps those between commands, the harness does not.
        copied = [line for line in copy_with_button(browser, block).splitlines() if line.strip()]
        if copied != expected:
            wrong.append(f"{where}: the copy button copies {copied!r}, the commands are {expected!r}")
    assert not wrong, "\n".join(wrong)


def search(driver, site_url: str, language: str, word: str) -> list[str]:
    """Type `word` in the search box of the `language` home page, press Enter; the result pages' paths."""
    open_page(driver, f"{site_url}/{language}/index.html")
    box = driver.find_element(By.CSS_SELECTOR, "input.sidebar-search")
    click_like_a_reader(driver, box)
    box.send_keys(word, Keys.ENTER)
    wait_for(driver, "location.pathname.endsWith('/search.html')", "the search page")
    wait_for(driver, "document.querySelector('#search-results .search-summary')?.innerText", "the search")
    assert page_path(driver.current_url) == f"/{language}/search.html", f"the search left the {language} edition"
    links = driver.find_elements(By.CSS_SELECTOR, "#search-results ul.search li a")
    return sorted({page_path(link.get_attribute("href")) for link in links})


# A word only the page's own language has, and a page that holds it (howto/modules.rst and its .po).
SEARCHES = [("en", "software", "howto/modules"), ("fr", "logicielle", "howto/modules")]


@pytest.mark.parametrize(("language", "word", "page"), SEARCHES, ids=[s[0] for s in SEARCHES])
def test_search_finds_a_word_of_the_edition_language(browser, site_url, language, word, page):
    found = search(browser, site_url, language, word)
    assert f"/{language}/{page}.html" in found, (
        f"searching the {language} edition for {word!r} finds {found}, not {page} "
        f"(build/html/{language}/searchindex.js)"
    )


SCREENSHOT_PAGE = "howto/modules"


@pytest.mark.parametrize("language", LANGUAGES)
def test_screenshots_of_a_page_are_kept(browser, site_url, language):
    """Artefacts for a person to look at: the same page in each edition, on a desktop and a phone."""
    name = f"{language}-{SCREENSHOT_PAGE.replace('/', '-')}"
    open_page(browser, f"{site_url}/{language}/{SCREENSHOT_PAGE}.html")
    desktop = save_screenshot(browser, f"{name}-desktop")
    with viewport(browser, *PHONE, mobile=True):
        open_page(browser, f"{site_url}/{language}/{SCREENSHOT_PAGE}.html")
        phone = save_screenshot(browser, f"{name}-phone")
    for path, width in ((desktop, DESKTOP[0]), (phone, PHONE[0])):
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), f"{path} is not a PNG"
        assert int.from_bytes(data[16:20], "big") >= width, f"{path} is narrower than the {width} px screen"
