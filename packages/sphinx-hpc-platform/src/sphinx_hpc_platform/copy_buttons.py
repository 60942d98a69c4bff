"""Copy buttons (sphinx-copybutton) that every reader can find and that say what they do.

sphinx-copybutton shows its button only while the mouse is over the code block: a reader on a
touch screen never sees it, and one who moves with the keyboard reaches a button that stays
invisible (its style also removes the focus outline). Its name comes from an SVG ``<title>``,
which not every browser or screen reader takes as the button's name. This extension adds:

- a style (static/copy-buttons.css): the button shows, with a focus ring, when it has the
  keyboard's focus (``:focus-visible``), and always on screens that cannot hover
  (``@media (hover: none)``: phones, tablets);
- a script (static/copy-buttons.js) that gives each button an ``aria-label`` in the page's
  language: ``Copy to clipboard``, a message of the package's own catalog
  (``locale/<lang>/LC_MESSAGES/sphinx_hpc_platform.po`` beside this module, sphinx_hpc_platform.i18n),
  so a site has nothing to translate for it.

Which blocks get a button is the site's choice (``copybutton_selector`` in conf.py).
"""
from __future__ import annotations

from sphinx.application import Sphinx

from .assets import add_static_folder
from .i18n import _


def add_label_script(app: Sphinx) -> None:
    """The label in the language being built, for an HTML builder (known once the builder starts)."""
    if app.builder.format == "html":
        app.add_js_file("copy-buttons.js", **{"data-label": str(_("Copy to clipboard"))})


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx_hpc_platform.i18n")
    app.connect("config-inited", add_static_folder)
    app.connect("builder-inited", add_label_script)
    app.add_css_file("copy-buttons.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
