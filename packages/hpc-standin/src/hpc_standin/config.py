"""Where a stand-in instance keeps things, and the small tools its parts share."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

# Instances' state lives under here by default, not in the site's clone: the daemons run as other
# users (munge) and must reach it, and a clone may sit in a folder only its owner can enter.
STATE_ROOT = Path("/tmp")


def log(message: str) -> None:
    print(f"hpc-standin: {message}", file=sys.stderr, flush=True)


class ClusterError(Exception):
    """A failure the user can act on; the CLI prints it without a traceback."""


@dataclass(frozen=True)
class Paths:
    state: Path  # this instance: daemons' config, keys, logs, spool, modulefiles
    cache: Path  # built once and shared by instances: interpreters, stacks, wheelhouse

    @classmethod
    def for_site(cls, platform_file: Path) -> Paths:
        """HPC_STANDIN_STATE and HPC_STANDIN_CACHE, else the defaults of the site of `platform_file`:
        the cache in its build/, the state in a folder of this user's for that site."""
        site = platform_file.resolve().parent
        state = os.environ.get("HPC_STANDIN_STATE")
        cache = Path(os.environ.get("HPC_STANDIN_CACHE") or site / "build")
        return cls(Path(state).resolve() if state else default_state(site), cache.resolve())

    # Lock files live beside the state, which `down` removes.
    @property
    def lock(self) -> Path:
        """Held by `up` and `down`, one at a time."""
        return self.state.parent / f".{self.state.name}.lock"

    @property
    def sessions(self) -> Path:
        """Held, shared, by the test sessions that use the instance: `down` waits for none."""
        return self.state.parent / f".{self.state.name}.sessions"

    @property
    def starting(self) -> Path:
        """Held by the one test process that starts the instance for a session."""
        return self.state.parent / f".{self.state.name}.starting"

    @property
    def software(self) -> Path:
        return self.cache / "software"

    @property
    def wheelhouse(self) -> Path:
        return self.cache / "wheelhouse"

    @property
    def bin(self) -> Path:
        return self.state / "bin"

    @property
    def lmod(self) -> Path:
        """Lmod's configuration for the instance: its lmodrc.lua and SitePackage.lua."""
        return self.state / "lmod"

    @property
    def pip_conf(self) -> Path:
        return self.state / "pip" / "pip.conf"

    @property
    def slurm_conf(self) -> Path:
        return self.state / "etc" / "slurm.conf"


def default_state(site: Path) -> Path:
    """/tmp/hpc-standin-<uid>/<site>-<hash of its path>: one per clone, private to this user
    (others may pass through, as the daemons' users must, but not list it)."""
    owner = STATE_ROOT / f"hpc-standin-{os.getuid()}"
    try:
        owner.mkdir(mode=0o711)
    except FileExistsError:
        if owner.is_symlink() or owner.stat().st_uid != os.getuid():
            raise ClusterError(f"{owner} belongs to another user: set HPC_STANDIN_STATE") from None
    owner.chmod(0o711)
    digest = hashlib.sha256(str(site).encode()).hexdigest()[:8]
    return owner / f"{site.name}-{digest}"


def write_if_changed(path: Path, text: str, mode: int = 0o644) -> None:
    """Replace a file atomically, and only if its text changes: shells of other sessions may be
    reading the module tree, pip.conf or the wrappers while a later `up` rewrites them."""
    if path.exists() and path.read_text() == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(text)
    temporary.chmod(mode)
    os.replace(temporary, path)


@contextlib.contextmanager
def locked(path: Path):
    """Serialise concurrent `up`/`down` (e.g. several pytest sessions) on one lock file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
