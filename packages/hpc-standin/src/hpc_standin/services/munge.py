"""munged, with a key of the instance's own: it authenticates every message of the instance's
Slurm daemons and commands, and no other Slurm's."""

from __future__ import annotations

import os
import pwd
import secrets
from pathlib import Path

from ..config import ClusterError
from . import Service


class Munge(Service):
    name = comm = "munged"
    pid_name = "munge/munged.pid"

    @property
    def folder(self) -> Path:
        return self.paths.state / "munge"

    @property
    def log_file(self) -> Path:
        return self.folder / "munged.log"

    @property
    def socket(self) -> Path:
        """What slurm.conf and slurmdbd.conf name (AuthInfo, AccountingStoragePass)."""
        return self.folder / "munge.socket"

    def configure(self) -> None:
        """The socket folder, munge's own, and a key that munge alone may read."""
        munge = pwd.getpwnam("munge")
        check_reachable_by(self.folder.parent, munge)
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chown(self.folder, munge.pw_uid, munge.pw_gid)
        self.folder.chmod(0o755)  # munged refuses a socket folder that others may write to
        key = self.folder / "munge.key"
        if not key.exists():
            key.write_bytes(secrets.token_bytes(1024))
        os.chown(key, munge.pw_uid, munge.pw_gid)
        key.chmod(0o400)

    def start(self) -> None:
        folder = self.folder
        self.launch(["runuser", "-u", "munge", "--", "munged", f"--socket={self.socket}",
                     f"--key-file={folder / 'munge.key'}", f"--pid-file={self.pid_file}",
                     f"--log-file={self.log_file}", f"--seed-file={folder / 'munged.seed'}"], dict(os.environ))


def check_reachable_by(folder: Path, user: pwd.struct_passwd) -> None:
    """munged runs as munge: every folder above its own must let others through (o+x)."""
    for parent in [folder, *folder.parents]:
        if parent.exists() and parent.stat().st_uid != user.pw_uid and \
                not parent.stat().st_mode & 0o001:
            raise ClusterError(f"user munge cannot reach {folder}: {parent} is not traversable "
                               f"by others; choose another HPC_STANDIN_STATE")
