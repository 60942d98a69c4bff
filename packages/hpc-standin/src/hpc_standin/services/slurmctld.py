"""slurmctld, the controller, and slurm.conf, which every Slurm daemon and command of the instance
reads: the platform's partitions and who may use them, its nodes as the layout made them, the
memory limits, the GPUs, and the scripts that give each job its folder and its CPUs."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys

from hpc_platform import Partition, Platform, megabytes
from hpc_platform.slurm import SlurmJobs, subprocess_runner

from .. import access, cgroups
from ..config import Paths, log
from ..nodes import Layout, machine_cpus, machine_cpus_of, machine_cpus_path
from ..recipe import Recipe
from ..tools import BIND_TASK
from . import Service, free_port, render


class SlurmCtld(Service):
    name = comm = "slurmctld"
    pid_name = "slurm/slurmctld.pid"

    def configure(self) -> None:
        """slurm.conf and what it names: gres.conf, cgroup.conf, the Prolog, TaskProlog and Epilog."""
        paths, platform, layout = self.paths, self.instance.platform, self.instance.layout
        state = paths.state
        tmpdir = state / "tmp"  # the jobs' folders: each node mounts its own folder here
        tmpdir.mkdir(parents=True, exist_ok=True)
        for folder in ("slurm/ctld", "slurm/d", "log", "etc"):
            (state / folder).mkdir(parents=True, exist_ok=True)
        if layout.memory_cgroups:
            cgroups.prepare(paths)
        render("slurm.conf.in", paths.slurm_conf, host=layout.controller_host,
               memory_limits=cgroups.slurm_lines(layout.memory_cgroups),
               cluster_name=platform.slurm.cluster_name, ctld_port=free_port(), state=state,
               munge_socket=self.instance.munge.socket,
               accounting=self.instance.slurmdbd.accounting_lines(), partitions=partition_lines(platform, layout),
               gres_types=GPU_LINES if any(n.gpus for n in layout.nodes) else "",
               nodes=node_lines(layout))
        machine_cpus_path(paths).write_text(json.dumps(machine_cpus_of(layout, machine_cpus())))
        write_gres_config(paths, layout)
        for script in ("prolog.sh", "taskprolog.sh", "epilog.sh"):
            render(script, state / "etc" / script, mode=0o755, tmpdir=tmpdir, python=sys.executable,
                   bind_task=BIND_TASK, machine_cpus=machine_cpus_path(paths))

    def start(self) -> None:
        """A fresh controller each time: jobs of a previous instance are gone with their processes."""
        spool = self.paths.state / "slurm" / "ctld"
        shutil.rmtree(spool, ignore_errors=True)
        spool.mkdir(parents=True)
        self.launch(["slurmctld", "-f", self.paths.slurm_conf], self.instance.daemon_env())

    def cancel_jobs(self) -> None:
        """Every job of the instance, before its nodes stop."""
        if not self.pid():
            return
        slurm = SlurmJobs(subprocess_runner(dict(os.environ, SLURM_CONF=str(self.paths.slurm_conf))))
        jobs = slurm.queued()
        if jobs:
            log(f"cancelling jobs {' '.join(jobs)}")
            slurm.cancel(jobs, wait=20)


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
    gres.write_text("# The stand-in's GPUs: null devices, see hpc_standin.services.slurmctld.write_gres_config.\n"
                    + "\n".join(lines) + "\n")
