"""Python blocks as programs: written to a file at their .rst lines and run by the page shell's
`python`, a fresh process, as a reader's `python file.py`; a traceback is reported at the page's
line, also through a file the page saved."""
from __future__ import annotations

import os
import re
import shlex
from pathlib import Path, PurePath

from .blocks import Block
from .page import Page
from .shell import ShellError


def run_python(block: Block, page: Page, timeout: float) -> str | None:
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
