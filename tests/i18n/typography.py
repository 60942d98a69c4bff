"""French typography of a translated message, as the project writes it.

- A non-breaking space U+00A0 before : ; ! ? and inside « », never a plain space (a line would
  break before the colon) and never no space;
- « » for quotes in prose, not straight double quotes; the apostrophe ’ (U+2019), not ' (the HTML
  shows ’ either way, through smart quotes, but the catalogs keep one spelling of each word);
- no non-breaking space inside ``literals``, cross-references or links: a reader who copies
  ``module load`` with a U+00A0 in it gets a command the shell does not know.

Only prose is checked: inline literals, roles, links and substitutions are masked by markup.parse.
"""

from __future__ import annotations

import re

from tests.i18n.markup import MASK, parse

NBSP = "\u00a0"
STRAIGHT_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")
HIGH_PUNCTUATION = ":;!?"
NAMES = {NBSP: "U+00A0", "\u202f": "the narrow U+202F", " ": "a plain space"}


def high_punctuation_problems(prose: str) -> list[str]:
    problems = []
    for index, mark in enumerate(prose):
        if mark not in HIGH_PUNCTUATION or index == 0:
            continue
        before, after = prose[index - 1], prose[index + 1: index + 2]
        # "::" ends a paragraph that introduces a code block; "10:30" is a time, not prose.
        if mark == ":" and (before == ":" or after == ":" or (before.isdigit() and after.isdigit())):
            continue
        if before == NBSP:
            continue
        context = prose[max(0, index - 15): index + 1].replace(MASK, "…")
        if before in NAMES:
            problems.append(f"{NAMES[before]} before {mark!r} in {context!r}: use U+00A0")
        else:
            problems.append(f"no space before {mark!r} in {context!r}: French puts U+00A0 before : ; ! ?")
    return problems


def guillemet_problems(prose: str) -> list[str]:
    problems = []
    for index, mark in enumerate(prose):
        inside = prose[index + 1: index + 2] if mark == "«" else prose[index - 1: index] if mark == "»" else None
        if inside is not None and inside != NBSP:
            problems.append(f"{mark} needs U+00A0 on its inner side, not {NAMES.get(inside, repr(inside))}")
    if '"' in prose:
        problems.append('straight double quotes in prose: French quotes are « texte » (U+00A0 inside)')
    return problems


def apostrophe_problems(prose: str) -> list[str]:
    return [f"straight apostrophe in {prose[max(0, m.start() - 12): m.end() + 12]!r}: use ’ (U+2019)"
            for m in STRAIGHT_APOSTROPHE.finditer(prose)]


def markup_space_problems(msgstr: str) -> list[str]:
    markup = parse(msgstr)
    pieces = [f"``{text}``" for text in markup.literals] + [f":{role}:`{target}`" for role, target in markup.references]
    pieces += list(markup.links) + [f"|{name}|" for name in markup.substitutions]
    return [
        f"non-breaking space inside {piece.replace(NBSP, '⍽').replace(chr(0x202F), '⍽')}: markup keeps plain spaces"
        for piece in pieces
        if NBSP in piece or "\u202f" in piece
    ]


def problems(msgstr: str) -> list[str]:
    prose = parse(msgstr).prose
    return (high_punctuation_problems(prose) + guillemet_problems(prose) + apostrophe_problems(prose)
            + markup_space_problems(msgstr))
