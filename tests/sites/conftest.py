"""What the tests of the other sites share."""

from pathlib import Path

import pytest

from .sitekit import build_wheels


@pytest.fixture(scope="session")
def wheels(tmp_path_factory) -> dict[Path, Path]:
    """Each package's folder -> its wheel, built from the checkout without network, once a run."""
    return build_wheels(tmp_path_factory.mktemp("wheels"), tmp_path_factory.mktemp("sources"))
