"""Copy buttons a reader finds without a mouse, named in the page's language, and only where there
is something to copy (not on a job's output)."""

import contextlib

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser import browser as chromium_helpers
from tests.browser.browser import PHONE, chromium, grant_clipboard, open_page, viewport, wait_for
from tests.site.builtsite import LANGUAGES, ROOT, SOURCE, html_path, page_names

EXTENSION = "packages/sphinx-hpc-platform/src/sphinx_hpc_platform/copy_buttons.py and its static/copy-buttons.*"
CODE_PAGES = [page for page in page_names() if "code-block::" in (SOURCE / f"{page}.rst").read_text(encoding="utf-8")]
# A page with every kind of block: a program, a job script, transcripts, a file to save
# (requirements.txt, a captioned text block) and the job's output (text blocks).
PAGE = "howto/python-job"
LABEL = {"en": "Copy to clipboard", "fr": "Copier dans le presse-papiers"}

BUTTONS = "[...document.querySelectorAll('div.highlight button.copybtn')]"


# Headless Chromium has no pointing device, so it matches (hover: none) like a phone: Blink's
# settings give this one a mouse, as a desktop reader has (hover: hover, pointer: fine).
WITH_A_MOUSE = "--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4"


@pytest.fixture(scope="module")
def mouse_browser(site_url):
    with contextlib.ExitStack() as stack:
        with pytest.MonkeyPatch.context() as patch:  # for this Chromium's start only
            patch.setattr(chromium_helpers, "FLAGS", (*chromium_helpers.FLAGS, WITH_A_MOUSE))
            driver = stack.enter_context(chromium())
        grant_clipboard(driver, site_url)
        yield driver


def wait_for_buttons(driver) -> None:
    """sphinx-copybutton adds its buttons once its clipboard library has loaded."""
    wait_for(driver, f"{BUTTONS}.length > 0", "the copy buttons")


def opacities(driver) -> list[float]:
    return driver.execute_script(f"return {BUTTONS}.map(b => Number(getComputedStyle(b).opacity))")


@pytest.mark.parametrize("language", LANGUAGES)
def test_copy_buttons_are_named_in_the_page_language(browser, site_url, language):
    open_page(browser, f"{site_url}/{language}/{PAGE}.html")
    wait_for_buttons(browser)
    wait_for(browser, f"{BUTTONS}.every(b => b.hasAttribute('aria-label'))",
             f"the copy buttons' aria-label ({EXTENSION})")
    buttons = browser.find_elements(By.CSS_SELECTOR, "div.highlight button.copybtn")
    names = {(button.get_attribute("aria-label"), button.accessible_name) for button in buttons}
    expected = (LABEL[language], LABEL[language])
    assert names == {expected}, (
        f"{html_path(language, PAGE).relative_to(ROOT)}: the copy buttons' (aria-label, accessible name) "
        f"are {sorted(names)}, not {expected} ({EXTENSION}; its catalog "
        f"packages/sphinx-hpc-platform/src/sphinx_hpc_platform/locale/{language}/LC_MESSAGES/sphinx_hpc_platform.po)")


def test_keyboard_focus_shows_the_copy_button(mouse_browser, site_url):
    """A reader who moves with Tab reaches the button and sees it, with a focus ring."""
    browser = mouse_browser
    open_page(browser, f"{site_url}/en/{PAGE}.html")
    assert browser.execute_script("return matchMedia('(hover: hover)').matches"), "no mouse emulated"
    wait_for_buttons(browser)
    ActionChains(browser).move_to_element(browser.find_element(By.CSS_SELECTOR, "article h1")).perform()
    wait_for(browser, f"{BUTTONS}.every(b => getComputedStyle(b).opacity === '0')", "the buttons to hide")
    assert set(opacities(browser)) == {0}, "the buttons show before any hover or focus: the test sees nothing"
    # Start from the article's title, as a reader who has read to there, then Tab to the first button.
    browser.execute_script(
        "const h = document.querySelector('article h1'); h.tabIndex = -1; h.focus();")
    for _ in range(200):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.execute_script("return document.activeElement.matches('button.copybtn')"):
            break
    else:
        pytest.fail(f"{PAGE}: Tab never reaches a copy button")
    wait_for(browser, "getComputedStyle(document.activeElement).opacity === '1'",
             f"the focused copy button to show ({EXTENSION})")
    style = browser.execute_script(
        "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]")
    assert style[0] != "none" and style[1] != "0px", f"the focused copy button has no focus ring: {style} ({EXTENSION})"


def test_copy_buttons_show_on_a_touch_screen(mouse_browser, site_url):
    """A phone cannot hover: every copy button is there without it (and hidden with a mouse, which
    shows it on hover)."""
    browser = mouse_browser
    open_page(browser, f"{site_url}/en/{PAGE}.html")
    wait_for_buttons(browser)
    assert set(opacities(browser)) == {0}, "with a mouse and no hover, the buttons already show"
    browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    try:
        with viewport(browser, *PHONE, mobile=True):
            open_page(browser, f"{site_url}/en/{PAGE}.html")
            assert browser.execute_script("return matchMedia('(hover: none)').matches"), "no touch screen emulated"
            wait_for_buttons(browser)
            wait_for(browser, f"{BUTTONS}.every(b => getComputedStyle(b).opacity === '1')",
                     f"every copy button to show on a touch screen ({EXTENSION})")
    finally:
        browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})


BLOCKS = """
return [...document.querySelectorAll('article div[class^="highlight-"]')].map(block => [
  block.className.split(' ')[0].replace('highlight-', ''),
  block.closest('.literal-block-wrapper')?.querySelector('.caption-text')?.textContent ?? '',
  block.querySelectorAll('button.copybtn').length,
  block.textContent.trim().split('\\n')[0],
]);
"""


@pytest.mark.parametrize("page", CODE_PAGES)
def test_a_button_on_what_readers_copy_none_on_output(browser, site_url, page):
    """Commands, programs, job scripts and files to save have one button; a job's output (a text
    block without a caption) has none."""
    open_page(browser, f"{site_url}/en/{page}.html")
    wait_for_buttons(browser)
    wrong = []
    for language, caption, buttons, first_line in browser.execute_script(BLOCKS):
        output = language == "text" and not caption
        if buttons != (0 if output else 1):
            kind = "output" if output else f"{language} block {caption}".strip()
            wrong.append(f"{kind} starting {first_line!r} has {buttons} copy buttons")
    assert not wrong, \
        f"{html_path('en', page).relative_to(ROOT)} (copybutton_selector in conf.py):\n" + "\n".join(wrong)
