"""The package's own messages: its catalogs, compiled for the build, and their translator ``_``.

What the extensions write on a page themselves (the footer's two lines and the labels of Furo's
buttons, sphinx_hpc_platform.facts; the copy buttons' name, sphinx_hpc_platform.copy_buttons) are
messages of this package, not of the site: they are translated in the package's own catalog,
``locale/<language>/LC_MESSAGES/sphinx_hpc_platform.po`` beside this module, one per language the
package ships. A site that adopts the extensions has none of their messages to translate: its
theme catalog (sphinx.po) holds its theme's words only. A message is marked in the code as
gettext does, ``_("...")`` where it is translated and ``N_("...")`` where it is only named, so
that Babel's extractor finds every one (the package's tests check that the catalogs hold them).

The catalog is registered with Sphinx's public API for an extension's messages,
``app.add_message_catalog`` and ``sphinx.locale.get_translation``. Sphinx (Python's gettext, in
fact) reads compiled catalogs only: ``<folder>/<language>/LC_MESSAGES/<domain>.mo``. The package
ships no .mo: a binary beside its source is a second copy that may silently disagree with the
reviewed text, and no tool diffs or checks it. So the .po of the language being built is compiled
when the extension is set up, with Babel's public API (``babel.messages.pofile.read_po``,
``babel.messages.mofile.write_mo``: the library Sphinx itself compiles a site's catalogs with, so
nothing more to install, and no msgfmt needed), and

- into a folder of the build, ``<doctreedir>/message-catalogs/``, not into the package: an
  installed package's folder may be read-only, or shared by builds of several sites;
- only when out of date: the .mo is given its .po's modification time, and any other time (the
  .po edited, or installed again, whether newer or older) compiles it again; otherwise the build
  reads the .mo it already has;
- without the fuzzy entries, as msgfmt and the site's catalogs (``gettext_allow_fuzzy_translations
  = False``): a fuzzy message shows in English;
- written to a temporary file that then replaces the .mo, so that a build reading the folder never
  reads half a catalog.

The language being built is the configuration's (``language``, ``-D language=fr`` included),
which Sphinx has read before it sets up the extensions. A language the package has no catalog for
shows the English messages.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sphinx.application import Sphinx
from sphinx.locale import get_translation

DOMAIN = "sphinx_hpc_platform"
LOCALE = Path(__file__).resolve().parent / "locale"  # <language>/LC_MESSAGES/<domain>.po

_ = get_translation(DOMAIN)


def N_(message: str) -> str:  # noqa: N802 - gettext's name, which Babel's extractor knows
    """A message named here and translated where it is used, with ``_``."""
    return message


def compiled_folder(app: Sphinx) -> Path:
    """Where a build keeps the packages' compiled catalogs: beside its doctrees."""
    return Path(app.doctreedir) / "message-catalogs"


def compile_catalog(source: Path, target: Path, domain: str, language: str) -> bool:
    """Compile `source` (.po) into `target` (.mo) unless `target` is the compilation of this very
    `source` (the same modification time); True when it compiled. With no `source`, no `target`."""
    if not source.is_file():
        target.unlink(missing_ok=True)  # a language the package no longer ships
        return False
    stat = source.stat()
    if target.is_file() and target.stat().st_mtime_ns == stat.st_mtime_ns:
        return False
    with source.open("rb") as po:
        catalog = read_po(po, locale=language, domain=domain)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as mo:
            write_mo(mo, catalog, use_fuzzy=False)
        os.utime(temporary, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def add_catalog(app: Sphinx, domain: str, locale: Path) -> None:
    """Compile `domain`'s catalog of the language being built, from `locale`, into the build's
    folder if out of date, and register that folder: ``get_translation(domain)`` then translates."""
    language = app.config.language or "en"
    folder = compiled_folder(app)
    compile_catalog(locale / language / "LC_MESSAGES" / f"{domain}.po",
                    folder / language / "LC_MESSAGES" / f"{domain}.mo", domain, language)
    app.add_message_catalog(domain, str(folder))


def setup(app: Sphinx) -> dict:
    """Set up by the package's extensions that translate a message (once per build)."""
    add_catalog(app, DOMAIN, LOCALE)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
