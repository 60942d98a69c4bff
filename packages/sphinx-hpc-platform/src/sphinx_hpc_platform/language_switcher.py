"""A link on every page to the same page in the site's other languages.

The languages (the config value ``site_languages``: code -> name) are built side by side
(build/html/en/, build/html/fr/), so the twin of ``howto/venv.html`` in French is
``../../fr/howto/venv.html`` from the English page: the link is relative, works from a file://
copy and on any host, and never falls back to the home page.

A reader deep in a page stays there: a script (static/language-switcher.js) adds the address's
query and fragment to the links (``?q=memory#memory``), as the page loads and whenever the
fragment changes. The fragment needs no translating: a section's id comes from the English source
(its label, or its English title), the same in every language; tests/site/test_navigation.py
checks that every page has the same ids in every language.

Search engines learn the same pairs from the ``<head>``: a ``<link rel="alternate" hreflang>``
per language, the page's own included, and ``x-default`` for the source language's page, the one
the site's root sends readers of any other language to (templates/page.html).
"""

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

from .assets import add_static_folder

HERE = Path(__file__).resolve().parent


def twin_page_url(pagename: str, target_language: str) -> str:
    """Relative URL from ``<lang>/<pagename>.html`` to ``<target_language>/<pagename>.html``."""
    up_to_site_root = "../" * (pagename.count("/") + 1)
    return f"{up_to_site_root}{target_language}/{pagename}.html"


def add_language_links(app: Sphinx, pagename: str, templatename, context: dict, doctree) -> None:
    current = app.config.language
    languages = app.config.site_languages
    context["current_language"] = current
    # The edition for readers of no edition's language: the source language's, first of site_languages.
    context["default_language_url"] = twin_page_url(pagename, next(iter(languages))) if languages else None
    context["language_links"] = [
        {
            "code": code,
            "name": name,
            "url": twin_page_url(pagename, code),
            "current": code == current,
        }
        for code, name in languages.items()
    ]


def add_template_folder(app: Sphinx, config: Config) -> None:
    """The switcher's template (Furo's "view this page" slot), after the site's own: a site's
    template of the same name wins."""
    if str(HERE / "templates") not in config.templates_path:
        config.templates_path = [*config.templates_path, str(HERE / "templates")]


def setup(app: Sphinx) -> dict:
    app.add_config_value("site_languages", {"en": "English"}, "html", dict)
    app.connect("config-inited", add_template_folder)
    app.connect("config-inited", add_static_folder)
    app.add_css_file("language-switcher.css")
    app.add_js_file("language-switcher.js")
    app.connect("html-page-context", add_language_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
