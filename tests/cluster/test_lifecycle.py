"""`up` is idempotent and `down` leaves nothing, and preemption works as the platform's: checked on a
second instance (whose node the other sessions' jobs do not share), of a site that sits in a folder
only its owner may enter, as a clone in a 0700 home or a `mktemp -d` folder does."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import hpc_platform
import pytest
from hpc_standin import access
from hpc_standin.config import Paths
from hpc_standin.instance import namespace_holders
from hpc_standin.nodes import Layout, layout_path, machine_cpus
from hpc_standin.recipe import RECIPE_FILE

REPO = Path(__file__).resolve().parents[2]
PLATFORM = hpc_platform.load(REPO / "platform.toml")


@dataclass(frozen=True)
class Instance:
    site: Path  # the site's platform.toml
    cache: Path
    state: Path  # where the stand-in puts it by default


def cluster(instance: Instance, *args: str, **environ: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "HPC_STANDIN_STATE"} | environ
    env["HPC_STANDIN_CACHE"] = str(instance.cache)  # the software built for the suite's own instance
    return subprocess.run([str(Path(sys.executable).parent / "hpc-standin"), "--platform", str(instance.site),
                           *args], env=env, text=True, capture_output=True, timeout=600)


def up(instance: Instance) -> None:
    """`up`, which must succeed; its failure shows the logs it names (gone with the instance's
    state once the test's `down` runs)."""
    started = cluster(instance, "up")
    if started.returncode:
        logs = [Path(path) for path in re.findall(r"\(log: ([^)]+)\)", started.stderr)]
        shown = "\n".join(f"--- {log}:\n{log.read_text()[-3000:] if log.is_file() else '(none)'}" for log in logs)
        pytest.fail(f"up failed:\n{started.stderr}\n{shown}")


def daemon_pids(instance: Instance) -> dict:
    out = cluster(instance, "status").stdout
    return {line.split()[0]: int(line.split()[-1]) for line in out.splitlines() if "pid" in line}


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent that reaps late (this machine's init)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def instance(cluster_env, tmp_path):
    yield from instance_of(REPO / "platform.toml", cluster_env, tmp_path)


@pytest.fixture
def lab_instance(cluster_env, tmp_path):
    """The second site's: two CPU nodes, no GPU node, no software to build."""
    yield from instance_of(REPO / "tests" / "sites" / "lab" / "platform.toml", cluster_env, tmp_path)


def instance_of(platform_file: Path, cluster_env, tmp_path):
    if not cluster_env.standin:
        pytest.skip("on the real platform: no stand-in to start and stop")
    site = tmp_path / "clone"
    site.mkdir()
    shutil.copy(platform_file, site / "platform.toml")
    recipe = platform_file.with_name(RECIPE_FILE)
    if recipe.exists():  # a clone of the site has its stand-in's recipe too
        shutil.copy(recipe, site / RECIPE_FILE)
    assert any(folder.stat().st_mode & 0o007 == 0 for folder in tmp_path.parents), \
        "pytest's temporary folders are private to their user: the point of this test"
    found = Instance(site / "platform.toml", cluster_env.paths.cache, Paths.for_site(site / "platform.toml").state)
    yield found
    cluster(found, "down")
    assert not found.state.exists(), "down leaves the instance's state"
    left = sorted(path.name for path in found.state.parent.glob(f".{found.state.name}.*"))
    assert not left, f"down leaves the instance's lock files: {left}"


def test_up_is_idempotent_and_down_leaves_no_daemon(instance):
    up(instance)
    first = daemon_pids(instance)
    nodes = Layout.load(layout_path(Paths(instance.state, instance.cache))).nodes
    assert set(first) == {"munged", "mariadbd", "slurmdbd", "slurmctld", *(f"slurmd-{n.name}" for n in nodes)}
    up(instance)
    assert daemon_pids(instance) == first
    # An instance answers for the platform file it started from: edited since, `up` says to restart.
    instance.site.write_text(instance.site.read_text() + "\n# edited after up\n")
    refused = cluster(instance, "up")
    assert refused.returncode != 0 and "was started from another platform.toml" in refused.stderr, refused.stderr
    assert daemon_pids(instance) == first
    key = instance.state / "munge" / "munge.key"
    assert key.stat().st_mode & 0o777 == 0o400
    assert cluster(instance, "down").returncode == 0
    assert not [name for name, pid in first.items() if alive(pid)]
    assert cluster(instance, "status").returncode != 0


def test_daemons_listen_on_loopback_only(cluster_env):
    if not cluster_env.standin:
        pytest.skip("the real platform's daemons are not ours")
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout
    ours = [line.split()[3] for line in out.splitlines() if '"slurm' in line or '"munged' in line]
    assert ours and all(address.startswith("127.0.0.1:") for address in ours)


def shared_node() -> tuple[str, str, str, int]:
    """(preemptible partition, node, its owner's partition, the node's cores) of the platform: the
    first node of a preemptible partition that an owner's partition holds too."""
    preemptible = PLATFORM.preemptible[0]
    for owner in PLATFORM.owner_partitions(preemptible.name):
        for group in PLATFORM.groups_of(owner.name):
            if preemptible.name in group.partitions:
                return preemptible.name, group.names[0], owner.name, group.cores
    raise AssertionError(f"no owner's partition shares a node with {preemptible.name}")


def test_the_owners_job_preempts_the_preemptible_ones(instance, tmp_path):
    """The platform's iq-preempt: a job of the node owner's partition that needs the node cancels
    the preemptible jobs with SIGTERM, and requeues the one that asked for --requeue. Each
    submits with an account its partition allows: a member's, and the owner's."""
    up(instance)
    env = dict(os.environ, SLURM_CONF=str(instance.state / "etc" / "slurm.conf"))

    def sbatch(cores: int, *args: str) -> str:
        return subprocess.run(["sbatch", "--parsable", f"--cpus-per-task={cores}", "--mem=1G", "--time=00:10:00",
                               *args], env=env, cwd=tmp_path, text=True, capture_output=True, check=True).stdout.strip()

    preempt, node, _, cores = shared_node()
    half = cores // 2  # all on one node
    owner_partition, owner_account = access.owner_of(PLATFORM, node, preempt)
    member = f"--account={access.member_account(PLATFORM, preempt)}"
    script = tmp_path / "preemptible.sh"
    script.write_text("#!/bin/bash\ntrap 'echo SIGTERM; exit 0' TERM\necho started\nsleep 600 & wait\n")
    cancelled = sbatch(half, f"--partition={preempt}", member, f"--nodelist={node}", "--output=cancelled.out",
                       str(script))
    requeued = sbatch(half, f"--partition={preempt}", member, f"--nodelist={node}", "--requeue",
                      "--output=requeued.out", str(script))
    # Each holds half the node, side by side; the owner's job then needs all of it.
    wait_for(lambda: all("started" in read(tmp_path / f"{name}.out") for name in ("cancelled", "requeued")), 60)
    owners = sbatch(cores, f"--partition={owner_partition}", f"--account={owner_account}", f"--nodelist={node}",
                    "--output=/dev/null", "--wrap=sleep 1")
    # Slurm's scheduler looks for jobs to preempt on its own schedule: seconds here, a minute and
    # a half on a machine the other sessions keep busy. A requeued job's output file starts again.
    wait_for(lambda: job_state(env, cancelled) == "PREEMPTED" and restarts(env, requeued) >= 1, 240)
    assert "SIGTERM" in read(tmp_path / "cancelled.out")
    wait_for(lambda: job_state(env, owners) == "COMPLETED", 60)
    queued = subprocess.run(["squeue", "-h", "-j", requeued, "-o", "%T"], env=env, text=True,
                            capture_output=True).stdout.split()
    assert queued and queued[0] in ("PENDING", "RUNNING"), f"job {requeued} is not back in the queue"


def restarts(env: dict, job: str) -> int:
    """How many times Slurm requeued the job (scontrol's Restarts)."""
    out = subprocess.run(["scontrol", "-o", "show", "job", job], env=env, text=True, capture_output=True).stdout
    found = re.search(r"\bRestarts=(\d+)", out)
    return int(found[1]) if found else 0


def read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def job_state(env: dict, job: str) -> str:
    return subprocess.run(["sacct", "-n", "-X", "-P", "-j", job, "--format=State"], env=env, text=True,
                          capture_output=True).stdout.strip()


def wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still false after {timeout} s"
        time.sleep(1)


def test_a_node_whose_slurmd_dies_is_marked_down_and_up_brings_it_back(instance, tmp_path):
    """The controller notices a node that stops answering, ends its job as Slurm decides (this job
    did not ask for --requeue: NODE_FAIL), and `up` starts the node again, which then runs jobs."""
    up(instance)
    layout = Layout.load(layout_path(Paths(instance.state, instance.cache)))
    if not layout.isolated:
        pytest.skip(f"one node only, none to lose: {layout.single_reason}")
    node = layout.nodes[1].name
    env = dict(os.environ, SLURM_CONF=str(instance.state / "etc" / "slurm.conf"))
    job = subprocess.run(["sbatch", "--parsable", f"--nodelist={node}", "--output=lost.out",
                          "--wrap=echo started; sleep 600"], env=env, cwd=tmp_path, text=True,
                         capture_output=True, check=True).stdout.strip()
    wait_for(lambda: "started" in read(tmp_path / "lost.out"), 60)
    slurmd = int((instance.state / "slurm" / f"slurmd-{node}.pid").read_text())
    os.kill(slurmd, signal.SIGKILL)
    # SlurmdTimeout (30 s) and the controller's pings: about 45 s here.
    wait_for(lambda: "DOWN" in node_detail(env, node)["State"], 150)
    wait_for(lambda: job_state(env, job) == "NODE_FAIL", 60)
    up(instance)
    assert node_state(env, node) in ("idle", "mixed")
    ran = subprocess.run(["srun", f"--nodelist={node}", "--time=1", "hostname"], env=env, cwd=tmp_path,
                         text=True, capture_output=True, timeout=120)
    assert ran.stdout.split() == [PLATFORM.node_host(node)], ran.stderr
    # The lost job's processes, orphaned by the dead slurmd, were killed when the node came back.
    wait_for(lambda: not [pid for pid in processes_of(instance) if "sleep 600" in cmdline(pid)], 60)


def node_state(env: dict, node: str) -> str:
    return subprocess.run(["sinfo", "-h", "-N", "-n", node, "-o", "%T"], env=env, text=True,
                          capture_output=True).stdout.split("\n")[0].strip()


def node_detail(env: dict, node: str) -> dict:
    """scontrol's view of the node: sinfo shows a down node that still holds the lost job's
    CPUs (of its many) as mixed*."""
    out = subprocess.run(["scontrol", "-o", "show", "node", node], env=env, text=True, capture_output=True).stdout
    return dict(word.split("=", 1) for word in out.split() if "=" in word)


def processes_of(instance: Instance) -> list[int]:
    """Inside the instance's nodes (a job's processes carry the submitter's environment, not the
    daemons' mark)."""
    return namespace_holders(Paths(instance.state, instance.cache))


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_without_namespaces_one_node_and_multi_node_examples_fail_saying_why(instance, tmp_path):
    """No `unshare` on the PATH: the instance has one node, named after the machine, says why, and
    a page's two-node example fails with that reason instead of passing on one node."""
    tools = tmp_path / "bin-without-unshare"
    tools.mkdir()
    for folder in ("/usr/local/bin", "/usr/bin", "/bin"):
        for tool in Path(folder).iterdir():
            if tool.name != "unshare" and not (tools / tool.name).exists():
                (tools / tool.name).symlink_to(tool)
    path = f"{tools}:/usr/local/sbin:/usr/sbin:/sbin"
    started = cluster(instance, "up", PATH=path)
    assert started.returncode == 0, started.stderr
    limitation = (f"the stand-in has one node, {socket.gethostname().split('.')[0]}: "
                  "no `unshare` (util-linux) on this machine")
    assert limitation in started.stderr and limitation in cluster(instance, "status").stdout
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "pytest.ini").write_text(f"[pytest]\naddopts = -p no:doctest\nharness_pages = .\n"
                                      f"platform_file = {REPO / 'platform.toml'}\n")
    shutil.copy(REPO / "tests" / "harness" / "fixtures" / "twonodes.rst", pages)
    env = dict(os.environ, HPC_STANDIN_STATE=str(instance.state), HPC_STANDIN_CACHE=str(instance.cache))
    result = subprocess.run([sys.executable, "-m", "pytest", "--platform=standin", "-p", "no:cacheprovider",
                             "-p", "no:xdist", "twonodes.rst"], cwd=pages, env=env, text=True,
                            capture_output=True, timeout=300)
    for lock in (Paths(instance.state, instance.cache).sessions, Paths(instance.state, instance.cache).starting):
        lock.unlink(missing_ok=True)  # the inner run's, which did not start the instance
    assert result.returncode == 1, result.stdout
    assert "srun: error: Unable to allocate resources" in result.stdout, result.stdout
    # The failure says why, the layout's limitation first (more may follow: what else one node lacks).
    assert f"(this cluster is not the platform's: {limitation}" in result.stdout, result.stdout


def test_nodes_get_cpus_of_their_own_where_the_machine_has_enough(lab_instance, tmp_path):
    """Two nodes of the lab site on a machine of two CPUs or more: each node's jobs are pinned to
    CPUs of its own (bind_task), while Slurm gives them the platform's cores, and refuses one more."""
    cpus = machine_cpus()
    if len(cpus) < 2:
        pytest.skip(f"{len(cpus)} CPU: two nodes cannot have their own")
    up(lab_instance)
    nodes = Layout.load(layout_path(Paths(lab_instance.state, lab_instance.cache))).nodes
    per_node = len(cpus) // len(nodes)
    assert f"each node's jobs run on {per_node} of this machine's CPUs, its own" in \
        cluster(lab_instance, "status").stdout
    env = dict(os.environ, SLURM_CONF=str(lab_instance.state / "etc" / "slurm.conf"))
    pinned = {}
    for node in nodes:
        ran = subprocess.run(["srun", f"--nodelist={node.name}", f"--cpus-per-task={node.cores}", "--mem=100M",
                              "--time=1", "python3", "-c", "import os; print(sorted(os.sched_getaffinity(0)))"],
                             env=env, cwd=tmp_path, text=True, capture_output=True, timeout=120)
        assert ran.returncode == 0, ran.stderr
        pinned[node.name] = ran.stdout.strip()
    assert len(set(pinned.values())) == len(nodes), f"nodes share CPUs: {pinned}"
    assert all(len(json.loads(share)) == per_node for share in pinned.values()), pinned
    refused = subprocess.run(["srun", f"--nodelist={nodes[0].name}", f"--cpus-per-task={nodes[0].cores + 1}",
                              "--time=1", "true"], env=env, cwd=tmp_path, text=True, capture_output=True,
                             timeout=60)
    assert "Requested node configuration is not available" in refused.stderr
