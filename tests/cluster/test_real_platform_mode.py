"""On the real platform the suite uses the login environment as it is and starts nothing.

No real platform here, so the stand-in plays it: a login shell put on the stand-in by
`scripts/cluster env` runs a page's examples with HPC_PLATFORM=real, as a maintainer would on a login
node. The page must pass in that inherited environment, and the stand-in must be left as it was.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hpc_standin.pytest_plugin import STARTED_BY_PYTEST

REPO = Path(__file__).resolve().parents[2]
PAGE = "source/howto/modules.rst"


def test_a_page_runs_in_the_login_environment_with_hpc_platform_real(cluster_env, tmp_path):
    if not cluster_env.standin:
        pytest.skip("already on the real platform: the whole run is this test")
    home = tmp_path / "home"
    home.mkdir()
    marker = cluster_env.paths.state / STARTED_BY_PYTEST
    marked_before = marker.exists()
    login = cluster_env.environ(home, HPC_PLATFORM="real")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", PAGE, "-n0", "-p", "no:cacheprovider", "-q",
         f"--basetemp={tmp_path / 'pages'}"],
        cwd=REPO, env=login, text=True, capture_output=True, timeout=900)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    blocks = len(re.findall(r"^\.\. code-block::", (REPO / PAGE).read_text(), re.MULTILINE))
    assert f"{PAGE}: {blocks} ran" in run.stdout, run.stdout[-2000:]
    assert "hpc-standin: up" not in run.stderr + run.stdout, "the inner run started the stand-in itself"
    assert marker.exists() == marked_before
    status = subprocess.run([str(REPO / "scripts" / "cluster"), "status"], capture_output=True, text=True)
    assert status.returncode == 0, f"the inner run stopped the stand-in:\n{status.stdout}"
