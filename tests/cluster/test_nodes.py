"""The stand-in's nodes are the platform's: several slurmd, each with its host name, its own
job folder, the shared home, and every node's name resolved; the login shell is none of them."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import hpc_platform
import pytest
from hpc_standin.instance import SERVING
from hpc_standin.nodes import Layout, layout_path, platform_layout

REPO = Path(__file__).resolve().parents[2]
PLATFORM = hpc_platform.load(REPO / "platform.toml")


@pytest.fixture(scope="module")
def layout(cluster_env) -> Layout:
    if not cluster_env.standin:
        pytest.skip("the real platform's nodes are its own")
    found = Layout.load(layout_path(cluster_env.paths))
    if not found.isolated:
        pytest.fail(found.limitation)
    return found


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("home")


def test_sinfo_lists_the_platforms_nodes(cluster_env, layout, home):
    listed = cluster_env.run("sinfo -h -N -o %N", home).stdout.split()
    names = [node.name for node in platform_layout(PLATFORM)]
    assert sorted(set(listed)) == sorted(names) == sorted(node.name for node in layout.nodes)
    assert set(names) <= set(PLATFORM.node_names)
    assert sum(not node.gpus for node in layout.nodes) >= 2
    assert any(node.gpus for node in layout.nodes) == PLATFORM.has_gpus


def scontrol_nodes(cluster_env, home) -> dict[str, dict[str, str]]:
    """`scontrol show node`, node by node: its Key=Value words."""
    out = cluster_env.run("scontrol -o show node", home).stdout
    found = [dict(re.findall(r"(\w+)=(\S*)", line)) for line in out.splitlines() if line.strip()]
    return {node["NodeName"]: node for node in found}


def test_every_node_is_up_in_its_partitions_with_its_cores_memory_and_gpus(cluster_env, layout, home):
    """Each node of platform.toml, as Slurm has it: up (sinfo -N, a line per partition of the node),
    in exactly the partitions the model gives its group, with the group's cores, memory and GPUs."""
    out = cluster_env.run("sinfo -h -N -o '%N %R %T'", home).stdout
    partitions: dict[str, set[str]] = {}
    for line in out.splitlines():
        name, partition, state = line.split()
        assert state in SERVING, f"{name} in {partition} is {state}"
        partitions.setdefault(name, set()).add(partition)
    shown = scontrol_nodes(cluster_env, home)
    for group in PLATFORM.nodes:
        for name in group.names:
            assert partitions.get(name) == set(group.partitions), (name, partitions.get(name))
            node = shown[name]
            assert (int(node["CPUTot"]), int(node["RealMemory"])) == (group.cores, group.memory_mb), name
            assert set(node["Partitions"].split(",")) == set(group.partitions), name
            gres = f"gpu:{group.gpus.type}:{group.gpus.count}" if group.gpus else "(null)"
            assert node["Gres"] == gres, (name, node["Gres"])
    assert sorted(shown) == sorted(PLATFORM.node_names)


def test_a_job_on_two_nodes_sees_its_nodes_name_folder_home_and_every_node(cluster_env, layout, home):
    """Each task writes a file in its $SLURM_TMPDIR and in the shared home, then looks for the other's."""
    names = " ".join(node.name for node in layout.nodes)
    script = home / "two-nodes.sh"
    script.write_text(f"""#!/bin/bash
#SBATCH --nodes=2 --ntasks-per-node=1 --time=5 --mem-per-cpu=500M --output=two-nodes.out
srun bash -c 'me=$(hostname)
  touch "$SLURM_TMPDIR/made-on-$me" "$HOME/seen-by-$me"
  sleep 2
  echo "$me node=$SLURMD_NODENAME tmpdir=$(ls "$SLURM_TMPDIR" | tr "\\n" " ")home=$(ls "$HOME" | grep -c seen-by-)"
  getent hosts {names} | wc -l'
""")
    result = cluster_env.run("sbatch --wait two-nodes.sh >/dev/null && cat two-nodes.out", home, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.split("\n")
    reports = sorted(line for line in lines if " node=" in line)
    assert len(reports) == 2, result.stdout
    by_name = {node.name: node for node in layout.nodes}
    shown = [report.split()[1].removeprefix("node=") for report in reports]
    assert len(set(shown)) == 2 and set(shown) <= set(by_name)
    for name, report in zip(shown, reports):
        # its host name (the platform's, which may differ from Slurm's name of the node), only its
        # own file in its job folder, both files in the home they share
        host = by_name[name].host_name
        assert f"{host} node={name} tmpdir=made-on-{host} home=2" == report, report
    assert lines.count(str(len(layout.nodes))) == 2, "a node does not resolve every node's name"


def test_the_login_shell_is_not_a_compute_node(cluster_env, layout, home):
    shown = cluster_env.run("hostname", home).stdout.strip()
    assert shown == socket.gethostname() and shown not in {name for node in layout.nodes
                                                            for name in (node.name, node.host_name)}
