"""seff JOBID: a job's CPU and memory efficiency, from Slurm accounting (sacct), in seff's format.

Debian does not package Slurm's contrib `seff` (a Perl script over the Slurm Perl API); this one
reads the same figures through `sacct` and prints the same lines.
"""

from __future__ import annotations

import re
import subprocess
import sys

FIELDS = ["JobID", "Cluster", "User", "Group", "State", "ExitCode", "AllocCPUS", "NNodes",
          "ElapsedRaw", "TotalCPU", "MaxRSS", "ReqMem"]
UNITS = {"K": 1, "M": 1024, "G": 1024 ** 2, "T": 1024 ** 3}


def seconds(text: str) -> float:
    """sacct's [D-]HH:MM:SS[.mmm] or MM:SS.mmm as seconds."""
    days, _, clock = text.rpartition("-")
    parts = [float(p) for p in clock.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0.0)
    return (int(days) if days else 0) * 86400 + parts[0] * 3600 + parts[1] * 60 + parts[2]


def clock(total: float) -> str:
    total = int(round(total))
    days, rest = divmod(total, 86400)
    text = "%02d:%02d:%02d" % (rest // 3600, rest % 3600 // 60, rest % 60)
    return f"{days}-{text}" if days else text


def kilobytes(text: str) -> float:
    """sacct sizes (500M, 1.50G, 2048K; older Slurm appends n/c, an unknown unit shows as ?)."""
    match = re.match(r"([\d.]+)([KMGT]?)", text)
    if not match:
        return 0.0
    return float(match[1]) * UNITS.get(match[2] or "M", 1024)


def size(kb: float) -> str:
    for unit, scale in (("TB", 1024 ** 3), ("GB", 1024 ** 2), ("MB", 1024), ("KB", 1)):
        if kb >= scale:
            return "%.2f %s" % (kb / scale, unit)
    return "0.00 MB"


def report(job: str) -> str:
    out = subprocess.run(["sacct", "-P", "-n", "-j", job, "--format=" + ",".join(FIELDS)],
                         capture_output=True, text=True)
    rows = [dict(zip(FIELDS, line.split("|"))) for line in out.stdout.splitlines() if line]
    if out.returncode or not rows:
        raise SystemExit(f"seff: job {job} not found in accounting {out.stderr.strip()}")
    main, steps = rows[0], rows[1:]
    cores, walltime = int(main["AllocCPUS"] or 0), int(main["ElapsedRaw"] or 0)
    cpu = seconds(main["TotalCPU"] or "0")
    rss = max((kilobytes(s["MaxRSS"]) for s in steps), default=0.0)
    memory = kilobytes(main["ReqMem"])
    core_walltime = cores * walltime
    return "\n".join([
        f"Job ID: {main['JobID']}",
        f"Cluster: {main['Cluster']}",
        f"User/Group: {main['User']}/{main['Group']}",
        f"State: {main['State'].split()[0]} (exit code {main['ExitCode'].split(':')[0]})",
        f"Cores: {cores}" if int(main["NNodes"] or 1) == 1 else f"Nodes: {main['NNodes']}",
        f"CPU Utilized: {clock(cpu)}",
        "CPU Efficiency: %.2f%% of %s core-walltime"
        % (100 * cpu / core_walltime if core_walltime else 0, clock(core_walltime)),
        f"Job Wall-clock time: {clock(walltime)}",
        f"Memory Utilized: {size(rss)}",
        "Memory Efficiency: %.2f%% of %s" % (100 * rss / memory if memory else 0, size(memory)),
    ])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: seff JOBID")
    print(report(sys.argv[1]))
