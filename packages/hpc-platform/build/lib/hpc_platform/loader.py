"""platform.toml to typed records, each mistake an error naming the file, the line and the key.

The schema is the records' type hints (`hpc_platform.records`): a TOML table becomes the record its
key's hint names, a keyed table (``[modules.<name>]``) a dict of records named by their keys, an
array of tables a tuple of records. Written by hand, not with a converter library (dacite, cattrs),
because every error must say where in the file it is, and those libraries know no lines: tomllib
keeps none, so `Lines` finds them again in the text.

Citations (`hpc_platform.citations`) are read here too: in a file that names [sources], every fact
of a cited record must cite its place or say why it is assumed.
"""
from __future__ import annotations

import dataclasses
import re
import types
import typing
from pathlib import Path
from typing import Literal, get_args, get_origin

from .citations import Citation, Fact, parse_citation, tokens


class PlatformError(ValueError):
    """platform.toml is not what its records say; the message names file, line and key."""


class Lines:
    """Where a key is written in the file, for error messages (tomllib keeps no positions)."""

    HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    PART = r'(?:"[^"]*"|[\w-]+)'
    KEY = re.compile(rf"^\s*({PART}(?:\s*\.\s*{PART})*)\s*=(.*)$")

    def __init__(self, path: Path, text: str):
        self.path = path
        self.text = text.split("\n")
        self.paths = self.key_paths(self.text)

    @classmethod
    def split(cls, dotted: str) -> list[str]:
        return [part.strip().strip('"') for part in re.findall(cls.PART, dotted)]

    @classmethod
    def key_paths(cls, lines: list[str]) -> list[tuple[int, tuple]]:
        """(line, key path) for each header and key: paths hold an array's index after its name
        (("nodes", 2, "cores")), as the loader's keys do."""
        found, table, counts, depth = [], (), {}, 0
        for number, line in enumerate(lines, 1):
            if depth > 0:  # inside a value written over several lines
                depth += bracket_balance(line)
                continue
            header = cls.HEADER.match(line)
            if header:
                names = cls.split(header[2])
                table = ()
                for index, name in enumerate(names):
                    table += (name,)
                    if index == len(names) - 1 and header[1] == "[[":
                        counts[table] = counts.get(table, -1) + 1
                    if table in counts:
                        table += (counts[table],)
                found.append((number, table))
                continue
            key = cls.KEY.match(line)
            if key:
                found.append((number, table + tuple(cls.split(key[1]))))
                depth = bracket_balance(key[2])
        return found

    def of(self, keys: tuple) -> int:
        """The line of `keys`: where the longest leading part of it is written (the key itself,
        else the table or inline value that holds it)."""
        best, depth = 1, -1
        for number, path in self.paths:
            if len(path) > depth and tuple(keys[: len(path)]) == path:
                best, depth = number, len(path)
        return best

    def of_item(self, keys: tuple, item: str) -> int:
        """The line of a string item of the value at `keys`, which may go on over several lines."""
        start = self.of(keys)
        for number in range(start, len(self.text) + 1):
            if f'"{item}"' in self.text[number - 1]:
                return number
            if number > start and (self.KEY.match(self.text[number - 1]) or self.HEADER.match(self.text[number - 1])):
                break
        return start

    def error(self, keys: tuple, message: str, item: str | None = None) -> PlatformError:
        line = self.of(keys) if item is None else self.of_item(keys, item)
        return PlatformError(f"{self.path}:{line}: {dotted(keys)}: {message}")


def bracket_balance(text: str) -> int:
    """Open minus closed brackets and braces outside strings: > 0 while a value goes on."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', "", text).split("#")[0]
    return text.count("[") + text.count("{") - text.count("]") - text.count("}")


def dotted(keys: tuple) -> str:
    return ".".join(f"[{k}]" if isinstance(k, int) else k for k in keys).replace(".[", "[")


TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false"}


class Reader:
    """Builds records from the file's tables; collects the facts and their citations on the way."""

    def __init__(self, lines: Lines, sources: set[str], cited: bool):
        self.lines, self.sources, self.cited = lines, sources, cited
        self.facts: list[Fact] = []

    def error(self, keys: tuple, message: str) -> PlatformError:
        return self.lines.error(keys, message)

    def record(self, cls, data, keys: tuple, name: str | None = None, within: bool = False):
        """`cls` from its table; `within` a record's field, it cites its facts itself or its
        field's citation covers it whole."""
        if not isinstance(data, dict):
            raise self.error(keys, f"must be a table, not {data!r}")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        hints = typing.get_type_hints(cls)
        cited = getattr(cls, "cited", True)
        extra = ("cite", "assumed") if cited else ()
        # Unknown keys first: a misspelt key is also a missing one, and its spelling is the news.
        for key in data:
            if key not in fields and key not in extra or (key == "name" and name is not None):
                known = ", ".join([f for f in fields if not (f == "name" and name is not None)] + list(extra))
                raise self.error((*keys, key), f"unknown key (known here: {known})")
        values = {}
        for field_name, spec in fields.items():
            if field_name == "name" and name is not None:
                values["name"] = name
            elif field_name in data:
                values[field_name] = self.value(hints[field_name], data[field_name], (*keys, field_name),
                                                spec.metadata, within=True)
            elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
                raise self.error(keys, f"missing key {field_name!r}")
        if cited and (not within or cites_itself(data)):
            stated = {key: values[key] for key in fields if key in data}
            # A named entry's name is a fact too, cited where nothing else of it is (CCconfig).
            if name is not None and ("name" in data.get("cite", {}) or "name" in data.get("assumed", {})):
                stated["name"] = name
            by_language = {key for key, spec in fields.items() if spec.metadata.get("language_keys")}
            self.note_facts(data, keys, stated, by_language)
        return cls(**values)

    def value(self, hint, value, keys: tuple, metadata, within: bool = False):
        origin, args = get_origin(hint), get_args(hint)
        if origin in (types.UnionType, typing.Union):  # X | None: TOML has no null
            return self.value(next(a for a in args if a is not type(None)), value, keys, metadata, within)
        if origin is Literal:
            if value not in args:
                raise self.error(keys, f"must be one of {', '.join(args)}, not {value!r}")
            return value
        if origin is tuple:
            if not isinstance(value, list):
                raise self.error(keys, f"must be a list, not {value!r}")
            return tuple(self.value(args[0], item, (*keys, index), {}) for index, item in enumerate(value))
        if origin is dict:
            return self.table(args[1], value, keys, metadata)
        if dataclasses.is_dataclass(hint):
            return self.record(hint, value, keys, within=within)
        # bool is an int to Python; an integer key must not accept `true`.
        if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
            raise self.error(keys, f"must be {TYPE_NAMES[hint]}, not {value!r}")
        pattern = metadata.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            raise self.error(keys, f"must be {metadata['form']}, not {value!r}")
        return value

    def table(self, item_hint, value, keys: tuple, metadata) -> dict:
        if not isinstance(value, dict):
            raise self.error(keys, f"must be a table, not {value!r}")
        entries = dict(value)
        if metadata.get("fact_table"):  # each entry is a fact, cited in the table itself
            cites = {key: entries.pop(key) for key in ("cite", "assumed") if key in entries}
        if dataclasses.is_dataclass(item_hint) and "name" in {f.name for f in dataclasses.fields(item_hint)}:
            return {key: self.record(item_hint, item, (*keys, key), name=key) for key, item in entries.items()}
        result = {key: self.value(item_hint, item, (*keys, key), {}) for key, item in entries.items()}
        if metadata.get("fact_table"):
            self.note_facts(cites, keys, result)
        return result

    def note_facts(self, data: dict, keys: tuple, stated: dict, by_language: set[str] = frozenset()) -> None:
        """The facts `stated` in a record, with what `data` cites or assumes of them; those of
        `by_language` are tables keyed by language codes, which no cited line writes."""
        cite, assumed = data.get("cite", {}), data.get("assumed", {})
        for table, what in ((cite, "cite"), (assumed, "assumed")):
            if not isinstance(table, dict):
                raise self.error((*keys, what), f"must be a table of the keys it {what}s, not {table!r}")
            for key in table:
                if key not in stated:
                    raise self.error((*keys, what, key), f"{key!r} is not a key of this table")
        for key, value in stated.items():
            place = (*keys, key)
            if key in cite and key in assumed:
                raise self.error((*keys, "assumed", key), "a fact is cited or assumed, not both")
            if key in assumed:
                reason = assumed[key]
                if not isinstance(reason, str) or not reason.strip():
                    raise self.error((*keys, "assumed", key), "say why it is assumed")
                self.facts.append(Fact(dotted(place), self.lines.of(place), value, assumption=reason))
            elif key in cite:
                citations = self.citations(cite[key], (*keys, "cite", key))
                self.facts.append(Fact(dotted(place), self.lines.of(place), value, citations,
                                       tokens=tuple(dict.fromkeys(tokens(value, keys=key not in by_language)))))
            elif self.cited and not cites_itself(data.get(key)):
                raise self.error(place, f"cite where the platform says it (cite.{key}) or why it is assumed "
                                        f"(assumed.{key})")

    def citations(self, written, keys: tuple) -> tuple[Citation, ...]:
        found = []
        for item in written if isinstance(written, list) else [written]:
            citation = parse_citation(item)
            if isinstance(citation, str):
                raise self.error(keys, citation)
            if citation.source not in self.sources:
                known = ", ".join(sorted(self.sources)) or "none"
                raise self.error(keys, f"{citation.source!r} is not one of [sources] ({known})")
            found.append(citation)
        if not found:
            raise self.error(keys, "cites nothing")
        return tuple(found)


def cites_itself(written) -> bool:
    """A record written as a table of its own ([partitions.preemption]) may cite its facts itself."""
    return isinstance(written, dict) and ("cite" in written or "assumed" in written)


def read(cls, path: Path, text: str, data: dict):
    """The file's top level as `cls`'s fields, and its facts."""
    lines = Lines(path, text)
    sources = data.get("sources", {})
    reader = Reader(lines, set(sources) if isinstance(sources, dict) else set(), cited=bool(sources))
    values = {}
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init and f.name not in ("path", "facts")}
    hints = typing.get_type_hints(cls)
    for key in data:
        if key not in fields:
            raise lines.error((key,), f"unknown table (known: {', '.join(fields)})")
    for name, spec in fields.items():
        if name in data:
            values[name] = reader.value(hints[name], data[name], (name,), spec.metadata)
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise PlatformError(f"{path}:1: missing table [{name}]")
    return values, reader.facts, lines
