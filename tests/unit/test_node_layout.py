"""The stand-in's layout of nodes, from platform.toml, and why it falls back to one node."""
from __future__ import annotations

import os
from pathlib import Path

import hpc_platform
import pytest
from hpc_standin.config import ClusterError
from hpc_standin.nodes import (Layout, decide_layout, hosts_file, machine_cpus_of, platform_layout,
                               why_not_isolated)

PLATFORM = hpc_platform.load(Path(__file__).resolve().parents[2] / "platform.toml")


def test_the_layout_is_two_cpu_nodes_and_the_gpu_node_of_the_default_partition():
    nodes = platform_layout(PLATFORM)
    groups = [group for group in PLATFORM.nodes if group["partition"] == PLATFORM.default_partition]
    cpu = [name for group in groups if not group.get("gpus") for name in group["names"]]
    gpu = next(group for group in groups if group.get("gpus"))
    assert [node.name for node in nodes] == cpu[:2] + gpu["names"][:1]
    assert (nodes[-1].gpus, nodes[-1].gpu_type) == (gpu["gpus"], gpu["gpu_type"])
    assert not nodes[0].gpus
    # The platform's sizes, as Slurm will see them: the limits a job meets are the platform's.
    assert (nodes[0].cores, nodes[-1].cores) == (groups[0]["cores"], gpu["cores"])
    assert nodes[0].memory_mb == hpc_platform.megabytes(groups[0]["memory"]) == 500 * 1024


def test_nodes_share_the_machines_cpus_or_get_their_own():
    layout = Layout(platform_layout(PLATFORM), "machine")
    names = [node.name for node in layout.nodes]
    assert machine_cpus_of(layout, [0, 1]) == {name: [0, 1] for name in names}
    assert machine_cpus_of(layout, list(range(7))) == dict(zip(names, ([0, 1], [2, 3], [4, 5])))


def test_every_node_resolves_every_nodes_name(tmp_path):
    layout = Layout(platform_layout(PLATFORM), "machine")
    text = hosts_file(layout)
    assert {line.split()[1] for line in text.splitlines() if not line.startswith("#")} >= \
        {node.name for node in layout.nodes} | {"localhost", "machine"}
    layout.save(tmp_path / "nodes.json")
    assert Layout.load(tmp_path / "nodes.json") == layout


def test_without_unshare_one_node_named_after_the_machine_with_the_gpus(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no unshare on it
    layout = decide_layout(PLATFORM)
    assert not layout.isolated and "no `unshare`" in layout.single_reason
    assert layout.limitation == f"the stand-in has one node, {layout.controller_host}: {layout.single_reason}"
    assert Layout(platform_layout(PLATFORM), "machine").limitation is None
    assert [node.name for node in layout.nodes] == [layout.controller_host]
    assert layout.nodes[0].gpus == platform_layout(PLATFORM)[-1].gpus
    assert layout.nodes[0].cores == platform_layout(PLATFORM)[0].cores


def test_a_platform_without_nodes_is_an_error_naming_its_file():
    bare = hpc_platform.Platform(PLATFORM.path, dict(PLATFORM.data, nodes=[]))
    with pytest.raises(ClusterError, match=rf"^{PLATFORM.path}: \[\[nodes\]\] lists no node"):
        decide_layout(bare)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to try it as another user")
def test_a_user_who_cannot_make_namespaces_is_told_why():
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the probe as `nobody`, who may not make a mount namespace
        try:
            os.setgid(65534)
            os.setuid(65534)
            os.write(write, str(why_not_isolated()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        reason = pipe.read()
    os.waitpid(child, 0)
    assert reason.startswith("`unshare --uts --mount` failed:"), reason
    assert why_not_isolated() is None  # root here: the platform's layout
