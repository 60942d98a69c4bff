"""Memory limits as the platform's nodes enforce them: a cgroup per job, the kernel's OOM killer.

On the platform, a job that uses more memory than it asked for is killed by the kernel in its
memory cgroup, and Slurm says OUT_OF_MEMORY and "Detected 1 oom-kill event". The stand-in does the
same, with Slurm's task/cgroup, where the machine has a cgroup v1 memory hierarchy it may write to.
The instance gets a cgroup of its own under that hierarchy, named after its state folder, which each
node's slurmd sees, bind-mounted in its namespace, as the whole hierarchy (cgroup.conf's
CgroupMountpoint): two instances, whose nodes have the same names, never share a cgroup, and
`down` removes the instance's. Cores stay the TaskProlog's (bind_task): the nodes declare more
cores than the machine has, which a cpuset could not give.

Elsewhere (no such hierarchy, or one node without namespaces), Slurm's accounting kills a step over
its memory when it next samples it (OverMemoryKill): the job then ends FAILED, not OUT_OF_MEMORY,
which `limitation` says.
"""
from __future__ import annotations

import hashlib
import os
import signal
from pathlib import Path

from .config import Paths, log
from .process import wait_until

HIERARCHY = Path("/sys/fs/cgroup/memory")


def why_not_usable() -> str | None:
    """None when this process may make memory cgroups, else why not."""
    if not (HIERARCHY / "memory.limit_in_bytes").exists():
        return f"no cgroup v1 memory hierarchy at {HIERARCHY}"
    if not os.access(HIERARCHY, os.W_OK):
        return f"{HIERARCHY} is not writable by this user"
    return None


def root(paths: Paths) -> Path:
    """The instance's own cgroup, named after its state folder's whole path: two instances whose
    folders share a name (two sites' checks, each in a `state` folder of its own) share no cgroup."""
    digest = hashlib.sha256(str(paths.state).encode()).hexdigest()[:8]
    return HIERARCHY / f"hpc-standin-{paths.state.name}-{digest}"


def mountpoint(paths: Paths) -> Path:
    """Where the nodes see the instance's cgroup as the memory hierarchy (CgroupMountpoint)."""
    return paths.state / "cgroup"


def slurm_lines(enabled: bool) -> str:
    """slurm.conf's lines for memory limits: the platform's cgroups, or the accounting's kills."""
    if enabled:
        return "TaskPlugin=task/cgroup"
    return "TaskPlugin=task/none\n# No memory cgroups: the accounting kills a step over its memory.\n" \
           "JobAcctGatherParams=OverMemoryKill"


def prepare(paths: Paths) -> None:
    """The instance's cgroup, the mount point the nodes put it on, and cgroup.conf."""
    root(paths).mkdir(exist_ok=True)
    (mountpoint(paths) / "memory").mkdir(parents=True, exist_ok=True)
    paths.slurm_conf.with_name("cgroup.conf").write_text(
        "# The stand-in's cgroups (hpc_standin/cgroups.py): memory only, in the instance's own cgroup.\n"
        f"CgroupPlugin=cgroup/v1\nCgroupMountpoint={mountpoint(paths)}\n"
        "ConstrainRAMSpace=yes\nConstrainSwapSpace=no\nConstrainCores=no\nConstrainDevices=no\n")


def bind_arguments(paths: Paths) -> list[str]:
    """What a node's namespace mounts so that its slurmd finds the instance's cgroup."""
    return [str(root(paths)), str(mountpoint(paths) / "memory")]


def remove(paths: Paths, timeout: float = 10) -> list[int]:
    """The instance's cgroup and every cgroup inside it, once no process is left in them (those
    left are killed); returns the processes that outlived `timeout`, whose cgroups stay."""
    top = root(paths)
    if not top.exists():
        return []

    def emptied() -> bool:
        left = processes(top)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return not left

    wait_until(emptied, timeout, 0.2)
    for folder in sorted(top.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir():
            try:
                folder.rmdir()
            except OSError as error:
                log(f"cannot remove cgroup {folder}: {error.strerror}")
    try:
        top.rmdir()
    except OSError as error:
        log(f"cannot remove cgroup {top}: {error.strerror}")
    return processes(top) if top.exists() else []


def processes(top: Path) -> list[int]:
    found = []
    for procs in [top / "cgroup.procs", *top.rglob("cgroup.procs")]:
        try:
            found += [int(pid) for pid in procs.read_text().split()]
        except OSError:
            continue
    return sorted(set(found))
