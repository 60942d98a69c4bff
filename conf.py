"""Sphinx configuration for every language: the source language's pages, the others from locale/."""

from pathlib import Path

import hpc_platform

ROOT = Path(__file__).resolve().parent
platform_file = "platform.toml"
PLATFORM = hpc_platform.load(ROOT / platform_file)

project = PLATFORM.guide.titles[PLATFORM.source_language]
author = PLATFORM.site.names[PLATFORM.source_language]
copyright = f"2026, {author}"

extensions = [
    "sphinx_copybutton",
    # Copy buttons shown on keyboard focus and on touch screens, named in the page's language.
    "sphinx_hpc_platform.copy_buttons",
    # French search that finds "tâche" from "tache" (accents folded in the index and the query).
    "sphinx_hpc_platform.search",
    # Each page's last change, from git (sphinx-last-updated-by-git), in the page's language.
    "sphinx_hpc_platform.last_updated",
    "sphinx_hpc_platform.language_switcher",
    "sphinx_hpc_platform.facts",
    # Sidebar captions with their heading level, code blocks and tables a keyboard can scroll.
    "sphinx_hpc_platform.accessibility",
    # A note before each block that the tests could not run here (one that needs a GPU).
    "pageharness.sphinx",
    # When each page's examples last ran, from the record the suite keeps (pytest.ini's harness_record).
    "sphinx_hpc_platform.examples_ran",
]
examples_record = "build/examples-ran.json"

# The source language's pages are the source; every other language is a catalog in locale/. The
# facts extension gives each language its title, and the language switcher the site's languages.
language = PLATFORM.source_language

# Sphinx resolves a relative locale_dirs from source/, sphinx-intl from this file's folder:
# only an absolute path makes both find the same catalogs (otherwise the French site is silently English).
locale_dirs = [str(ROOT / "locale")]
gettext_compact = False
gettext_location = True
# Fuzzy entries are not translations: they must render in English and fail the catalog checks.
gettext_allow_fuzzy_translations = False

exclude_patterns = ["_root"]
nitpicky = True

html_theme = "furo"
# The date of each page's last commit (sphinx_hpc_platform.last_updated), as the page's language writes
# a date in full ("December 5, 2026", "5 décembre 2026"): empty, the extension picks it per language.
html_last_updated_fmt = ""
html_show_sourcelink = False
# Furo's "Sphinx and @pradyunsg's" credit has an English possessive no catalog can translate.
html_show_sphinx = False
html_copy_source = False
html_static_path = ["source/_static"]  # relative to this file, which -c . names
html_css_files = ["site.css"]
html_theme_options = {
    # Furo's default footer links to GitHub; the site must not point readers outside the cluster network.
    "footer_icons": [],
    # The "view" slot holds the language switcher (sphinx_hpc_platform.language_switcher).
    "top_of_page_buttons": ["view"],
}

# Copy the commands of a transcript only: the regex strips the platform's prompt, with or without a venv
# prefix ("(qutip) [alice@iv11 ~]$ "); lines without a prompt are output and are left out.
copybutton_prompt_text = hpc_platform.prompt_pattern(PLATFORM.login.prompt, command=False, named=False) + " "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_line_continuation_character = "\\"
copybutton_here_doc_delimiter = "EOF"
copybutton_exclude = ".linenos"
# A button on the blocks a reader copies from (console, bash, python, slurm, c, toml, and a `text`
# file to save, which has a caption: requirements.txt), none on a job's output: a `text` block
# without a caption (each under `.. test: output`: tests/site/test_output_blocks.py).
copybutton_selector = ", ".join([
    "div:not(.highlight-text) > div.highlight > pre",
    "div.literal-block-wrapper > div.highlight-text > div.highlight > pre",
])

linkcheck_anchors = False
linkcheck_timeout = 15
linkcheck_retries = 2

