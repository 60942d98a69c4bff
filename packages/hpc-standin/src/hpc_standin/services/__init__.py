"""The stand-in's services: munged, MariaDB, slurmdbd, slurmctld and one slurmd per node.

Each is a `Service` of an `Instance` (hpc_standin.instance, which holds their order): it writes its
own configuration, starts, stops and says whether it runs. Every one writes its pid file, log and
state under the instance's state folder; `stop` ends only the process its pid file names (checked
against /proc, since pids get reused).
"""

from __future__ import annotations

import os
import signal
import socket
import string
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import ClusterError, log
from ..process import alive, wait_until

if TYPE_CHECKING:
    from ..instance import Instance

TEMPLATES = Path(__file__).resolve().parent / "slurm"


class Service:
    """A daemon of the instance, known by its pid file and the name /proc/<pid>/comm shows."""
    name: str  # how `status` and the messages name it
    comm: str  # its executable's name, as /proc/<pid>/comm shows it
    pid_name: str  # its pid file, in the instance's state

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.paths = instance.paths

    @property
    def pid_file(self) -> Path:
        return self.paths.state / self.pid_name

    @property
    def log_file(self) -> Path:
        return self.paths.state / "log" / f"{self.name}.log"

    def configure(self) -> None:
        """Write what the daemon reads at start (nothing, for some)."""

    def start(self) -> None:
        raise NotImplementedError

    def pid(self) -> int | None:
        """Its process, if it runs."""
        try:
            pid = int(self.pid_file.read_text().split()[0])
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except (OSError, ValueError, IndexError):
            return None
        return pid if comm == self.comm else None

    def status(self) -> str:
        pid = self.pid()
        return f"running, pid {pid}" if pid else "stopped"

    def stop(self, timeout: float = 15) -> None:
        pid = self.pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)
        # Daemons remove their pid file when shutdown starts, not when it ends: wait for the process.
        if not wait_until(lambda: not alive(pid), timeout):
            log(f"{self.name} ({pid}) ignored SIGTERM; killing it")
            os.kill(pid, signal.SIGKILL)
            wait_until(lambda: not alive(pid), 5)
        self.pid_file.unlink(missing_ok=True)

    def launch(self, command: list, env: dict) -> None:
        """Run a daemon that forks into the background, and wait for its pid file."""
        result = subprocess.run([str(part) for part in command], env=env, capture_output=True, text=True)
        if result.returncode or not wait_until(self.pid, 10):
            raise ClusterError(f"{self.name} did not start: {result.stderr.strip()} (log: {self.log_file})")


def render(template: str, target: Path, mode: int = 0o644, **values) -> None:
    """A configuration file from its template in slurm/, with `values` in its ${names}."""
    text = string.Template((TEMPLATES / template).read_text()).substitute(values)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    target.chmod(mode)


GIVEN_PORTS: set[int] = set()  # the ports free_port gave in this process: an instance's daemons'


def free_port() -> int:
    """A loopback port free now, and none given already: once its probe socket is closed, the kernel
    may give the same port again (about one `up` in 230 gave two of its 13 daemons one port, and
    the second did not start)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in GIVEN_PORTS:
            GIVEN_PORTS.add(port)
            return port
