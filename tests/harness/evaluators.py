"""Run one block: the evaluator sybil calls for every region found by blocks.PageParser.

Each returns None (pass) or a message that names page, line, command and the difference.
"""
from __future__ import annotations

import os
import re
import shlex
from pathlib import Path, PurePath

import pytest
from sybil import Example

from . import jobs
from .blocks import Block
from .page import Page
from .shell import Result, ShellError
from .transcript import (
    Step,
    expected_status_problem,
    failure_message,
    is_complete,
    merged_output,
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
    return RUNNERS[block.kind](block, page, example)


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
        if step.expected and not output_matches(step.expected, result.output):
            if page.update:
                first, last_line = step.output_lines
                page.updates.append(
                    (first, last_line, merged_output(step.expected, result.output), block.indent)
                )
                continue
            return command_failure(page, step, result)
    return None


def command_failure(page: Page, step: Step, result: Result, **problems: str) -> str:
    """A command's failure, plus the page lines of the saved files its traceback goes through."""
    message = failure_message(page.path, step, result.status, result.output, **problems)
    return "\n".join([message, *saved_file_lines(page, result.output)])


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
    """The block is a program: saved under the page's scratch folder and run by the `python` of
    the page's shell, in its folder and environment, as a fresh process (a reader's `python
    file.py`). With `.. test: continues`, the earlier blocks of the program run first, in one file.
    Each block's code sits at its .rst line numbers (blank lines before and between), so a
    traceback's line is the page's line; the file name is rewritten to the page's."""
    parts = [*block.earlier, block]
    lines: list[str] = []
    for part in parts:
        lines += [""] * (part.body_line - 1 - len(lines))
        lines += part.source.rstrip("\n").split("\n")
    script = page.scratch / f"{Path(page.path).stem}-line{block.line}.py"
    script.write_text("\n".join(lines) + "\n")
    timeout = block.options.timeout or DEFAULT_TIMEOUT
    try:
        page.pythons[block.line] = which_python(page)
        # The examples are written for a job, where Slurm sets SLURM_CPUS_PER_TASK; in the login
        # shell the harness gives the program that job's share (the cores the test may use), so
        # pools and clusters sized from it start several processes, as in a job. Only for this
        # command: the reader's shell keeps what it had.
        result = page.shell.run(
            f'SLURM_CPUS_PER_TASK="${{SLURM_CPUS_PER_TASK:-{len(os.sched_getaffinity(0))}}}" '
            f"python {shlex.quote(str(script))}", timeout,
        )
    except ShellError as error:  # no end in time: Ctrl-C was sent; what it printed so far
        problem, _, output = str(error).partition("\n")
        return python_failure(output, f"the program did not end: {problem}", str(script), page, block)
    expected = block.options.exit or 0
    if result.status == expected:
        return None
    if result.status == 127 and "python: command not found" in result.output:
        return (f"{page.path}:{block.body_line}: the page's shell has no `python` here: a reader "
                "would load a python module or activate an environment first (the page must show it)")
    return python_failure(result.output, f"exit status {result.status}, expected {expected}",
                          str(script), page, block)


def which_python(page: Page) -> str:
    """`python X.Y.Z (sys.executable)` of the page's shell now, for the run summary; in a virtual
    environment, also the interpreter it was made from (a module's, or another)."""
    result = page.hidden(
        "python -c 'import platform, sys; print(platform.python_version(), sys.executable, "
        "sys._base_executable if sys.prefix != sys.base_prefix else \"\", sep=chr(9))' 2>&1"
    )
    if result.status:  # e.g. `bash: python: command not found`: the block's run says it too
        return f"no python (exit status {result.status})"
    version, executable, base = (result.output.strip().splitlines()[-1].split("\t") + [""])[:3]
    return f"python {version} ({executable}" + (f", an environment of {base})" if base else ")")


TRACEBACK = "Traceback (most recent call last):"


def python_failure(output: str, problem: str, script: str, page: Page, block: Block) -> str:
    """Header: the .rst line of the innermost page frame of the last traceback and its error (a
    program that did not end: the problem first)."""
    output = output.replace(f'File "{script}"', f'File "{page.path}"')
    lines = output.rstrip("\n").splitlines()
    starts = [index for index, line in enumerate(lines) if line.startswith(TRACEBACK)]
    frame = re.compile(rf'^\s*File "{re.escape(page.path)}", line (\d+)')
    where, error = block.body_line, problem
    if starts:
        last = lines[starts[-1]:]
        frames = [int(m[1]) for line in last if (m := frame.match(line))] or \
                 [int(m[1]) for line in lines if (m := frame.match(line))]
        if frames:
            where = frames[-1]
        error = next((line for line in last[1:] if line and not line[0].isspace()), problem)
        if problem.startswith("the program did not end"):
            error = f"{problem}; last error: {error}"
    shown = lines if len(lines) <= 260 else \
        [*lines[:60], f"  ... ({len(lines) - 260} lines left out)", *lines[-200:]]
    return "\n".join([f"{page.path}:{where}: {error}", *shown, *saved_file_lines(page, output)])


SAVED_FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def saved_file_lines(page: Page, output: str) -> list[str]:
    """For each traceback line through a file the page saved (a captioned block), its .rst line:
    `check_threads.py`, line 1, is the block's first line. A path is matched as written, then
    against the shell's folder, then by name when only one saved file has that name (a job may
    run a copy in $SLURM_TMPDIR)."""
    if not page.saved:
        return []
    by_name: dict[str, list[str]] = {}
    for saved in page.saved:
        by_name.setdefault(PurePath(saved).name, []).append(saved)
    found: list[str] = []
    cwd = page.shell.state.cwd
    for path, number in dict.fromkeys(SAVED_FRAME.findall(output)):
        candidates = [path, os.path.normpath(os.path.join(cwd, path))]
        saved = next((c for c in candidates if c in page.saved), None)
        if saved is None and len(by_name.get(PurePath(path).name, [])) == 1:
            saved = by_name[PurePath(path).name][0]
        if saved is None:
            continue
        line = page.saved[saved] + int(number) - 1
        found.append(f'{page.path}:{line}: is File "{path}", line {number} '
                     f"(saved from this page as {PurePath(saved).name})")
    return found


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
    script = page.write_file(name, block.source, block.body_line)
    status, job, sbatch_output = jobs.submit(script, page, block.options.timeout or JOB_TIMEOUT)
    expected = block.options.exit or 0
    if job is None:
        return f"{page.path}:{block.line}: sbatch did not submit {name} (exit {status}):\n{sbatch_output}"
    page.last_job = job
    if status != expected:
        tail = "\n".join("  " + line for line in job.output.splitlines()[-40:])
        return "\n".join([
            f"{page.path}:{block.line}: job {job.job_id} ({name}) ended with exit status {status}, "
            f"expected {expected}", f"{job.output_path}:", tail, *saved_file_lines(page, job.output),
        ])
    return None


def check_output(block: Block, page: Page, example: Example) -> str | None:
    """`.. test: output`: this block shows what the previous job wrote to its output file."""
    if page.last_job is None:
        return f"{page.path}:{block.line}: `.. test: output` but no job script ran before it on this page"
    expected = block.source.splitlines()
    while expected and not expected[-1].strip():
        expected.pop()
    if output_matches(expected, page.last_job.output):
        return None
    if page.update:
        page.updates.append((
            block.body_line, block.body_line + len(expected) - 1,
            merged_output(expected, page.last_job.output), block.indent,
        ))
        return None
    return (
        f"{page.path}:{block.body_line}: output of job {page.last_job.job_id} "
        f"({page.last_job.output_path})\n"
        + unified_diff(expected, page.last_job.output, f"{page.path}:{block.body_line}")
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
