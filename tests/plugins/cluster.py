"""pytest plugin: the platform the tests run on (issue 3).

On the real platform (Lmod initialised and Slurm's sinfo present, IQ_CLUSTER not "standin") the tests
use it as it is. Elsewhere the session's controller runs `scripts/cluster up` at start, and
`scripts/cluster down` at the end when it started the stand-in and no other session still uses it.
Tests get the session fixture `cluster_env` (a Cluster): `.environ(home)` for a subprocess, `.run(...)`
for a bash command on a login shell of the platform, `.init` for a shell that sources it itself.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLUSTER = REPO / "scripts" / "cluster"


def on_real_platform() -> bool:
    """IQ_CLUSTER=real|standin decides; otherwise a shell with Lmod and Slurm that are not ours."""
    choice = os.environ.get("IQ_CLUSTER", "")
    if choice in ("real", "standin"):
        return choice == "real"
    inside_standin = os.environ.get("SLURM_CONF", "").startswith(str(state_dir()))
    return bool(os.environ.get("LMOD_CMD")) and shutil.which("sinfo") is not None \
        and not inside_standin


def state_dir() -> Path:
    return Path(os.environ.get("IQ_CLUSTER_STATE") or REPO / "build" / "cluster")


def cluster(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLUSTER), *args], text=True, capture_output=True, **kwargs)


@dataclass(frozen=True)
class Cluster:
    init: str  # bash lines that put a shell on the platform (empty on the real platform)
    standin: bool

    def environ(self, home: Path, **extra: str) -> dict:
        """Environment of a shell on the platform whose HOME is `home` (for subprocesses)."""
        base = login_environment(home)
        dump = subprocess.run(["bash", "-c", self.init + "\nenv -0"], env=base,
                              capture_output=True, check=True).stdout.decode()
        env = dict(item.split("=", 1) for item in dump.split("\0") if "=" in item)
        env.update(extra)
        return env

    def run(self, command: str, home: Path, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
        """Run a bash command on a login shell of the platform (cwd = home)."""
        return subprocess.run(["bash", "-c", self.init + "\n" + command], env=login_environment(home),
                              cwd=home, text=True, capture_output=True, timeout=timeout, **kwargs)


def login_environment(home: Path) -> dict:
    """The test's environment for a login shell: HOME and temporary files in the test's own folder."""
    # Without SHELL, as under CI: the platform's login lines must set what salloc needs themselves.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k != "SHELL"}
    tmp = home.parent / f"{home.name}-tmp"
    tmp.mkdir(exist_ok=True)
    env.update(HOME=str(home), TMPDIR=str(tmp))
    return env


def is_controller(config) -> bool:
    return not hasattr(config, "workerinput")


def pytest_sessionstart(session):
    config = session.config
    if on_real_platform() or not is_controller(config):
        return
    lease = state_dir() / ".sessions"
    lease.parent.mkdir(parents=True, exist_ok=True)
    # A shared lock for as long as this session runs: `down` waits until no session holds one.
    config._cluster_lease = open(lease, "w")
    fcntl.flock(config._cluster_lease, fcntl.LOCK_SH)
    was_up = cluster("status").returncode == 0
    result = cluster("up")
    if result.returncode:
        pytest.exit(f"scripts/cluster up failed:\n{result.stderr}", returncode=3)
    if not was_up:
        (state_dir() / ".started-by-pytest").touch()


def pytest_sessionfinish(session):
    handle = getattr(session.config, "_cluster_lease", None)
    if handle is None:
        return
    marker = state_dir() / ".started-by-pytest"
    fcntl.flock(handle, fcntl.LOCK_UN)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the last session out stops it
    except BlockingIOError:
        handle.close()
        return
    try:
        if marker.exists():
            marker.unlink()
            cluster("down")
    finally:
        handle.close()


@pytest.fixture(scope="session")
def cluster_env() -> Cluster:
    if on_real_platform():
        return Cluster(init="", standin=False)
    return Cluster(init=cluster("env", check=True).stdout, standin=True)
