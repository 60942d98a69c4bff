"""pytest plugin (entry point `hpc-standin`): the platform the tests and the pages run on.

On the real platform (hpc_platform's `target_of`: ``--platform=real``; without a choice, Lmod
initialised and a Slurm that is not a stand-in's) the tests use it as it is; with
``--platform=plain`` there is no platform, and the tests that need one skip, saying so. Elsewhere the
stand-in of the site's platform.toml (ini `platform_file`) is started the first time a test needs
it, not before: a run of unit tests never starts it. The session's controller holds a shared
lock on the instance for the whole run and, at the end, stops the instance if this run started it
and no other session still holds the lock.

Tests get the session fixture `cluster_env` (a Cluster): `.environ(home)` for a subprocess,
`.run(...)` for a bash command on a login shell of the platform, `.init` for a shell that sources
it itself. The harness's page shells get the same login lines through its
`pytest_pageharness_login` hook.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from hpc_platform import Platform
from hpc_platform.pytest_plugin import platform_of, target_of

from . import access, login
from .config import ClusterError, Paths, locked
from .instance import Instance
from .process import scrubbed

LEASE = pytest.StashKey[object]()  # the controller's open lock file, shared for the session
CLUSTER = pytest.StashKey["Cluster"]()  # this process's, once a test needed it
STARTED_BY_PYTEST = ".started-by-pytest"  # in the state folder: the instance a run may stop


def on_real_platform(config: pytest.Config, paths: Paths) -> bool:
    """The run's choice (`target_of`: real, or anything else); without one, whether this shell
    has a Lmod and a Slurm that are not this stand-in's."""
    target = target_of(config)
    if target is not None:
        return target == "real"
    inside_standin = os.environ.get("SLURM_CONF", "").startswith(str(paths.state))
    return bool(os.environ.get("LMOD_CMD")) and shutil.which("sinfo") is not None \
        and not inside_standin


@dataclass(frozen=True)
class Cluster:
    init: str  # bash lines that put a shell on the platform (empty on the real platform)
    standin: bool
    paths: Paths | None = None  # the stand-in's folders

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
    tmp = home.parent / f"{home.name}-tmp"
    tmp.mkdir(exist_ok=True)
    return scrubbed(("PIP_",), ("SHELL",), HOME=str(home), TMPDIR=str(tmp))


def site(config) -> tuple[Platform, Paths] | None:
    platform = platform_of(config)
    return (platform, Paths.for_site(platform.path)) if platform else None


def is_controller(config) -> bool:
    return not hasattr(config, "workerinput")


def pytest_sessionstart(session):
    """The controller's shared lock: while this run lasts, no other session stops the instance."""
    config = session.config
    found = site(config)
    if found is None or not is_controller(config) or target_of(config) == "plain" \
            or on_real_platform(config, found[1]):
        return
    paths = found[1]
    paths.sessions.parent.mkdir(parents=True, exist_ok=True)
    config.stash[LEASE] = lease = open(paths.sessions, "w")
    fcntl.flock(lease, fcntl.LOCK_SH)


def cluster_of(config) -> Cluster:
    """The platform for this process's tests, started on first use."""
    if CLUSTER not in config.stash:
        found = site(config)
        if found is None:
            raise pytest.UsageError("the stand-in needs the site's platform.toml: set platform_file "
                                    "in the pytest configuration")
        platform, paths = found
        if target_of(config) == "plain":
            pytest.skip("--platform=plain: plain bash, and this test needs a platform (standin or real)")
        if on_real_platform(config, paths):
            config.stash[CLUSTER] = Cluster(init="", standin=False)
        else:
            config.stash[CLUSTER] = Cluster(init=start(platform, paths), standin=True, paths=paths)
    return config.stash[CLUSTER]


def start(platform: Platform, paths: Paths) -> str:
    """`up` (idempotent), noting when this run started the instance; its login lines."""
    instance = Instance(paths, platform)
    with locked(paths.starting):
        was_up = instance.is_up()
        try:
            instance.up()
        except ClusterError as error:
            pytest.exit(f"hpc-standin up failed: {error}", returncode=3)
        if not was_up:
            (paths.state / STARTED_BY_PYTEST).touch()
    return login.env_lines(paths, platform)


def pytest_sessionfinish(session):
    lease = session.config.stash.get(LEASE, None)
    if lease is None:
        return
    platform, paths = site(session.config)
    fcntl.flock(lease, fcntl.LOCK_UN)
    try:
        fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the last session out stops it
    except BlockingIOError:
        lease.close()
        return
    try:
        if (paths.state / STARTED_BY_PYTEST).exists():
            try:
                Instance(paths, platform).down()
            except ClusterError as error:  # something of the instance outlived it: the run failed
                session.config.get_terminal_writer().line(f"hpc-standin down: {error}", red=True)
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if not paths.state.exists():
            # No instance (stopped, or never needed by this run) and no other session: its locks go too.
            paths.starting.unlink(missing_ok=True)
            paths.sessions.unlink(missing_ok=True)
    finally:
        lease.close()


@pytest.fixture(scope="session")
def cluster_env(pytestconfig) -> Cluster:
    return cluster_of(pytestconfig)


@pytest.hookimpl(optionalhook=True)
def pytest_pageharness_login(config):
    """The harness's page shells log in to the stand-in, or to the real platform as it is."""
    if site(config) is None:
        return None
    from pageharness import ShellSetup  # only when the harness asks: it is its hook
    platform, _ = site(config)
    cluster = cluster_of(config)
    if cluster.standin:
        # Its GPUs are scheduled but have no device behind them. The owners' partitions preempt
        # the preemptible ones on their nodes, and their accounts may be used: the harness can play
        # a node's owner there, and a member of any group.
        layout = Instance(cluster.paths, platform).layout
        owners = {node: access.owner_of(platform, node, partition.name)
                  for partition in platform.preemptible
                  for group in platform.groups_of(partition.name) for node in group.names}
        members = {partition.name: access.member_account(platform, partition.name)
                   for partition in platform.partitions if partition.access != "everyone"}
        return ShellSetup(setup=cluster.init, name="stand-in", owners={n: o for n, o in owners.items() if o},
                          members=members, limitation=layout and layout.limitation)
    return ShellSetup(inherit_environment=True, gpus=platform.has_gpus, name="platform")
