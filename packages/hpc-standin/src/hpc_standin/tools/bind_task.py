"""Pin a Slurm task of the stand-in to the machine's CPUs its Slurm CPUs stand for.

Run by the TaskProlog (as the job's user, before the task starts; stdlib only, `python -I`). The
stand-in's nodes declare the platform's cores, more than the machine has, so Slurm's task/affinity
cannot pin. This does what it would: the task's share of its job's CPUs on this node (from
`scontrol show job -d`), each CPU id folded onto the node's CPUs of the machine, distinct ones as
many as it can (machine-cpus.json, written by `up`). A job of 1 core runs on one of the machine's
CPUs, two jobs of 1 core on two different ones while the node has them, a job of more cores than
the node's share on all of it.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

try:
    from .hostlist import hostnames
except ImportError:  # run by path (`python -I`), which puts no folder of ours on sys.path
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from hostlist import hostnames


def expand(ranges: str) -> list[int]:
    """Slurm's "0-3,8" as [0, 1, 2, 3, 8]."""
    ids = []
    for part in ranges.split(","):
        low, _, high = part.partition("-")
        ids.extend(range(int(low), int(high or low) + 1))
    return ids


def job_cpus_on(node: str, detail: str) -> list[int]:
    """The Slurm CPU ids of the job on `node`, from `scontrol show job -d`."""
    for nodes, ranges in re.findall(r"\bNodes=(\S+) CPU_IDs=(\S+)", detail):
        if node in hostnames(nodes):
            return expand(ranges)
    return []


def task_share(cpus: list[int], local_id: int, local_tasks: int, cpus_per_task: int | None) -> list[int]:
    """The CPUs of the local_id-th of the node's tasks: its cpus_per_task (or an equal part) in order."""
    each = cpus_per_task or max(1, len(cpus) // max(1, local_tasks))
    return cpus[local_id * each:(local_id + 1) * each] or cpus


def tasks_on_node(tasks_per_node: str, node_index: int) -> int:
    """SLURM_STEP_TASKS_PER_NODE ("2(x3),1") for the node of this index."""
    counts = []
    for count, _, repeat in re.findall(r"(\d+)(\(x(\d+)\))?", tasks_per_node):
        counts.extend([int(count)] * int(repeat or 1))
    return counts[node_index] if node_index < len(counts) else 1


def machine_share(slurm_cpus: list[int], node_cpus: list[int]) -> set[int]:
    """The machine's CPUs for a task's Slurm CPUs: as many distinct ones as it has Slurm CPUs, up to
    the node's. Each Slurm CPU folds onto the machine's by its id, so that tasks of 1 CPU spread over
    the machine; where ids fold onto the same CPU (0 and 48 of two sockets, on 2 CPUs), the next
    free ones make up the count."""
    wanted = min(len(set(slurm_cpus)), len(node_cpus))
    share = list(dict.fromkeys(node_cpus[cpu % len(node_cpus)] for cpu in slurm_cpus))[:wanted]
    start = node_cpus.index(share[0]) if share else 0
    for cpu in node_cpus[start:] + node_cpus[:start]:
        if len(share) >= wanted:
            break
        if cpu not in share:
            share.append(cpu)
    return set(share)


def main(machine_cpus_file: str) -> int:
    env = os.environ
    node = env["SLURMD_NODENAME"]
    node_cpus = json.loads(Path(machine_cpus_file).read_text())[node]
    detail = subprocess.run(["scontrol", "show", "job", "-d", env["SLURM_JOB_ID"]],
                            capture_output=True, text=True).stdout
    cpus = job_cpus_on(node, detail)
    if not cpus:
        print(f"bind_task: no CPU_IDs of job {env['SLURM_JOB_ID']} on {node}: task left unpinned", file=sys.stderr)
        return 0
    per_task = env.get("SLURM_CPUS_PER_TASK", "")
    share = task_share(cpus, int(env.get("SLURM_LOCALID", 0)),
                       tasks_on_node(env.get("SLURM_STEP_TASKS_PER_NODE", "1"), int(env.get("SLURM_NODEID", 0))),
                       int(per_task) if per_task.isdigit() else None)
    os.sched_setaffinity(int(env.get("SLURM_TASK_PID") or os.getppid()), machine_share(share, node_cpus))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
