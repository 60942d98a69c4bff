"""The browser gate's checks: what a reader sees on a page, in Chromium, as findings.

Four checks, each a function of a loaded page that returns its findings (an empty list: nothing to fix):

- ``errors``: text the theme, docutils, Sphinx or a script shows as an error. Text a stylesheet
  generates (``::before``/``::after``, e.g. Furo's red "ERROR: Adding a table of contents..." box on a
  ``.. contents::`` topic), docutils system messages and Sphinx's "problematic" nodes, a substitution
  left as ``|name|`` in the prose, and the browser console's errors (SEVERE: an uncaught exception, a
  file that does not load).
- ``keys``: a message key shown instead of its message (the job-script builder's ``error.cores``,
  ``help.time``, ``comment.requeue``... that its script resolves), in the page's text, in an option or
  in an attribute a reader or a screen reader meets; and, with JavaScript off, a form the script
  builds that does not say so in its ``<noscript>``.
- ``overflow``: the page scrolls sideways: document.scrollingElement is wider than the viewport, or
  a box that holds the whole text is (Furo's .content scrolls sideways on a phone instead of the
  document); what scrolls inside its own box (a code block) does not count.
- ``axe``: axe-core's violations of impact "serious" or "critical".

The pages are read from a built site (every .html of each language, see ``reader_pages``), served on
127.0.0.1 by tests.browser.browser.serve.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.browser import ARTEFACTS, CHROMEDRIVER, FLAGS, chromium_binary, settle, viewport
from tests.site.builtsite import LANGUAGES, ROOT, SITE, page_names

CHECKS = ("errors", "keys", "overflow", "axe")
# The two screens of the issue: a laptop's browser, and a phone (CSS pixels, with the page's viewport
# meta tag applied as a phone does).
WIDTHS = {"desktop": (1280, 900, False), "phone": (390, 844, True)}
SERIOUS = ("serious", "critical")

# The built pages a reader does not read, with why. Every other .html of an edition is gated.
NOT_READ = {
    # Sphinx's general index: no page links to it (Furo shows no index link; only a <link rel="index">
    # in the head, which no browser shows): the glossary is the reader's way to the terms. The gate
    # tests this (test_gate.py), so a visible link to it makes it a page to gate.
    "genindex": "no visible link leads to it",
}
# The search page shows its results from a query: it is gated with one, as a reader reaches it.
QUERIES = {"search": "?q=python"}

# --- the site's pages ------------------------------------------------------------------------------


def gate_site() -> Path:
    """The built site the gate reads: build/html, or BROWSER_GATE_SITE (another build, e.g. an old commit's)."""
    return Path(os.environ.get("BROWSER_GATE_SITE", SITE)).resolve()


def gate_artefacts() -> Path:
    """Where the screenshots and findings go: build/test-artefacts/browser/gate, or BROWSER_GATE_OUT."""
    return Path(os.environ.get("BROWSER_GATE_OUT", ARTEFACTS / "gate")).resolve()


def reader_pages(site: Path) -> list[tuple[str, str]]:
    """(language, page) of every built page a reader reads, ``howto/modules`` style, from the site's files.

    Read from the build, not from source/: a page Sphinx adds (search) is gated too. Without a build,
    the pages of source/ stand in, so that each test fails saying to build the site.
    """
    pages = []
    for language in LANGUAGES:
        edition = site / language
        built = sorted(str(path.relative_to(edition).with_suffix("")) for path in edition.rglob("*.html")
                       if not any(part.startswith("_") for part in path.relative_to(edition).parts))
        if not built:
            built = page_names() + ["search"]
        pages += [(language, page) for page in built if page not in NOT_READ]
    return pages


# --- axe-core --------------------------------------------------------------------------------------

AXE_LOCK = ROOT / "tests" / "browser" / "axe-core.lock"


def axe_lock() -> dict[str, str]:
    fields = {}
    for line in AXE_LOCK.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            fields[key.strip()] = value.strip()
    return fields


def axe_path() -> Path:
    return ROOT / "build" / "axe-core" / axe_lock()["version"] / "axe.min.js"


def axe_source() -> str:
    """axe.min.js of the pinned version; fetched by `make axe` the first time (one worker at a time)."""
    path = axe_path()
    if not path.exists():
        lock = ROOT / "build" / "axe-core.lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        with lock.open("w") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            if not path.exists():
                made = subprocess.run(["make", "--no-print-directory", "axe"], cwd=ROOT, text=True,
                                      capture_output=True, timeout=300)
                if made.returncode != 0 or not path.exists():
                    pytest.fail(
                        f"axe-core is missing: {path.relative_to(ROOT)} (the accessibility scan of the browser "
                        f"gate). `make axe` fetches it (make test does) with npm, pinned by "
                        f"{AXE_LOCK.relative_to(ROOT)}; it said:\n{made.stdout}{made.stderr}")
    return path.read_text(encoding="utf-8")


# --- Chromium --------------------------------------------------------------------------------------


@contextlib.contextmanager
def gate_chromium() -> Iterator[WebDriver]:
    """tests.browser.browser.chromium's Chromium, that also keeps the console (the browser log)."""
    if not CHROMEDRIVER.exists():
        pytest.fail("chromedriver is missing: `make system-packages` installs the Debian package chromium-driver")
    profile = tempfile.mkdtemp(prefix="chromium-gate-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium_binary())
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--lang=en-US")
    options.add_argument("--window-size=1280,900")
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    home = {"HOME": profile, "XDG_CONFIG_HOME": f"{profile}/config", "XDG_CACHE_HOME": f"{profile}/cache"}
    service = Service(str(CHROMEDRIVER), env={**os.environ, **home})
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_script_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@contextlib.contextmanager
def javascript_off(driver: WebDriver) -> Iterator[None]:
    """Pages loaded inside run no script of their own (Selenium's scripts still run), <noscript> shows."""
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def load(driver: WebDriver, url: str) -> None:
    driver.get_log("browser")  # the console of the pages before is theirs
    driver.get(url)
    settle(driver)


# What every script of the checks starts with: whether an element shows, and how to name one.
HELPERS_JS = """
const visible = el => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
  (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
"""


def run_js(driver: WebDriver, script: str, *args):
    return driver.execute_script(HELPERS_JS + script, *args)


# --- 1. errors ---------------------------------------------------------------------------------------

# Words of an error in generated text, in the site's languages.
ERROR_WORDS = re.compile(r"\b(error|warning|erreur|avertissement)\b", re.IGNORECASE)
# What docutils and Sphinx leave in a page when they could not render something.
ERROR_ELEMENTS = ".system-message, .system-messages, .problematic, #docutils-system-messages"
# A substitution reference as reST recognises one (start and end-strings between spaces or
# punctuation), left unreplaced in the text; ⟨ψ|H|ψ⟩ or a shell's a|b|c are not.
UNRESOLVED = re.compile(r"(?:^|(?<=[\s\-:/'\"<(\[{’“«\u00a0]))"  # after a space or an opening
                        r"\|[A-Za-z_][\w-]*\|"
                        r"(?=$|[\s\-.,:;!?\\/'\")\]}>’”»\u00a0])")  # before a space or a closing

PAGE_TEXT_JS = """
const generated = [];
for (const el of document.querySelectorAll('body, body *')) {
  for (const pseudo of ['::before', '::after']) {
    const content = getComputedStyle(el, pseudo).content;
    if (content && content !== 'none' && content !== 'normal' && /[A-Za-z]{2}/.test(content) && visible(el))
      generated.push([describe(el), pseudo, content]);
  }
}
const marked = [...document.querySelectorAll(arguments[0])].filter(visible)
  .map(el => [describe(el), el.innerText.trim().slice(0, 200)]);
// The prose a reader sees, text node by text node (code blocks apart: a shell's pipes are no substitutions).
const prose = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const parent = node.parentElement;
  if (!parent || parent.closest('pre, script, style, template') || !visible(parent)) continue;
  prose.push(node.data);
}
return {generated, marked, prose: prose.join('')};
"""


def error_findings(driver: WebDriver) -> list[str]:
    """What the page shows as an error (the console's errors apart: console_findings)."""
    seen = run_js(driver, PAGE_TEXT_JS, ERROR_ELEMENTS)
    findings = [f"{element}{pseudo} shows the generated text {content[:160]}"
                for element, pseudo, content in seen["generated"] if ERROR_WORDS.search(content)]
    findings += [f"{element} shows {text!r}" for element, text in seen["marked"]]
    prose = seen["prose"]
    for match in UNRESOLVED.finditer(prose):
        if any(match[0] in text for _, text in seen["marked"]):
            continue  # a problematic node, reported above
        start, end = prose.rfind("\n", 0, match.start()) + 1, prose.find("\n", match.end())
        line = prose[start:end if end >= 0 else len(prose)].strip()
        findings.append(f"the text shows an unresolved substitution {match[0]!r}: {line[:200]!r}")
    if re.search(r"Docutils System Messages", seen["prose"]) and not seen["marked"]:
        findings.append("the text shows docutils' 'Docutils System Messages'")
    return findings


# Chromium asks every server for /favicon.ico on its own, and logs its 404: no page asked for it.
AUTOMATIC = re.compile(r"https?://[^/\s]+/favicon\.ico - ")


def console_findings(driver: WebDriver) -> list[str]:
    """The errors the page wrote to the browser's console since it was loaded."""
    return [f"console: {entry['message'][:300]}" for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and not AUTOMATIC.match(entry["message"])]


# --- 2. keys ---------------------------------------------------------------------------------------

BUILDER_SOURCES = (
    ROOT / "packages/sphinx-hpc-platform/src/sphinx_hpc_platform/static/builder.js",
    ROOT / "packages/sphinx-hpc-platform/src/sphinx_hpc_platform/static/jobscript.js",
)
FILE_SUFFIXES = {"sh", "py", "txt", "toml", "json", "yml", "yaml", "cfg", "ini", "csv", "svg", "out", "err",
                 "log", "html", "js", "css", "png", "c", "h", "so", "whl", "gz", "tar", "zip", "sif", "ipynb"}


def message_keys() -> set[str]:
    """Every message key of the site: the builder directives' lists in source/ (``key``: text) and the
    keys its scripts write ("error.cores", or "unit." + a unit). File names ("job.sh") are not keys."""
    keys = set()
    for page in (ROOT / "source").rglob("*.rst"):
        keys.update(re.findall(r"^\s+- ``([A-Za-z]+\.[A-Za-z0-9.-]+)``:", page.read_text(encoding="utf-8"), re.M))
    for script in BUILDER_SOURCES:
        keys.update(re.findall(r"[\"']([a-z]+\.[A-Za-z0-9-]*)[\"']", script.read_text(encoding="utf-8")))
    return {key for key in keys if key.rsplit(".", 1)[-1] not in FILE_SUFFIXES}


def key_pattern(keys: set[str]) -> re.Pattern:
    """A key of one of the keys' namespaces (``error.anything-else`` too: a key the list lacks)."""
    namespaces = sorted({key.split(".")[0] for key in keys})
    return re.compile(rf"(?<![\w./-])(?:{'|'.join(namespaces)})"  # not inside a word, a path or a host name
                      r"\.[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*(?![\w/-]|\.\w)")


KEY = key_pattern(message_keys())

SHOWN_JS = """
const shown = [['the text', document.body.innerText]];
for (const el of document.querySelectorAll('body *')) {
  if (!visible(el) && el.tagName !== 'OPTION') continue;
  for (const name of ['title', 'placeholder', 'aria-label', 'alt', 'aria-description'])
    if (el.hasAttribute(name)) shown.push([describe(el) + '[' + name + ']', el.getAttribute(name)]);
  if (el.tagName === 'OPTION' && el.closest('select') && visible(el.closest('select')))
    shown.push([describe(el.closest('select')) + ' option', el.text]);
  if (el.tagName === 'INPUT' && ['text', 'button', 'submit', 'number', ''].includes(el.type))
    shown.push([describe(el) + ' value', el.value]);
}
for (const id of new Set([...document.querySelectorAll('[aria-labelledby], [aria-describedby]')]
      .flatMap(el => ['aria-labelledby', 'aria-describedby'].map(name => el.getAttribute(name) || ''))
      .flatMap(ids => ids.split(/\\s+/))
      .filter(Boolean))) {
  const target = document.getElementById(id);  // read by a screen reader, even when hidden
  if (target && !visible(target)) shown.push(['#' + id + ' (read by screen readers)', target.textContent]);
}
return shown;
"""


def key_findings(driver: WebDriver) -> list[str]:
    """Message keys the page shows (text, options, values, titles, labels read aloud): one finding per
    place that shows any, naming them."""
    findings = []
    for where, text in run_js(driver, SHOWN_JS):
        matches = (m.group(0) for m in KEY.finditer(text or ""))
        keys = list(dict.fromkeys(m for m in matches if m.rsplit(".", 1)[-1] not in FILE_SUFFIXES))
        if keys:
            line = next((line.strip() for line in text.splitlines() if keys[0] in line), "")
            named = ", ".join(map(repr, keys[:8])) + (f" and {len(keys) - 8} more" if len(keys) > 8 else "")
            findings.append(f"{where} shows the message key{'s' if len(keys) > 1 else ''} {named}: "
                            f"{line[:160]!r}")
    return findings


# Elements a script builds, which without JavaScript must say so in a <noscript> inside them.
SCRIPT_BUILT = (".job-script-builder",)

NOSCRIPT_JS = """
const found = [];
for (const widget of document.querySelectorAll(arguments[0])) {
  const notes = [...widget.querySelectorAll('noscript')].filter(n => visible(n) && n.innerText.trim());
  if (!notes.length) found.push(arguments[0] + ' shows no <noscript> note without JavaScript');
}
for (const note of document.querySelectorAll('body noscript'))
  if (!visible(note) || !note.innerText.trim()) found.push('a <noscript> shows nothing without JavaScript');
return found;
"""


def noscript_findings(driver: WebDriver) -> list[str]:
    """Without JavaScript: each script-built form says in its <noscript> that it needs JavaScript."""
    return run_js(driver, NOSCRIPT_JS, ", ".join(SCRIPT_BUILT))


# --- 3. overflow -----------------------------------------------------------------------------------

# The page scrolls sideways when its document does (document.scrollingElement), or when a box that holds
# the whole text does: the article or one around it (Furo's .content scrolls on a phone, title and all).
# A box inside the text that scrolls on its own (a code block, a table's wrapper) is no page scroll.
OVERFLOW_JS = """
const root = document.scrollingElement;
const layout = [];
for (let el = document.querySelector('article') || document.body; el; el = el.parentElement) layout.push(el);
const scrolling = layout.filter(el => el.scrollWidth > el.clientWidth + 1 &&
  (el === root || getComputedStyle(el).overflowX !== 'visible'));
if (!scrolling.length) return [];
const width = document.documentElement.clientWidth;
const ownBox = el => {
  for (let up = el.parentElement; up && !layout.includes(up); up = up.parentElement)
    if (getComputedStyle(up).overflowX !== 'visible') return true;
  return false;
};
const out = [...document.querySelectorAll('body *')].filter(el => {
  if (layout.includes(el)) return false;
  const box = el.getBoundingClientRect();
  return box.width > 0 && box.right + window.scrollX > width + 1 && !ownBox(el);
});
// The innermost of them: the culprits, not every box around them.
const culprits = out.filter(el => !out.some(other => other !== el && el.contains(other)));
const named = el => {
  const box = el.getBoundingClientRect();
  return describe(el) + ' (' + Math.round(box.width) + ' px wide, right edge at ' +
         Math.round(box.right + window.scrollX) + ' px)';
};
return [scrolling.map(el => (el === root ? 'the document' : describe(el)) +
                            ' (' + el.scrollWidth + ' px of content in ' + el.clientWidth + ' px)'),
        culprits.slice(0, 5).map(named)];
"""


def overflow_findings(driver: WebDriver) -> list[str]:
    scrolled = run_js(driver, OVERFLOW_JS)
    if not scrolled:
        return []
    boxes, culprits = scrolled
    return [f"the page scrolls sideways: {', '.join(boxes)}; "
            f"sticking out: {', '.join(culprits) or 'nothing named'}"]


# --- 4. axe ----------------------------------------------------------------------------------------

AXE_RUN_JS = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(
  results => done(results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}))),
  error => done({error: String(error)}));
"""


def axe_findings(driver: WebDriver, axe: str) -> list[str]:
    """axe-core's serious and critical violations, each with the elements it names (the first three)."""
    driver.execute_script(axe)
    violations = driver.execute_async_script(AXE_RUN_JS)
    if isinstance(violations, dict):
        return [f"axe-core did not run: {violations['error']}"]
    findings = []
    for violation in violations:
        if violation["impact"] not in SERIOUS:
            continue
        nodes = violation["nodes"]
        targets = "; ".join(node["target"] for node in nodes[:3])
        targets += f"; and {len(nodes) - 3} more" if len(nodes) > 3 else ""
        summary = (nodes[0]["summary"] or "").replace("\n", " ")[:240] if nodes else ""
        findings.append(f"{violation['impact']} {violation['id']}: {violation['help']} — {len(nodes)} "
                        f"element(s): {targets} — {summary}")
    return findings


# --- a page, at both widths and without JavaScript ---------------------------------------------------


@dataclass
class Finding:
    language: str
    page: str
    width: str  # desktop, phone, or desktop-no-javascript
    check: str  # one of CHECKS
    detail: str

    def __str__(self) -> str:
        return f"{self.language}/{self.page}.html [{self.width}] {self.check}: {self.detail}"


def screenshot(driver: WebDriver, path: Path) -> None:
    """The whole page as a PNG (tests.browser.browser.save_screenshot's way), at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = driver.execute_script("return [window.innerWidth, document.documentElement.scrollHeight]")
    clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot",
                                  {"format": "png", "captureBeyondViewport": True, "clip": clip})
    path.write_bytes(base64.b64decode(shot["data"]))


def inspect_page(driver: WebDriver, base_url: str, language: str, page: str, axe: str,
                 artefacts: Path | None = None) -> list[Finding]:
    """Every check on one page: at each width with JavaScript, then on a desktop without it.
    Screenshots (language × width, and without JavaScript when the page has a <noscript>) go to `artefacts`."""
    url = f"{base_url}/{language}/{page}.html{QUERIES.get(page, '')}"
    name = f"{language}-{page.replace('/', '-')}"
    findings = []

    def found(width: str, check: str, details: list[str]) -> None:
        findings.extend(Finding(language, page, width, check, detail) for detail in details)

    for width, (pixels, height, mobile) in WIDTHS.items():
        with viewport(driver, pixels, height, mobile):
            load(driver, url)
            found(width, "errors", error_findings(driver) + console_findings(driver))
            found(width, "keys", key_findings(driver))
            found(width, "overflow", overflow_findings(driver))
            found(width, "axe", axe_findings(driver, axe))
            if artefacts:
                screenshot(driver, artefacts / f"{name}-{width}.png")
    pixels, height, mobile = WIDTHS["desktop"]
    with viewport(driver, pixels, height, mobile), javascript_off(driver):
        load(driver, url)
        width = "desktop-no-javascript"
        found(width, "errors", error_findings(driver))
        found(width, "keys", key_findings(driver) + noscript_findings(driver))
        if artefacts and driver.execute_script("return document.querySelector('body noscript') !== null"):
            screenshot(driver, artefacts / f"{name}-no-javascript.png")
    return findings


def write_findings(artefacts: Path, language: str, page: str, findings: list[Finding]) -> Path:
    """The page's findings as JSON (findings/<lang>-<page>.json), for scripts/browser-gate-summary."""
    path = artefacts / "findings" / f"{language}-{page.replace('/', '-')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"language": language, "page": page, "findings": [asdict(f) for f in findings]},
                               indent=1, ensure_ascii=False), encoding="utf-8")
    return path
