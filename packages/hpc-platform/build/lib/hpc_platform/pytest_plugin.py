"""pytest plugin: the site's platform.toml, read once, for the other plugins and the tests.

The ini option ``platform_file`` names it (relative to the rootdir). `platform_of(config)` gives
the loaded `Platform`, or None when the option is not set (a folder of test pages, say). A file
that does not pass the schema stops the run at start, with its file, line and key.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from . import Platform, PlatformError, load

PLATFORM = pytest.StashKey["Platform | None"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("platform_file", "the site's platform.toml (relative to the rootdir)", default="")


# First: the other plugins (pageharness, hpc_standin) read the platform in their own
# pytest_configure, and pluggy would otherwise call the later-registered plugins first.
@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    name = config.getini("platform_file")
    platform = None
    if name:
        try:
            platform = load(Path(config.rootpath) / name)
        except PlatformError as error:
            raise pytest.UsageError(str(error)) from None
    config.stash[PLATFORM] = platform


def platform_of(config: pytest.Config) -> Platform | None:
    return config.stash.get(PLATFORM, None)


@pytest.fixture(scope="session")
def platform_facts(pytestconfig: pytest.Config) -> Platform:
    """The site's platform description (ini `platform_file`)."""
    platform = platform_of(pytestconfig)
    if platform is None:
        pytest.fail("no platform_file in the pytest configuration: the test needs the site's platform.toml")
    return platform
