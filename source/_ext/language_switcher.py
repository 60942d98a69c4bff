"""A link on every page to the same page in the site's other languages.

The languages are built side by side (build/html/en/, build/html/fr/), so the twin of
``howto/venv.html`` in French is ``../../fr/howto/venv.html`` from the English page: the link is
relative, works from a file:// copy and on any host, and never falls back to the home page.
"""

from sphinx.application import Sphinx


def twin_page_url(pagename: str, target_language: str) -> str:
    """Relative URL from ``<lang>/<pagename>.html`` to ``<target_language>/<pagename>.html``."""
    up_to_site_root = "../" * (pagename.count("/") + 1)
    return f"{up_to_site_root}{target_language}/{pagename}.html"


def add_language_links(app: Sphinx, pagename: str, templatename, context: dict, doctree) -> None:
    current = app.config.language
    context["current_language"] = current
    context["language_links"] = [
        {
            "code": code,
            "name": name,
            "url": twin_page_url(pagename, code),
            "current": code == current,
        }
        for code, name in app.config.site_languages.items()
    ]


def setup(app: Sphinx) -> dict:
    app.add_config_value("site_languages", {"en": "English"}, "html", dict)
    app.connect("html-page-context", add_language_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
