"""Sphinx extension: what the harness did not run is marked on the page, for readers.

A block with ``.. test: needs-gpu "why"`` above it runs only where the pages' jobs reach a GPU, so
the tests of a stand-in never ran it: a reader must not take it for a checked example. This
extension puts a note before such a block saying so, in the page's language. The options are read
by the harness's own parser, so the page and the tests agree on which blocks these are.

The note is a message of the package, not of the site: it is translated in the package's own
catalog, ``locale/<language>/LC_MESSAGES/pageharness.po`` beside this module, so a site that
adopts the extension has nothing of it to translate. The catalog is registered with Sphinx's
public API for an extension's messages (``app.add_message_catalog``, and
``sphinx.locale.get_translation`` for its translator). Sphinx (Python's gettext) reads compiled
catalogs only, and the package ships no binary beside its reviewed .po (a second copy that may
silently disagree with it): the .po of the language being built is compiled when the extension
is set up, with Babel's public API (``babel.messages.pofile.read_po``, ``mofile.write_mo``: the
library Sphinx compiles a site's catalogs with, so nothing more to install), into a folder of
the build (``<doctreedir>/message-catalogs/``: an installed package's folder may be read-only or
shared), only when out of date (the .mo carries its .po's modification time; any other time
compiles it again), without fuzzy entries, through a temporary file that then replaces the .mo.
sphinx-hpc-platform's extensions do the same with their own catalog (sphinx_hpc_platform.i18n).

The note is put in the pages' doctrees when they are read, and Sphinx reads again only the pages
that changed: a new wording of the note, or a new translation of it, would not reach the pages
already built. The extension's ``env_version`` (the metadata Sphinx compares with the saved
environment's, and reads every page again when it differs) is therefore a digest of the note and of
the catalog of the language being built.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import get_translation
from sphinx.transforms import SphinxTransform

from .options import COMMENT, OptionError, parse_comment

DOMAIN = "pageharness"
LOCALE = Path(__file__).resolve().parent / "locale"  # <language>/LC_MESSAGES/pageharness.po

_ = get_translation(DOMAIN)


def N_(message: str) -> str:  # noqa: N802 - gettext's name, which Babel's extractor knows
    """A message named here and translated where it is used, with ``_``."""
    return message


NOT_RUN = N_("This block uses a GPU or its software: the guide's tests run it only where a GPU is, "
             "and it has not been run on the stand-in, which has none.")


def needs_gpu(comment: nodes.comment) -> bool:
    match = COMMENT.match(".. " + comment.astext().strip())
    if not match:
        return False
    try:
        return bool(parse_comment(match["args"], "").get("needs_gpu"))
    except OptionError:
        return False  # the harness reports a bad option at its line; the page shows no note


class MarkBlocksNotRun(SphinxTransform):
    """A note before each literal block whose `.. test:` comments say it needs a GPU."""

    default_priority = 900  # after the translation of the page's messages

    def apply(self) -> None:
        for comment in list(self.document.findall(nodes.comment)):
            if not needs_gpu(comment):
                continue
            block = next((node for node in comment.parent[comment.parent.index(comment) + 1:]
                          if not isinstance(node, nodes.comment)), None)
            if isinstance(block, (nodes.literal_block, nodes.container)):
                note = nodes.note("", nodes.paragraph("", _(NOT_RUN)), classes=["not-run"])
                block.parent.insert(block.parent.index(block), note)


def compile_catalog(source: Path, target: Path, language: str) -> bool:
    """Compile `source` (.po) into `target` (.mo) unless `target` is the compilation of this very
    `source` (the same modification time); True when it compiled. With no `source`, no `target`."""
    if not source.is_file():
        target.unlink(missing_ok=True)  # a language the package no longer ships
        return False
    stat = source.stat()
    if target.is_file() and target.stat().st_mtime_ns == stat.st_mtime_ns:
        return False
    with source.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
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


def add_catalog(app: Sphinx) -> None:
    """The package's catalog of the language being built, compiled into the build's folder if out
    of date, and registered: ``_`` then translates into that language."""
    language = app.config.language or "en"
    folder = Path(app.doctreedir) / "message-catalogs"
    compile_catalog(LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po",
                    folder / language / "LC_MESSAGES" / f"{DOMAIN}.mo", language)
    app.add_message_catalog(DOMAIN, str(folder))


def note_version(language: str) -> int:
    """A number that changes when the note or its translation into `language` does."""
    digest = hashlib.sha256(NOT_RUN.encode())
    catalog = LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if catalog.is_file():
        digest.update(catalog.read_bytes())
    return int.from_bytes(digest.digest()[:4], "big")


def setup(app: Sphinx) -> dict:
    add_catalog(app)
    app.add_transform(MarkBlocksNotRun)
    return {"parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": note_version(app.config.language or "en")}
