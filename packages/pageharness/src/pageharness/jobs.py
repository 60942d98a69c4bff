"""Job scripts: checked by bash and by Slurm itself, then submitted and followed to their end.

A bad `#SBATCH` line is found with `sbatch --test-only` on growing prefixes of the script: the first
prefix Slurm rejects ends at the culprit, so the error names that .rst line and quotes Slurm's own
message. Submission happens from the page's shell, in its working directory and environment, as a
reader's `sbatch job.sh` would; hpc_platform.slurm follows it to its end.
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path

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
    jobs = page.jobs
    job_id, sbatch_output = jobs.submit(script)
    if job_id is None:
        return 1, None, sbatch_output
    end = jobs.wait(job_id, timeout)
    if end.timed_out or not end.state:
        why = f"still {end.state} after {timeout:.0f} s" if end.timed_out else "no longer known to Slurm"
        return 1, Job(job_id, "", ""), f"job {job_id} {why} (cancelled)\n{end.info}"
    output_path = end.stdout or str(Path(page.cwd()) / f"slurm-{job_id}.out")
    try:
        output = Path(output_path).read_text(errors="replace")
    except OSError:
        output = ""
        output_path += " (missing)"
    return end.status, Job(job_id, output_path, output), sbatch_output
