"""pytest plugin: the site's platform.toml, read once, and where the run's shells go, decided once.

The ini option ``platform_file`` names the file (relative to the rootdir). `platform_of(config)`
gives the loaded `Platform`, or None when the option is not set (a folder of test pages, say). A
file that does not pass the schema stops the run at start, with its file, line and key.

`target_of(config)` is the one answer to "where do the shells run": ``plain`` (bash, no
platform), ``real`` (the login environment as it is: the run is on the platform), ``standin``, or
None for "decide from what this machine is" (the stand-in's plugin looks for a real Lmod and
Slurm). The option ``--platform`` sets it, else the environment variable HPC_PLATFORM, which a
shell on the platform can export once. The harness and the stand-in both read it here.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import pytest

from . import Platform, PlatformError, load

PLATFORM = pytest.StashKey["Platform | None"]()
TARGETS = ("plain", "real", "standin")
TARGET_VARIABLE = "HPC_PLATFORM"
Target = Literal["plain", "real", "standin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("platform_file", "the site's platform.toml (relative to the rootdir)", default="")
    parser.getgroup("hpc-platform", "the platform").addoption(
        "--platform", choices=TARGETS, default=None,
        help=f"where the shells of pages and tests run: plain bash (no platform), the real platform "
             f"(the login environment as it is), or the stand-in; by default ${TARGET_VARIABLE}, "
             f"else what the machine is",
    )


def target_of(config: pytest.Config) -> Target | None:
    choice = config.getoption("--platform") or os.environ.get(TARGET_VARIABLE) or None
    if choice is not None and choice not in TARGETS:
        raise pytest.UsageError(f"{TARGET_VARIABLE}={choice}: not one of {', '.join(TARGETS)}")
    return choice


# First: the other plugins (pageharness, hpc_standin) read the platform in their own
# pytest_configure, and pluggy would otherwise call the later-registered plugins first.
@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    target_of(config)  # a wrong HPC_PLATFORM stops the run at its start, not at its first shell
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
