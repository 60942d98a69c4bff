"""The platform's package pages, on the session's instance: each package of platform.toml [packages]
installs as its page installs it, and imports at the page's version.

As on the page: its modules loaded, `virtualenv --no-download`, `pip install --no-index --upgrade
pip`, then `pip install --no-index` of the package at its version and of each optional package at
its own; each other version of the package in an environment of its own. An optional package the
stand-in cannot give (standin.toml [wheelhouse.left_out]) is a skipped case that says why.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import hpc_platform
import pytest
from hpc_standin.recipe import Recipe
from hpc_standin.software.wheelhouse import canonical

REPO = Path(__file__).resolve().parents[2]
PLATFORM = hpc_platform.load(REPO / "platform.toml")
PACKAGES = PLATFORM.packages
LEFT_OUT = {canonical(name): why for name, why in Recipe.of(PLATFORM).wheelhouse.get("left_out", {}).items()}
# Imports each distribution named (its module: the name, - as _) and prints the version installed.
CHECK = ("import importlib, importlib.metadata, sys\n"
         "for name in sys.argv[1:]:\n"
         "    importlib.import_module(name.replace('-', '_'))\n"
         "    print(name, importlib.metadata.version(name))\n")


def left_out(requirement: str) -> bool:
    return canonical(requirement.split("==")[0]) in LEFT_OUT


def installs() -> list:
    """One case per environment the pages make: (modules, requirements in install order)."""
    cases = []
    for name, package in PACKAGES.items():
        requirements = [f"{name}=={package.version}", *(r for r in package.optional if not left_out(r))]
        cases.append(pytest.param(package.modules, requirements, id=f"{name}-{package.version}"))
        cases += [pytest.param(package.modules, [f"{name}=={version}"], id=f"{name}-{version}")
                  for version in package.other_versions]
    return cases


def left_out_cases() -> list:
    return [pytest.param(requirement, id=requirement)
            for package in PACKAGES.values() for requirement in package.optional if left_out(requirement)]


def page_commands(modules: tuple[str, ...], venv: Path, requirements: list[str]) -> str:
    """The page's commands, then the check, in one login shell that stops at the first failure."""
    names = [requirement.split("==")[0] for requirement in requirements]
    return " && ".join([
        f"module load {' '.join(modules)}", f"virtualenv --no-download {venv}", f". {venv}/bin/activate",
        "pip install --no-index --upgrade pip",
        *(f"pip install --no-index {requirement}" for requirement in requirements),
        f"python -c {shlex.quote(CHECK)} {' '.join(names)}"])


@pytest.mark.parametrize("modules, requirements", installs())
def test_page_installs_its_packages_at_their_versions(cluster_env, tmp_path, modules, requirements):
    home = tmp_path / "home"
    home.mkdir()
    result = cluster_env.run(page_commands(modules, home / "venv", requirements), home, timeout=1200)
    output = f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    assert result.returncode == 0, output
    installed = dict(line.split() for line in result.stdout.splitlines()[-len(requirements):])
    assert installed == dict(requirement.split("==") for requirement in requirements), output


@pytest.mark.parametrize("requirement", left_out_cases())
def test_left_out_optional_package_says_why(requirement):
    """Never passes: the page offers it, the stand-in cannot install it."""
    pytest.skip(f"{requirement} {LEFT_OUT[canonical(requirement.split('==')[0])]}")
