"""The stand-in's compute nodes: every node of the platform, in every partition it is in.

Each node has the cores and memory platform.toml gives it, as Slurm sees them: the limits a job
meets are the platform's, whatever the machine. The machine's real cores are shared out by
`machine_cpus_of` and `bind_task`, since Slurm cannot pin a task to cores the machine lacks.

Each node is a `slurmd` of its own, started in a UTS and mount namespace (`unshare`): there it has
the node's host name (the platform's, which may differ from Slurm's name of the node), a private
/etc/hosts that names every node (the host's file is untouched),
and its own node-local folder over the shared path of the jobs' folders, so a job's
$SLURM_TMPDIR exists on its node only. All nodes share the host's network namespace and its
loopback address, each slurmd on a port of its own, so every service stays on loopback. One
address for all: a node's programs connect from 127.0.0.1 whatever the address they reach, and
Slurm answers a step's `srun` at the address its message came from, where `srun` must listen.

Where namespaces cannot be made (not root, no `unshare`), the stand-in has one node named after
the machine, as before, and says why: `Layout.limitation`.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from hpc_platform import Platform

from . import cgroups
from .config import Paths

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Node:
    name: str
    address: str
    cores: int
    memory_mb: int
    gpus: int = 0
    gpu_type: str = ""
    host: str = ""  # its host name, where the platform's differs from Slurm's name of the node

    @property
    def host_name(self) -> str:
        return self.host or self.name


@dataclass(frozen=True)
class Layout:
    nodes: list[Node]
    controller_host: str  # the machine's name: the controller runs outside the namespaces
    single_reason: str | None = None  # why there is one node only, named after the machine
    memory_reason: str | None = None  # why jobs' memory has no cgroups (hpc_standin.cgroups)

    @property
    def isolated(self) -> bool:
        return self.single_reason is None

    @property
    def memory_cgroups(self) -> bool:
        return self.isolated and self.memory_reason is None

    @property
    def limitation(self) -> str | None:
        """What this layout lacks of the platform's, in the words `up`, `status` and the pages'
        failures all use; None for the platform's layout."""
        lacks = []
        if not self.isolated:
            lacks.append(f"the stand-in has one node, {self.nodes[0].name}: {self.single_reason}")
        if self.memory_reason:
            lacks.append(f"a job over its memory ends FAILED, not OUT_OF_MEMORY: {self.memory_reason}")
        return "; ".join(lacks) or None

    def summary(self, paths: Paths) -> str:
        """The nodes as Slurm sees them, then the machine's CPUs their jobs run on (as `up` shared
        them out, which the TaskProlog reads)."""
        nodes = ", ".join(f"{node.name} ({node.cores} cores, {node.memory_mb // 1024} GB)" for node in self.nodes)
        if not self.isolated:
            return f"{self.limitation}; {nodes}"
        shares = json.loads(machine_cpus_path(paths).read_text())
        cpus = sorted(set().union(*shares.values()))
        if all(share == cpus for share in shares.values()):
            summary = f"{nodes}: their jobs share this machine's {len(cpus)} CPUs (fewer CPUs than nodes)"
        else:
            share = len(shares[self.nodes[0].name])
            summary = f"{nodes}: each node's jobs run on {share} of this machine's CPUs, its own"
        memory = f"{self.limitation}" if self.limitation else "jobs' memory in cgroups, as on the platform"
        return f"{summary}; {memory}"

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> Layout | None:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return cls([Node(**node) for node in data["nodes"]], data["controller_host"], data["single_reason"],
                   data.get("memory_reason"))


def layout_path(paths: Paths) -> Path:
    return paths.state / "etc" / "nodes.json"


def platform_layout(platform: Platform) -> list[Node]:
    """Every node of the platform, with its group's cores, memory and GPUs."""
    return [Node(name, LOOPBACK, group.cores, group.memory_mb, group.gpus.count if group.gpus else 0,
                 group.gpus.type if group.gpus else "", platform.node_host(name))
            for group in platform.nodes for name in group.names]


def why_not_isolated() -> str | None:
    """None when this process can start slurmd in namespaces of its own, else the reason."""
    if shutil.which("unshare") is None:
        return "no `unshare` (util-linux) on this machine"
    probe = subprocess.run(["unshare", "--uts", "--mount", "--propagation", "private", "true"],
                           capture_output=True, text=True)
    if probe.returncode:
        return f"`unshare --uts --mount` failed: {probe.stderr.strip() or probe.returncode}"
    return None


def decide_layout(platform: Platform) -> Layout:
    host = socket.gethostname().split(".")[0]
    reason = why_not_isolated()
    nodes = platform_layout(platform)
    if reason is None and len(nodes) < 2:
        reason = f"{platform.path}: the platform has fewer than two nodes"
    if reason is not None:
        defaults = [node for node in nodes if node.name in
                    {name for group in platform.groups_of(platform.default_partition.name) for name in group.names}]
        gpu = next((node for node in defaults if node.gpus), None)
        shape = defaults[0]  # the default partition's first node's size, and the GPUs of its GPU node
        single = Node(host, LOOPBACK, shape.cores, shape.memory_mb, gpu.gpus if gpu else 0,
                      gpu.gpu_type if gpu else "")
        return Layout([single], host, reason, "one node, without namespaces to bind the cgroups into")
    return Layout(nodes, host, memory_reason=cgroups.why_not_usable())


def hosts_file(layout: Layout) -> str:
    """/etc/hosts as each node sees it: loopback, the controller's machine, every node."""
    lines = [f"{LOOPBACK} localhost", f"{LOOPBACK} {layout.controller_host}"]
    lines += [" ".join(dict.fromkeys([node.address, node.name, node.host_name])) for node in layout.nodes]
    return "# /etc/hosts of the stand-in's nodes (bind-mounted in each node's namespace).\n" + \
        "\n".join(lines) + "\n"


def node_folder(paths: Paths, node: Node) -> Path:
    """What is node-local: the disk under $SLURM_TMPDIR."""
    return paths.state / "nodes" / node.name


def machine_cpus() -> list[int]:
    """The CPUs this process may run on: what the nodes' jobs share."""
    return sorted(os.sched_getaffinity(0))


def machine_cpus_of(layout: Layout, cpus: list[int]) -> dict[str, list[int]]:
    """The machine's CPUs each node's tasks run on: a share of their own where the machine has one
    at least for each node, else all of them (the nodes share every CPU)."""
    per_node = len(cpus) // len(layout.nodes)
    if not per_node:
        return {node.name: list(cpus) for node in layout.nodes}
    return {node.name: cpus[index * per_node:(index + 1) * per_node] for index, node in enumerate(layout.nodes)}


def machine_cpus_path(paths: Paths) -> Path:
    return paths.state / "etc" / "machine-cpus.json"
