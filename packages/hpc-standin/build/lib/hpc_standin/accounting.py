"""Real Slurm accounting for the stand-in (sacct, seff): a MariaDB of the instance's own and slurmdbd.

MariaDB listens on a unix socket in the state folder only (no TCP); slurmdbd on loopback.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

from hpc_platform import Platform

from . import access
from .config import ClusterError, Paths
from .daemons import Daemon, daemon_env, free_port, render, start, wait_until


def database_folder(paths: Paths) -> Path:
    return paths.state / "mysql"


def client_env(paths: Paths) -> dict:
    """libmariadb (slurmdbd's) finds the instance's server through MYSQL_UNIX_PORT."""
    return dict(daemon_env(paths), MYSQL_UNIX_PORT=str(database_folder(paths) / "mysqld.sock"))


def forget_jobs(paths: Paths) -> None:
    """Drop the accounting database of a previous instance: its controller starts afresh, job ids
    start again at 1, and sacct would mix the old instance's jobs with the new ones of the same id."""
    shutil.rmtree(database_folder(paths), ignore_errors=True)


def start_mariadb(paths: Paths, daemon: Daemon) -> None:
    if daemon.pid():
        return
    folder = database_folder(paths)
    data = folder / "data"
    log = paths.state / "log" / "mariadb.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    if not (data / "mysql").exists():
        data.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=root",
             "--auth-root-authentication-method=socket", "--skip-test-db"],
            capture_output=True, text=True)
        if result.returncode:
            raise ClusterError(f"mariadb-install-db failed: {result.stderr[-2000:]}")
    # mariadbd stays in the foreground: start it in a session of its own, detached from ours.
    with open(log, "a") as out:
        subprocess.Popen(
            ["mariadbd", "--no-defaults", f"--datadir={data}", "--user=root", "--skip-networking",
             f"--socket={folder / 'mysqld.sock'}", f"--pid-file={daemon.pid_file}",
             f"--log-error={log}", "--innodb-buffer-pool-size=64M"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
    if not wait_until(lambda: daemon.pid() and (folder / "mysqld.sock").exists(), 30, 0.2):
        raise ClusterError(f"mariadbd did not start (log: {log})")


def write_slurmdbd_config(paths: Paths) -> str:
    """slurmdbd.conf (next to slurm.conf, where slurmdbd looks) and slurm.conf's accounting lines."""
    port = free_port()
    conf = paths.slurm_conf.parent / "slurmdbd.conf"
    render("slurmdbd.conf.in", conf, mode=0o600, state=paths.state, port=port)
    # With slurmdbd, AccountingStoragePass names the munge socket of the clients' side.
    # Enforced associations: a job's account must be one of its user's (hpc_standin.access).
    return (f"AccountingStorageType=accounting_storage/slurmdbd\nAccountingStorageEnforce=associations\n"
            f"AccountingStorageHost=127.0.0.1\nAccountingStoragePort={port}\n"
            f"AccountingStoragePass={paths.state / 'munge' / 'munge.socket'}\n")


def start_slurmdbd(paths: Paths, daemon: Daemon, cluster_name: str) -> None:
    """slurmdbd, with the cluster (slurm.conf's ClusterName) registered in it."""
    if not daemon.pid():
        start(["slurmdbd"], daemon, client_env(paths), paths.state / "log" / "slurmdbd.log")
    env = client_env(paths)
    ready = lambda: subprocess.run(["sacctmgr", "-n", "list", "cluster"], env=env,  # noqa: E731
                                   capture_output=True).returncode == 0
    if not wait_until(ready, 30, 0.3):
        raise ClusterError(f"slurmdbd does not answer (log: {paths.state / 'log' / 'slurmdbd.log'})")
    listed = subprocess.run(["sacctmgr", "-n", "-P", "list", "cluster", "format=cluster"], env=env,
                            capture_output=True, text=True).stdout.split()
    if cluster_name not in listed:
        subprocess.run(["sacctmgr", "-i", "add", "cluster", cluster_name], env=env,
                       capture_output=True, check=True)


def register_accounts(paths: Paths, platform: Platform) -> None:
    """The platform's accounts (hpc_standin.access), and the user who runs the pages in each, with
    the reader's as the default: what a job of theirs is charged to unless it names another."""
    names = access.accounts(platform)
    if not names:
        return
    env, user = client_env(paths), pwd.getpwuid(os.getuid()).pw_name
    for command in (["add", "account", ",".join(names), f"cluster={platform.slurm.cluster_name}"],
                    ["add", "user", user, f"account={','.join(names)}", f"defaultaccount={names[0]}",
                     f"cluster={platform.slurm.cluster_name}"],
                    ["modify", "user", user, "set", f"defaultaccount={names[0]}"]):
        result = subprocess.run(["sacctmgr", "-i", *command], env=env, capture_output=True, text=True)
        # sacctmgr says "Nothing new added" with exit 1 when they exist (a restarted instance).
        if result.returncode and "Nothing new" not in result.stdout + result.stderr \
                and "Nothing modified" not in result.stdout + result.stderr:
            raise ClusterError(f"sacctmgr {' '.join(command)} failed: {result.stdout}{result.stderr}")
