"""The dependency floors the packages declare are true: each package, built as a wheel and installed
(not editable) into a fresh virtual environment with every dependency it declares pinned to exactly
the lowest version its pyproject.toml allows, passes its own tests (packages/<name>/tests).

Everywhere else only the versions of requirements.txt run; here a floor is proved or it fails: a
dependency declared without one (`>=`) fails, and so does a floor the package's tests fail at,
until it is raised to the lowest version they pass at.

Each package has an environment of its own, with the packages of this checkout it requires
(hpc-platform) and their floors: two packages may declare different floors of one dependency
(pytest>=8 for hpc-standin, >=8.4 for pageharness), and one environment of the four would prove
only the higher. A package's extras are installed, so that their floors (hpc-platform[pytest]) are
proved too. The floors are those of the dependencies a package declares; what these require in
turn is pip's newest that fits them. They are proved on the Python that runs this file, the base of
its virtual environment: a later Python than the packages' least (3.11) may need later floors.

What a package's tests use that the package does not require (pytest itself, TEST_TOOLS) comes at
the version of requirements.txt. A test that skips for want of a Python module fails the run here,
for it would prove nothing; a skip for a program of the machine (msgfmt, Node.js) is the normal
run's too. Deselected (DESELECTED): sphinx-hpc-platform's test of its form in Chromium, which needs
a browser and Selenium, no dependency of the package; the page it loads is built and read, at the
floors, by the other tests of its file.

A floor is proved as far as the package's tests use the dependency: a module of the package that
no test of its own loads has floors this file cannot vouch for.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from .sitekit import PACKAGES, REPO, pip_env, run, without_platform

TEST_TOOLS = {
    # test_home_guard.py passes -n0 to its inner run, an option of pytest-xdist's; the pages of
    # test_pages.py run Dask's LocalCluster with the tests' own Python.
    "pageharness": ["pytest-xdist", "dask", "distributed"],
    # The theme of the sites its tests build, whose labels the package translates.
    "sphinx-hpc-platform": ["furo"],
}
DESELECTED = {
    "sphinx-hpc-platform": [
        "tests/test_builder.py::test_the_form_in_chromium_has_no_field_for_modules_the_platform_lacks"],
}


def project(package: Path) -> dict:
    return tomllib.loads((package / "pyproject.toml").read_text(encoding="utf-8"))["project"]


LOCAL = {canonicalize_name(project(package)["name"]): package for package in PACKAGES}


def requirements(package: Path, extras: list[str]) -> list[Requirement]:
    declared = project(package)
    optional = declared.get("optional-dependencies", {})
    return [Requirement(text) for text in [*declared.get("dependencies", []),
                                           *(text for extra in extras for text in optional[extra])]]


def every_extra(package: Path) -> list[str]:
    return sorted(project(package).get("optional-dependencies", {}))


def extras_of(extras: list[str]) -> str:
    return f"[{','.join(extras)}]" if extras else ""


def floor(requirement: Requirement) -> Version | None:
    lower = [Version(spec.version) for spec in requirement.specifier if spec.operator == ">="]
    return max(lower, default=None)


def installed(package: Path) -> dict[Path, list[str]]:
    """The packages of the checkout in the package's environment -> the extras each gets: the
    package with all of its own, and the packages it requires with those it names."""
    found = {package: every_extra(package)}
    todo = [package]
    while todo:
        current = todo.pop()
        for requirement in requirements(current, found[current]):
            local = LOCAL.get(canonicalize_name(requirement.name))
            if local is not None and local not in found:
                found[local] = sorted(requirement.extras)
                todo.append(local)
    return found


def floors(package: Path) -> dict[str, Version]:
    """Every dependency of the environment's packages -> its floor (the highest of those declared)."""
    pins: dict[str, Version] = {}
    for member, extras in installed(package).items():
        for requirement in requirements(member, extras):
            name = canonicalize_name(requirement.name)
            if name not in LOCAL and floor(requirement) is not None:
                pins[name] = max(pins.get(name, floor(requirement)), floor(requirement))
    return pins


def pinned_in_requirements_txt() -> dict[str, str]:
    pins = (line.split("==") for line in (REPO / "requirements.txt").read_text().splitlines() if "==" in line)
    return {canonicalize_name(name): version for name, version in pins}


@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.name)
def test_every_dependency_declares_its_floor(package):
    """A dependency without a floor claims every version ever released."""
    bare = [str(requirement) for requirement in requirements(package, every_extra(package))
            if canonicalize_name(requirement.name) not in LOCAL and floor(requirement) is None]
    assert not bare, f"{package / 'pyproject.toml'}: no floor (>=) for {bare}: declare the lowest version " \
                     f"the package's tests pass at"


@pytest.mark.timeout(900)
@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.name)
def test_each_package_passes_its_tests_with_its_dependencies_at_their_floors(wheels, package, tmp_path):
    """The package's wheel with its extras, and those of the checkout's packages it requires, where
    pip may install each dependency they declare at its floor only."""
    pins = floors(package)
    own = {canonicalize_name(requirement.name): floor(requirement)
           for requirement in requirements(package, every_extra(package))
           if canonicalize_name(requirement.name) not in LOCAL and floor(requirement) is not None}
    raised = {name: f"{version} < {pins[name]}" for name, version in own.items() if pins[name] != version}
    assert not raised, f"{package.name}'s floors are below those of the packages it requires, so unproved: {raised}"
    # pytest runs the tests: at its floor where the package declares it, else as a tool.
    tools = ["pytest", *TEST_TOOLS.get(package.name, [])]
    released = pinned_in_requirements_txt()
    versions = {**{canonicalize_name(tool): released[canonicalize_name(tool)] for tool in tools}, **pins}
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("".join(f"{name}=={version}\n" for name, version in sorted(versions.items())))

    # Named as the checkout's: the pages of pageharness's tests activate it and show its name in
    # their prompts.
    venv = tmp_path / ".venv"
    run([Path(sys.base_prefix) / "bin" / "python3", "-m", "venv", venv], env=pip_env())
    wanted = [f"{project(member)['name']}{extras_of(extras)} @ {wheels[member].as_uri()}"
              for member, extras in installed(package).items()]
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "-c", constraints, *wanted, *tools],
        env=pip_env())

    # The tests alone, away from the checkout: the package can only come from the environment. Its
    # pyproject.toml comes along: a test reads the package data it declares.
    here = tmp_path / "run"
    shutil.copytree(package / "tests", here / package.name / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(package / "pyproject.toml", here / package.name)
    # An ini of its own: the checkout's would bring its platform, pages and xdist options.
    ini = here / "pytest.ini"
    ini.write_text("[pytest]\n")
    deselect = [option for test in DESELECTED.get(package.name, [])
                for option in ("--deselect", f"{package.name}/{test}")]
    # A platform chosen by the outer run's shell is no business of the package's tests.
    env = without_platform(pip_env())
    result = subprocess.run(
        [venv / "bin" / "python", "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-c", ini,
         "--rootdir", here, "--basetemp", tmp_path / "basetemp", here / package.name / "tests", *deselect],
        cwd=here, env=env, capture_output=True, text=True)
    output = f"pins: {constraints.read_text()}\n{result.stdout}{result.stderr}"
    assert result.returncode == 0, output
    missing = [line for line in re.findall(r"^SKIPPED \[\d+\] (.*)$", result.stdout, re.MULTILINE)
               if "could not import" in line]
    assert not missing, f"skipped for want of a module the environment lacks: {missing}\n{output}"
