"""The hook by which a plugin says where the pages' shells run (the stand-in, the real platform)."""
from __future__ import annotations

import pytest


@pytest.hookspec(firstresult=True)
def pytest_pageharness_login(config: pytest.Config):
    """Return a `pageharness.ShellSetup`: how a page's shell becomes a login shell of the platform.

    Called once per test process, when the first page needs a shell. The first implementation
    that returns something wins; with none (or ``--platform=plain``), pages run in plain bash.
    """
