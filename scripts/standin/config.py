"""Where the stand-in platform keeps things, and the facts it shares with the guide (platform.toml)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

STANDIN = Path(__file__).resolve().parent
REPO = STANDIN.parent.parent


def log(message: str) -> None:
    print(f"cluster: {message}", file=sys.stderr, flush=True)


class ClusterError(Exception):
    """A failure the user can act on; the CLI prints it without a traceback."""


@dataclass(frozen=True)
class Paths:
    state: Path  # this instance: daemons' config, keys, logs, spool, modulefiles
    cache: Path  # built once and shared by instances: interpreters, stacks, wheelhouse

    @classmethod
    def from_env(cls) -> "Paths":
        state = Path(os.environ.get("IQ_CLUSTER_STATE") or REPO / "build" / "cluster")
        cache = Path(os.environ.get("IQ_CLUSTER_CACHE") or REPO / "build")
        return cls(state.resolve(), cache.resolve())

    @property
    def software(self) -> Path:
        return self.cache / "software"

    @property
    def wheelhouse(self) -> Path:
        return self.cache / "wheelhouse"

    @property
    def modules(self) -> Path:
        return self.state / "modules" / "Core"

    @property
    def bin(self) -> Path:
        return self.state / "bin"

    @property
    def pip_conf(self) -> Path:
        return self.state / "pip" / "pip.conf"

    @property
    def slurm_conf(self) -> Path:
        return self.state / "etc" / "slurm.conf"


@dataclass(frozen=True)
class Platform:
    partition: str  # the default one
    preempt_partition: str
    preempt_grace_seconds: int
    max_time_days: int
    login_host: str  # what the stand-in's prompts show, not the machine's name
    modules: dict  # Lmod name -> list of versions
    defaults: dict  # Lmod name -> default version
    default_modules: list  # loaded at login, in order ("StdEnv/2023", "gcc/12.3", ...)
    packages: dict  # PyPI name -> the version the platform's package pages install

    @classmethod
    def load(cls, path: Path = REPO / "platform.toml") -> "Platform":
        try:
            facts = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as error:
            raise ClusterError(f"{path}: {error}") from None
        table = facts["modules"]
        names = [name for name in table if name != "source"]
        slurm = facts["slurm"]
        return cls(
            partition=slurm["default_partition"],
            preempt_partition=slurm["preemption"]["partition"],
            preempt_grace_seconds=slurm["preemption"]["grace_seconds"],
            max_time_days=slurm["max_time_days"],
            login_host=facts["login"]["host"],
            modules={name: table[name]["versions"] for name in names},
            defaults={name: table[name]["default"] for name in names},
            default_modules=facts["stack"]["default_modules"],
            packages={name: version for name, version in facts["packages"].items() if name != "source"})


def hermetic_env(**extra: str) -> dict:
    """The environment for pip runs that must ignore the host's pip settings (PIP_*, /etc/xdg/pip)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    return env


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
