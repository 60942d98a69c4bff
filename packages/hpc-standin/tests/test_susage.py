"""The stand-in's susage lays out its counts as the platform's documentation shows them."""
from __future__ import annotations

from hpc_standin.tools.susage import Node, fields, table

GIB = 1024


def main_partition() -> list[Node]:
    """Four nodes (336 cores, 2000G): two taken by memory, one partly used, the GPU node idle."""
    return [Node("cp3702", 96, 48, 500 * GIB, 500 * GIB, 0, 0),
            Node("cp3703", 96, 48, 500 * GIB, 500 * GIB, 0, 0),
            Node("cp3704", 96, 8, 500 * GIB, 0, 0, 0),
            Node("cp3705", 48, 0, 500 * GIB, 0, 2, 0)]


def test_allocated_resources_of_two_partitions():
    contributed = [Node("cp3799", 192, 192, 2264 * GIB, 612 * GIB, 0, 0)]
    lines = table([("iq-main", fields(main_partition(), available=False)),
                   ("iq-alice", fields(contributed, available=False))])
    assert lines == [
        "iq-main:  nodes: (2+1)/4 cpus: 104/336 mem: 1.0T/2.0T gpus: 0/2",
        "          ██████▓▓▓░░░░░ ████░░░░░░░░░ ███████░░░░░░░ ░░░░░░░░░",
        "iq-alice:                cpus: 192/192 mem: 612G/2.2T",
        "                         █████████████ ████░░░░░░░░░░",
    ]


def test_available_resources_of_one_partition():
    lines = table([("iq-main", fields(main_partition(), available=True))])
    assert lines == [
        "iq-main: nodes: (1+1)/4 cpus: 232/336 mem: 1.0T/2.0T gpus: 2/2",
        "         ███▓▓▓░░░░░░░░ █████████░░░░ ███████░░░░░░░ █████████",
    ]
