"""susage [--available] [--legend] [PARTITION ...]: the allocated (or available) resources of partitions.

The stand-in's own `susage`, written from the documented output of the platform's command (its
source is not published): per partition a line of counts, then a line of bars, one under each
count and as wide as it. Nodes are counted as (full+partly)/all, allocated or, with --available,
free: each node takes an equal part of its bar, full ones as █, partly used ones as ▓ (a node is
full when its CPUs or its memory are all allocated: it takes no other job). CPUs, memory
and GPUs are a count over the partition's total, and a bar of █ for that share. A partition of one
node has no nodes count, one without GPUs no GPU count; columns line up from one partition to the
next. Without a partition, the partitions your jobs may use (those that allow the account you
submit with). The documented output of --legend shows no legend line: it is accepted and prints
the same. Reads `scontrol show node` and `scontrol show partition`, so it runs wherever Slurm does
(stdlib only, `python -I`).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass

try:
    from .hostlist import hostnames
except ImportError:  # run by path (`python -I`), which puts no folder of ours on sys.path
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from hostlist import hostnames

FULL, PART, FREE = "█", "▓", "░"


@dataclass(frozen=True)
class Node:
    name: str
    cpus: int
    cpus_used: int
    memory_mb: int
    memory_used_mb: int
    gpus: int
    gpus_used: int


def records(command: list[str]) -> list[dict[str, str]]:
    """`scontrol show ... -o`: one line per record of Key=Value words."""
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return [dict(re.findall(r"(\w+)=(\S*)", line)) for line in output.splitlines() if line.strip()]


def tres(text: str) -> dict[str, int]:
    """"cpu=4,mem=4G,gres/gpu=1" as {"cpu": 4, "mem": 4096, "gres/gpu": 1} (memory in MB)."""
    found = {}
    for key, value in re.findall(r"([\w/:]+)=([\d.]+[KMGT]?)", text):
        scale = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 ** 2}.get(value[-1], 1)
        number = float(value.rstrip("KMGT"))
        found[key.split(":")[0]] = round(number * scale) if key == "mem" else int(number)
    return found


def nodes() -> dict[str, Node]:
    found = {}
    for node in records(["scontrol", "show", "node", "-o"]):
        total, used = tres(node.get("CfgTRES", "")), tres(node.get("AllocTRES", ""))
        found[node["NodeName"]] = Node(node["NodeName"], total.get("cpu", 0), used.get("cpu", 0),
                                       total.get("mem", 0), used.get("mem", 0),
                                       total.get("gres/gpu", 0), used.get("gres/gpu", 0))
    return found


def submit_account() -> str | None:
    """The account a job of yours goes to: SBATCH_ACCOUNT, else your default account."""
    if os.environ.get("SBATCH_ACCOUNT"):
        return os.environ["SBATCH_ACCOUNT"]
    user = os.environ.get("USER") or ""
    result = subprocess.run(["sacctmgr", "-n", "-P", "show", "user", user, "format=DefaultAccount"],
                            capture_output=True, text=True)
    return result.stdout.strip() or None if result.returncode == 0 else None


def partitions(wanted: list[str]) -> list[tuple[str, list[str]]]:
    """(name, node names) of the partitions asked for, else of those your account may use."""
    account = None if wanted else submit_account()
    listed = [(p["PartitionName"], hostnames(p.get("Nodes", "")))
              for p in records(["scontrol", "show", "partition", "-o"]) if wanted or allows(p, account)]
    if wanted:
        known = dict(listed)
        unknown = [name for name in wanted if name not in known]
        if unknown:
            sys.exit(f"susage: no partition {', '.join(unknown)}")
        return [(name, known[name]) for name in wanted]
    return listed


def allows(partition: dict[str, str], account: str | None) -> bool:
    allowed = partition.get("AllowAccounts", "ALL")
    return allowed == "ALL" or (account is not None and account in allowed.split(","))


def size(megabytes: int) -> str:
    """Memory as the platform's susage writes it: at most three digits of G (612G), else T with
    one decimal (1000G is 1.0T)."""
    gigabytes = megabytes / 1024
    return f"{gigabytes / 1024:.1f}T" if round(gigabytes) >= 1000 else f"{round(gigabytes)}G"


def bar(share: float, width: int) -> str:
    filled = round(share * width)
    return FULL * filled + FREE * (width - filled)


def node_bar(full: int, part: int, total: int, width: int) -> str:
    each = width // total
    return FULL * (each * full) + PART * (each * part) + FREE * (width - each * (full + part))


def fields(members: list[Node], available: bool) -> dict[str, tuple[str, str]]:
    """The counts of a partition, by column: (text, bar)."""
    cpus, memory, gpus = (sum(getattr(n, key) for n in members) for key in ("cpus", "memory_mb", "gpus"))
    used = {key: sum(getattr(n, key) for n in members) for key in ("cpus_used", "memory_used_mb", "gpus_used")}
    taken = [n for n in members if n.cpus_used >= n.cpus or n.memory_used_mb >= n.memory_mb]
    idle = [n for n in members if not n.cpus_used and not n.memory_used_mb and not n.gpus_used]
    part = len(members) - len(taken) - len(idle)
    if available:
        full = len(idle)
        counted = {"cpus": cpus - used["cpus_used"], "mem": memory - used["memory_used_mb"],
                   "gpus": gpus - used["gpus_used"]}
    else:
        full = len(taken)
        counted = {"cpus": used["cpus_used"], "mem": used["memory_used_mb"], "gpus": used["gpus_used"]}
    found = {}
    if len(members) > 1:
        text = f"nodes: ({full}+{part})/{len(members)}"
        found["nodes"] = (text, node_bar(full, part, len(members), len(text)))
    text = f"cpus: {counted['cpus']}/{cpus}"
    found["cpus"] = (text, bar(counted["cpus"] / cpus if cpus else 0, len(text)))
    text = f"mem: {size(counted['mem'])}/{size(memory)}"
    found["mem"] = (text, bar(counted["mem"] / memory if memory else 0, len(text)))
    if gpus:
        text = f"gpus: {counted['gpus']}/{gpus}"
        found["gpus"] = (text, bar(counted["gpus"] / gpus, len(text)))
    return found


def table(rows: list[tuple[str, dict[str, tuple[str, str]]]]) -> list[str]:
    """Two lines per partition, the columns lined up across partitions."""
    label = max(len(name) + 1 for name, _ in rows)
    columns = [column for column in ("nodes", "cpus", "mem", "gpus") if any(column in f for _, f in rows)]
    widths = {column: max(len(f[column][0]) for _, f in rows if column in f) for column in columns}
    lines = []
    for name, found in rows:
        for part, head in ((0, f"{name}:"), (1, "")):
            cells = [found[c][part].ljust(widths[c]) if c in found else " " * widths[c] for c in columns]
            lines.append(f"{head.ljust(label)} {' '.join(cells)}".rstrip())
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="susage", description=__doc__.split("\n")[0])
    parser.add_argument("--available", action="store_true", help="free resources, not allocated ones")
    parser.add_argument("--legend", action="store_true", help="accepted, as the platform's susage")
    parser.add_argument("partition", nargs="*")
    args = parser.parse_args(argv)
    known = nodes()
    rows = [(name, fields([known[n] for n in members if n in known], args.available))
            for name, members in partitions(args.partition) if any(n in known for n in members)]
    print("\n".join(table(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
