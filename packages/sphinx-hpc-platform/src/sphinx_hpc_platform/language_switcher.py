"""A link on every page to the same page in the site's other languages.

The languages (the config value ``site_languages``: code -> name) are built side by side (build/html/en/, build/html/fr/), so the twin of
``howto/venv.html`` in French is ``../../fr/howto/venv.html`` from the English page: the link is
relative, works from a file:// copy and on any host, and never falls back to the home page.
"""

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

HERE = Path(__file__).resolve().parent


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


def add_theme_files(app: Sphinx, config: Config) -> None:
    """The switcher's template (Furo's "view this page" slot) and style, after the site's own:
    a site's template of the same name wins."""
    config.templates_path = [*config.templates_path, str(HERE / "templates")]
    config.html_static_path = [*config.html_static_path, str(HERE / "static")]


def setup(app: Sphinx) -> dict:
    app.add_config_value("site_languages", {"en": "English"}, "html", dict)
    app.connect("config-inited", add_theme_files)
    app.add_css_file("language-switcher.css")
    app.connect("html-page-context", add_language_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
