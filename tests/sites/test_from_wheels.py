"""The engines as another site gets them: the four packages built as wheels, installed (not
editable) with the dependencies they declare into a fresh virtual environment, and the two other
sites (lab_checks.py, fjord_checks.py) built in both languages and run on their own stand-ins with
that environment alone.

The environment's other packages (the sites' theme and copy button, pytest and the checks' readers)
come from the package registry at the versions of requirements.txt; whatever pip caches goes to the
site's build/pip-cache, never to the user's HOME.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from . import fjord_checks, lab_checks
from .sitekit import PACKAGES, REPO, pip_env, run, without_platform

# What the sites' conf.py and their checks import besides the packages: the sites' own choices.
SITE_REQUIREMENTS = ["furo", "sphinx-copybutton", "pytest", "pytest-timeout", "polib", "beautifulsoup4"]


@pytest.fixture(scope="module")
def fresh_venv(wheels, tmp_path_factory) -> Path:
    """A virtual environment of the machine's Python with the wheels and what they declare."""
    venv = tmp_path_factory.mktemp("venv") / "venv"
    run([Path(sys.base_prefix) / "bin" / "python3", "-m", "venv", venv], env=pip_env())
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "-c", REPO / "requirements.txt",
         *wheels.values(), *SITE_REQUIREMENTS], env=pip_env())
    return venv


def tracked_files(package: Path) -> list[str]:
    """The files of the package's source tree in git, as paths inside its import package."""
    src = package / "src"
    listed = run(["git", "-C", REPO, "ls-files", "--", src.relative_to(REPO)]).stdout.split()
    return [str((REPO / name).relative_to(src)) for name in listed]


@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.name)
def test_each_wheel_holds_every_file_of_its_package(wheels, package):
    """Code, templates, static files (the builder page's scripts and styles), catalogs: a wheel
    that lacks one breaks the site that installs it, not this checkout."""
    with zipfile.ZipFile(wheels[package]) as wheel:
        names = set(wheel.namelist())
    missing = [name for name in tracked_files(package) if name not in names]
    assert not missing, f"{wheels[package].name} lacks {missing}"


def test_the_fresh_environment_imports_the_packages_from_their_wheels(fresh_venv):
    """Not the checkout's sources: nothing in the environment points back at them."""
    modules = ["hpc_platform", "hpc_standin", "pageharness", "sphinx_hpc_platform"]
    found = run([fresh_venv / "bin" / "python", "-c",
                 f"import importlib; print(*(importlib.import_module(m).__file__ for m in {modules}))"],
                env=pip_env(), cwd=fresh_venv).stdout.split()
    outside = [path for path in found if not Path(path).is_relative_to(fresh_venv)]
    assert not outside, f"imported from outside {fresh_venv}: {outside}"


@pytest.mark.timeout(900)
@pytest.mark.parametrize("checks", [lab_checks, fjord_checks], ids=lambda module: module.__name__.rpartition(".")[2])
def test_each_site_builds_and_runs_with_the_packages_from_their_wheels(fresh_venv, tmp_path, checks):
    """A site's checks in the fresh environment: its site built in both languages with the
    packages' extensions, its French complete, its pages run by the harness on its own stand-in."""
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    env = without_platform(pip_env())
    result = subprocess.run(
        [fresh_venv / "bin" / "python", "-m", "pytest", "-q", "-rA", "-c", ini, "--rootdir", tmp_path,
         "--import-mode=importlib", "--basetemp", tmp_path / "basetemp", checks.__file__],
        cwd=tmp_path, env=env, capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Node IDs of a file outside the root directory start with "::".
    ran = {line.split()[1].rpartition("::")[2].partition("[")[0]
           for line in result.stdout.splitlines() if line.startswith("PASSED ")}
    expected = {name for name in dir(checks) if name.startswith("test_")}
    assert ran == expected, f"passed: {sorted(ran)}, the checks: {sorted(expected)}\n{output}"
