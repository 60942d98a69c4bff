"""Tables of the platform's nodes and partitions, made from platform.toml at each build.

``.. platform-nodes::`` has a row per group of [[nodes]]: names, partitions, cores, memory,
processors (with their microarchitecture), GPUs (count × model, Slurm type), local disk, owners.
``.. platform-partitions::`` has a row per partition: its nodes, its time limit in days, who may
use it, and the partitions whose jobs preempt its own.

The headers and the fixed words are messages of the page's catalog; the values (names, numbers)
are not, so a changed core count changes the page in every language with no catalog to edit.

sphinx_hpc_platform.facts loads this extension: the tables read the platform file that it loaded.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from itertools import chain

from docutils import nodes
from docutils.statemachine import StringList
from hpc_platform import Platform
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from .assets import add_static_folder
from .facts import LOADED, literal, node_run, number

VALUE_CLASS = "platform-value"  # the HTML class of a cell that holds a value of platform.toml


@dataclass(frozen=True)
class Cell:
    text: str  # reST
    message: bool  # a fixed word for the translators, or else a value of platform.toml


def message(text: str) -> Cell:
    return Cell(text, True)


def value(text: str) -> Cell:
    return Cell(text, False)


def plain(text: str) -> str:
    """`text` as reST that shows it as it is: every ASCII punctuation mark escaped, so that a name
    such as "A. Blais" is not read as an item of an enumerated list, nor "*" as emphasis."""
    return "".join(f"\\{char}" if char in string.punctuation else char for char in text)


def node_rows(platform: Platform, language: str) -> list[list[Cell]]:
    groups = platform.nodes
    with_gpus, with_disk = platform.has_gpus, any(g.local_disk for g in groups)
    with_processors = any(g.processor for g in groups)
    header = [message("Nodes"), message("Partitions"), message("Cores per node"), message("Memory per node")]
    header += [message("Processors")] * with_processors
    header += [message("GPUs per node (Slurm type)")] * with_gpus + [message("Local disk")] * with_disk
    with_owners = any(g.owners for g in groups)
    header += [message("Owners")] * with_owners
    rows = [header]
    for group in groups:
        row = [value(node_run(group.names)), value(", ".join(map(literal, group.partitions))),
               value(number(group.cores, language)), value(group.memory)]
        if with_processors:
            row.append(value(f"{group.processor} ({literal(group.processor.microarchitecture)})")
                       if group.processor else message("unknown"))
        if with_gpus:
            row.append(value(f"{group.gpus} ({literal(group.gpus.type)})") if group.gpus else message("none"))
        if with_disk:
            row.append(value(str(group.local_disk)) if group.local_disk else message("none"))
        if with_owners:
            row.append(value(plain(", ".join(group.owners))) if group.owners else message("none"))
        rows.append(row)
    return rows


ACCESS = {
    "everyone": "Everyone",
    "owners": "The members of its owners' groups",
    "sharing-groups": "The members of the groups that share one of its nodes",
}


def partition_rows(platform: Platform) -> list[list[Cell]]:
    """A row per partition; the preemption column only on a platform that preempts jobs."""
    with_preemption = bool(platform.preemptible)
    rows = [[message("Partition"), message("Nodes"), message("Time limit (days)"), message("Who may use it")]
            + [message("Its jobs are preempted by")] * with_preemption]
    for partition in platform.partitions:
        nodes = ", ".join(node_run(group.names) for group in platform.groups_of(partition.name))
        access = ACCESS[partition.access] + (", by default" if partition.default else "")
        row = [value(literal(partition.name)), value(nodes), value(str(partition.time_limit_days)), message(access)]
        if with_preemption:
            owners = platform.owner_partitions(partition.name) if partition.preemption else []
            row.append(value(", ".join(literal(owner.name) for owner in owners)) if owners
                       else message("no partition"))
        rows.append(row)
    return rows


def list_table(rows: list[list[Cell]]) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in rows:
        lines += [f"   * - {row[0].text}", *(f"     - {cell.text}" for cell in row[1:])]
    return lines


class PlatformTable(SphinxDirective):
    """A list-table of platform.toml's facts whose value cells stay out of the catalogs."""

    @property
    def platform(self) -> Platform:
        platform = LOADED[self.config]
        self.env.note_dependency(str(platform.path))  # the page changes with the file
        return platform

    def table(self, rows: list[list[Cell]]) -> list[nodes.Node]:
        # Every generated line is the directive's line: messages and errors point at the page.
        source, line = self.get_source_info()
        text = list_table(rows)
        parsed = self.parse_text_to_nodes(StringList(text, items=[(source, line - 1)] * len(text)))
        # Beside the table, docutils may report (INFO) that a French build's language module has
        # no "list-table" of its own: such messages go on, the report level drops them.
        (table,) = [node for node in parsed if isinstance(node, nodes.table)]
        for entry, cell in zip(table.findall(nodes.entry), chain.from_iterable(rows), strict=True):
            if not cell.message:
                # A value is the same in every language; the class says so to the HTML's readers.
                entry["classes"].append(VALUE_CLASS)
                for paragraph in entry.findall(nodes.paragraph):
                    paragraph["translatable"] = False
        return parsed


class PlatformNodes(PlatformTable):
    def run(self) -> list[nodes.Node]:
        return self.table(node_rows(self.platform, self.config.language))


class PlatformPartitions(PlatformTable):
    def run(self) -> list[nodes.Node]:
        return self.table(partition_rows(self.platform))


def setup(app: Sphinx) -> dict:
    app.add_directive("platform-nodes", PlatformNodes)
    app.add_directive("platform-partitions", PlatformPartitions)
    app.connect("config-inited", add_static_folder)
    app.add_css_file("tables.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
