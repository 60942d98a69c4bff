"""What an instance is made of, without starting it: where it started from, the login node's
commands its profile allows, and a run on plain bash that needs no platform."""

from pathlib import Path

import hpc_platform
import pytest
from hpc_standin.config import ClusterError, Paths
from hpc_standin.instance import Instance
from hpc_standin.login import write_tools
from hpc_standin.recipe import RECIPE_FILE

pytest_plugins = ["pytester"]

@pytest.fixture
def site(write_platform) -> Path:
    return write_platform("", 'commands = ["avail_wheels", "seff"]').parent


def paths_of(site: Path) -> Paths:
    return Paths(site / "state", site / "cache")


def test_an_instance_answers_for_its_recipe_too(site):
    """The recipe's grace time and owners' accounts are in slurm.conf and the accounting: an
    instance started from another recipe is not the one `up` would start now."""
    platform = hpc_platform.load(site / "platform.toml")
    none = Instance(paths_of(site), platform).origin()
    (site / RECIPE_FILE).write_text("[slurm]\ngrace_seconds = 5\n")
    five = Instance(paths_of(site), platform).origin()
    (site / RECIPE_FILE).write_text("[slurm]\ngrace_seconds = 9\n")
    assert len({none, five, Instance(paths_of(site), platform).origin()}) == 3


def test_avail_wheels_only_for_a_profile_whose_stack_has_it(site):
    """avail_wheels reads the Alliance's wheelhouse layout and variables: a plain Lmod site that
    names it is refused by name; seff, which reads only Slurm, is anyone's."""
    platform = hpc_platform.load(site / "platform.toml")
    with pytest.raises(ClusterError, match=r"names 'avail_wheels', .* not for profile 'plain'"):
        write_tools(paths_of(site), platform, [])
    (site / RECIPE_FILE).write_text('profile = "alliance"\n')
    write_tools(paths_of(site), platform, [])
    assert sorted(path.name for path in paths_of(site).bin.iterdir()) == ["avail_wheels", "seff"]


def test_plain_bash_starts_no_stand_in(site, pytester, monkeypatch):
    """--platform=plain: the tests that need a platform skip, saying why, and the run takes no
    lease on an instance."""
    pytester.makeini(f"[pytest]\nplatform_file = {site / 'platform.toml'}\n")
    pytester.makepyfile(test_it="def test_it(cluster_env):\n    assert False, 'ran'\n")
    monkeypatch.setenv("HPC_STANDIN_STATE", str(site / "state"))
    result = pytester.runpytest_subprocess("--platform=plain", "-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*--platform=plain: plain bash, and this test needs a platform*"])
    assert not list(site.glob(".state.*")), "a lease or lock of an instance"
