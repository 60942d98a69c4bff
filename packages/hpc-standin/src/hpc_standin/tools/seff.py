"""seff JOBID: a job's CPU and memory efficiency, from Slurm accounting (sacct), in seff's format.

Debian does not package Slurm's contrib `seff` (a Perl script over the Slurm Perl API); this one
reads the same figures through `sacct` and prints the same lines as the platform's (its
documentation's example, Slurm 23.02's contribs/seff): `Cores:` for a one-core job, else `Nodes:`
and `Cores per node:`; the memory used "(estimated maximum)"; the memory reserved with its share
per node or per core, as the job asked for it. sacct does not say which it asked for; the
memory it requires (`sacct --json`) does: per core when it is the reserved memory divided among
the cores, per node otherwise. Where both are the same (one core per node), the option the job
was submitted with says it, on the command line (sacct's SubmitLine) or in the script's #SBATCH
lines; without either, the job had the default memory, per core.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

FIELDS = ["JobID", "Cluster", "User", "Group", "State", "ExitCode", "AllocCPUS", "NNodes",
          "ElapsedRaw", "TotalCPU", "MaxRSS", "ReqMem", "WorkDir", "SubmitLine"]
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
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
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
            return f"{kb / scale:.2f} {unit}"
    return "0.00 MB"


def required_memory_mb(job: str) -> float | None:
    """The memory the job required, per core or per node as it asked, in MB (sacct --json)."""
    out = subprocess.run(["sacct", "-j", job, "--json"], capture_output=True, text=True)
    try:
        return float(json.loads(out.stdout)["jobs"][0]["required"]["memory"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def asked_per_node(submit_line: str, workdir: str) -> bool:
    """Whether the job asked for memory per node (--mem) rather than per core (--mem-per-cpu, or
    nothing: the default), on sbatch's command line first, then in its script's #SBATCH lines."""
    try:
        words = shlex.split(submit_line)
    except ValueError:
        words = submit_line.split()
    options = [word for word in words[1:] if word.startswith("-")]
    script = next((Path(workdir, word) for word in reversed(words[1:]) if not word.startswith("-")), None)
    if script is not None and script.is_file() and not any(o.startswith("--wrap") for o in options):
        for line in script.read_text(errors="replace").splitlines()[1:]:
            if line.startswith("#SBATCH"):
                options += line.split("#", 2)[1].split()[1:]  # options up to a comment
            elif line.strip() and not line.startswith("#"):
                break  # sbatch reads no #SBATCH line after the first command
    for option in options:
        if option.startswith("--mem-per-cpu"):
            return False
        if option == "--mem" or option.startswith("--mem="):
            return True
    return False


def report(job: str) -> str:
    out = subprocess.run(["sacct", "-P", "-n", "-j", job, "--format=" + ",".join(FIELDS)],
                         capture_output=True, text=True)
    rows = [dict(zip(FIELDS, line.split("|"))) for line in out.stdout.splitlines() if line]
    if out.returncode or not rows:
        raise SystemExit(f"seff: job {job} not found in accounting {out.stderr.strip()}")
    main, steps = rows[0], rows[1:]
    cores, nodes = int(main["AllocCPUS"] or 0), int(main["NNodes"] or 1)
    walltime = int(main["ElapsedRaw"] or 0)
    cpu = seconds(main["TotalCPU"] or "0")
    rss = max((kilobytes(s["MaxRSS"]) for s in steps), default=0.0)
    memory = kilobytes(main["ReqMem"])
    core_walltime = cores * walltime
    required = required_memory_mb(job)
    if required is None or not cores:
        per_node = False
    elif abs(memory / cores - memory / nodes) <= 1:
        per_node = asked_per_node(main["SubmitLine"], main["WorkDir"])
    else:
        per_node = abs(required * 1024 - memory / nodes) <= 1
    share = f"{size(memory / nodes)}/node" if per_node else f"{size(memory / cores if cores else 0)}/core"
    state = main["State"].split()[0]
    lines = [
        f"Job ID: {main['JobID']}",
        f"Cluster: {main['Cluster']}",
        f"User/Group: {main['User']}/{main['Group']}",
        f"State: {state}" if state in ("PENDING", "RUNNING")
        else f"State: {state} (exit code {main['ExitCode'].split(':')[0]})",
        *([f"Cores: {cores}"] if cores == 1 else [f"Nodes: {nodes}", f"Cores per node: {cores // nodes}"]),
    ]
    if state == "PENDING":
        return "\n".join([*lines, "Efficiency not available for jobs in the PENDING state."])
    return "\n".join([
        *lines,
        f"CPU Utilized: {clock(cpu)}",
        f"CPU Efficiency: {100 * cpu / core_walltime if core_walltime else 0:.2f}% of {clock(core_walltime)} "
        "core-walltime",
        f"Job Wall-clock time: {clock(walltime)}",
        f"Memory Utilized: {size(rss)} (estimated maximum)",
        f"Memory Efficiency: {100 * rss / memory if memory else 0:.2f}% of {size(memory)} ({share})",
    ])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: seff JOBID")
    print(report(sys.argv[1]))
