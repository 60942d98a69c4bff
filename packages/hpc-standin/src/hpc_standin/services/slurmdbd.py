"""slurmdbd, on loopback: the accounting that sacct, seff and the partitions' AllowAccounts read,
with the platform's cluster and accounts (hpc_standin.access) registered in it."""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

from .. import access
from ..config import ClusterError
from ..process import wait_until
from . import Service, free_port, render


class SlurmDbd(Service):
    name = comm = "slurmdbd"
    pid_name = "slurm/slurmdbd.pid"

    @property
    def config_file(self) -> Path:
        """slurmdbd.conf, next to slurm.conf, where slurmdbd looks."""
        return self.paths.slurm_conf.parent / "slurmdbd.conf"

    port: int | None = None  # slurmdbd's, chosen by configure

    def configure(self) -> None:
        self.port = free_port()
        render("slurmdbd.conf.in", self.config_file, mode=0o600, port=self.port,
               munge_socket=self.instance.munge.socket, pid_file=self.pid_file, log_file=self.log_file)

    def accounting_lines(self) -> str:
        """slurm.conf's lines for this accounting. With slurmdbd, AccountingStoragePass names the
        munge socket of the clients' side. Enforced associations: a job's account must be one of
        its user's (hpc_standin.access)."""
        return (f"AccountingStorageType=accounting_storage/slurmdbd\nAccountingStorageEnforce=associations\n"
                f"AccountingStorageHost=127.0.0.1\nAccountingStoragePort={self.port}\n"
                f"AccountingStoragePass={self.instance.munge.socket}\n")

    def client_env(self) -> dict:
        """slurmdbd's and sacctmgr's: libmariadb finds the instance's server through MYSQL_UNIX_PORT."""
        return dict(self.instance.daemon_env(), MYSQL_UNIX_PORT=str(self.instance.mariadb.socket))

    def start(self) -> None:
        """slurmdbd, once it answers, with the cluster (slurm.conf's ClusterName) and the accounts."""
        env = self.client_env()
        self.launch(["slurmdbd"], env)
        ready = lambda: subprocess.run(["sacctmgr", "-n", "list", "cluster"], env=env,  # noqa: E731
                                       capture_output=True).returncode == 0
        if not wait_until(ready, 30, 0.3):
            raise ClusterError(f"slurmdbd does not answer (log: {self.log_file})")
        cluster = self.instance.platform.slurm.cluster_name
        listed = subprocess.run(["sacctmgr", "-n", "-P", "list", "cluster", "format=cluster"], env=env,
                                capture_output=True, text=True).stdout.split()
        if cluster not in listed:
            subprocess.run(["sacctmgr", "-i", "add", "cluster", cluster], env=env, capture_output=True, check=True)
        self.register_accounts()

    def register_accounts(self) -> None:
        """The platform's accounts (hpc_standin.access), and the user who runs the pages in each, with
        the reader's as the default: what a job of theirs is charged to unless it names another."""
        platform = self.instance.platform
        names = access.accounts(platform)
        if not names:
            return
        env, user = self.client_env(), pwd.getpwuid(os.getuid()).pw_name
        cluster = platform.slurm.cluster_name
        for command in (["add", "account", ",".join(names), f"cluster={cluster}"],
                        ["add", "user", user, f"account={','.join(names)}", f"defaultaccount={names[0]}",
                         f"cluster={cluster}"],
                        ["modify", "user", user, "set", f"defaultaccount={names[0]}"]):
            result = subprocess.run(["sacctmgr", "-i", *command], env=env, capture_output=True, text=True)
            said = result.stdout + result.stderr
            # sacctmgr says "Nothing new added" with exit 1 when they exist (a restarted instance).
            if result.returncode and "Nothing new" not in said and "Nothing modified" not in said:
                raise ClusterError(f"sacctmgr {' '.join(command)} failed: {said}")
