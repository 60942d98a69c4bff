"""The stand-in's recipe is the site's: found beside its platform.toml or named by
HPC_STANDIN_RECIPE, absent for a plain site, and a broken one is refused with its file and line."""

from pathlib import Path

import hpc_platform
import pytest
from hpc_standin.config import ClusterError
from hpc_standin.recipe import Recipe

TABLES = """\
[modules.py]
versions = ["3.12"]
default = "3.12"

[modules.numerics]
versions = ["1.0"]
default = "1.0"
"""

RECIPE = """\
[modules.py]
provides = "interpreter"

[modules.numerics]
provides = "python-packages"
requirements = ["numpy==2.2.6"]

[wheelhouse]
layout = "wheels/any"
requirements = ["pip==24.2"]

[slurm]
grace_seconds = 5
"""


@pytest.fixture
def site(write_platform) -> Path:
    return write_platform(TABLES).parent


def test_a_site_without_a_recipe_gets_modules_that_only_name_its_own(site):
    recipe = Recipe.of(hpc_platform.load(site / "platform.toml"))
    assert recipe.path is None
    assert (recipe.provides("py"), recipe.interpreter, recipe.package_modules(
        hpc_platform.load(site / "platform.toml"))) == ("named", None, [])
    assert (recipe.requirements, recipe.bootstrap, recipe.wheel_dir) == ([], [], "generic")
    assert recipe.grace_seconds(60) == 60


def test_the_recipe_beside_platform_toml_is_the_sites(site):
    (site / "standin.toml").write_text(RECIPE, encoding="utf-8")
    platform = hpc_platform.load(site / "platform.toml")
    recipe = Recipe.of(platform)
    assert recipe.path == (site / "standin.toml").resolve()
    assert recipe.interpreter == "py"
    assert recipe.package_modules(platform) == [("numerics", "1.0")]
    assert recipe.package_requirements("numerics", "1.0") == ["numpy==2.2.6"]
    assert (recipe.wheel_dir, recipe.grace_seconds(60), recipe.grace_seconds(3)) == ("wheels/any", 5, 3)


def test_hpc_standin_recipe_names_another_file(site, tmp_path_factory, monkeypatch):
    (site / "standin.toml").write_text(RECIPE, encoding="utf-8")
    other = tmp_path_factory.mktemp("elsewhere") / "recipe.toml"
    other.write_text('[modules.numerics]\nprovides = "named"\n', encoding="utf-8")
    monkeypatch.setenv("HPC_STANDIN_RECIPE", str(other))
    recipe = Recipe.of(hpc_platform.load(site / "platform.toml"))
    assert (recipe.path, recipe.provides("numerics"), recipe.interpreter) == (other.resolve(), "named", None)


def test_a_broken_recipe_is_refused_with_its_file_and_line(site):
    (site / "standin.toml").write_text(RECIPE.replace('layout = "wheels/any"', "layout = wheels/any"),
                                       encoding="utf-8")
    with pytest.raises(ClusterError) as refused:
        Recipe.of(hpc_platform.load(site / "platform.toml"))
    line = RECIPE.splitlines().index('layout = "wheels/any"') + 1
    assert str(refused.value).startswith(f"{(site / 'standin.toml').resolve()}: ")
    assert f"line {line}" in str(refused.value)


def test_a_named_recipe_that_is_missing_is_refused(site, monkeypatch):
    monkeypatch.setenv("HPC_STANDIN_RECIPE", str(site / "nowhere.toml"))
    with pytest.raises(ClusterError, match=r"nowhere\.toml: cannot read the stand-in's recipe"):
        Recipe.of(hpc_platform.load(site / "platform.toml"))


def test_a_site_without_a_recipe_gets_a_plain_lmod(site):
    profile = Recipe.of(hpc_platform.load(site / "platform.toml")).profile
    assert (profile.name, profile.tree_title, profile.labels) == ("plain", None, {})
    assert (profile.root_of("py"), profile.version_of("scipy-stack")) == ("PY_ROOT", "SCIPYSTACK_VERSION")


def test_the_alliance_profile_and_the_recipes_own_values(site):
    (site / "standin.toml").write_text('profile = "alliance"\n\n[lmod]\ntree_title = "Our Modules"\n',
                                       encoding="utf-8")
    profile = Recipe.of(hpc_platform.load(site / "platform.toml")).profile
    assert (profile.name, profile.tree_title, profile.labels["math"]["label"]) == ("alliance", "Our Modules", "(math)")
    assert (profile.root_of("python"), profile.version_of("scipy-stack")) == ("EBROOTPYTHON", "EBVERSIONSCIPYSTACK")


def test_an_unknown_profile_is_refused_with_the_known_ones(site):
    (site / "standin.toml").write_text('profile = "cray"\n', encoding="utf-8")
    with pytest.raises(ClusterError, match=r"standin\.toml: profile 'cray': the stand-in knows alliance, plain"):
        Recipe.of(hpc_platform.load(site / "platform.toml")).profile
