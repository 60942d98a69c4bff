"""French search that ignores accents: "tache" finds "tâche", "memoire" finds "mémoire".

Sphinx's French search stems words with the Snowball stemmer as they are written, so a reader who
types without accents (a keyboard without them, a habit) finds nothing. Here the French search
language folds accents away on both sides, the same way:

- the index (Python): every word is folded (``tâche`` → ``tache``, ``cœur`` → ``coeur``), then
  stemmed by Sphinx's French stemmer;
- the query (JavaScript, in the search page's ``language_data.js``): the same Snowball stemmer
  that Sphinx ships for French, behind a ``Stemmer`` that folds each word the same way first.

Folding before stemming makes the stem a function of the folded word: a word typed with or
without its accents always meets the index on the same stem. The stop words are kept in both
spellings, so that "a" is left out of a query like "à".

The language is registered with ``app.add_search_language`` when the extension is set up, so
it is the one Sphinx uses whenever the site is built in French (``html_search_language``).
"""
from __future__ import annotations

import unicodedata
from pathlib import Path

import sphinx.search
from sphinx.application import Sphinx
from sphinx.search.fr import SearchFrench

# Sphinx's minified Snowball stemmers, the ones it embeds in language_data.js for a language.
MINIFIED_JS = Path(sphinx.search.__file__).resolve().parent / "minified-js"

# What is folded, the same in Python and in JavaScript: the combining diacritical marks (U+0300 to
# U+036F) of the canonical decomposition, and the ligatures that have none.
LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}

FOLD_JS = r"""
/* sphinx_hpc_platform.search: the index folds accents before stemming; so does the query. */
const foldAccents = (word) =>
  word
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/œ/g, "oe").replace(/Œ/g, "OE").replace(/æ/g, "ae").replace(/Æ/g, "AE")
    .normalize("NFC");
var Stemmer = function () {
  const stemmer = new FrenchStemmer();
  this.stemWord = (word) => stemmer.stemWord(foldAccents(word));
};
"""


def fold(word: str) -> str:
    """``tâche`` → ``tache``, ``Œuvre`` → ``OEuvre``: the word without its accents."""
    decomposed = unicodedata.normalize("NFD", word)
    bare = "".join(char for char in decomposed if not "\u0300" <= char <= "\u036f")
    for ligature, letters in LIGATURES.items():
        bare = bare.replace(ligature, letters)
    return unicodedata.normalize("NFC", bare)


class SearchFrenchWithoutAccents(SearchFrench):
    """Sphinx's French search, on words folded to their letters without accents."""

    lang = "fr"
    language_name = "French"
    # Both spellings: the query's stop words are checked as typed, the index's once folded.
    stopwords = frozenset(SearchFrench.stopwords) | {fold(word) for word in SearchFrench.stopwords}
    # No raw stemmer file: the stemmer is js_stemmer_code below, which Sphinx embeds as it is.
    js_stemmer_rawcode = ""

    @property
    def js_stemmer_code(self) -> str:  # type: ignore[override]
        """Sphinx's Snowball French stemmer for JavaScript, behind a Stemmer that folds first."""
        parts = [(MINIFIED_JS / name).read_text(encoding="utf-8") for name in ("base-stemmer.js", "french-stemmer.js")]
        return "\n".join([*parts, FOLD_JS])

    def split(self, input: str) -> list[str]:  # noqa: A002 - Sphinx's signature
        """The words, folded: those the index keeps unstemmed are folded too."""
        return [fold(word) for word in super().split(input)]

    def stem(self, word: str) -> str:
        return super().stem(fold(word.lower()))


def setup(app: Sphinx) -> dict:
    app.add_search_language(SearchFrenchWithoutAccents)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
