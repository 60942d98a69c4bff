"""Tables of the platform's nodes and partitions, made from platform.toml at each build.

``.. platform-nodes::`` has a row per group of [[nodes]]: names, partition, cores, memory, GPUs
(count × model, Slurm type) and local disk, the last two columns when a group has them.
``.. platform-partitions::`` has a row per partition: the default one with its nodes, the
contributed ones ([slurm] contributed_partition_pattern) and the preemptible one, with the time limit.

The headers and the fixed words are messages of the page's catalog; the values (names, numbers)
are not, so a changed core count changes the page in every language with no catalog to edit. A
fixed phrase that holds a number holds it as a substitution of sphinx_hpc_platform.facts
(``|max_time_days| days``), as prose does.

sphinx_hpc_platform.facts loads this extension: the tables read the platform file that it loaded.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

from docutils import nodes
from docutils.statemachine import StringList
from hpc_platform import Platform
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

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


def node_rows(platform: Platform, language: str) -> list[list[Cell]]:
    groups = platform.nodes
    with_gpus, with_disk = platform.has_gpus, any(g.get("local_disk") for g in groups)
    header = [message("Nodes"), message("Partition"), message("Cores per node"), message("Memory per node")]
    header += [message("GPUs per node (Slurm type)")] * with_gpus + [message("Local disk")] * with_disk
    rows = [header]
    for group in groups:
        row = [value(node_run(group["names"])), value(literal(group["partition"])),
               value(number(group["cores"], language)), value(group["memory"])]
        if with_gpus:
            row.append(value(f"{number(group['gpus'], language)} × {group['gpu_model']} "
                             f"({literal(group['gpu_type'])})") if group.get("gpus") else message("none"))
        if with_disk:
            row.append(value(group["local_disk"]) if group.get("local_disk") else message("none"))
        rows.append(row)
    return rows


def partition_rows(platform: Platform) -> list[list[Cell]]:
    slurm, limit = platform.data["slurm"], message("|max_time_days| days")
    default_nodes = [node_run(g["names"]) for g in platform.nodes if g["partition"] == platform.default_partition]
    rows = [
        [message("Partition"), message("Nodes"), message("Time limit"), message("Used by")],
        [value(literal(platform.default_partition)), value(", ".join(default_nodes)), limit,
         message("Everyone, by default")],
    ]
    if "contributed_partition_pattern" in slurm:
        rows.append([value(literal(slurm["contributed_partition_pattern"])),
                     message("A group's own nodes"), limit,
                     message("The group's members")])
    if platform.preemption:
        rows.append([value(literal(platform.preemption["partition"])),
                     message("Contributed nodes, while idle"), limit,
                     message("Everyone; a preempted job has |preempt_grace_seconds| seconds "
                             "to save its work")])
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
    return {"parallel_read_safe": True, "parallel_write_safe": True}
