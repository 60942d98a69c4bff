"""Start and stop the daemons of one stand-in instance: munged, mariadbd, slurmdbd, slurmctld, slurmd.

Every daemon writes its pid file, log and state under the instance's state folder; `down` stops only
the processes named by those pid files (checked against /proc, since pids get reused).
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import signal
import socket
import stat
import string
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from hpc_platform import Partition, Platform, megabytes
from hpc_platform.slurm import SlurmJobs, subprocess_runner

from . import access, cgroups
from .config import PACKAGE, ClusterError, Paths, log
from .nodes import Layout, Node, decide_layout, hosts_file, layout_path, machine_cpus_of, machine_cpus_path, node_folder
from .recipe import Recipe


@dataclass(frozen=True)
class Daemon:
    name: str  # the executable's name, as /proc/<pid>/comm shows it
    pid_file: Path

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().split()[0])
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except (OSError, ValueError, IndexError):
            return None
        return pid if self.name.startswith(comm) else None

    def stop(self, timeout: float = 15) -> None:
        pid = self.pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)
        # Daemons remove their pid file when shutdown starts, not when it ends: wait for the process.
        if not wait_until(lambda: not alive(pid), timeout):
            log(f"{self.name} ({pid}) ignored SIGTERM; killing it")
            os.kill(pid, signal.SIGKILL)
            wait_until(lambda: not alive(pid), 5)
        self.pid_file.unlink(missing_ok=True)


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (a zombie has exited; its parent has yet to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@dataclass(frozen=True)
class Daemons:
    """An instance's daemons by role. `up` starts the services in this order (each needs the one
    before: munge authenticates, the database holds the accounting that slurmdbd serves to the
    controller), then the nodes; `down` stops them all in reverse."""
    munged: Daemon
    mariadbd: Daemon
    slurmdbd: Daemon
    slurmctld: Daemon
    slurmds: tuple[Daemon, ...]  # one per node of the instance's layout

    @property
    def services(self) -> list[Daemon]:
        """Everything but the nodes."""
        return [self.munged, self.mariadbd, self.slurmdbd, self.slurmctld]

    @property
    def in_start_order(self) -> list[Daemon]:
        return [*self.services, *self.slurmds]


def daemons(paths: Paths) -> Daemons:
    """The instance's daemons; one slurmd per node of its layout (before `up` has chosen it: one,
    not running)."""
    s = paths.state
    layout = Layout.load(layout_path(paths))
    names = [node.name for node in layout.nodes] if layout else [""]
    return Daemons(munged=Daemon("munged", s / "munge" / "munged.pid"),
                   mariadbd=Daemon("mariadbd", s / "mysql" / "mysqld.pid"),
                   slurmdbd=Daemon("slurmdbd", s / "slurm" / "slurmdbd.pid"),
                   slurmctld=Daemon("slurmctld", s / "slurm" / "slurmctld.pid"),
                   slurmds=tuple(slurmd(paths, name) for name in names))


def slurmd(paths: Paths, node: str) -> Daemon:
    return Daemon(f"slurmd-{node}" if node else "slurmd", paths.state / "slurm" / f"slurmd-{node}.pid")


def wait_until(condition, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def daemon_env(paths: Paths) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "PIP_"))}
    env["SLURM_CONF"] = str(paths.slurm_conf)
    # Marks every process of this instance (slurmstepd included) so `down` can find leftovers.
    env["HPC_STANDIN_INSTANCE"] = str(paths.state)
    return env


# --- munge -------------------------------------------------------------------------------------

def start_munge(paths: Paths) -> None:
    daemon = daemons(paths).munged
    if daemon.pid():
        return
    munge = pwd.getpwnam("munge")
    folder = paths.state / "munge"
    check_reachable_by(folder.parent, munge)
    folder.mkdir(parents=True, exist_ok=True)
    os.chown(folder, munge.pw_uid, munge.pw_gid)
    folder.chmod(0o755)  # munged refuses a socket folder that others may write to
    key = folder / "munge.key"
    if not key.exists():  # a key of this instance's own, readable by munge alone
        key.write_bytes(secrets.token_bytes(1024))
    os.chown(key, munge.pw_uid, munge.pw_gid)
    key.chmod(0o400)
    command = ["runuser", "-u", "munge", "--", "munged", f"--socket={folder / 'munge.socket'}",
               f"--key-file={key}", f"--pid-file={daemon.pid_file}",
               f"--log-file={folder / 'munged.log'}", f"--seed-file={folder / 'munged.seed'}"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode or not wait_until(daemon.pid, 10):
        raise ClusterError(f"munged did not start: {result.stderr.strip()} "
                           f"(log: {folder / 'munged.log'})")


def check_reachable_by(folder: Path, user: pwd.struct_passwd) -> None:
    """munged runs as munge: every folder above its own must let others through (o+x)."""
    for parent in [folder, *folder.parents]:
        if parent.exists() and parent.stat().st_uid != user.pw_uid and \
                not parent.stat().st_mode & 0o001:
            raise ClusterError(f"user munge cannot reach {folder}: {parent} is not traversable "
                               f"by others; choose another HPC_STANDIN_STATE")


# --- slurm -------------------------------------------------------------------------------------

GIVEN_PORTS: set[int] = set()  # the ports free_port gave in this process: an instance's daemons'


def free_port() -> int:
    """A loopback port free now, and none given already: once its probe socket is closed, the kernel
    may give the same port again (about one `up` in 230 gave two of its 13 daemons one port, and
    the second did not start)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in GIVEN_PORTS:
            GIVEN_PORTS.add(port)
            return port


def machine_cpus() -> list[int]:
    """The CPUs this process may run on: what the nodes' jobs share."""
    return sorted(os.sched_getaffinity(0))


def render(template: str, target: Path, mode: int = 0o644, **values) -> None:
    text = string.Template((PACKAGE / "slurm" / template).read_text()).substitute(values)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    target.chmod(mode)


def partition_lines(platform: Platform, layout: Layout) -> str:
    """The platform's partitions, each with its nodes, time limit, default memory per core and the
    accounts it allows (hpc_standin.access). Their priority tiers: the default partition first, so
    that a job naming several partitions runs on the public nodes when it can (node weights do not
    reach across partitions), then the others, then the preemptible ones, whose jobs the partitions
    of their nodes' owners preempt: SIGTERM, then the grace time to save their work; a job that
    asked for --requeue (JobRequeue=0: only those) goes back to the queue instead."""
    per_core = platform.slurm.default_memory_per_core
    memory = f" DefMemPerCPU={megabytes(per_core)}" if per_core else ""
    lines = ["PreemptType=preempt/partition_prio", "PreemptMode=REQUEUE", "JobRequeue=0"] \
        if platform.preemptible else []
    for partition in platform.partitions:
        line = (f"PartitionName={partition.name} Nodes={','.join(nodes_of(platform, layout, partition.name))} "
                f"Default={'YES' if partition.default else 'NO'} MaxTime={partition.time_limit_days}-00:00:00 "
                f"DefaultTime=01:00:00{memory} State=UP")
        allowed = access.allowed_accounts(platform, partition)
        if allowed:
            line += f" AllowAccounts={','.join(allowed)}"
        if partition.preemption:
            line += f" PriorityTier=1 GraceTime={grace_seconds(platform, partition)}"
        else:
            line += f" PriorityTier={3 if partition.default else 2}"
        lines.append(line)
    return "\n".join(lines)


def nodes_of(platform: Platform, layout: Layout, partition: str) -> list[str]:
    """The stand-in's nodes of a partition: its own, or the one node of a one-node layout."""
    if not layout.isolated:
        return [node.name for node in layout.nodes]
    return [name for group in platform.groups_of(partition) for name in group.names]


def grace_seconds(platform: Platform, partition: Partition) -> int:
    """The platform's grace time, or the recipe's shorter one ([slurm]): a page's preemption
    example then waits seconds, not the platform's minute, while it states the latter."""
    return Recipe.of(platform).grace_seconds(partition.preemption.grace_seconds)


def node_lines(layout: Layout) -> str:
    """A NodeName line per node: its address, its own port, the platform's cores and memory for
    it (config_overrides: slurmd does not check them against the machine), and its GPUs."""
    lines = []
    for node in layout.nodes:
        line = f"NodeName={node.name} NodeAddr={node.address} NodeHostname={node.name} Port={free_port()} " \
               f"CPUs={node.cores} RealMemory={node.memory_mb}"
        if node.gpus:
            line += f" Gres=gpu:{node.gpu_type}:{node.gpus}"
        lines.append(line + " State=UNKNOWN")
    return "\n".join(lines)


# sacct and seff count the GPUs a job had (gres/gpu in AllocTRES), as they do on the platform.
GPU_LINES = "GresTypes=gpu\nAccountingStorageTRES=gres/gpu"


def write_gres_config(paths: Paths, layout: Layout) -> None:
    """gres.conf, beside slurm.conf, naming one device file per GPU. slurmd wants character
    devices (it refuses plain files, and drains a node whose GPUs have no File=): copies of
    /dev/null (1:3) in the instance's own folder, so a job gets CUDA_VISIBLE_DEVICES and no device."""
    gres = paths.slurm_conf.with_name("gres.conf")
    lines = []
    for node in layout.nodes:
        devices = paths.state / "dev" / node.name
        for index in range(node.gpus):
            devices.mkdir(parents=True, exist_ok=True)
            device = devices / f"nvidia{index}"
            if not device.exists():
                os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            lines.append(f"NodeName={node.name} Name=gpu Type={node.gpu_type} File={device}")
    if not lines:
        gres.unlink(missing_ok=True)
        return
    gres.write_text("# The stand-in's GPUs: null devices, see hpc_standin.daemons.write_gres_config.\n"
                    + "\n".join(lines) + "\n")


def write_slurm_config(paths: Paths, platform: Platform, accounting: str) -> None:
    state = paths.state
    tmpdir = state / "tmp"  # the jobs' folders: each node mounts its own folder here
    tmpdir.mkdir(parents=True, exist_ok=True)
    for folder in ("slurm/ctld", "slurm/d", "log", "etc"):
        (state / folder).mkdir(parents=True, exist_ok=True)
    layout = decide_layout(platform)
    if layout.limitation:
        log(layout.limitation)
    layout.save(layout_path(paths))
    (state / "etc" / "hosts").write_text(hosts_file(layout))
    for node in layout.nodes:
        (node_folder(paths, node) / "tmp").mkdir(parents=True, exist_ok=True)
    memory_cgroups = layout.memory_cgroups
    if memory_cgroups:
        cgroups.prepare(paths)
    render("slurm.conf.in", paths.slurm_conf, host=layout.controller_host,
           memory_limits=cgroups.slurm_lines(memory_cgroups),
           cluster_name=platform.slurm.cluster_name, ctld_port=free_port(), state=state,
           accounting=accounting, partitions=partition_lines(platform, layout),
           gres_types=GPU_LINES if any(n.gpus for n in layout.nodes) else "",
           nodes=node_lines(layout))
    machine_cpus_path(paths).write_text(json.dumps(machine_cpus_of(layout, machine_cpus())))
    write_gres_config(paths, layout)
    for script in ("prolog.sh", "taskprolog.sh", "epilog.sh"):
        render(script, state / "etc" / script, mode=0o755, tmpdir=tmpdir, python=sys.executable,
               bind_task=PACKAGE / "bind_task.py", machine_cpus=machine_cpus_path(paths))


def start_slurm(paths: Paths) -> None:
    """The controller, then each node's slurmd that is not running (`up` heals a dead node)."""
    ctld = daemons(paths).slurmctld
    env = daemon_env(paths)
    if not ctld.pid():
        # A fresh controller each time: jobs of a previous instance are gone with their processes.
        subprocess.run(["rm", "-rf", str(paths.state / "slurm" / "ctld")], check=True)
        (paths.state / "slurm" / "ctld").mkdir(parents=True)
        start(["slurmctld", "-f", paths.slurm_conf], ctld, env, paths.state / "log/slurmctld.log")
    layout = Layout.load(layout_path(paths))
    for node in layout.nodes:
        daemon = slurmd(paths, node.name)
        if not daemon.pid():
            start(slurmd_command(paths, layout, node), daemon, env,
                  paths.state / "log" / f"slurmd-{node.name}.log")
    if not wait_until(lambda: nodes_serve(node_state(paths)), 60, 0.3):
        raise ClusterError(f"nodes not all up after 60 s (states {node_state(paths)!r}); "
                           f"see {paths.state / 'log'}")


SERVING = {"idle", "mixed", "allocated", "completing"}  # sinfo's states of a node that answers


def nodes_serve(states: str) -> bool:
    return bool(states) and set(states.split()) <= SERVING


def slurmd_command(paths: Paths, layout: Layout, node: Node) -> list:
    """slurmd -N <node>; on the platform's layout, in namespaces of its own: its host name, the
    nodes' /etc/hosts, its node-local folder over the jobs' folders (see hpc_standin.nodes)."""
    command = ["slurmd", "-f", paths.slurm_conf, "-N", node.name]
    if not layout.isolated:
        return command
    inside = ('hostname "$1" && mount --bind "$2" /etc/hosts && mount --bind "$3" "$4" && '
              'shift 4 && if [ "$1" != - ]; then mount --bind "$1" "$2"; fi && shift 2 && exec "$@"')
    memory = cgroups.bind_arguments(paths) if layout.memory_cgroups else ["-", "-"]
    return ["unshare", "--uts", "--mount", "--propagation", "private", "--", "sh", "-c", inside,
            "sh", node.host_name, paths.state / "etc" / "hosts", node_folder(paths, node) / "tmp",
            paths.state / "tmp", *memory, *command]


def start(command: list, daemon: Daemon, env: dict, logfile: Path) -> None:
    result = subprocess.run([str(c) for c in command], env=env, capture_output=True, text=True)
    if result.returncode or not wait_until(daemon.pid, 10):
        raise ClusterError(f"{daemon.name} did not start: {result.stderr.strip()} (log: {logfile})")


def node_state(paths: Paths) -> str:
    """The nodes' states, each once ("idle", "down idle"...)."""
    result = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], capture_output=True, text=True,
                            env=dict(os.environ, SLURM_CONF=str(paths.slurm_conf)))
    # One line per partition of a node: they all tell the same state.
    return " ".join(sorted(set(result.stdout.split()))) if result.returncode == 0 else ""


def cancel_jobs(paths: Paths) -> None:
    slurm = SlurmJobs(subprocess_runner(dict(os.environ, SLURM_CONF=str(paths.slurm_conf))))
    jobs = slurm.queued()
    if jobs:
        log(f"cancelling jobs {' '.join(jobs)}")
        slurm.cancel(jobs, wait=20)


def leftover_processes(paths: Paths) -> list[int]:
    """Processes that carry this instance's mark (slurmstepd and their children), but not us."""
    mark = f"HPC_STANDIN_INSTANCE={paths.state}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if mark in (proc / "environ").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def namespace_holders(paths: Paths) -> list[int]:
    """Processes inside a node's namespaces: they see the nodes' /etc/hosts mounted over the host's.
    A namespace lives as long as one of them does."""
    mount = f" {paths.state / 'etc' / 'hosts'} /etc/hosts "
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and mount in (proc / "mountinfo").read_text():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def stop_all(paths: Paths) -> None:
    """Jobs cancelled, daemons stopped, then what is left killed: no process, and so no namespace
    and no mount of the instance, may outlive it."""
    found = daemons(paths)
    if found.slurmctld.pid():
        cancel_jobs(paths)
    for daemon in reversed(found.in_start_order):
        daemon.stop()
    left = lambda: sorted(set(leftover_processes(paths) + namespace_holders(paths)))  # noqa: E731
    for pid in left():
        log(f"killing leftover process {pid}")
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if not wait_until(lambda: not left(), 10):
        raise ClusterError(f"processes of the instance still alive after SIGKILL: {left()}")
    outlived = cgroups.remove(paths)
    if outlived:
        raise ClusterError(f"processes of the instance's cgroup {cgroups.root(paths)} still alive: {outlived}")
