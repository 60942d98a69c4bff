"""Write the Lmod module trees of the platform's catalog (platform.toml [modules]) onto the built software.

No code per module: what a module is (its versions, default, aliases, type, what it needs loaded
first, sticky, what each version loads and sets, which tree holds it and which tree it opens)
comes from platform.toml, and how the stand-in provides it (an interpreter, Python packages on
PYTHONPATH, or only its name) from the site's recipe (recipe.py). The trees are regenerated at
each `up` (they are small) under <state>/modules: `custom/` for the core modules, on the module path from login, and
one `<environment>/Core/` per software environment, which a module's `opens` adds to the module
path, as gentoo/2023 adds StdEnv/2023's on the platform. Each holds one .lua per version, and a
.modulerc.lua per name for the default (D) and the aliases ((t,3.11) style labels).

Lmod itself does the rest, as on the platform: the order of `module list`, sticky modules kept by
`module purge` with what they loaded, and what `module load StdEnv/2020` reloads, makes inactive
or changes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from hpc_platform import Module, Platform

from ..config import ClusterError, Paths, write_if_changed
from ..recipe import Recipe
from .interpreters import Sandbox
from .stacks import stack_prefix
from .steps import wheel_folder

LMOD_TEMPLATES = Path(__file__).resolve().parent / "lmod"


def setenv_lines(recipe: Recipe, module: Module, version: str | None) -> str:
    """The recipe's `setenv` table as Lua lines."""
    return "".join(f'setenv("{key}", "{value.format(version=version or "")}")\n'
                   for key, value in recipe.module(module.name).get("setenv", {}).items())


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


VARIABLE = re.compile(r"\$\{?(\w+)\}?")


def lua_value(text: str) -> str:
    """A value of platform.toml ("/scratch/$USER") as a Lua expression that reads its variables."""
    parts = [repr(part) if index % 2 == 0 else f'(os.getenv("{part}") or "")'
             for index, part in enumerate(VARIABLE.split(text))]
    return " .. ".join(part for part in parts if part != "''") or '""'


def sets_lines(module: Module) -> str:
    """What the module sets (platform.toml's `sets`), and in a job what it sets there: where each
    variable its value names is set, as CCconfig sets LOCAL_SCRATCH from SLURM_TMPDIR; with
    `sets_unless_set`, only the variables not set already."""
    unset = (lambda name: f'not os.getenv("{name}")') if module.sets_unless_set else (lambda name: "")
    lines = [f'if {unset(name)} then setenv("{name}", {lua_value(value)}) end' if unset(name)
             else f'setenv("{name}", {lua_value(value)})' for name, value in module.sets.items()]
    for name, value in module.sets_in_jobs.items():
        named = VARIABLE.findall(value) or ["SLURM_JOB_ID"]
        condition = " and ".join([f'os.getenv("{variable}")' for variable in named] + [unset(name)] * bool(unset(name)))
        lines.append(f'if {condition} then setenv("{name}", {lua_value(value)}) end')
    return "".join(line + "\n" for line in lines)


def write_catalog(paths: Paths, platform: Platform, sandboxes: list[Sandbox]) -> None:
    writer = CatalogWriter(paths, platform, sandboxes)
    for module in platform.modules.values():
        kind = writer.recipe.provides(module.name)
        for version in module.versions or (None,):
            if kind == "interpreter":
                writer.interpreter(module, next(s for s in sandboxes if s.module_version == version))
            elif kind == "python-packages":
                writer.python_packages(module, version)
            else:
                writer.named(module, version)
        writer.modulerc(module)
    write_pip_conf(paths, writer.recipe)
    write_lmod_config(paths, writer.recipe)
    writer.remove_others()


def custom_tree(paths: Paths) -> Path:
    """The core modules' folder: on the module path from login, whatever environment is loaded."""
    return paths.state / "modules" / "custom"


def environment_tree(paths: Paths, environment: str | None) -> Path:
    """A software environment's module tree (`module avail` titles it "Core Modules"); a platform
    without environments has one."""
    return paths.state / "modules" / (environment or "all") / "Core"


def login_modulepath(paths: Paths, platform: Platform) -> list[Path]:
    """The module path at login, before any module opens a tree."""
    return [custom_tree(paths)] if platform.environments else [custom_tree(paths), environment_tree(paths, None)]


def login_loads(platform: Platform) -> list[str]:
    """What the login loads for `module list` to show platform.toml's login modules: those no other
    login module loads, by name where the version is the default, as a login names them (Lmod
    reports an inactive module by the name it was loaded with)."""
    loaded = set()
    for entry in platform.login.modules:
        found = platform.module_version(entry)
        if found:
            module, version = found
            loaded |= set(module.loads.get(version or "", ()))
    loaded = closure(platform, loaded)
    top = []
    for entry in platform.login.modules:
        if entry in loaded:
            continue
        module, version = platform.module_version(entry)
        top.append(module.name if version in (None, module.default) else entry)
    return top


def closure(platform: Platform, entries: set[str]) -> set[str]:
    """The entries and everything they load, and so on."""
    found, todo = set(), list(entries)
    while todo:
        entry = todo.pop()
        if entry in found:
            continue
        found.add(entry)
        module_version = platform.module_version(entry)
        if module_version:
            module, version = module_version
            todo += module.loads.get(version or "", ())
    return found


def write_pip_conf(paths: Paths, recipe: Recipe) -> None:
    """The platform's PIP_CONFIG_FILE: `pip install --no-index` finds the wheelhouse.

    The stand-in may run as root (CI does), a reader never does: pip's warning to root, which an
    install outside a virtual environment prints, is not the platform's (root-user-action)."""
    write_if_changed(paths.pip_conf, f"[global]\nfind-links = {wheel_folder(paths, recipe)}\n"
                                     "root-user-action = ignore\n")


def write_lmod_config(paths: Paths, recipe: Recipe) -> None:
    """Lmod's lmodrc.lua and SitePackage.lua for the instance, from the package's templates and the
    profile: the labels of module types, and the title of a software environment's tree."""
    profile = recipe.profile
    labels = "".join(f'         {kind} = {{ short = {lua_string(shown["label"])}, long = {lua_string(shown["label"])}, '
                     f'color = "blue", doc = {lua_string(shown.get("doc", kind))}, }},\n'
                     for kind, shown in profile.labels.items())
    valid = " ".join(f"{kind} = 1," for kind in profile.labels)
    type_property = (f"   type_ = {{\n      validT = {{ {valid} }},\n      displayT = {{\n{labels}      }},\n   }},\n"
                     if profile.labels else "")
    rc = (LMOD_TEMPLATES / "lmodrc.lua").read_text().replace("@TYPE_LABELS@", type_property)
    write_if_changed(paths.lmod / "lmodrc.lua", rc)
    if profile.tree_title:
        hooks = (LMOD_TEMPLATES / "SitePackage.lua").read_text().replace("@TREE_TITLE@",
                                                                           lua_string(profile.tree_title))
    else:
        hooks = "-- The profile titles no tree: `module avail` shows each tree's folder, as Lmod does.\n"
    write_if_changed(paths.lmod / "SitePackage.lua", hooks)


def help_text(recipe: Recipe, module: Module, version: str, **fields) -> str:
    """The recipe's `help` for the module (its build's, if a build serves this version), or its
    description and what stands in for it."""
    spec = recipe.module(module.name)
    values = {"name": module.name, "version": version, "versions": ", ".join(module.versions),
              "build_versions": ", ".join(recipe.build_versions(module.name, version, module.versions)),
              **fields}
    help_template = recipe.build_of(module.name, version)[1].get("help", spec.get("help"))
    if help_template:
        return help_template.format(**values)
    return f"{description(recipe, module, version)} ({module.full_name(version)}).\nStand-in: {stand_in(spec)}"


def description(recipe: Recipe, module: Module, version: str) -> str:
    spec = recipe.module(module.name)
    text = spec.get("description") or f"the platform's {module.name} module"
    return text.format(version=version or "")


def stand_in(spec: dict) -> str:
    """What stands in for a named module: the host's tool named by the first line of its probe."""
    if "probe" not in spec:
        return spec.get("stands_in", "nothing: on the stand-in, the module only names the platform's.")
    if not shutil.which(spec["probe"][0]):
        return spec["missing"]
    result = subprocess.run(spec["probe"], capture_output=True, text=True)
    first = (result.stdout or result.stderr).strip().split("\n")[0]
    return spec["stands_in"].format(probe=first)


def common_lines(paths: Paths, recipe: Recipe, module: Module, version: str | None) -> str:
    """What every modulefile of the module has: its type label, sticky, the modules it needs (a
    python-packages module needs the interpreter its packages were built for, said or not), the
    tree it opens, what it loads and what it sets."""
    needs = list(module.needs)
    if recipe.provides(module.name) == "python-packages" and recipe.interpreter not in needs:
        needs.append(recipe.interpreter)
    lines = []
    if module.type:
        if module.type not in recipe.profile.labels:
            raise ClusterError(f"{module.name}: type {module.type!r} (platform.toml) has no label in the "
                               f"stand-in's profile {recipe.profile.name!r}: add it to the recipe's "
                               f"[lmod.labels] ({recipe.path or 'no recipe'})")
        lines.append(f'add_property("type_", "{module.type}")')
    if module.sticky:
        lines.append('add_property("lmod", "sticky")')
    for needed in needs:
        lines += [f'if not isloaded("{needed}") then',
                  f'   LmodError("{module.full_name(version)} needs a {needed} module: '
                  f'run `module load {needed}` first.")',
                  "end"]
    # As the platform's gentoo and StdEnv do: one adds its environment's tree when loaded, the
    # other when `module spider` reads it, so spider says a module of that tree needs StdEnv.
    if version in module.opens:
        lines.append(f'if mode() ~= "spider" then prepend_path("MODULEPATH", '
                     f'"{environment_tree(paths, module.opens[version])}") end')
    if version in module.spider_opens:
        lines.append(f'if mode() == "spider" then prepend_path("MODULEPATH", '
                     f'"{environment_tree(paths, module.spider_opens[version])}") end')
    lines += [f'load("{entry}")' for entry in module.loads.get(version or "", ())]
    return "".join(line + "\n" for line in lines) + sets_lines(module)


class CatalogWriter:
    def __init__(self, paths: Paths, platform: Platform, sandboxes: list[Sandbox]):
        self.paths, self.platform, self.sandboxes = paths, platform, sandboxes
        self.recipe = Recipe.of(platform)
        self.written: set[Path] = set()

    def put(self, path: Path, text: str) -> None:
        write_if_changed(path, text)
        self.written.add(path)

    def trees(self, module: Module, version: str | None) -> list[Path]:
        trees = module.trees(version, self.platform.default_environment)
        return [environment_tree(self.paths, tree) for tree in trees] if trees else [custom_tree(self.paths)]

    def write(self, module: Module, version: str | None, body: str) -> None:
        for tree in self.trees(module, version):
            self.put(tree / (f"{module.name}/{version}.lua" if version else f"{module.name}.lua"), body)

    def modulerc(self, module: Module) -> None:
        if not module.versions:
            return
        lines = [f'module_version("{module.name}/{v}", "{alias}")' for v, alias in module.aliases.items()]
        lines.append(f'module_version("{module.name}/{module.default}", "default")')
        for tree in {tree for version in module.versions for tree in self.trees(module, version)}:
            self.put(tree / module.name / ".modulerc.lua", "\n".join(lines) + "\n")

    def remove_others(self) -> None:
        """Modulefiles of a previous catalog (a version dropped from platform.toml) go away."""
        for path in (self.paths.state / "modules").rglob("*.lua"):
            if path not in self.written:
                path.unlink()

    def interpreter(self, module: Module, sandbox: Sandbox) -> None:
        version, host = sandbox.module_version, sandbox.host
        if sandbox.exact:
            origin = f"Interpreter: Python {version}."
        else:
            origin = (f"Stand-in: this host has no Python {version}; Python {host.version} "
                      f"({host.path}) stands in for it.")
        text = (f"Python {version} on the stand-in platform.\n{origin}\n"
                f"pip installs only inside a virtual environment (PIP_REQUIRE_VIRTUALENV=true);\n"
                f"`pip install --no-index` installs from the wheelhouse (see avail_wheels).")
        self.write(module, version, f"""\
help({lua_string(text)})
whatis("Description: Python {version} (stand-in interpreter: Python {host.version})")
{common_lines(self.paths, self.recipe, module, version)}family("python")
local root = "{sandbox.root}"
prepend_path("PATH", pathJoin(root, "bin"))
setenv("{self.recipe.profile.root_of(module.name)}", root)
setenv("{self.recipe.profile.version_of(module.name)}", "{version}")
setenv("PIP_REQUIRE_VIRTUALENV", "true")
setenv("PIP_CONFIG_FILE", "{self.paths.pip_conf}")
""")

    def python_packages(self, module: Module, version: str) -> None:
        """Packages built per python module go on PYTHONPATH; each python module's build is made
        for the interpreter that actually runs it."""
        stack = self.recipe.package_stack(module.name, version)
        packages = ", ".join(self.recipe.package_requirements(module.name, version))
        prefixes = "\n".join(
            f'   ["{s.module_version}"] = {{ "{stack_prefix(self.paths, stack, s.module_version)}", '
            f'"python{s.host.minor}" }},' for s in self.sandboxes)
        libraries = 'prepend_path("LD_LIBRARY_PATH", pathJoin(prefix, "lib"))\n' \
            if self.recipe.module(module.name).get("libraries") else ""
        self.write(module, version, f"""\
help({lua_string(help_text(self.recipe, module, version, packages=packages))})
{common_lines(self.paths, self.recipe, module, version)}local builds = {{
{prefixes}
}}
local build = builds[os.getenv("{self.recipe.profile.version_of(self.recipe.interpreter)}")]
local prefix = build[1]
prepend_path("PYTHONPATH", pathJoin(prefix, "lib", build[2], "site-packages"))
prepend_path("PATH", pathJoin(prefix, "bin"))
{libraries}{setenv_lines(self.recipe, module, version)}""")

    def named(self, module: Module, version: str | None) -> None:
        """A module the stand-in cannot provide: it names the platform's, and says what stands in."""
        variable = self.recipe.profile.version_of(module.name)
        marker = f'setenv("{variable}", "{version.lstrip(".")}")\n' if version else ""
        self.write(module, version, f"""\
help({lua_string(help_text(self.recipe, module, version))})
whatis("Description: {description(self.recipe, module, version)}")
{common_lines(self.paths, self.recipe, module, version)}{marker}{setenv_lines(self.recipe, module, version)}""")
