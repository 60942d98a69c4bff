"""French typography of a translated message, as the project writes it.

- A non-breaking space U+00A0 before : ; ! ? and inside « », never a plain space (a line would
  break before the colon) and never no space;
- « » for quotes in prose, not straight double quotes; the apostrophe ’ (U+2019), not ' (the HTML
  shows ’ either way, through smart quotes, but the catalogs keep one spelling of each word);
- no non-breaking space inside ``literals``, cross-references or links: a reader who copies
  ``module load`` with a U+00A0 in it gets a command the shell does not know;
- numbers in groups of three digits joined by U+00A0 (or the narrow U+202F): 4 096, 12 000, never
  12000 nor 12 000 with a plain space (a line would break inside the number). Every number of 5
  digits or more is checked, and 4-digit ones too except 1900 to 2099, read as years (a 4-digit
  count in that range is left to the translator). Versions (3.12), decimals (0,96), times (10:30)
  and names with digits (x86-64, cp311) are not numbers to group; job IDs belong in ``literals``;
- dates written out in prose (le 1er décembre 2026), not 2026-12-01;
- the ellipsis … (U+2026), not three dots.

Only prose is checked: inline literals, roles, links and substitutions are masked by markup.parse.
"""

from __future__ import annotations

import re

from tests.i18n.markup import MASK, parse

NBSP = "\u00a0"
# Also before markup: qu'``avail_wheels`` is qu’``avail_wheels`` (docutils starts a literal after ’).
STRAIGHT_APOSTROPHE = re.compile(rf"(?<=[^\W\d_])'(?=[^\W\d_]|{MASK})")
HIGH_PUNCTUATION = ":;!?"
NAMES = {NBSP: "U+00A0", "\u202f": "the narrow U+202F", " ": "a plain space"}
# A number of prose: digits, maybe in groups of three after a space of some kind. Digits that follow
# or precede a letter, a dot, a slash or a hyphen (x86-64, 3.12, 1er) belong to a name or a version;
# a digit after "," or ":" is the fraction of 0,96 or the minutes of 10:30.
NUMBER = re.compile(r"(?<![\w.,:/-])\d+(?:[ \u00a0\u202f]\d{3})*(?![\w/-]|[.,:]\d)")
ISO_DATE = re.compile(r"(?<![\w.-])\d{4}-\d{2}-\d{2}(?![\w-])")
YEARS = range(1900, 2100)


def context(prose: str, start: int, end: int) -> str:
    """The prose around a problem, a masked piece of markup shown as ``…``."""
    return prose[max(0, start): end].replace(MASK, "``…``")


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
    return [f"straight apostrophe in {context(prose, m.start() - 12, m.end() + 12)!r}: use ’ (U+2019)"
            for m in STRAIGHT_APOSTROPHE.finditer(prose)]


def grouped(digits: str) -> str:
    """12000 as French writes it, with ⍽ standing for U+00A0: 12⍽000."""
    head = len(digits) % 3 or 3
    return "⍽".join([digits[:head]] + [digits[i: i + 3] for i in range(head, len(digits), 3)])


def digit_group_problems(prose: str) -> list[str]:
    problems = []
    for match in NUMBER.finditer(ISO_DATE.sub(MASK, prose)):
        number = match.group()
        digits = re.sub(r"\D", "", number)
        if " " in number:
            problems.append(f"a plain space in the number {number!r}: write {grouped(digits)} (⍽ = U+00A0), "
                            "so that no line breaks inside it")
        elif number == digits and (len(digits) >= 5 or (len(digits) == 4 and int(digits) not in YEARS)):
            problems.append(f"ungrouped number {number!r}: write {grouped(digits)} (⍽ = U+00A0)")
    problems += [f"date {date!r} in prose: write it out, as in « le 1er décembre 2026 »"
                 for date in ISO_DATE.findall(prose)]
    return problems


def ellipsis_problems(prose: str) -> list[str]:
    return [f"three dots in {context(prose, m.start() - 15, m.end())!r}: "
            "French prose uses the ellipsis … (U+2026)"
            for m in re.finditer(r"\.{3,}", prose)]


def markup_space_problems(msgstr: str) -> list[str]:
    markup = parse(msgstr)
    pieces = [f"``{text}``" for text in markup.literals] + [f":{role}:`{target}`" for role, target in markup.references]
    pieces += list(markup.links) + [f"|{name}|" for name in markup.substitutions]
    return [
        f"non-breaking space inside {piece.replace(NBSP, '⍽').replace(chr(0x202F), '⍽')}: markup keeps plain spaces"
        for piece in pieces
        if NBSP in piece or "\u202f" in piece
    ]


# The theme's messages (sphinx.po) hold HTML: a tag is markup, not prose.
HTML_TAG = re.compile(r"<[^<>]*>")


def problems(msgstr: str) -> list[str]:
    prose = parse(HTML_TAG.sub(MASK, msgstr)).prose
    return (high_punctuation_problems(prose) + guillemet_problems(prose) + apostrophe_problems(prose)
            + digit_group_problems(prose) + ellipsis_problems(prose) + markup_space_problems(msgstr))
