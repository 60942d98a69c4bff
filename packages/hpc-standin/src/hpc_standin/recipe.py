"""A site's recipe: how its stand-in provides each module of platform.toml, and what its wheelhouse holds.

platform.toml says what the platform is; the recipe says how a machine without the platform's
software imitates it: which module is an interpreter, which puts Python packages on PYTHONPATH and
which only names the platform's, which wheels `pip install --no-index` finds, the stand-in's
shorter grace time. It is the site's, not the package's: `standin.toml` beside the site's
platform.toml, or the file HPC_STANDIN_RECIPE names. A site without one gets a stand-in whose
modules only name the platform's and whose wheelhouse is empty, as a plain Lmod site needs.

The recipe names the conventions of the platform's software stack, its `profile`: how `module
avail` titles a tree and labels a module's type, which variables a module sets. The package's
profiles (profiles/*.toml) are data: "plain" (a plain Lmod, the default) and "alliance" (the
Alliance's stack); the recipe's [lmod] table overrides any of their values.
"""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from hpc_platform import Platform

from .config import ClusterError

RECIPE_FILE = "standin.toml"
PROFILES = Path(__file__).resolve().parent / "software" / "profiles"  # the Lmod conventions a recipe names
DEFAULT_PROFILE = "plain"
DEFAULT_WHEEL_DIR = "generic"
DEFAULT_OWNER_ACCOUNT = "{surname}"


@dataclass(frozen=True)
class Profile:
    name: str
    root_variable: str  # "EBROOT{NAME}": the variable of a module's root, NAME its name's capitals
    version_variable: str  # "EBVERSION{NAME}": of its version
    labels: dict[str, dict]  # a module type -> its label in `module avail` ("(math)") and legend (doc)
    tree_title: str | None = None  # how `module avail` titles an environment's tree; None: its folder
    # The stack's own login commands the stand-in has (avail_wheels: the Alliance's, which reads
    # the wheelhouse as gentoo<version>/<arch> and the python module's EBVERSIONPYTHON).
    tools: tuple[str, ...] = ()

    def variable(self, pattern: str, module: str) -> str:
        return pattern.format(NAME=module.upper().replace("-", ""))

    def root_of(self, module: str) -> str:
        return self.variable(self.root_variable, module)

    def version_of(self, module: str) -> str:
        return self.variable(self.version_variable, module)


@dataclass(frozen=True)
class Recipe:
    path: Path | None  # None: the site has no recipe
    data: dict = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, platform: Platform) -> Recipe:
        """The recipe of the site whose platform.toml `platform` was read from."""
        named = os.environ.get("HPC_STANDIN_RECIPE")
        path = Path(named) if named else platform.path.resolve().parent / RECIPE_FILE
        if not named and not path.exists():
            return cls(None)
        return load(path.resolve())

    @functools.cached_property
    def profile(self) -> Profile:
        name = self.data.get("profile", DEFAULT_PROFILE)
        known = sorted(path.stem for path in PROFILES.glob("*.toml"))
        if name not in known:
            raise ClusterError(f"{self.path}: profile {name!r}: the stand-in knows {', '.join(known)}")
        values = tomllib.loads((PROFILES / f"{name}.toml").read_text(encoding="utf-8"))
        values.update(self.data.get("lmod", {}))
        try:
            return Profile(name=name, **{**values, "tools": tuple(values.get("tools", ()))})
        except TypeError as error:  # an unknown key of [lmod]
            raise ClusterError(f"{self.path}: [lmod]: {error}") from None

    # --- modules ------------------------------------------------------------------------------

    def module(self, name: str) -> dict:
        """[modules.<name>]; {} for a module the recipe does not list (it only names the platform's)."""
        return self.data.get("modules", {}).get(name, {})

    def provides(self, name: str) -> str:
        return self.module(name).get("provides", "named")

    @property
    def interpreter(self) -> str | None:
        """The module whose versions are Python interpreters, if the recipe has one."""
        return next((name for name in self.data.get("modules", {}) if self.provides(name) == "interpreter"), None)

    def build_of(self, name: str, version: str) -> tuple[str | None, dict]:
        """The build ([modules.<name>.builds.<build>]) that serves this version, by name and
        recipe; (None, the module's recipe) for the versions no build lists."""
        for build, spec in self.module(name).get("builds", {}).items():
            if version in spec["versions"]:
                return build, spec
        return None, self.module(name)

    def build_versions(self, name: str, version: str, versions: list[str]) -> list[str]:
        """Those of `versions` served by the same build as `version`."""
        return [v for v in versions if self.build_of(name, v)[0] == self.build_of(name, version)[0]]

    def package_requirements(self, name: str, version: str) -> list[str]:
        return [r.format(version=version) for r in self.build_of(name, version)[1]["requirements"]]

    def package_stack(self, name: str, version: str) -> str:
        """The folder of a python-packages module's build: one per build when its requirements do
        not name the version (scipy-stack, scipy-stack-numpy2), else one per version (symengine-0.13.0)."""
        build, spec = self.build_of(name, version)
        if any("{version}" in r for r in spec["requirements"]):
            return f"{name}-{version}"
        return f"{name}-{build}" if build else name

    def package_modules(self, platform: Platform) -> list[tuple[str, str]]:
        """(name, version) of every module of the platform whose packages go on PYTHONPATH."""
        return [(name, version) for name, module in platform.modules.items()
                if self.provides(name) == "python-packages" for version in module.versions]

    # --- the interpreters and the wheelhouse ---------------------------------------------------

    @property
    def bootstrap(self) -> list[str]:
        """What each interpreter gets from the registry before the wheelhouse is resolved."""
        return self.data.get("python", {}).get("bootstrap", [])

    @property
    def wheelhouse(self) -> dict:
        return self.data.get("wheelhouse", {})

    @property
    def wheel_dir(self) -> str:
        """The wheelhouse's folder under the cache, as the platform lays its own out."""
        return self.wheelhouse.get("layout", DEFAULT_WHEEL_DIR)

    @property
    def requirements(self) -> list[str]:
        """What the guide installs besides the packages of the platform's pages."""
        return self.wheelhouse.get("requirements", [])

    # --- Slurm ---------------------------------------------------------------------------------

    def grace_seconds(self, platforms: int) -> int:
        """The platform's grace time, or the recipe's shorter one."""
        return min(platforms, self.data.get("slurm", {}).get("grace_seconds", platforms))

    @property
    def owner_account(self) -> str:
        """The Slurm account of a group that owns nodes, from its owner's {surname}."""
        return self.data.get("slurm", {}).get("owner_account", DEFAULT_OWNER_ACCOUNT)


@functools.cache
def load(path: Path) -> Recipe:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ClusterError(f"{path}: cannot read the stand-in's recipe: {error.strerror}") from None
    try:
        return Recipe(path, tomllib.loads(text))
    except tomllib.TOMLDecodeError as error:
        raise ClusterError(f"{path}: {error}") from None
