"""``:platform-doc:`text <name>```: a link to a page of the platform's own documentation, in the
language being built.

The name is one of platform.toml's [site] pages (``support``, ``connect``...); the link goes to
that page of [site] documentation in the page's language, so a French page links to the
platform's French page. The text is the page's own, translated in its catalog like any other.

sphinx_hpc_platform.facts loads this extension: the role reads the platform file that it loaded.
"""
from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import ReferenceRole

from .facts import LOADED


class PlatformDoc(ReferenceRole):
    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        site = LOADED[self.config].site
        url = site.page_url(self.target, self.config.language)
        if url is None:
            known = ", ".join(site.pages) or "none"
            message = self.inliner.reporter.error(
                f"platform-doc: {self.target!r} is not a page of [site] pages (known: {known})",
                line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, message)], [message]
        return [nodes.reference(self.rawtext, self.title, refuri=url)], []


def setup(app: Sphinx) -> dict:
    app.add_role("platform-doc", PlatformDoc())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
