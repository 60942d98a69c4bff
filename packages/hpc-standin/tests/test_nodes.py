"""The stand-in's layout of nodes, from platform.toml, and why it falls back to one node: on a
platform of the tests' own, with a GPU node in its default partition and a partition apart."""
from __future__ import annotations

import os
import re
from types import SimpleNamespace

import hpc_platform
import pytest
from hpc_standin import services
from hpc_standin.nodes import Layout, decide_layout, hosts_file, machine_cpus_of, platform_layout, why_not_isolated
from hpc_standin.services.slurmctld import node_lines

TABLES = """\
[[partitions]]
name = "cpu"
default = true
access = "everyone"
time_limit_days = 2

[[partitions]]
name = "big"
access = "everyone"
time_limit_days = 7

[[nodes]]
names = ["n01", "n02"]
partitions = ["cpu"]
cores = 16
memory = "64G"

[[nodes]]
names = ["g01"]
partitions = ["cpu"]
cores = 8
memory = "96G"
gpus = { count = 2, vendor = "NVIDIA", model = "A100 80G", type = "a100" }

[[nodes]]
names = ["b01"]
partitions = ["big"]
cores = 64
memory = "1T"
"""


@pytest.fixture
def platform(make_platform) -> hpc_platform.Platform:
    return make_platform(TABLES)


def test_the_layout_is_every_node_of_the_platform_with_its_size_and_gpus(platform):
    nodes = {node.name: node for node in platform_layout(platform)}
    assert list(nodes) == platform.node_names
    for group in platform.nodes:
        for name in group.names:
            # The platform's sizes, as Slurm will see them: the limits a job meets are the platform's.
            assert (nodes[name].cores, nodes[name].memory_mb) == (group.cores, group.memory_mb)
            assert (nodes[name].gpus, nodes[name].gpu_type) == \
                ((group.gpus.count, group.gpus.type) if group.gpus else (0, ""))
    assert {node.gpu_type for node in nodes.values() if node.gpus} == \
        {group.gpus.type for group in platform.nodes if group.gpus}


def test_nodes_share_the_machines_cpus_or_get_their_own(platform):
    layout = Layout(platform_layout(platform), "machine")
    names = [node.name for node in layout.nodes]
    assert machine_cpus_of(layout, [0, 1]) == {name: [0, 1] for name in names}
    many = list(range(2 * len(names) + 1))
    assert machine_cpus_of(layout, many) == {name: [2 * i, 2 * i + 1] for i, name in enumerate(names)}


def test_each_node_gets_a_port_of_its_own(platform, monkeypatch):
    """The kernel may give a probed port again once the probe is closed (bind to port 0): two
    slurmd of one instance on one port, and the second does not start. Here it does so at once."""
    given = iter([6000, 6000, 6001, 6000, 6001, *range(6002, 6100)])

    class Probe:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def bind(self, address):
            self.port = next(given)

        def getsockname(self):
            return ("127.0.0.1", self.port)

    monkeypatch.setattr(services, "socket", SimpleNamespace(socket=Probe))
    monkeypatch.setattr(services, "GIVEN_PORTS", set())
    ports = re.findall(r" Port=(\d+) ", node_lines(Layout(platform_layout(platform), "machine")))
    assert len(ports) == len(platform.node_names) == len(set(ports)), ports


def test_every_node_resolves_every_nodes_name(platform, tmp_path):
    layout = Layout(platform_layout(platform), "machine")
    text = hosts_file(layout)
    assert {line.split()[1] for line in text.splitlines() if not line.startswith("#")} >= \
        {node.name for node in layout.nodes} | {"localhost", "machine"}
    layout.save(tmp_path / "nodes.json")
    assert Layout.load(tmp_path / "nodes.json") == layout


def test_without_unshare_one_node_named_after_the_machine_with_the_gpus(platform, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no unshare on it
    layout = decide_layout(platform)
    assert not layout.isolated and "no `unshare`" in layout.single_reason
    assert layout.limitation == (f"the stand-in has one node, {layout.controller_host}: {layout.single_reason}; "
                                 f"a job over its memory ends FAILED, not OUT_OF_MEMORY: {layout.memory_reason}")
    assert not layout.memory_cgroups
    assert Layout(platform_layout(platform), "machine").limitation is None
    assert [node.name for node in layout.nodes] == [layout.controller_host]
    # The default partition's first node's size, and the GPUs of its GPU node.
    public = platform.groups_of(platform.default_partition.name)
    assert layout.nodes[0].cores == public[0].cores
    assert layout.nodes[0].gpus == next(group.gpus.count for group in public if group.gpus)


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
