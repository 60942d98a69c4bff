"""Build, once, the software behind the module catalog, and the module tree over it.

Each step writes a stamp holding the hash of its inputs; a later `up` skips steps whose stamp
matches, so the build is shared by every instance of the site (the cache, not the state):

- interpreters: one per python/X module (a relocated host interpreter);
- wheelhouse: the wheels `pip install --no-index` finds, as the recipe lists them;
- stacks: the python-packages modules' packages, per interpreter;
- modules: the modulefiles, Lmod's configuration and pip's, written for each instance.
"""

from __future__ import annotations

from hpc_platform import Platform

from ..config import ClusterError, Paths, locked
from ..recipe import Recipe
from .interpreters import Sandbox, closest_host, copy_headers, finish_sandbox, host_pythons, make_sandbox
from .stacks import build_stack
from .wheelhouse import download_module_wheels, fill_wheelhouse, refusing_sdists


def build(paths: Paths, platform: Platform) -> list[Sandbox]:
    """Everything the catalog needs, for each interpreter module; cached across `up`s and instances."""
    recipe = Recipe.of(platform)
    packages = recipe.package_modules(platform)
    interpreters = platform.modules.get(recipe.interpreter) if recipe.interpreter else None
    if packages and interpreters is None:
        raise ClusterError(f"{recipe.path}: {packages[0][0]} puts Python packages on PYTHONPATH, for "
                           f"each interpreter module, and no module of {platform.path} is an interpreter")
    if interpreters is None:
        return []
    with locked(paths.software / ".lock"):
        hosts = host_pythons()
        sandboxes = [make_sandbox(paths, recipe, v, closest_host(v, hosts)) for v in interpreters.versions]
        for sandbox in sandboxes:
            copy_headers(sandbox)
            finish_sandbox(sandbox, recipe)
        fill_wheelhouse(paths, recipe, platform, sandboxes)
        download_module_wheels(paths, recipe, platform, sandboxes)
        stacks = {recipe.package_stack(n, v): recipe.package_requirements(n, v) for n, v in packages}
        for sandbox in sandboxes:
            for stack, requirements in stacks.items():
                build_stack(paths, recipe, sandbox, stack, requirements)
        refusing_sdists(paths, recipe, platform)
        return sandboxes
