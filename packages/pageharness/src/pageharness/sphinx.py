"""Sphinx extension: what the harness did not run is marked on the page, for readers.

A block with ``.. test: needs-gpu "why"`` above it runs only where the pages' jobs reach a GPU, so
the tests of a stand-in never ran it: a reader must not take it for a checked example. This
extension puts a note before such a block saying so, in the page's language (the message is
Sphinx's catalog's: a site translates it in its theme catalog, sphinx.po). The options are read by
the harness's own parser, so the page and the tests agree on which blocks these are.
"""
from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.transforms import SphinxTransform

from .options import COMMENT, OptionError, parse_comment

NOT_RUN = "This block needs a GPU: the guide's tests ran it only where a GPU is, not on the stand-in."


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


def setup(app: Sphinx) -> dict:
    app.add_transform(MarkBlocksNotRun)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
