"""French spell check with Debian's hunspell and hunspell-fr, plus the project's word list.

hunspell reads what a reader reads (markup.parse(...).readable: link and reference titles kept,
literals, targets, URLs and substitutions removed): one process checks each distinct word of a
whole catalog, and each unknown word is reported with its message.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

from tests.i18n.catalogs import LOCALE
from tests.i18n.markup import EMPHASIS, parse

DICTIONARY = "fr_FR"
WORDLIST = LOCALE / "fr" / "wordlist.txt"
WORD = re.compile(r"\w+(?:['’-]\w+)*")
DOTTED_NAME = re.compile(r"\w[\w-]*(?:\.[\w-]+)+")
# A value a page's script writes in ("at most {limit} cores"), or a theme's template ("%(name)s").
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s")
HTML_TAG = re.compile(r"<[^<>]*>")  # the theme's messages hold markup: <a href="...">


@cache
def project_words(path: Path = WORDLIST) -> frozenset[str]:
    """The word list: one word per line; blank lines and lines starting with # are comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


def is_project_word(word: str, words: frozenset[str]) -> bool:
    # A listed word may start a sentence: "Lmod" is listed, and so is "virtualenv" for "Virtualenv".
    return word in words or (word[:1].isupper() and word[:1].lower() + word[1:] in words)


def hunspell() -> str:
    path = shutil.which("hunspell")
    if path is None:
        pytest.fail("hunspell is missing: `make system-packages` installs the Debian packages hunspell hunspell-fr")
    return path


def text_to_check(msgid: str, msgstr: str, term: str = "") -> str:
    """What a reader reads of the msgstr, less the English it quotes in italics: words of its
    msgid, or the whole `term` it defines (the glossary's "Anglais : *array task*", whose term is the
    message before its definition)."""
    def english(text: str) -> bool:
        return text.lower() in msgid.lower() or text.lower() == term.lower()
    quoted = EMPHASIS.sub(lambda m: " " if english(m["text"]) else m.group(), msgstr)
    return parse(quoted).readable


def words_of(text: str) -> list[str]:
    """The words hunspell must judge: letters joined by apostrophes or hyphens ("l'environnement",
    "ci-dessous"). Names are left out: dotted tokens (a code block's caption ``cavity-job.sh``,
    numpy.linalg), tokens with digits or underscores (mpi4py, OMP_NUM_THREADS) and placeholders
    ({limit})."""
    text = PLACEHOLDER.sub(" ", DOTTED_NAME.sub(" ", HTML_TAG.sub(" ", text)))
    return [word for word in WORD.findall(text) if not any(c.isdigit() or c == "_" for c in word)]


def unknown_words(lines: list[str]) -> list[list[str]]:
    """For each line of text, the words the French dictionary does not know, in order."""
    words = [words_of(line) for line in lines]
    # Each distinct word once, one per line, in hunspell's list mode: it prints the words it does
    # not know and, unlike its pipe mode (-a), looks for no suggestions, which take seconds.
    distinct = sorted({word for line in words for word in line})
    result = subprocess.run(
        [hunspell(), "-d", DICTIONARY, "-i", "utf-8", "-l"],
        input="".join(f"{word}\n" for word in distinct), capture_output=True, text=True,
        encoding="utf-8", env={**os.environ, "LC_ALL": "C.UTF-8"}, check=False,
    )
    if result.returncode != 0 or "Can't open affix or dictionary" in result.stderr:
        pytest.fail(f"hunspell -d {DICTIONARY} failed (is hunspell-fr installed?): {result.stderr.strip()}")
    unknown = set(result.stdout.split("\n"))
    return [[word for word in line if word in unknown] for line in words]
