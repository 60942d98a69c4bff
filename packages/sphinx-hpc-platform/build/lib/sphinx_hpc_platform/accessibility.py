"""What the theme's HTML lacks for readers of a keyboard or a screen reader (the browser gate's
axe-core scan, tests/browser/test_gate.py):

- the captions of the sidebar's sections, and of a toctree on a page, are ``<p class="caption"
  role="heading">`` (Sphinx's HTML writer) without the level that role requires (``aria-level``):
  they get level 2, under the page title's 1;
- a code block or a table wider than the page scrolls inside its own box, which a keyboard
  reaches only if the box can take the focus: every code block's ``<pre>`` and every table's
  wrapper (Furo's ``table-wrapper``) get ``tabindex="0"``, so that Tab reaches it and the arrows
  scroll it. On every block rather than the overflowing ones only: which overflow depends on the
  reader's screen, and a page without JavaScript must work too.

Both are changes to HTML the page's context carries as strings (Sphinx's ``body``, the theme's
``furo_navigation_tree``), made after the theme computed them; none of Sphinx's or the theme's
code is touched.
"""
from __future__ import annotations

import re

from sphinx.application import Sphinx

CAPTION = re.compile(r'<p class="caption" role="heading"(?![^>]*aria-level)')
CODE = re.compile(r'(<div class="highlight"><pre)(?![^>]*tabindex)')
TABLE_WRAPPER = re.compile(r'(<div class="table-wrapper[^"]*")(?![^>]*tabindex)')


def reachable(app: Sphinx, pagename: str, templatename, context: dict, doctree) -> None:
    navigation = context.get("furo_navigation_tree")
    if isinstance(navigation, str):
        context["furo_navigation_tree"] = CAPTION.sub('<p class="caption" role="heading" aria-level="2"', navigation)
    body = context.get("body")
    if isinstance(body, str):
        body = CAPTION.sub('<p class="caption" role="heading" aria-level="2"', body)
        body = CODE.sub(r'\1 tabindex="0"', body)
        context["body"] = TABLE_WRAPPER.sub(r'\1 tabindex="0"', body)


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", reachable, priority=900)  # after the theme's own (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
