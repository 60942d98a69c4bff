"""What one page's examples share: the shell, a throwaway HOME, pending updates, the last job.

A page runs like a reader's session: HOME is a fresh temporary folder (also the first working
directory), the stand-in cluster's environment is loaded into the shell the way a login shell would
(`scripts/cluster env`). Python blocks are programs that the shell's own `python` runs
(evaluators.run_python); the files a page saves are registered so that a traceback through one of
them can be reported at the page's line.
"""
from __future__ import annotations

import base64
import os
import shlex
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .shell import PageShell
from .transcript import rewrite

# What a login shell starts from on the stand-in: no host pip/venv settings leak into the pages
# (PIP_* and /etc/xdg/pip would change what `pip install --no-index` finds).
KEEP_FROM_HOST = ("LANG", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TZ")
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


# A new account's HOME has a skeleton .bashrc that reaches the system's Lmod set-up. It matters in
# the shell `salloc` opens: Slurm does not pass exported bash functions (`module`) to it.
SKELETON_BASHRC = """\
# .bashrc of a new account: make `module` available in every interactive shell
if ! type module >/dev/null 2>&1 && [ -n "${LMOD_PKG:-}" ]; then
    . "$LMOD_PKG/init/bash"
fi
"""


@dataclass
class Platform:
    """How a page shell is made: `setup` is bash run first (None on the real platform)."""

    setup: str | None
    inherit_environment: bool = False  # real platform: the login environment as it is
    # plain bash only: the test suite's virtual environment, as $TEST_VENV, for the fixture pages
    # that activate it to get a `python` with Dask (plain bash has no `python`, no modules)
    test_venv: str | None = None

    def environment(self) -> dict[str, str]:
        if self.inherit_environment:
            return dict(os.environ)
        env = {key: os.environ[key] for key in KEEP_FROM_HOST if key in os.environ}
        env.update(PATH=BASE_PATH, LANG=env.get("LANG", "C.UTF-8"), SHELL="/bin/bash",
                   USER=os.environ.get("USER", "root"), PIP_CONFIG_FILE=os.devnull)
        if self.test_venv:
            env["TEST_VENV"] = self.test_venv
        return env


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
    platform: Platform
    update: bool = False
    updates: list[tuple[int, int, list[str], str]] = field(default_factory=list)
    last_job: Job | None = None
    # files the page's blocks saved (absolute path -> .rst line of their first line), so that a
    # traceback through `check_threads.py`, line N, is also reported at the page's line
    saved: dict[str, int] = field(default_factory=dict)
    pythons: dict[int, str] = field(default_factory=dict)  # python block's line -> what ran it
    _shell: PageShell | None = None

    @property
    def shell(self) -> PageShell:
        if self._shell is None:
            if not self.platform.inherit_environment:
                (self.home / ".bashrc").write_text(SKELETON_BASHRC)
            # Tools' temporary files (pip builds, Dask's scratch space) stay in the page's own folder.
            (self.scratch / "tmp").mkdir(exist_ok=True)
            environment = dict(self.platform.environment(), TMPDIR=str(self.scratch / "tmp"))
            self._shell = PageShell(str(self.home), environment)
            if self.platform.setup:
                # sourced from a file: typed as lines, each complete command would end at its own prompt
                init = self.scratch / "platform-init.sh"
                init.write_text(self.platform.setup + "\n")
                result = self._shell.run(f". {shlex.quote(str(init))}", timeout=120)
                if result.status:
                    raise RuntimeError(f"platform setup failed ({result.status}):\n{result.output}")
        return self._shell

    def hidden(self, command: str, timeout: float = 120):
        """A command of the harness itself in the page's shell (the reader does not type it)."""
        return self.shell.run(command, timeout)

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
        deadline = time.monotonic() + grace
        while (mine := self._queued_jobs(env)) and time.monotonic() < deadline:
            time.sleep(1)
        if mine:
            subprocess.run(["scancel", *mine], env=env, capture_output=True, check=False)
        return mine

    def _queued_jobs(self, env: dict[str, str]) -> list[str]:
        listing = subprocess.run(
            ["squeue", "-h", "--states=PENDING,RUNNING,SUSPENDED,CONFIGURING", "-o", "%i %Z"],
            env=env, capture_output=True, text=True, check=False,
        ).stdout
        folder = str(self.home.parent)
        return [job for job, _, workdir in (line.partition(" ") for line in listing.splitlines())
                if workdir == folder or workdir.startswith(folder + os.sep)]

    def close(self) -> None:
        if self._shell is not None:
            self._shell.close()
