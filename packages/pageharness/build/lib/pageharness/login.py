"""How a page's shell starts: from which environment, with which login lines, on which terminal.

A page runs like a reader's session: HOME is a fresh temporary folder (also the first working
directory), and the platform's login lines (a `ShellSetup`, from the `pytest_pageharness_login`
hook) are sourced into the shell the way a login shell would run them.
"""
from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .shell import PageShell

# What a login shell starts from: no host pip/venv settings leak into the pages (PIP_* and
# /etc/xdg/pip would change what `pip install --no-index` finds).
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


@dataclass(frozen=True)
class ShellSetup:
    """How a page shell becomes a login shell of the platform."""

    setup: str | None = None  # bash lines sourced first (None: nothing to do)
    # Where the shells log in, as the record of runs (harness_record) names it: "platform" (the
    # real one), "stand-in", or "plain" (bash on this machine, no platform).
    name: str = "plain"
    inherit_environment: bool = False  # the real platform: the login environment as it is
    # plain bash only: the test suite's virtual environment, as $TEST_VENV, for the fixture pages
    # that activate it to get a `python` with Dask (plain bash has no `python`, no modules)
    test_venv: str | None = None
    columns: int = 100  # the reader's terminal: Lmod lays `module avail` out by its width
    rows: int = 50
    gpus: bool = False  # the pages' jobs can reach a real GPU: blocks that need one run
    # For each node of a preemptible partition, the (partition, account) of its owner, whose job
    # preempts the others there: the harness submits as the owner to play one (`.. test:
    # preempt=SECONDS`). A stand-in's; a user of the real platform plays nobody.
    owners: dict[str, tuple[str, str]] = field(default_factory=dict)
    # For a partition not everyone may use, the account of a member of a group that may: a block
    # marked `.. test: member=PARTITION` submits with it. A stand-in's; on the real platform such a
    # block runs when the account running the pages may use the partition, else is listed apart.
    members: dict[str, str] = field(default_factory=dict)
    # What the platform has and this cluster lacks (a stand-in with one node where namespaces
    # cannot be made): said with every failure, which it may explain.
    limitation: str | None = None

    def environment(self) -> dict[str, str]:
        if self.inherit_environment:
            return dict(os.environ)
        env = {key: os.environ[key] for key in KEEP_FROM_HOST if key in os.environ}
        env.update(PATH=BASE_PATH, LANG=env.get("LANG", "C.UTF-8"), SHELL="/bin/bash",
                   USER=os.environ.get("USER", "root"), PIP_CONFIG_FILE=os.devnull)
        if self.test_venv:
            env["TEST_VENV"] = self.test_venv
        return env

    def start(self, home: Path, scratch: Path) -> PageShell:
        """A reader's first shell: HOME's skeleton, tools' temporary files in the page's own
        folder, then the login lines."""
        if not self.inherit_environment:
            (home / ".bashrc").write_text(SKELETON_BASHRC)
        (scratch / "tmp").mkdir(exist_ok=True)
        environment = dict(self.environment(), TMPDIR=str(scratch / "tmp"))
        shell = PageShell(str(home), environment, columns=self.columns, rows=self.rows)
        if self.setup:
            # sourced from a file: typed as lines, each complete command would end at its own prompt
            init = scratch / "platform-init.sh"
            init.write_text(self.setup + "\n")
            result = shell.run(f". {shlex.quote(str(init))}", timeout=120)
            if result.status:
                shell.close()
                raise RuntimeError(f"platform setup failed ({result.status}):\n{result.output}")
        return shell
