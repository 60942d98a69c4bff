"""One stand-in instance: its services in the order they start, and what `up`, `down` and `status`
do with them.

The order is this module's alone: munged (it authenticates every message), MariaDB (it holds the
accounting), slurmdbd (it serves the accounting to the controller), slurmctld, then one slurmd per
node of the layout. `up` configures them all and starts them in that order, or, where only nodes
died, starts those again; `down` cancels the jobs and stops them in reverse, then ends whatever of
the instance is left (job steps, namespaces, cgroups), so that nothing outlives it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from hpc_platform import Platform

from . import cgroups, login, software
from .config import ClusterError, Paths, locked, log
from .login import LMOD_INIT
from .nodes import Layout, decide_layout, hosts_file, layout_path
from .process import scrubbed, wait_until
from .recipe import Recipe
from .services import Service
from .services.mariadb import MariaDB
from .services.munge import Munge
from .services.slurmctld import SlurmCtld
from .services.slurmd import Slurmd
from .services.slurmdbd import SlurmDbd
from .software import modules

PACKAGE = Path(__file__).resolve().parent

HOSTS = Path("/etc/hosts")
REQUIRED = {"munged": "munge", "slurmctld": "slurmctld", "slurmd": "slurmd", "sinfo": "slurm-client",
            "slurmdbd": "slurmdbd", "mariadbd": "mariadb-server", "runuser": "util-linux"}
SERVING = {"idle", "mixed", "allocated", "completing"}  # sinfo's states of a node that answers


class Instance:
    def __init__(self, paths: Paths, platform: Platform) -> None:
        self.paths, self.platform = paths, platform
        self._layout: Layout | None = None
        self.munge = Munge(self)
        self.mariadb = MariaDB(self)
        self.slurmdbd = SlurmDbd(self)
        self.slurmctld = SlurmCtld(self)

    @property
    def layout(self) -> Layout | None:
        """The nodes `up` made (None before): the saved layout, which `status` and tests read too."""
        if self._layout is None:
            self._layout = Layout.load(layout_path(self.paths))
        return self._layout

    @property
    def slurmds(self) -> list[Slurmd]:
        layout = self.layout
        return [Slurmd(self, node) for node in layout.nodes] if layout else []

    @property
    def services(self) -> list[Service]:
        """Everything but the nodes, in the order each needs the one before."""
        return [self.munge, self.mariadb, self.slurmdbd, self.slurmctld]

    @property
    def in_start_order(self) -> list[Service]:
        return [*self.services, *self.slurmds]

    def daemon_env(self) -> dict:
        """The Slurm daemons' environment: the instance's slurm.conf, not the host's settings."""
        # HPC_STANDIN_INSTANCE marks every process of the instance (slurmstepd included), so that
        # `down` finds the leftovers.
        return scrubbed(("SLURM_", "PIP_"), SLURM_CONF=str(self.paths.slurm_conf),
                        HPC_STANDIN_INSTANCE=str(self.paths.state))

    # --- up ------------------------------------------------------------------------------------

    def up(self) -> None:
        check_host()
        started = time.monotonic()
        paths = self.paths
        with locked(paths.lock):
            paths.state.mkdir(parents=True, exist_ok=True)
            paths.state.chmod(0o711)  # the daemons' users pass through it, whatever the umask
            hosts_seen = paths.state / "host-etc-hosts.sha256"
            if not hosts_seen.exists():
                hosts_seen.write_text(hosts_digest())
            self.check_started_from()
            self.write_software()
            if not self.is_up():
                fresh = not self.services_up()
                if fresh:  # not started, or half started: from a clean slate
                    self.stop()
                    self.configure()
                # Else a node whose slurmd died: it comes back, its jobs as Slurm decided.
                for service in self.in_start_order:
                    if not service.pid():
                        service.start()
                self.wait_for_nodes()
                if fresh:
                    self.started_from.write_text(self.origin())
        log(f"up in {time.monotonic() - started:.1f} s (state {paths.state})")

    def write_software(self) -> None:
        """The software (built once), the module tree over it and the login node's tools."""
        sandboxes = software.build(self.paths, self.platform)
        modules.write_catalog(self.paths, self.platform, sandboxes)
        login.write_tools(self.paths, self.platform, sandboxes)

    def configure(self) -> None:
        """The nodes' layout, then each service's configuration."""
        layout = decide_layout(self.platform)
        if layout.limitation:
            log(layout.limitation)
        (self.paths.state / "etc").mkdir(parents=True, exist_ok=True)
        layout.save(layout_path(self.paths))
        self._layout = layout
        (self.paths.state / "etc" / "hosts").write_text(hosts_file(layout))
        for service in self.in_start_order:
            service.configure()

    def wait_for_nodes(self, timeout: float = 60) -> None:
        if not wait_until(lambda: nodes_serve(self.node_state()), timeout, 0.3):
            raise ClusterError(f"nodes not all up after {timeout:.0f} s (states {self.node_state()!r}); "
                               f"see {self.paths.state / 'log'}")

    def node_state(self) -> str:
        """The nodes' states, each once ("idle", "down idle"...)."""
        result = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], capture_output=True, text=True,
                                env=dict(os.environ, SLURM_CONF=str(self.paths.slurm_conf)))
        # One line per partition of a node: they all tell the same state.
        return " ".join(sorted(set(result.stdout.split()))) if result.returncode == 0 else ""

    def is_up(self) -> bool:
        return self.layout is not None and all(service.pid() for service in self.in_start_order)

    def services_up(self) -> bool:
        """Everything but the nodes runs: munged, the accounting, the controller."""
        return all(service.pid() for service in self.services)

    # --- what the instance started from ----------------------------------------------------------

    @property
    def started_from(self) -> Path:
        return self.paths.state / "started-from.sha256"

    def origin(self) -> str:
        """A digest of what the instance's configuration comes from: the platform file, the site's
        recipe (its grace time and owners' accounts are in slurm.conf and the accounting) and this
        package's code and templates."""
        digest = hashlib.sha256(self.platform.path.read_bytes())
        recipe = Recipe.of(self.platform).path
        digest.update(b"\0" + (recipe.read_bytes() if recipe else b""))
        for path in sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    def check_started_from(self) -> None:
        """A running instance keeps the configuration it started with: one started from another
        platform.toml or other code would answer for what they were, not for what they are now."""
        if not self.services_up():
            return
        recorded = self.started_from.read_text() if self.started_from.exists() else ""
        if recorded != self.origin():
            raise ClusterError(
                f"the instance running in {self.paths.state} was started from another "
                f"{self.platform.path.name}, another recipe or another version of the stand-in: stop it with "
                "`hpc-standin down` (once the test sessions using it have ended), then start it again")

    # --- down ----------------------------------------------------------------------------------

    def down(self) -> None:
        """Stop the services, then remove the instance's state (the built software stays in the cache)."""
        paths = self.paths
        if not paths.state.exists():
            log("down (no instance)")
            return
        with locked(paths.lock):
            self.stop()
            hosts_seen = paths.state / "host-etc-hosts.sha256"
            changed = hosts_seen.exists() and hosts_seen.read_text() != hosts_digest()
            shutil.rmtree(paths.state)
            paths.lock.unlink()  # nothing of the instance is left; an `up` waiting for it starts afresh
        if changed:
            raise ClusterError(f"{HOSTS} changed while the instance ran: the nodes' names belong in "
                               f"their own copy, bind-mounted in their namespaces (hpc_standin.nodes)")
        log("down")

    def stop(self) -> None:
        """Jobs cancelled, services stopped in reverse, then what is left killed: no process, and so
        no namespace and no mount of the instance, may outlive it."""
        self.slurmctld.cancel_jobs()
        for service in reversed(self.in_start_order):
            service.stop()
        left = lambda: sorted(set(leftover_processes(self.paths) + namespace_holders(self.paths)))  # noqa: E731
        for pid in left():
            log(f"killing leftover process {pid}")
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if not wait_until(lambda: not left(), 10):
            raise ClusterError(f"processes of the instance still alive after SIGKILL: {left()}")
        outlived = cgroups.remove(self.paths)
        if outlived:
            raise ClusterError(f"processes of the instance's cgroup {cgroups.root(self.paths)} still alive: {outlived}")

    # --- status --------------------------------------------------------------------------------

    def status(self) -> int:
        """Each service's state, the nodes' and the layout's; 0 when every service runs, else 3."""
        found = self.in_start_order
        running = 0
        for service in found:
            running += bool(service.pid())
            print(f"{service.name:14} {service.status()}")
        layout = self.layout
        if running:
            print(f"{'nodes':14} {self.node_state() or 'unreachable'}")
            if layout:
                print(f"{'layout':14} {layout.summary(self.paths)}")
        return 0 if layout and running == len(found) else 3


def nodes_serve(states: str) -> bool:
    return bool(states) and set(states.split()) <= SERVING


def check_host() -> None:
    missing = sorted({pkg for tool, pkg in REQUIRED.items() if not any(
        os.access(os.path.join(d, tool), os.X_OK) for d in
        os.environ.get("PATH", "").split(":") + ["/usr/sbin", "/sbin"])})
    if not os.path.exists(LMOD_INIT):
        missing.append("lmod")
    if missing:
        raise ClusterError(f"missing Debian packages: {' '.join(missing)} "
                           f"(`make test` as root installs the site's Debian packages)")
    if os.geteuid() != 0:
        raise ClusterError("the stand-in's daemons run as root (munged as munge): run as root")


def hosts_digest() -> str:
    """The host's /etc/hosts, which the nodes' private copy must leave as it was."""
    return hashlib.sha256(HOSTS.read_bytes()).hexdigest()


def leftover_processes(paths: Paths) -> list[int]:
    """Processes that carry this instance's mark (slurmstepd and their children), but not us."""
    mark = f"HPC_STANDIN_INSTANCE={paths.state}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if mark in (proc / "environ").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except OSError:
            continue
    return found

def namespace_holders(paths: Paths) -> list[int]:
    """Processes inside a node's namespaces: they see the nodes' /etc/hosts mounted over the
    host's. A namespace lives as long as one of them does."""
    mount = f" {paths.state / 'etc' / 'hosts'} /etc/hosts "
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and mount in (proc / "mountinfo").read_text():
                found.append(int(proc.name))
        except OSError:
            continue
    return found
