"""`up` is idempotent and `down` leaves nothing: checked on a second instance of its own state folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def cluster(state: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, IQ_CLUSTER_STATE=str(state))
    return subprocess.run([str(REPO / "scripts" / "cluster"), *args], env=env, text=True,
                          capture_output=True, timeout=600)


def daemon_pids(state: Path) -> dict:
    out = cluster(state, "status").stdout
    return {line.split()[0]: int(line.split()[-1]) for line in out.splitlines() if "pid" in line}


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent that reaps late (this machine's init)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def instance(cluster_env):
    if not cluster_env.standin:
        pytest.skip("on the real platform: no stand-in to start and stop")
    # Under build/, not pytest's 0700 temp folder: munged runs as munge and must reach its folder.
    (REPO / "build").mkdir(exist_ok=True)
    state = Path(tempfile.mkdtemp(prefix="cluster-test-", dir=REPO / "build"))
    state.chmod(0o755)
    yield state
    cluster(state, "down")
    shutil.rmtree(state)


def test_up_is_idempotent_and_down_leaves_no_daemon(instance):
    assert cluster(instance, "up").returncode == 0
    first = daemon_pids(instance)
    assert set(first) == {"munged", "mariadbd", "slurmdbd", "slurmctld", "slurmd"}
    assert cluster(instance, "up").returncode == 0
    assert daemon_pids(instance) == first
    key = instance / "munge" / "munge.key"
    assert key.stat().st_mode & 0o777 == 0o400
    assert cluster(instance, "down").returncode == 0
    assert not [name for name, pid in first.items() if alive(pid)]
    assert cluster(instance, "status").returncode != 0


def test_daemons_listen_on_loopback_only(cluster_env):
    if not cluster_env.standin:
        pytest.skip("the real platform's daemons are not ours")
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout
    ours = [line.split()[3] for line in out.splitlines() if '"slurm' in line or '"munged' in line]
    assert ours and all(address.startswith("127.0.0.1:") for address in ours)
