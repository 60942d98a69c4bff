"""Where a fact of platform.toml is written: a citation of a source's lines, or an assumption.

A citation is ``<source>:<path>:<line>`` or ``<source>:<path>:<first>-<last>`` (``hpc-iq:en/source/
nodes/contrib.rst:17``), the source one of the file's [sources]. Written as a string, the cited lines
hold the fact's value as the file writes it (each name, number or version of it); written as a
table, ``{ at = "...", text = "..." }``, they hold `text`, the words that state the fact where the
value is not written as is ("one minute" for 60 seconds). A fact may cite several places; a fact
no source gives is assumed, with the reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

CITATION = re.compile(r"(?P<source>[\w.-]+):(?P<path>[^:\s]+):(?P<first>[1-9]\d*)(?:-(?P<last>[1-9]\d*))?")


@dataclass(frozen=True)
class Citation:
    source: str
    path: str
    first: int
    last: int
    text: str | None = None  # the words that hold the fact, when not its value as written

    def __str__(self) -> str:
        lines = str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
        return f"{self.source}:{self.path}:{lines}"


@dataclass(frozen=True)
class Fact:
    """One fact of the platform as the file states it: where (a dotted key, its line in the file),
    its value, the words its cited lines must hold (`tokens`), and the places it cites or the
    reason it is assumed."""
    key: str  # "nodes[2].cores"
    line: int
    value: object
    citations: tuple[Citation, ...] = ()
    assumption: str | None = None
    tokens: tuple[str, ...] = ()


def parse_citation(written: object) -> Citation | str:
    """A citation, or the reason it is not one (for the loader's error)."""
    if isinstance(written, dict):
        if set(written) != {"at", "text"} or not all(isinstance(v, str) for v in written.values()):
            return 'a table citation is { at = "<source>:<path>:<line>", text = "..." }'
        if not written["text"].strip():
            return "its text is empty"
        cited = parse_citation(written["at"])
        return cited if isinstance(cited, str) else Citation(cited.source, cited.path, cited.first,
                                                              cited.last, written["text"])
    if not isinstance(written, str):
        return f"a citation is a string or a table, not {written!r}"
    match = CITATION.fullmatch(written)
    if not match:
        return f"{written!r} is not <source>:<path>:<line> or <source>:<path>:<first>-<last>"
    first = int(match["first"])
    last = int(match["last"] or first)
    if last < first:
        return f"{written!r}: its last line comes before its first"
    return Citation(match["source"], match["path"], first, last)


def tokens(value: object, keys: bool = True) -> list[str]:
    """The words of a value that its cited lines must hold: each string whole, each number, the
    items of a list, the keys and values of a table (the keys too, unless `keys` is false: a
    table keyed by language codes), the fields of a record. true and false are said in words, not
    written: only a text citation can hold them."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (str, int)):
        return [str(value)] if str(value) else []
    if isinstance(value, dict):
        return [token for key, item in value.items() for token in ([key] if keys else []) + tokens(item)]
    if isinstance(value, (list, tuple)):
        return [token for item in value for token in tokens(item)]
    fields = getattr(value, "__dataclass_fields__", None)
    if fields:
        return [token for name in fields for token in tokens(getattr(value, name))]
    return [str(value)]
