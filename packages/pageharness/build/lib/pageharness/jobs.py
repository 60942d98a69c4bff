"""Job scripts: checked by bash and by Slurm itself, then submitted and followed to their end.

A bad `#SBATCH` line is found with `sbatch --test-only` on growing prefixes of the script: the first
prefix Slurm rejects ends at the culprit, so the error names that .rst line and quotes Slurm's own
message. Submission happens from the page's shell, in its working directory and environment, as a
reader's `sbatch job.sh` would; hpc_platform.slurm follows it to its end.
"""
from __future__ import annotations

import re
import shlex
import time
from pathlib import Path

from hpc_platform.slurm import stdout_path

from .page import Job, Page

BASH_LINE = re.compile(r"line (\d+):")


def syntax_error(source: str, body_line: int, page: Page) -> str | None:
    """`bash -n` on the script, its line numbers turned into .rst lines."""
    script = page.scratch / "syntax-check.sh"
    script.write_text(source + "\n")
    result = page.hidden(f"bash -n {shlex.quote(str(script))} 2>&1")
    if result.status == 0:
        return None
    return BASH_LINE.sub(lambda m: f"{page.path}:{body_line + int(m[1]) - 1}:", result.output.strip())


def sbatch_lines(source: str) -> list[int]:
    return [index for index, line in enumerate(source.splitlines()) if line.startswith("#SBATCH")]


def rejected_option(source: str, body_line: int, page: Page) -> str | None:
    """None if Slurm accepts every #SBATCH line, else Slurm's message at the first bad line."""
    whole = _test_only(source, page, "whole")
    if whole.status == 0:
        return None
    lines = source.splitlines()
    for index in sbatch_lines(source):
        # keep the shebang and directives up to this one; the body does not matter to --test-only
        prefix = [line for number, line in enumerate(lines[: index + 1])
                  if number == 0 or line.startswith("#SBATCH")]
        check = _test_only("\n".join(prefix) + "\ntrue", page, f"prefix-{index}")
        if check.status:
            return f"{page.path}:{body_line + index}: {lines[index]}\n{check.output.strip()}"
    return f"{page.path}:{body_line}: Slurm rejects this job script:\n{whole.output.strip()}"


def _test_only(source: str, page: Page, name: str):
    script = page.scratch / f"test-only-{name}.sh"
    script.write_text(source + "\n")
    return page.hidden(f"sbatch --test-only {shlex.quote(str(script))} 2>&1")


def submit(script: str, page: Page, timeout: float) -> tuple[int, Job | None, str]:
    """Submit from the page's shell and poll until the end: (exit status, the job, sbatch's output).

    The exit status is the job's, as `sbatch --wait` would return it.
    """
    job_id, sbatch_output = page.jobs.submit(script)
    if job_id is None:
        return 1, None, sbatch_output
    return (*follow(job_id, page, timeout), sbatch_output)


def follow(job_id: str, page: Page, timeout: float) -> tuple[int, Job]:
    end = page.jobs.wait(job_id, timeout)
    if end.timed_out or not end.state:
        why = f"still {end.state} after {timeout:.0f} s" if end.timed_out else "no longer known to Slurm"
        return 1, Job(job_id, "", f"job {job_id} {why} (cancelled)\n{end.info}")
    output_path = end.stdout or str(Path(page.cwd()) / f"slurm-{job_id}.out")
    try:
        output = Path(output_path).read_text(errors="replace")
    except OSError:
        output = ""
        output_path += " (missing)"
    return end.status, Job(job_id, output_path, output)


def submit_preempted(script: str, page: Page, timeout: float, after: float,
                     line: int) -> tuple[int, Job | None, str]:
    """`.. test: preempt=SECONDS`: SECONDS after the job's program has started (its first output),
    the harness plays the node's owner: a job of the owner's partition that needs the whole node.
    Slurm preempts the page's job, which must come back (requeued) and end. What happened is kept
    for the run summary."""
    job_id, sbatch_output = page.jobs.submit(script)
    if job_id is None:
        return 1, None, sbatch_output
    node = running_on(job_id, page, timeout)
    if node is not None and not has_written(job_id, page, timeout):
        node = None
    if node is None:
        page.jobs.cancel([job_id])
        return 1, Job(job_id, "", f"job {job_id} did not start its program within {timeout:.0f} s"), sbatch_output
    if node not in page.login.owners:
        page.jobs.cancel([job_id])
        return 1, Job(job_id, "", f"job {job_id} runs on {node}, which has no owner to play "
                                  f"(nodes with one: {', '.join(page.login.owners) or 'none'})"), sbatch_output
    time.sleep(after)
    partition, account = page.login.owners[node]
    owner = page.hidden(
        f"sbatch --parsable --partition={shlex.quote(partition)} --account={shlex.quote(account)} --exclusive "
        f"--nodelist={shlex.quote(node)} --time=00:02:00 --job-name=node-owner --output=/dev/null "
        "--wrap='sleep 5' 2>&1").output.strip()
    status, job = follow(job_id, page, timeout)
    page.jobs.cancel([owner] if owner.isdigit() else [])  # the harness's own job: no reader's to wait for
    runs = run_states(job_id, page)
    page.preemptions[line] = (f"job {job_id} on {node}; {after:g} s into its program, the owner's job "
                              f"{owner} ({partition}, account {account}) asked for the node; the job's "
                              f"runs: {' -> '.join(runs) or '(none recorded)'}\n{job.output}")
    if len(runs) < 2:
        problem = (f"job {job_id} was not preempted: Slurm records one run ({', '.join(runs)}) "
                   f"although job {owner} of {partition} needed its node")
        return 1, Job(job_id, job.output_path, f"{problem}\n{job.output}"), sbatch_output
    return status, job, sbatch_output


def running_on(job_id: str, page: Page, timeout: float) -> str | None:
    """The node the job runs on, once it runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state, _, node = page.hidden(f"squeue -h -j {job_id} -o '%T %N'").output.strip().partition(" ")
        if state == "RUNNING" and node:
            return node
        if not state:
            return None
        time.sleep(0.5)
    return None


def has_written(job_id: str, page: Page, timeout: float) -> bool:
    """The job's output file has its first line: the program runs (module loads are over)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = stdout_path(page.hidden(f"scontrol show job -o {job_id}").output)
        if output and Path(output).exists() and Path(output).stat().st_size:
            return True
        time.sleep(0.5)
    return False


def run_states(job_id: str, page: Page) -> list[str]:
    """Each run's end state, first to last (`sacct -D` keeps the runs a requeue ended)."""
    states: list[str] = []
    for _ in range(20):  # the accounting daemon records the last run's end a moment later
        listing = page.hidden(f"sacct -n -X -D -P -o State -j {job_id}").output.split()
        states = [state for state in listing if state.isupper()]
        if states and states[-1] not in ("RUNNING", "PENDING", "REQUEUED"):
            break
        time.sleep(0.5)
    return states


def wait_for(what: str, page: Page, timeout: float) -> str | None:
    """`.. test: wait=ended|running`: what a reader does by checking `sq` later, the harness does
    before the block, unseen: wait until the page's jobs (those submitted from its folders) have all
    ended and the accounting has their end (`ended`), or until the last one submitted runs
    (`running`). None, or why not."""
    jobs, under = page.jobs, str(page.home.parent)
    deadline = time.monotonic() + timeout
    if what == "running":
        queued = jobs.queued(under)
        if not queued:
            return "`.. test: wait=running`, and the page has no job in the queue"
        last = max(queued, key=int)
        while not jobs.running(last):
            if time.monotonic() > deadline or last not in jobs.queued(under):
                return f"job {last} did not run within {timeout:.0f} s"
            time.sleep(0.5)
        return None
    seen: set[str] = set()
    while True:
        queued = jobs.queued_tasks(under)
        # A job that ended before the wait began (sbatch --wait) is still the controller's for a
        # while: seen too, so that the wait covers the accounting's record of it.
        seen |= queued | jobs.queued_tasks(under, states="all")
        accounted = jobs.accounted(under)
        # A job or array task that left the queue reaches the accounting a moment later, each one
        # apart: wait for every one seen in the queue, and for those the accounting has unfinished.
        unfinished = queued | {job for job in seen if not accounted.get(job)} | \
            {job for job, ended in accounted.items() if not ended}
        if not unfinished:
            return None
        if time.monotonic() > deadline:
            return f"the page's jobs {', '.join(sorted(unfinished))} did not end within {timeout:.0f} s"
        time.sleep(1)
