"""pytest plugin (entry point `home-guard`): the suite must not write in the real HOME of whoever runs it.

Tools write their caches and settings there unless told otherwise (pip's cache, Matplotlib's and
Dask's config, Chromium's crash reports...). The controller lists the folders they use before and
after the session; a new entry fails the run, naming it. Only where a site asks for it (ini
``home_guard = true``): the other runs of the environment are not its business.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HOME_BEFORE = pytest.StashKey[set]()
WATCHED = ("", ".cache", ".config", ".local", ".local/share")


def entries(home: Path) -> set[str]:
    found = set()
    for folder in WATCHED:
        try:
            found |= {str(path.relative_to(home)) for path in (home / folder).iterdir()}
        except OSError:
            continue
    return found


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("home_guard", "fail the run if it leaves a new entry in the real HOME",
                  type="bool", default=False)


def pytest_sessionstart(session):
    if session.config.getini("home_guard") and not hasattr(session.config, "workerinput"):
        session.config.stash[HOME_BEFORE] = entries(Path.home())


def pytest_sessionfinish(session):
    before = session.config.stash.get(HOME_BEFORE, None)
    if before is None:
        return
    new = sorted(entries(Path.home()) - before)
    if new:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"the tests wrote in the real HOME ({Path.home()}): {', '.join('~/' + n for n in new)}"
        if reporter:
            reporter.write_line(f"ERROR: {message}", red=True, bold=True)
        session.exitstatus = 1
