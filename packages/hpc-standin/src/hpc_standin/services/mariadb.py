"""The instance's own MariaDB, which holds Slurm's accounting (sacct, seff): on a unix socket in the
state folder only, no TCP."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..config import ClusterError
from ..process import wait_until
from . import Service


class MariaDB(Service):
    name = comm = "mariadbd"
    pid_name = "mysql/mysqld.pid"

    @property
    def folder(self) -> Path:
        return self.paths.state / "mysql"

    @property
    def socket(self) -> Path:
        """Where slurmdbd's libmariadb finds the server (MYSQL_UNIX_PORT)."""
        return self.folder / "mysqld.sock"

    @property
    def log_file(self) -> Path:
        return self.paths.state / "log" / "mariadb.log"

    def configure(self) -> None:
        """A new database: the controller starts afresh, job ids start again at 1, and sacct would
        mix a previous instance's jobs with the new ones of the same id."""
        shutil.rmtree(self.folder, ignore_errors=True)
        data = self.folder / "data"
        data.mkdir(parents=True)
        result = subprocess.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=root",
             "--auth-root-authentication-method=socket", "--skip-test-db"],
            capture_output=True, text=True)
        if result.returncode:
            raise ClusterError(f"mariadb-install-db failed: {result.stderr[-2000:]}")

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        # mariadbd stays in the foreground: start it in a session of its own, detached from ours.
        with open(self.log_file, "a") as out:
            subprocess.Popen(
                ["mariadbd", "--no-defaults", f"--datadir={self.folder / 'data'}", "--user=root",
                 "--skip-networking", f"--socket={self.socket}", f"--pid-file={self.pid_file}",
                 f"--log-error={self.log_file}", "--innodb-buffer-pool-size=64M"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
        if not wait_until(lambda: self.pid() and self.socket.exists(), 30, 0.2):
            raise ClusterError(f"mariadbd did not start (log: {self.log_file})")
