"""The Lmod catalog is data: a module list changed in a copy of platform.toml changes `module avail`
on a stand-in of that copy, with no change to any code."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hpc_standin.recipe import RECIPE_FILE

REPO = Path(__file__).resolve().parents[2]


def standin(platform_file: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "hpc-standin"), "--platform", str(platform_file), *args],
                          env=env, capture_output=True, text=True, timeout=300)


def module_avail(platform_file: Path, env: dict, home: Path, *names: str) -> str:
    lines = standin(platform_file, env, "env")
    assert lines.returncode == 0, lines.stderr
    shell = subprocess.run(["bash", "-c", lines.stdout + f"\nmodule -t avail {' '.join(names)} 2>&1"],
                           env=dict(env, HOME=str(home)), capture_output=True, text=True, timeout=120)
    assert shell.returncode == 0, shell.stdout + shell.stderr
    return shell.stdout


def test_a_changed_module_list_changes_module_avail(cluster_env, tmp_path):
    if not cluster_env.standin:
        pytest.skip("on the real platform, its own catalog is what `module avail` shows")
    copy = tmp_path / "site" / "platform.toml"
    copy.parent.mkdir()
    text = (REPO / "platform.toml").read_text(encoding="utf-8")
    text = text.replace('[modules.gcc]\nversions = ["12.3"]', '[modules.gcc]\nversions = ["12.3", "13.2"]', 1)
    text += ('\n[modules.cmake]\nversions = ["3.27.7"]\ndefault = "3.27.7"\ntype = "tools"\n'
             'assumed.versions = "a module of this test"\nassumed.default = "its one version"\n'
             'assumed.type = "a module of this test"\n')
    copy.write_text(text, encoding="utf-8")
    shutil.copy(REPO / RECIPE_FILE, copy.with_name(RECIPE_FILE))  # the site's recipe goes with it
    home = tmp_path / "home"
    home.mkdir()
    # The copy's own state; the software already built for the site (its cache) is reused.
    env = {key: value for key, value in cluster_env.environ(home).items()
           if not key.startswith(("LMOD", "MODULE", "__LMOD", "_LM", "SLURM"))}
    env.update(HPC_STANDIN_STATE=str(tmp_path / "state"), HPC_STANDIN_CACHE=str(cluster_env.paths.cache))
    written = standin(copy, env, "catalog")
    assert written.returncode == 0, written.stderr
    before = module_avail(REPO / "platform.toml", dict(env, HPC_STANDIN_STATE=str(cluster_env.paths.state)),
                          home, "gcc", "cmake")
    after = module_avail(copy, env, home, "gcc", "cmake")
    assert re.findall(r"^(?:gcc|cmake)/\S+$", before, re.MULTILINE) == ["gcc/12.3"], before
    assert re.findall(r"^(?:gcc|cmake)/\S+$", after, re.MULTILINE) == ["cmake/3.27.7", "gcc/12.3", "gcc/13.2"], after
    help_text = subprocess.run(
        ["bash", "-c", standin(copy, env, "env").stdout + "\nmodule help cmake 2>&1"],
        env=dict(env, HOME=str(home)), capture_output=True, text=True, timeout=120).stdout
    assert "Stand-in: " in help_text, help_text
