"""Sphinx configuration of Fjord's guide: the lab's, with its own facts."""

from pathlib import Path

import hpc_platform

ROOT = Path(__file__).resolve().parent
platform_file = "platform.toml"
PLATFORM = hpc_platform.load(ROOT / platform_file)

project = PLATFORM.guide.titles[PLATFORM.source_language]
author = PLATFORM.site.names[PLATFORM.source_language]

extensions = [
    "sphinx_copybutton",
    "sphinx_hpc_platform.language_switcher",
    "sphinx_hpc_platform.facts",
]

language = PLATFORM.source_language

# Absolute: a relative locale_dirs is resolved from source/ by Sphinx, from here by sphinx-intl.
locale_dirs = [str(ROOT / "locale")]
gettext_compact = False
# Fuzzy entries are not translations: they must render in English.
gettext_allow_fuzzy_translations = False
nitpicky = True

html_theme = "furo"
html_show_sphinx = False
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {"footer_icons": [], "top_of_page_buttons": ["view"]}

# Copy the commands only: the regex strips Fjord's prompt ("carol@gate:~> "); other lines are output.
copybutton_prompt_text = hpc_platform.prompt_pattern(PLATFORM.login.prompt, command=False,
                                                     named=False) + " "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True

