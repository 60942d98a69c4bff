"""The search index's stemmer, with a memory: each distinct word is stemmed once.

Sphinx stems every word of every page for its search index, and its languages' snowball stemmers
keep no cache: a guide of twenty pages stems the same 1 500 words some 7 000 times, and French's
stemmer is slow enough that this was a tenth of the French build. The stems, and so the index,
are the same.
"""
from __future__ import annotations

import functools

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.search import languages
from sphinx.util import import_object


def cache_stems(app: Sphinx, config: Config) -> None:
    base = languages.get(config.language)
    if isinstance(base, str):  # Sphinx names most of its languages by import path
        base = import_object(base)
    if base is None:  # no search language for it: Sphinx indexes it without stemming
        return

    class Remembering(base):
        def __init__(self, options: dict[str, str]) -> None:
            super().__init__(options)
            self.stem = functools.cache(self.stem)

    Remembering.__name__ = f"Remembering{base.__name__}"
    app.add_search_language(Remembering)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", cache_stems)
    return {"parallel_read_safe": True, "parallel_write_safe": True}



