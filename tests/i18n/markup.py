"""The reST inline markup of one message, taken apart: what a translation must keep, and its prose.

A msgid and its msgstr must hold the same inline literals, cross-reference targets, hyperlink
targets and substitutions; only the words around them change. What is left once the markup is
masked is the prose that the typography and spelling checks read.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# Replaces each markup piece in `prose`: a letter-free mark, so no word check ever sees a part of code.
MASK = "\ufffc"
# The inner part is lazy (??): a one-letter ``R`` ends at its own ``, not at the end of the next
# literal of the message.
LITERAL = re.compile(r"``(?P<text>\S(?:.*?\S)??)``(?!`)")
ROLE = re.compile(r":(?P<role>[A-Za-z][\w+.-]*(?::[\w+.-]+)?):`(?P<content>(?:[^`\\]|\\.)+)`")
# `text <https://...>`_, `text <name_>`_ (alias), `name`_ (named target); __ marks anonymous ones.
HYPERLINK = re.compile(r"(?<![`\w])`(?P<content>(?:[^`\\]|\\.)+)`__?(?![\w`])")
EXPLICIT_TARGET = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
SUBSTITUTION = re.compile(r"(?<![\w|])\|(?P<name>[^|\s](?:[^|]*[^|\s])?)\|(?:__?)?(?![\w|])")
URL = re.compile(r"\b(?:https?|ftp)://[^\s<>`\"]+[^\s<>`\".,;:!?)»]")
EMPHASIS = re.compile(r"(?<!\w)\*{1,2}(?P<text>[^*\s](?:[^*]*[^*\s])?)\*{1,2}(?!\w)")

# Roles whose title is prose a reader reads (`:term:`cœur <core>``); the others show code or paths.
TITLED_ROLES = {"term", "ref", "doc", "numref"}
# Roles whose target Sphinx looks up without regard to case.
CASELESS_ROLES = {"term"}
# The Alliance wiki has a page per language: a French msgstr links to the French one.
ALLIANCE_WIKI = re.compile(r"^(?P<page>https://docs\.alliancecan\.ca/wiki/.+)/(?P<language>en|fr)$")


@dataclass
class Markup:
    literals: Counter
    references: Counter  # (role, target) of each role: :ref:, :doc:, :term:...
    links: Counter  # URL or target name of each hyperlink and bare URL
    substitutions: Counter
    prose: str  # the message with every piece of markup replaced by MASK
    readable: str  # what a reader reads: link and reference titles kept, code and targets removed


def role_target(role: str, content: str) -> str:
    match = EXPLICIT_TARGET.match(content)
    target = (match["target"] if match else content).strip()
    return target.lower() if role in CASELESS_ROLES else target


def role_title(role: str, content: str) -> str:
    match = EXPLICIT_TARGET.match(content)
    return match["title"] if match and role in TITLED_ROLES else ""


def link_target(content: str) -> tuple[str, str]:
    """(target, title) of a hyperlink reference: `title <url>`_, `title <name_>`_ or `name`_."""
    match = EXPLICIT_TARGET.match(content)
    if match:
        return match["target"].strip().rstrip("_"), match["title"]
    return content.strip(), content


def parse(text: str) -> Markup:
    literals, references, links, substitutions = Counter(), Counter(), Counter(), Counter()
    readable = text

    def take(pattern: re.Pattern, record, shown=lambda match: " ") -> None:
        """Record each match, mask it in the prose, and put what a reader sees of it in `readable`."""
        nonlocal text, readable

        def mask(match: re.Match) -> str:
            record(match)
            return MASK

        text = pattern.sub(mask, text)
        readable = pattern.sub(shown, readable)

    take(LITERAL, lambda m: literals.update([m["text"]]))
    take(ROLE, lambda m: references.update([(m["role"], role_target(m["role"], m["content"]))]),
         lambda m: role_title(m["role"], m["content"]))
    take(HYPERLINK, lambda m: links.update([link_target(m["content"])[0]]),
         lambda m: link_target(m["content"])[1])
    take(SUBSTITUTION, lambda m: substitutions.update([m["name"]]))
    take(URL, lambda m: links.update([m.group()]))
    readable = EMPHASIS.sub(lambda m: m["text"], readable)
    return Markup(literals, references, links, substitutions, text, readable)


def as_in_source(url: str) -> str:
    """The URL a French link stands for in the English source (the Alliance wiki's /fr is its /en)."""
    match = ALLIANCE_WIKI.match(url)
    return f"{match['page']}/en" if match else url


def differences(msgid: str, msgstr: str) -> list[str]:
    """What the translation lost or added, one phrase each; empty when the markup is kept."""
    source, translation = parse(msgid), parse(msgstr)
    found = []

    def compare(kind: str, original: Counter, translated: Counter, show) -> None:
        for item in sorted((original - translated).elements(), key=str):
            found.append(f"drops the {kind} {show(item)}")
        for item in sorted((translated - original).elements(), key=str):
            found.append(f"adds the {kind} {show(item)}, not in the English")

    compare("inline literal", source.literals, translation.literals, lambda t: f"``{t}``")
    compare("cross-reference", source.references, translation.references, lambda r: f":{r[0]}:`{r[1]}`")
    compare("substitution", source.substitutions, translation.substitutions, lambda n: f"|{n}|")
    compare("link to", source.links, Counter(as_in_source(url) for url in translation.links.elements()), str)
    found += [
        f"links to the English page {url}: the French edition links to {ALLIANCE_WIKI.match(url)['page']}/fr"
        for url in translation.links
        if (match := ALLIANCE_WIKI.match(url)) and match["language"] == "en"
    ]
    return found
