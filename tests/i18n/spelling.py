"""French spell check with Debian's hunspell and hunspell-fr, plus the project's word list.

hunspell reads what a reader reads (markup.parse(...).readable: link and reference titles kept,
literals, targets, URLs and substitutions removed), one word per line in its pipe mode, so one
process checks a whole catalog and each unknown word comes back with its message.
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


def text_to_check(msgid: str, msgstr: str) -> str:
    """What a reader reads of the msgstr, less the English words it quotes in italics from its msgid
    (the glossary's "Anglais : *core*")."""
    quoted = EMPHASIS.sub(lambda m: " " if m["text"].lower() in msgid.lower() else m.group(), msgstr)
    return parse(quoted).readable


def words_of(text: str) -> list[str]:
    """The words hunspell must judge: letters joined by apostrophes or hyphens ("l'environnement",
    "ci-dessous"). Names are left out: dotted tokens (a code block's caption ``cavity-job.sh``,
    numpy.linalg) and tokens with digits or underscores (mpi4py, OMP_NUM_THREADS)."""
    text = DOTTED_NAME.sub(" ", text)
    return [word for word in WORD.findall(text) if not any(c.isdigit() or c == "_" for c in word)]


def unknown_words(lines: list[str]) -> list[list[str]]:
    """For each line of text, the words the French dictionary does not know, in order."""
    words = [words_of(line) for line in lines]
    # One word per input line, so hunspell's own tokenizer (which keeps a final "." on a word) never
    # decides what a word is; "^" makes it read a line as text even if it starts with one of its commands.
    text = "".join(f"^{word}\n" for line in words for word in line)
    result = subprocess.run(
        [hunspell(), "-d", DICTIONARY, "-i", "utf-8", "-a"],
        input=text, capture_output=True, text=True, encoding="utf-8",
        env={**os.environ, "LC_ALL": "C.UTF-8"}, check=False,
    )
    if result.returncode != 0 or "Can't open affix or dictionary" in result.stderr:
        pytest.fail(f"hunspell -d {DICTIONARY} failed (is hunspell-fr installed?): {result.stderr.strip()}")
    # After its banner, hunspell answers each input line with one result line and an empty line:
    # "*" known, "+"/"-" known by affix or compound, "&" or "#" unknown.
    answers = [answer for answer in result.stdout.split("\n")[1:] if answer]
    if len(answers) != sum(map(len, words)):
        pytest.fail(f"hunspell answered {len(answers)} times for {sum(map(len, words))} words: {result.stdout[:500]}")
    verdicts = iter(answer[0] in "&#" for answer in answers)
    return [[word for word in line if next(verdicts)] for line in words]
