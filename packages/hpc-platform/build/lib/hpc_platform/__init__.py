"""One reader for a site's platform.toml: the facts its guide, its stand-in and its tests share.

    >>> platform = hpc_platform.load("platform.toml")
    >>> platform.login.host, platform.default_partition.name
    ('iv11', 'iq-main')

`load` returns a `Platform` of typed records (`hpc_platform.records`), whose type hints are the
file's schema; any problem is a `PlatformError` whose message starts with ``file:line:`` and names
the key. `Platform.facts` lists every fact with the places of the platform's documentation it cites
(`hpc_platform.citations`), which `hpc-platform check --sources` reads again.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .citations import Citation, Fact
from .loader import Lines, PlatformError, read
from .records import (
    Disk,
    Gpus,
    Guide,
    Login,
    Module,
    NodeGroup,
    Package,
    Partition,
    Preemption,
    Processor,
    Site,
    Slurm,
    Source,
    Stack,
    Storage,
    megabytes,
)

__all__ = ["DEFAULT_PROMPT", "Citation", "Disk", "Fact", "Gpus", "Guide", "Login", "Module", "NodeGroup",
           "Package", "Partition", "Platform", "PlatformError", "Preemption", "Processor", "Site", "Slurm",
           "Source", "Stack", "Storage", "load", "megabytes", "prompt_pattern"]


@dataclass(frozen=True)
class Platform:
    """A site's platform.toml, read: its tables as records, and what the records imply."""
    guide: Guide
    site: Site
    login: Login
    slurm: Slurm
    partitions: tuple[Partition, ...]
    nodes: tuple[NodeGroup, ...]
    sources: dict[str, Source] = field(default_factory=dict)
    storage: Storage | None = None
    stack: Stack | None = None
    modules: dict[str, Module] = field(default_factory=dict)
    packages: dict[str, Package] = field(default_factory=dict)
    path: Path = Path("platform.toml")
    facts: tuple[Fact, ...] = ()

    # --- the guide's languages ------------------------------------------------------------------

    @property
    def languages(self) -> dict[str, str]:
        """Language code -> its name, the source language first."""
        return self.guide.languages

    @property
    def source_language(self) -> str:
        return next(iter(self.languages))

    @property
    def translations(self) -> list[str]:
        return list(self.languages)[1:]

    # --- the login node -------------------------------------------------------------------------

    def prompt(self, directory: str = "~", venv: str | None = None) -> str:
        """The prompt a transcript shows: ``[alice@iv11 ~]$ ``, ``(env) [alice@iv11 ~]$ ``."""
        shown = self.login.prompt.format(user=self.login.user, host=self.login.host, dir=directory)
        return f"({venv}) {shown}" if venv else shown

    def prompt_pattern(self) -> str:
        return prompt_pattern(self.login.prompt)

    # --- partitions and nodes -------------------------------------------------------------------

    @property
    def default_partition(self) -> Partition:
        return next(p for p in self.partitions if p.default)

    def partition(self, name: str) -> Partition:
        return next(p for p in self.partitions if p.name == name)

    def groups_of(self, partition: str) -> list[NodeGroup]:
        """The groups of nodes of a partition."""
        return [group for group in self.nodes if partition in group.partitions]

    def owner_partitions(self, partition: str) -> list[Partition]:
        """The partitions that preempt a preemptible one: the other partitions of its nodes."""
        names = {name for group in self.groups_of(partition) for name in group.partitions} - {partition}
        return [p for p in self.partitions if p.name in names]

    @property
    def node_names(self) -> list[str]:
        return [name for group in self.nodes for name in group.names]

    def node_host(self, node: str) -> str:
        """The host name of the node Slurm calls `node`: what `hostname` prints there."""
        return self.site.node_host.format(node=node)

    @property
    def node_hosts(self) -> list[str]:
        """The host names of the nodes, in the order of `node_names`."""
        return [self.node_host(name) for name in self.node_names]

    @property
    def has_gpus(self) -> bool:
        return any(group.gpus for group in self.nodes)

    @property
    def preemptible(self) -> list[Partition]:
        return [p for p in self.partitions if p.preemption]

    # --- software -------------------------------------------------------------------------------

    @property
    def stack_module(self) -> str | None:
        """The module whose versions are the software environments (StdEnv)."""
        return self.stack.default.partition("/")[0] if self.stack else None

    @property
    def environments(self) -> tuple[str, ...]:
        """The software environments, each with a module tree of its own (StdEnv's versions)."""
        module = self.modules.get(self.stack_module or "")
        return module.versions if module else ()

    @property
    def default_environment(self) -> str | None:
        return self.stack.default.partition("/")[2] if self.stack else None

    def module_of_role(self, role: str) -> Module | None:
        """The module that plays `role` (records.ModuleRole) in a job script, if one does."""
        return next((module for module in self.modules.values() if module.role == role), None)

    def module_version(self, full_name: str) -> tuple[Module, str | None] | None:
        """A name/version of the catalog; a name alone is its default version (None for a module
        without versions), as Lmod loads it."""
        name, _, version = full_name.partition("/")
        module = self.modules.get(name)
        if module is None:
            return None
        version = version or module.default
        if version not in (module.versions or (None,)):
            return None
        return module, version


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
    values, facts, lines = read(Platform, path, text, data)
    platform = Platform(**values, path=path, facts=tuple(facts))
    check_references(platform, lines)
    return platform


def check_references(platform: Platform, lines: Lines) -> None:
    """What the types alone cannot say: defaults among the versions, names that exist."""
    modules = platform.modules
    roles: dict[str, str] = {}
    for name, module in modules.items():
        if module.role is not None and roles.setdefault(module.role, name) != name:
            raise lines.error(("modules", name, "role"), f"{module.role!r} is already the role of "
                                                         f"{roles[module.role]!r}: one module a role")
        if module.versions and module.default not in module.versions:
            raise lines.error(("modules", name, "default"), f"{module.default!r} is not one of its versions")
        if not module.versions and module.default is not None:
            raise lines.error(("modules", name, "default"), "a module without versions has no default")
        for key, what in ((module.aliases, "aliases"), (module.loads, "loads"), (module.stack, "stack"),
                          (module.opens, "opens"), (module.spider_opens, "spider_opens")):
            for version in key:
                if version not in module.versions:
                    raise lines.error(("modules", name, what), f"{version!r} is not one of its versions")
        for needed in module.needs:
            if needed not in modules:
                raise lines.error(("modules", name, "needs"), f"{needed!r} is not a module of [modules]")
        for version, loaded in module.loads.items():
            for entry in loaded:
                if platform.module_version(entry) is None:
                    raise lines.error(("modules", name, "loads", version),
                                      f"{entry!r} is not a module version of [modules]", item=entry)
    environments = platform.environments
    for name, module in modules.items():
        for what, named in (("stack", [e for trees in module.stack.values() for e in trees]),
                            ("opens", list(module.opens.values())),
                            ("spider_opens", list(module.spider_opens.values()))):
            for environment in named:
                if environment not in environments:
                    raise lines.error(("modules", name, what),
                                      f"{environment!r} is not a software environment (a version of "
                                      f"{platform.stack_module!r}: {', '.join(environments)})")
    for entry in platform.login.modules:
        if platform.module_version(entry) is None:
            raise lines.error(("login", "modules"), f"{entry!r} is not a module version of [modules]", item=entry)
    if platform.stack and platform.modules and platform.module_version(platform.stack.default) is None:
        raise lines.error(("stack", "default"), f"{platform.stack.default!r} is not a module version of [modules]")
    for name, package in platform.packages.items():
        for entry in package.modules:
            if platform.module_version(entry) is None:
                raise lines.error(("packages", name, "modules"), f"{entry!r} is not a module version of [modules]",
                                  item=entry)
    names = [p.name for p in platform.partitions]
    defaults = [p.name for p in platform.partitions if p.default]
    if len(defaults) != 1:
        raise lines.error(("partitions",), f"exactly one partition is the default (default = true), not {defaults}")
    for index, group in enumerate(platform.nodes):
        for partition in group.partitions:
            if partition not in names:
                raise lines.error(("nodes", index, "partitions"),
                                  f"{partition!r} is not one of [[partitions]] ({', '.join(names)})", item=partition)
    for index, partition in enumerate(platform.partitions):
        if not platform.groups_of(partition.name):
            raise lines.error(("partitions", index), f"no group of [[nodes]] is in {partition.name!r}")
    if not platform.nodes:
        raise lines.error(("nodes",), "the platform has no node")
    missing = [code for code in platform.languages if code not in platform.guide.titles]
    if not platform.languages:
        raise lines.error(("guide", "languages"), "needs at least the source language")
    if missing:
        raise lines.error(("guide", "titles"), f"no title for {', '.join(missing)}")
