"""Sphinx configuration for both languages: English is the source, French comes from locale/."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "source" / "_ext"))

project = "Python on the IQ HPC Platform"
author = "IQ HPC Platform"
copyright = "2026, IQ HPC Platform"

extensions = [
    "sphinx_copybutton",
    "language_switcher",
    "platform_facts",
]

# The English pages are the source; every other language is a catalog in locale/.
language = "en"
site_languages = {"en": "English", "fr": "Français"}

# Sphinx resolves a relative locale_dirs from source/, sphinx-intl from this file's folder:
# only an absolute path makes both find the same catalogs (otherwise the French site is silently English).
locale_dirs = [str(ROOT / "locale")]
gettext_compact = False
gettext_location = True
# Fuzzy entries are not translations: they must render in English and fail the catalog checks.
gettext_allow_fuzzy_translations = False

# Paths in conf.py are relative to this file (the root), not to source/.
templates_path = ["source/_templates"]
exclude_patterns = ["_ext", "_root", "conftest.py"]
nitpicky = True

html_theme = "furo"
# The title in each language; set once the language is known (-D language=fr comes after this file).
SITE_TITLES = {"en": "Python on the IQ HPC Platform", "fr": "Python sur la plateforme IQ HPC"}
html_static_path = ["source/_static"]
html_css_files = ["language-switcher.css"]
html_last_updated_fmt = None
html_show_sourcelink = False
# Furo's "Sphinx and @pradyunsg's" credit has an English possessive no catalog can translate.
html_show_sphinx = False
html_copy_source = False
html_theme_options = {
    # Furo's default footer links to GitHub; the site must not point readers outside the cluster network.
    "footer_icons": [],
    # The "view" slot holds the language switcher (source/_templates/components/view-this-page.html).
    "top_of_page_buttons": ["view"],
}

# Copy the commands of a transcript only: the regex strips the platform's prompt, with or without a venv
# prefix ("(qutip) [alice@iv11 ~]$ "); lines without a prompt are output and are left out.
copybutton_prompt_text = r"(?:\([\w.-]+\) )?\[[^\]\s@]+@[^\]\s]+ [^\]]*\]\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_line_continuation_character = "\\"
copybutton_here_doc_delimiter = "EOF"
copybutton_exclude = ".linenos"

linkcheck_anchors = False
linkcheck_timeout = 15
linkcheck_retries = 2


def use_the_title_of_the_language(app, config):
    config.html_title = SITE_TITLES[config.language]


def setup(app):
    app.connect("config-inited", use_the_title_of_the_language)
