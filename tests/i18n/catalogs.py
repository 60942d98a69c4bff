"""The translation catalogs as the checks read them: every .po file with its entries and lines."""

import subprocess
import sys
from functools import cache
from pathlib import Path

import hpc_platform
import polib

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
TRANSLATIONS = tuple(hpc_platform.load(ROOT / "platform.toml").translations)


def catalog_files() -> list[Path]:
    return sorted(path for language in TRANSLATIONS for path in (LOCALE / language).rglob("*.po"))


def page_catalog_files() -> list[Path]:
    """The catalogs of pages (sphinx.po holds the theme's strings, not a page's)."""
    return [path for path in catalog_files() if path.name != "sphinx.po"]


def where(path: Path, entry: polib.POEntry | None = None) -> str:
    """``locale/fr/LC_MESSAGES/x.po:42``, the form editors and CI logs turn into links."""
    line = f":{entry.linenum}" if entry is not None else ""
    return f"{path.relative_to(ROOT)}{line}"


@cache
def load(path: Path) -> polib.POFile:
    return polib.pofile(str(path))


@cache
def extract_pot(directory: Path) -> Path:
    """Extract the English messages afresh, as `make gettext` would, into a scratch folder."""
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "gettext", "-c", str(ROOT), "-q", "-W",
         "-d", str(directory / "doctrees"), str(ROOT / "source"), str(directory / "pot")],
        check=True,
    )
    return directory / "pot"


def translated_entries(path: Path) -> list[polib.POEntry]:
    """The entries a reader of the translation sees: translated, neither fuzzy nor obsolete."""
    return [
        entry for entry in load(path)
        if entry.msgid and entry.msgstr and not entry.fuzzy and not entry.obsolete
    ]


def entry_problems(path: Path, check) -> list[str]:
    """``file.po:line: problem`` for each problem `check(entry)` finds in a translated entry."""
    return [f"{where(path, entry)}: {problem}" for entry in translated_entries(path) for problem in check(entry)]
