"""Sphinx configuration of Fjord's guide: Sphinx's own theme, the packages' facts and tables."""

from pathlib import Path

import hpc_platform

HERE = Path(__file__).resolve().parent
platform_file = "platform.toml"
FJORD = hpc_platform.load(HERE / platform_file)

project = FJORD.guide.titles["en"]
author = "Fjord documentation team"
extensions = ["sphinx_hpc_platform.facts", "sphinx_hpc_platform.language_switcher"]
language = "en"
locale_dirs = [str(HERE / "locale")]  # absolute: Sphinx resolves a relative one from source/
gettext_compact = False  # a catalog per page
gettext_allow_fuzzy_translations = False
nitpicky = True
html_theme = "alabaster"
html_show_sourcelink = False
