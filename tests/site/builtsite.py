"""The built site as the tests read it: build/html/<lang>/<page>.html, parsed."""

from functools import cache
from pathlib import Path

import hpc_platform
import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "html"
SOURCE = ROOT / "source"
PLATFORM = hpc_platform.load(ROOT / "platform.toml")
LANGUAGES = tuple(PLATFORM.languages)


def page_names() -> list[str]:
    """Every page of the English source, as Sphinx names it (``howto/modules``)."""
    return sorted(
        str(path.relative_to(SOURCE).with_suffix(""))
        for path in SOURCE.rglob("*.rst")
        if not any(part.startswith("_") for part in path.relative_to(SOURCE).parts)
    )


def html_path(language: str, page: str) -> Path:
    return SITE / language / f"{page}.html"


@cache
def soup(language: str, page: str) -> BeautifulSoup:
    path = html_path(language, page)
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make html` first (make test does)")
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def article(language: str, page: str):
    """The page's own content, without the theme's navigation."""
    return soup(language, page).find("article")
