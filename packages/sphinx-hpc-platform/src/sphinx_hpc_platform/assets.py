"""The package's static folder among the site's, for the extensions that serve a file from it.

Each extension that adds a script or a style connects `add_static_folder`; the folder is added once
however many of them a site loads, after the site's own folders, so that a site's file of the same
name wins.
"""
from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

STATIC = Path(__file__).resolve().parent / "static"


def add_static_folder(app: Sphinx, config: Config) -> None:
    if str(STATIC) not in config.html_static_path:
        config.html_static_path = [*config.html_static_path, str(STATIC)]
