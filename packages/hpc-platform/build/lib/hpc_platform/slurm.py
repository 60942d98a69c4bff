"""Slurm jobs as the guide's harness and the stand-in follow them: submit, wait for the end, list
what is still queued, cancel.

Every Slurm command goes through `run`, a function of the caller's that runs one command line and
returns its exit status and output: the harness runs them in the page's shell (the reader's
environment, modules and folder), the stand-in and the tests as subprocesses.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

Runner = Callable[[list[str]], tuple[int, str]]

FINISHED = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL",
            "PREEMPTED", "BOOT_FAIL", "DEADLINE"}
ACTIVE = "PENDING,RUNNING,SUSPENDED,CONFIGURING,REQUEUED,COMPLETING"
JOB_STATE = re.compile(r"\bJobState=(\S+)")
POLL = 0.25  # seconds; `sbatch --wait` polls at growing intervals and added up to 30 s a job here


def subprocess_runner(env: dict | None = None, cwd: str | None = None) -> Runner:
    """Run Slurm's commands as subprocesses, in `env` (SLURM_CONF says which cluster) and `cwd`
    (a job's work directory is where it was submitted)."""
    def run(argv: list[str]) -> tuple[int, str]:
        try:
            result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
        except FileNotFoundError:  # no Slurm here (plain bash): nothing is queued
            return 127, f"{argv[0]}: command not found"
        return result.returncode, result.stdout + result.stderr
    return run


def shell_line(argv: list[str]) -> str:
    """A command for a shell runner: quoted, stderr with stdout."""
    return " ".join(map(shlex.quote, argv)) + " 2>&1"


@dataclass(frozen=True)
class JobEnd:
    job_id: str
    state: str  # Slurm's last JobState, or "" when Slurm no longer knows the job
    status: int  # as `sbatch --wait` returns it: the exit code, 128+signal, 1 when not COMPLETED
    stdout: str | None  # the output file Slurm names, if it names one (an array's: its first task's)
    info: str  # `scontrol show job` as last read
    timed_out: bool = False


class SlurmJobs:
    def __init__(self, run: Runner):
        self.run = run

    def submit(self, script: str) -> tuple[str | None, str]:
        """`sbatch --parsable script`: (the job id, or None when sbatch refused it; sbatch's output)."""
        status, output = self.run(["sbatch", "--parsable", script])
        match = re.search(r"^(\d+)(?:;\S+)?$", output, re.MULTILINE)
        return (match[1] if status == 0 and match else None), output

    def wait(self, job_id: str, timeout: float) -> JobEnd:
        """Until the job ends, every task of it if it is an array (or `timeout` seconds: then it is
        cancelled and `timed_out` set)."""
        deadline = time.monotonic() + timeout
        while True:
            _, info = self.run(["scontrol", "show", "job", "-o", job_id])
            # One line per job: an array's id gives a line per task, and one for its waiting tasks.
            records = [line for line in info.splitlines() if JOB_STATE.search(line)]
            states = [JOB_STATE.search(line)[1] for line in records]
            if states and all(state in FINISHED for state in states):
                return ended(job_id, records, info)
            if not states or time.monotonic() > deadline:
                self.run(["scancel", job_id])
                unfinished = next((state for state in states if state not in FINISHED), "")
                return JobEnd(job_id, unfinished, 1, stdout_path(info), info, timed_out=bool(states))
            time.sleep(POLL)

    def queued(self, under: str | None = None) -> list[str]:
        """The ids of the jobs not yet ended; with `under`, only those whose work directory is that
        folder or inside it (the jobs a page, or a test, submitted from its own folders)."""
        # %F: an array's own id on each of its tasks' lines (%i would be 12_3 or 12_[4-5])
        _, listing = self.run(["squeue", "-h", f"--states={ACTIVE}", "-o", "%F %Z"])
        jobs = []
        for line in listing.splitlines():
            job, _, workdir = line.partition(" ")
            if not job.isdigit() or job in jobs:
                continue
            if under is None or within(workdir, under):
                jobs.append(job)
        return jobs

    def queued_tasks(self, under: str, states: str = ACTIVE) -> set[str]:
        """Like `queued`, one id per array task (12_3, each waiting task too) or per job; with
        states="all", the jobs that ended a moment ago too, which the controller keeps a while
        (MinJobAge) after the accounting may still lack their request."""
        _, listing = self.run(["squeue", "-h", "-r", f"--states={states}", "-o", "%i %Z"])
        return {job for job, _, workdir in (line.partition(" ") for line in listing.splitlines())
                if job and within(workdir, under)}

    def accounted(self, under: str) -> dict[str, bool]:
        """The jobs and array tasks whose work directory is `under` or inside it, as the accounting
        of the last day has them: id (12, 12_3) -> whether it records their end. Slurm hands a
        job's end to the accounting a moment after the job leaves the queue, each task's apart,
        and its request (work directory, memory) sometimes a moment after its end: a record without
        a work directory yet may be one of these jobs, and counts as not ended until it has one."""
        _, listing = self.run(["sacct", "-X", "-n", "-P", "-S", "now-1days", "-o", "JobID,State,WorkDir"])
        ended: dict[str, bool] = {}
        for line in listing.splitlines():
            fields = line.split("|")
            if len(fields) != 3:
                continue
            if not fields[2]:
                ended[fields[0]] = False
            elif within(fields[2], under):
                ended[fields[0]] = fields[1].split()[0] not in (
                    "PENDING", "RUNNING", "REQUEUED", "SUSPENDED", "REQUEUE_HOLD")
        return ended

    def running(self, job_id: str) -> bool:
        _, state = self.run(["squeue", "-h", "-j", job_id, "-o", "%T"])
        return "RUNNING" in state.split()

    def cancel(self, jobs: list[str], wait: float = 0) -> None:
        """scancel them; with `wait`, up to that many seconds until Slurm lists none of them."""
        if not jobs:
            return
        self.run(["scancel", *jobs])
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and set(self.queued()) & set(jobs):
            time.sleep(0.5)

    def drain(self, under: str | None, grace: float) -> list[str]:
        """Let the jobs under `under` end for up to `grace` seconds, cancel those left, return them."""
        deadline = time.monotonic() + grace
        while (left := self.queued(under)) and time.monotonic() < deadline:
            time.sleep(1)
        self.cancel(left)
        return left


def within(folder: str, top: str) -> bool:
    return folder == top or folder.startswith(top.rstrip(os.sep) + os.sep)


def ended(job_id: str, records: list[str], info: str) -> JobEnd:
    """A job whose `scontrol` lines (`records`) all show an end. For an array: the state and status
    of its worst task (the highest status, which `sbatch --wait` returns), its first task's output."""
    tasks = sorted(records, key=array_index)
    statuses = [exit_status(task, JOB_STATE.search(task)[1]) for task in tasks]
    worst = statuses.index(max(statuses))
    return JobEnd(job_id, JOB_STATE.search(tasks[worst])[1], statuses[worst], stdout_path(tasks[0]), info)


def array_index(record: str) -> int:
    found = re.search(r"\bArrayTaskId=(\d+)", record)
    return int(found[1]) if found else 0


def exit_status(info: str, state: str) -> int:
    code, _, signal_number = re.search(r"\bExitCode=(\S+)", info)[1].partition(":")
    status = int(code) or (128 + int(signal_number) if signal_number.strip("0") else 0)
    return 1 if status == 0 and state != "COMPLETED" else status


def stdout_path(info: str) -> str | None:
    found = re.search(r"\bStdOut=(\S+)", info)
    return found[1] if found else None
