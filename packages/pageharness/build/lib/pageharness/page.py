"""What one page's examples share: the shell, a throwaway HOME, pending updates, the last job.

Python blocks are programs that the shell's own `python` runs (programs.py); the files a page saves
are registered so that a traceback through one of them can be reported at the page's line.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from hpc_platform.slurm import SlurmJobs, shell_line, subprocess_runner

from .login import ShellSetup
from .shell import PageShell
from .transcript import rewrite


@dataclass
class Job:
    job_id: str
    output_path: str
    output: str


@dataclass
class Page:
    path: str
    home: Path
    scratch: Path  # harness files (job-script prefixes...) kept out of the reader's HOME
    login: ShellSetup
    update: bool = False
    hosts: frozenset[str] = frozenset()  # the platform's node names: in outputs, any of them matches
    job_grace: float = 120  # seconds its jobs may run on after the page, as after a reader logs out
    process_grace: float = 10  # seconds a process it started may outlive its shell (ending on its own)
    processes_before: set[int] = field(default_factory=set)  # the test process's, before the page
    updates: list[tuple[int, int, list[str], str]] = field(default_factory=list)
    last_job: Job | None = None
    # files the page's blocks saved (absolute path -> .rst line of their first line), so that a
    # traceback through `check_threads.py`, line N, is also reported at the page's line
    saved: dict[str, int] = field(default_factory=dict)
    pythons: dict[int, str] = field(default_factory=dict)  # python block's line -> what ran it
    preemptions: dict[int, str] = field(default_factory=dict)  # job block's line -> what happened
    _shell: PageShell | None = None

    @property
    def shell(self) -> PageShell:
        if self._shell is None:
            self._shell = self.login.start(self.home, self.scratch)
        return self._shell

    def hidden(self, command: str, timeout: float = 120):
        """A command of the harness itself in the page's shell (the reader does not type it)."""
        return self.shell.run(command, timeout)

    @property
    def jobs(self) -> SlurmJobs:
        """Slurm as the page's shell sees it: its environment, modules and folder."""
        def run(argv: list[str]) -> tuple[int, str]:
            result = self.hidden(shell_line(argv))
            return result.status, result.output
        return SlurmJobs(run)

    def environment(self) -> dict[str, str]:
        """The page shell's environment now, as a job submitted from it would inherit it."""
        result = self.hidden("env -0 | base64 -w0; echo")
        env = {}
        for entry in base64.b64decode(result.output.strip()).split(b"\0"):
            key, sep, value = entry.decode(errors="replace").partition("=")
            if sep and key not in ("PROMPT_COMMAND", "_harness_status", "_"):
                env[key] = value
        return env

    def cwd(self) -> str:
        return self.hidden("pwd").output.strip()

    def write_file(self, name: str, content: str, body_line: int | None = None) -> str:
        """Save a block as a reader would, in the shell's current folder; `body_line`: the .rst
        line of its first line, for tracebacks through the file."""
        target = Path(self.cwd()) / name
        target.write_text(content if content.endswith("\n") else content + "\n")
        if body_line is not None:
            self.saved[str(target)] = body_line
        return str(target)

    def apply_updates(self) -> bool:
        """Update mode: rewrite the page's expected outputs in place; True if the file changed."""
        if not self.updates:
            return False
        text = Path(self.path).read_text()
        new = rewrite(text, self.updates)
        Path(self.path).write_text(new)
        self.updates.clear()
        return new != text

    def close_and_cancel_jobs(self, grace: float = 120) -> list[str]:
        """End the shell (open allocations are given back), let the jobs submitted from this
        page's folders (Slurm's work directory tells) finish for up to `grace` seconds, as a
        reader's `sbatch job.sh` runs on after they log out; cancel the rest and return their ids."""
        if self._shell is None or self._shell.pid is None:
            self.close()
            return []
        env = self.environment()
        self.close()
        return SlurmJobs(subprocess_runner(env)).drain(str(self.home.parent), grace)

    def close(self) -> None:
        if self._shell is not None:
            self._shell.close()
