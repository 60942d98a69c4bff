"""Run one block: the evaluator sybil calls for every region found by blocks.PageParser.

Each returns None (pass) or a message that names page, line, command and the difference.
"""
from __future__ import annotations

import contextlib
import os
import shlex
from pathlib import PurePath

import pytest
from sybil import Example

from . import jobs, programs
from .blocks import Block
from .page import Page
from .shell import Result, ShellError
from .transcript import (
    Step,
    expected_status_problem,
    failure_message,
    is_complete,
    merged_output,
    named_hosts,
    output_matches,
    unified_diff,
)

PAGE_FIXTURE = "harness_page"
DEFAULT_TIMEOUT = 300.0  # a command or a block; jobs get JOB_TIMEOUT
JOB_TIMEOUT = 600.0


def evaluate(example: Example) -> str | None:
    block: Block = example.parsed
    page: Page = example.namespace[PAGE_FIXTURE]
    if block.options.skip:
        if os.environ.get("CI") == "true":
            return f"{page.path}:{block.line}: skipped ({block.options.skip}), and CI=true allows no skip"
        pytest.skip(f"{page.path}:{block.line}: {block.options.skip}")
    if block.options.needs_gpu and not page.login.gpus:
        # The one skip CI accepts: the summary lists these blocks apart, with their reason.
        pytest.skip(f"{page.path}:{block.line}: needs a GPU: {block.options.needs_gpu}")
    partition = block.options.member
    if partition and partition not in page.login.members and not page.login.inherit_environment:
        return (f"{page.path}:{block.line}: `.. test: member={partition}`, and these shells know no member "
                f"of it (partitions with members: {', '.join(page.login.members) or 'none'})")
    if block.options.wait:
        problem = jobs.wait_for(block.options.wait, page, block.options.timeout or JOB_TIMEOUT)
        if problem:
            return f"{page.path}:{block.line}: {problem}"
    with member_of(partition, page):
        problem = RUNNERS[block.kind](block, page, example)
    if problem and page.login.limitation:
        problem += f"\n(this cluster is not the platform's: {page.login.limitation})"
    return problem


ACCOUNT_VARIABLES = ("SBATCH_ACCOUNT", "SALLOC_ACCOUNT", "SLURM_ACCOUNT")


@contextlib.contextmanager
def member_of(partition: str | None, page: Page):
    """`.. test: member=PARTITION`: the block runs as a member of a group that may use the
    partition. On a stand-in, its sbatch, salloc and srun submit with a member's account (Slurm's
    variables for it, unseen by the reader); on the real platform the block runs as the account
    running the pages, which must then be a member."""
    account = page.login.members.get(partition) if partition else None
    if account is None:
        yield
        return
    page.hidden(" ".join(f"export {name}={shlex.quote(account)};" for name in ACCOUNT_VARIABLES))
    try:
        yield
    finally:
        page.hidden(f"unset {' '.join(ACCOUNT_VARIABLES)}")


def run_console(block: Block, page: Page, example: Example) -> str | None:
    for number, step in enumerate(block.steps):
        last = number == len(block.steps) - 1
        problem = prompt_problem(step, page)
        if problem:
            return failure_message(page.path, step, 0, "", problem=problem)
        try:
            result = page.shell.run(step.command, block.options.timeout or DEFAULT_TIMEOUT)
        except ShellError as error:
            return failure_message(page.path, step, -1, "", problem=str(error))
        promised = expected_status_problem(step, result.status, block.options.exit if last else None)
        if promised:
            return command_failure(page, step, result, expected_status=promised)
        named = named_hosts(step.command, page.hosts)
        if step.expected and not output_matches(step.expected, result.output, page.hosts, named):
            if page.update:
                first, last_line = step.output_lines
                page.updates.append(
                    (first, last_line, merged_output(step.expected, result.output, page.hosts, named), block.indent)
                )
                continue
            return command_failure(page, step, result)
    return None


def command_failure(page: Page, step: Step, result: Result, **problems: str) -> str:
    """A command's failure, plus the page lines of the saved files its traceback goes through."""
    message = failure_message(page.path, step, result.status, result.output, hosts=page.hosts, **problems)
    return "\n".join([message, *programs.saved_file_lines(page, result.output)])


def prompt_problem(step: Step, page: Page) -> str | None:
    """The prompt is a promise too: the venv it shows is active, the directory it shows is current."""
    state = page.shell.state
    venv = PurePath(state.venv).name if state.venv else None
    if step.venv != venv:
        shown = f"({step.venv})" if step.venv else "no venv"
        actual = f"venv {venv!r} is active" if venv else "no venv is active"
        return f"the prompt shows {shown} but {actual}"
    here = "~" if state.cwd == str(page.home) else PurePath(state.cwd).name or "/"
    if step.dir != here:
        return f"the prompt shows directory {step.dir!r} but the shell is in {state.cwd}"
    return None


def run_bash(block: Block, page: Page, example: Example) -> str | None:
    """Snippets (exports, module lines): each complete command in turn, in the page's shell."""
    lines = block.source.splitlines()
    start, command = 0, ""
    for index, line in enumerate(lines):
        if not command and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if not command:
            start = index
        command = f"{command}\n{line}" if command else line
        if not is_complete(command):
            continue
        last = index == len(lines) - 1 or all(
            not rest.strip() or rest.lstrip().startswith("#") for rest in lines[index + 1 :]
        )
        step = Step(block.body_line + start, command, None, "")
        try:
            result = page.shell.run(command, block.options.timeout or DEFAULT_TIMEOUT)
        except ShellError as error:
            return failure_message(page.path, step, -1, "", problem=str(error))
        promised = expected_status_problem(step, result.status, block.options.exit if last else None)
        if promised:
            return command_failure(page, step, result, expected_status=promised)
        command = ""
    return None


def run_python(block: Block, page: Page, example: Example) -> str | None:
    return programs.run_python(block, page, block.options.timeout or DEFAULT_TIMEOUT)


def write_file(block: Block, page: Page, example: Example) -> None:
    page.write_file(block.caption, block.source, block.body_line)


def run_job(block: Block, page: Page, example: Example) -> str | None:
    name = block.caption if block.caption and block.caption.endswith((".sh", ".sl", ".slurm")) \
        else f"job-line{block.line}.sh"
    problem = jobs.syntax_error(block.source, block.body_line, page) or jobs.rejected_option(
        block.source, block.body_line, page
    )
    if problem:
        return problem
    preempt = block.options.preempt
    if preempt and not page.login.owners:
        return (f"{page.path}:{block.line}: `.. test: preempt` needs nodes whose owner the harness "
                "may play, and these shells have none (only a stand-in's have)")
    script = page.write_file(name, block.source, block.body_line)
    timeout = block.options.timeout or JOB_TIMEOUT
    if preempt:
        status, job, sbatch_output = jobs.submit_preempted(script, page, timeout, preempt, block.line)
    else:
        status, job, sbatch_output = jobs.submit(script, page, timeout)
    expected = block.options.exit or 0
    if job is None:
        return f"{page.path}:{block.line}: sbatch did not submit {name} (exit {status}):\n{sbatch_output}"
    page.last_job = job
    if status != expected:
        tail = "\n".join("  " + line for line in job.output.splitlines()[-40:])
        return "\n".join([
            f"{page.path}:{block.line}: job {job.job_id} ({name}) ended with exit status {status}, "
            f"expected {expected}", f"{job.output_path}:", tail, *programs.saved_file_lines(page, job.output),
        ])
    return None


def check_output(block: Block, page: Page, example: Example) -> str | None:
    """`.. test: output`: this block shows what the previous job wrote to its output file."""
    if page.last_job is None:
        return f"{page.path}:{block.line}: `.. test: output` but no job script ran before it on this page"
    expected = block.source.splitlines()
    while expected and not expected[-1].strip():
        expected.pop()
    if output_matches(expected, page.last_job.output, page.hosts):
        return None
    if page.update:
        page.updates.append((
            block.body_line, block.body_line + len(expected) - 1,
            merged_output(expected, page.last_job.output, page.hosts), block.indent,
        ))
        return None
    return (
        f"{page.path}:{block.body_line}: output of job {page.last_job.job_id} "
        f"({page.last_job.output_path})\n"
        + unified_diff(expected, page.last_job.output, f"{page.path}:{block.body_line}", page.hosts)
    )


def unknown(block: Block, page: Page, example: Example) -> str:
    return (
        f"{page.path}:{block.line}: no test knows how to run a `{block.language or '(no language)'}` "
        "block: give it `:caption: FILENAME` (written to the working directory), put "
        "`.. test: output` above it (expected output of the previous job), or use console/python/bash"
    )


RUNNERS = {
    "console": run_console,
    "bash": run_bash,
    "python": run_python,
    "file": write_file,
    "job": run_job,
    "output": check_output,
    "unknown": unknown,
}
