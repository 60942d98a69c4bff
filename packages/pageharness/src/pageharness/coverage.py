"""Every literal block the pages render, found by Sphinx's own reader (not by grepping).

The pages are read with the project's conf.py into throwaway doctrees (the `dummy` builder writes
nothing else); each `literal_block`/`doctest_block` node gives its page and line. A block the
harness's sybil parser does not recognise (a `::` literal, a `literalinclude`...) is therefore
still counted, and reported as not executed.
"""
from __future__ import annotations

import io
import tempfile
from pathlib import Path

from docutils import nodes


def blocks_in_pages(srcdir: Path, confroot: Path) -> list[tuple[str, int]]:
    from sphinx.application import Sphinx

    confdir = confroot if (confroot / "conf.py").exists() and srcdir.is_relative_to(confroot) else None
    pages = sorted(str(p.relative_to(srcdir).with_suffix("")) for p in srcdir.rglob("*.rst"))
    if not pages:
        return []
    with tempfile.TemporaryDirectory(prefix="harness-doctrees-") as out:
        # Any folder of pages is read: one without an index (a part of a site's documentation, or
        # pages with no Sphinx project around them) gets its first page as the root, which only
        # the toctrees care about, and this reader keeps no warning.
        overrides = {"root_doc": "index" if "index" in pages else pages[0]}
        if confdir is None:  # no conf.py of theirs: plain reST, no extension
            overrides["extensions"] = []
        app = Sphinx(str(srcdir), str(confdir) if confdir else None, out, str(Path(out) / "doctrees"),
                     "dummy", confoverrides=overrides, status=None, warning=io.StringIO(),
                     freshenv=True)
        app.build(force_all=True)
        found = []
        for docname in sorted(app.env.found_docs):
            page = str(Path(app.env.doc2path(docname)).resolve())
            doctree = app.env.get_doctree(docname)
            for node in doctree.findall(lambda n: isinstance(n, (nodes.literal_block, nodes.doctest_block))):
                # The line sybil reports for a block is the directive's, which Sphinx gives for a
                # code-block; for a `::` literal it is the line after the block, enough to find it.
                found.append((page, node.line or 0))
        return found
