"""One reader for a site's platform.toml: the facts its guide, its stand-in and its tests share.

    >>> platform = hpc_platform.load("platform.toml")
    >>> platform.login_host, platform.default_partition
    ('iv11', 'iq-main')

`load` checks the file against `hpc_platform.schema.SCHEMA`; any problem is a `PlatformError` whose
message starts with ``file:line:`` and names the key. The raw tables stay available as
`platform.data` for a fact that has no property here.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .schema import SCHEMA, Key, Table

__all__ = ["DEFAULT_PROMPT", "Module", "Platform", "PlatformError", "load", "prompt_pattern"]


class PlatformError(ValueError):
    """platform.toml is not what the schema says; the message names file, line and key."""


@dataclass(frozen=True)
class Module:
    name: str
    versions: tuple[str, ...]
    default: str
    aliases: dict
    property: str | None
    needs: tuple[str, ...]
    sticky: bool
    description: str | None


class Platform:
    def __init__(self, path: Path, data: dict):
        self.path, self.data = path, data

    # --- the login node ---------------------------------------------------------------------

    @property
    def login_host(self) -> str:
        return self.data["login"]["host"]

    @property
    def user(self) -> str:
        return self.data["login"]["user"]

    @property
    def columns(self) -> int:
        return self.data["login"]["columns"]

    @property
    def rows(self) -> int:
        return self.data["login"]["rows"]

    @property
    def module_avail_columns(self) -> int:
        return self.data["login"]["module_avail_columns"]

    def prompt(self, directory: str = "~", venv: str | None = None) -> str:
        """The prompt a transcript shows: ``[alice@iv11 ~]$ ``, ``(env) [alice@iv11 ~]$ ``."""
        shown = self.data["login"]["prompt"].format(user=self.user, host=self.login_host, dir=directory)
        return f"({venv}) {shown}" if venv else shown

    def prompt_pattern(self) -> str:
        return prompt_pattern(self.data["login"]["prompt"])

    # --- Slurm ------------------------------------------------------------------------------

    @property
    def cluster_name(self) -> str:
        return self.data["slurm"]["cluster_name"]

    @property
    def default_partition(self) -> str:
        return self.data["slurm"]["default_partition"]

    @property
    def max_time_days(self) -> int:
        return self.data["slurm"]["max_time_days"]

    @property
    def preemption(self) -> dict | None:
        return self.data["slurm"].get("preemption")

    @property
    def nodes(self) -> list[dict]:
        return self.data["nodes"]

    @property
    def node_names(self) -> list[str]:
        return [name for group in self.nodes for name in group["names"]]

    @property
    def has_gpus(self) -> bool:
        return any(group.get("gpus") for group in self.nodes)

    # --- software ---------------------------------------------------------------------------

    @cached_property
    def modules(self) -> dict[str, Module]:
        return {name: Module(name, tuple(spec["versions"]), spec["default"], dict(spec.get("aliases", {})),
                             spec.get("property"), tuple(spec.get("needs", ())), spec.get("sticky", False),
                             spec.get("description"))
                for name, spec in self.data["modules"].items() if name != "source"}

    @property
    def default_modules(self) -> list[str]:
        return self.data["stack"]["default_modules"]

    @property
    def packages(self) -> dict[str, str]:
        return {name: version for name, version in self.data.get("packages", {}).items() if name != "source"}

    # --- the guide --------------------------------------------------------------------------

    @property
    def languages(self) -> dict[str, str]:
        """Language code -> its name, the source language first."""
        return self.data["site"]["languages"]

    @property
    def source_language(self) -> str:
        return next(iter(self.languages))

    @property
    def translations(self) -> list[str]:
        return list(self.languages)[1:]


DEFAULT_PROMPT = "[{user}@{host} {dir}]$ "


def prompt_pattern(template: str = DEFAULT_PROMPT, *, command: bool = True, named: bool = True) -> str:
    """A regex for a prompt written as `template` (``[{user}@{host} {dir}]$ ``), with the groups
    venv (an active virtual environment's "(name) "), user, host, dir and cmd (the command).

    Any user and host in the prompt's shape match, so that a transcript of another account still
    parses and a check of the facts can name what is wrong. With `command`, the command follows
    after a space (missing on a line with no command); without, the prompt alone, up to its last
    character. `named=False` leaves the groups unnamed (the browser's RegExp, for copybutton)."""
    # dir is lazy: in a prompt that ends at "$ " with no bracket (``bob@hpc1:~$ ``), the first
    # "$ " ends it, so a command that has one (echo 'a$ b') stays the command.
    fields = {"user": r"[^@\]\s]+", "host": r"[^\]\s]+", "dir": r"[^\]]*?", "venv": r"[^()\s]+"}
    if named:
        fields = {name: f"(?P<{name}>{regex})" for name, regex in fields.items()}
    parts = re.split(r"\{(user|host|dir)\}", template.rstrip())
    # Spaces unescaped: `\ ` is not an escape every regex dialect knows.
    body = "".join(fields[part] if index % 2 else re.escape(part).replace("\\ ", " ")
                   for index, part in enumerate(parts))
    prompt = rf"(?:\({fields['venv']}\) )?{body}"
    return prompt + r"(?: (?P<cmd>.*))?" if command else prompt


def load(path: str | Path) -> Platform:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PlatformError(f"{path}: cannot read the platform description: {error.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib says where in its message (Python 3.11): "... (at line 40, column 19)".
        where = re.search(r"\(at line (\d+), column \d+\)$", str(error))
        message = str(error)[: where.start()].rstrip() if where else str(error)
        raise PlatformError(f"{path}:{where[1] if where else 1}: {message}") from None
    lines = Lines(path, text)
    check_table(SCHEMA, data, (), lines)
    check_references(data, lines)
    return Platform(path, data)


class Lines:
    """Where a key is written in the file, for error messages (tomllib keeps no positions)."""

    HEADER = re.compile(r"^\s*\[\[?\s*([\w.-]+)\s*\]\]?")

    def __init__(self, path: Path, text: str):
        self.path, self.lines = path, text.split("\n")

    def of(self, keys: tuple) -> int:
        """The line of `keys`, a path such as ("slurm", "preemption", "grace_seconds") or
        ("nodes", 1, "cores"): the deepest header or assignment on that path (the key itself, else
        its table's header). An index counts the headers of an array of tables."""
        names = [k for k in keys if isinstance(k, str)]
        index = next((k for k in keys if isinstance(k, int)), None)
        best, depth, table, occurrences = 1, 0, [], {}
        for number, line in enumerate(self.lines, 1):
            header = self.HEADER.match(line)
            if header:
                table = header[1].split(".")
                occurrences[header[1]] = occurrences.get(header[1], -1) + 1
                path = table
            else:
                key = re.match(r'^\s*("[^"]+"|[\w-]+)\s*=', line)
                if not key:
                    continue
                path = [*table, key[1].strip('"')]
            right_one = index is None or occurrences.get(".".join(table), 0) == index
            if path == names[: len(path)] and len(path) > depth and right_one:
                best, depth = number, len(path)
        return best

    def error(self, keys: tuple, message: str) -> PlatformError:
        dotted = ".".join(f"[{k}]" if isinstance(k, int) else k for k in keys).replace(".[", "[")
        return PlatformError(f"{self.path}:{self.of(keys)}: {dotted}: {message}")


def megabytes(memory: str) -> int:
    """A memory size of platform.toml ("500G", "2T") in MB, Slurm's unit."""
    return int(memory[:-1]) * {"M": 1, "G": 1024, "T": 1024 ** 2}[memory[-1]]


def type_name(kind) -> str:
    return {str: "a string", int: "an integer", bool: "true or false", list: "a list",
            dict: "a table"}.get(kind, str(kind))


def check_value(spec: Key, value, keys: tuple, lines: Lines) -> None:
    # bool is an int to Python; an integer key must not accept `true`.
    if not isinstance(value, spec.type) or (spec.type is int and isinstance(value, bool)):
        raise lines.error(keys, f"must be {type_name(spec.type)}, not {value!r}")
    if spec.items is not None:
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if not isinstance(item, spec.items):
                raise lines.error(keys, f"{key!r} must be {type_name(spec.items)}, not {item!r}")
    if spec.choices and value not in spec.choices:
        raise lines.error(keys, f"must be one of {', '.join(spec.choices)}, not {value!r}")
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        raise lines.error(keys, f"must be {spec.form}, not {value!r}")


def check_table(spec: Table, value, keys: tuple, lines: Lines) -> None:
    if spec.array:
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise lines.error(keys, "must be an array of tables ([[...]])")
        for index, item in enumerate(value):
            check_table(Table(spec.keys, each=spec.each), item, (*keys, index), lines)
        return
    if not isinstance(value, dict):
        raise lines.error(keys, f"must be a table, not {value!r}")
    # Unknown keys first: a misspelt key is also a missing one, and its spelling is the news.
    for name, item in value.items():
        if name in spec.keys:
            continue
        if spec.each is None:
            known = ", ".join(spec.keys)
            raise lines.error((*keys, name), f"unknown key (known here: {known})")
        check(spec.each, item, (*keys, name), lines)
    for name, sub in spec.keys.items():
        if name not in value:
            if sub.required:
                raise lines.error(keys, f"missing key {name!r}")
            continue
        check(sub, value[name], (*keys, name), lines)


def check(spec: Key | Table, value, keys: tuple, lines: Lines) -> None:
    if isinstance(spec, Table):
        check_table(spec, value, keys, lines)
    else:
        check_value(spec, value, keys, lines)


def check_references(data: dict, lines: Lines) -> None:
    """What the schema alone cannot say: defaults among the versions, known modules."""
    modules = {name: spec for name, spec in data["modules"].items() if name != "source"}
    for name, spec in modules.items():
        if spec["default"] not in spec["versions"]:
            raise lines.error(("modules", name, "default"), f"{spec['default']!r} is not one of its versions")
        for version in spec.get("aliases", {}):
            if version not in spec["versions"]:
                raise lines.error(("modules", name, "aliases"), f"{version!r} is not one of its versions")
        for needed in spec.get("needs", ()):
            if needed not in modules:
                raise lines.error(("modules", name, "needs"), f"{needed!r} is not a module of [modules]")
    for entry in data["stack"]["default_modules"]:
        name, _, version = entry.partition("/")
        if name not in modules or (version and version not in modules[name]["versions"]):
            raise lines.error(("stack", "default_modules"), f"{entry!r} is not a module version of [modules]")
    partitions = {data["slurm"]["default_partition"]}
    for index, group in enumerate(data["nodes"]):
        if group["partition"] not in partitions:
            raise lines.error(("nodes", index, "partition"),
                              f"{group['partition']!r} is not the default partition {data['slurm']['default_partition']!r}")
    if not data["site"]["languages"]:
        raise lines.error(("site", "languages"), "needs at least the source language")
    missing = [code for code in data["site"]["languages"] if code not in data["site"]["titles"]]
    if missing:
        raise lines.error(("site", "titles"), f"no title for {', '.join(missing)}")
