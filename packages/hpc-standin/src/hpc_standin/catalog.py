"""Write the Lmod module tree of the platform's catalog (platform.toml [modules]) onto the built software.

No code per module: what a module is (its versions, default, aliases, type, what it needs loaded
first, sticky) comes from platform.toml, and how the stand-in provides it (an interpreter, Python
packages on PYTHONPATH, or only its name) from software.toml. The tree is regenerated at each `up`
(it is small) under <state>/modules/Core: one .lua per version, and a .modulerc.lua per name for the
default (D) and the aliases ((t,3.11) style labels).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hpc_platform import Module, Platform

from .config import Paths, write_if_changed
from .software import (INTERPRETER, WHEEL_DIR, Sandbox, build_of, build_versions, package_requirements,
                       package_stack, provides, recipe, stack_prefix)


def setenv_lines(module: Module, version: str) -> str:
    """The recipe's `setenv` table as Lua lines."""
    return "".join(f'setenv("{key}", "{value.format(version=version)}")\n'
                   for key, value in recipe(module.name).get("setenv", {}).items())


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def write_catalog(paths: Paths, platform: Platform, sandboxes: list[Sandbox]) -> None:
    writer = CatalogWriter(paths, platform, sandboxes)
    for module in platform.modules.values():
        kind = provides(module.name)
        for version in module.versions:
            if kind == "interpreter":
                writer.interpreter(module, next(s for s in sandboxes if s.module_version == version))
            elif kind == "python-packages":
                writer.python_packages(module, version)
            else:
                writer.named(module, version)
        writer.modulerc(module)
    write_pip_conf(paths)
    writer.remove_others()


def write_pip_conf(paths: Paths) -> None:
    """The platform's PIP_CONFIG_FILE: `pip install --no-index` finds the wheelhouse."""
    write_if_changed(paths.pip_conf, f"[global]\nfind-links = {paths.wheelhouse / WHEEL_DIR}\n")


def help_text(module: Module, version: str, **fields) -> str:
    """software.toml's `help` for the module (its build's, if a build serves this version), or its
    description and what stands in for it."""
    spec = recipe(module.name)
    values = {"name": module.name, "version": version, "versions": ", ".join(module.versions),
              "build_versions": ", ".join(build_versions(module.name, version, module.versions)), **fields}
    help_template = build_of(module.name, version)[1].get("help", spec.get("help"))
    if help_template:
        return help_template.format(**values)
    return f"{description(module, version)} ({module.name}/{version}).\nStand-in: {stand_in(spec)}"


def description(module: Module, version: str) -> str:
    spec = recipe(module.name)
    text = spec.get("description") or module.description or f"the platform's {module.name} module"
    return text.format(version=version)


def stand_in(spec: dict) -> str:
    """What stands in for a named module: the host's tool named by the first line of its probe."""
    if "probe" not in spec:
        return spec.get("stands_in", "nothing: on the stand-in, the module only names the platform's.")
    if not shutil.which(spec["probe"][0]):
        return spec["missing"]
    result = subprocess.run(spec["probe"], capture_output=True, text=True)
    first = (result.stdout or result.stderr).strip().split("\n")[0]
    return spec["stands_in"].format(probe=first)


def common_lines(module: Module, version: str) -> str:
    """What every modulefile of the module has: its type label, sticky, the modules it needs (a
    python-packages module needs the interpreter its packages were built for, said or not)."""
    needs = list(module.needs)
    if provides(module.name) == "python-packages" and INTERPRETER not in needs:
        needs.append(INTERPRETER)
    lines = []
    if module.property:
        lines.append(f'add_property("type_", "{module.property}")')
    if module.sticky:
        lines.append('add_property("lmod", "sticky")')
    for needed in needs:
        lines += [f'if not isloaded("{needed}") then',
                  f'   LmodError("{module.name}/{version} needs a {needed} module: run `module load {needed}` first.")',
                  "end"]
    return "".join(line + "\n" for line in lines)


class CatalogWriter:
    def __init__(self, paths: Paths, platform: Platform, sandboxes: list[Sandbox]):
        self.paths, self.platform, self.sandboxes = paths, platform, sandboxes
        self.written: set[Path] = set()

    def put(self, path: Path, text: str) -> None:
        write_if_changed(path, text)
        self.written.add(path)

    def write(self, name: str, version: str, body: str) -> None:
        self.put(self.paths.modules / name / f"{version}.lua", body)

    def modulerc(self, module: Module) -> None:
        lines = [f'module_version("{module.name}/{v}", "{alias}")' for v, alias in module.aliases.items()]
        lines.append(f'module_version("{module.name}/{module.default}", "default")')
        self.put(self.paths.modules / module.name / ".modulerc.lua", "\n".join(lines) + "\n")

    def remove_others(self) -> None:
        """Modulefiles of a previous catalog (a version dropped from platform.toml) go away."""
        for path in self.paths.modules.rglob("*.lua"):
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
        self.write(module.name, version, f"""\
help({lua_string(text)})
whatis("Description: Python {version} (stand-in interpreter: Python {host.version})")
{common_lines(module, version)}family("python")
local root = "{sandbox.root}"
prepend_path("PATH", pathJoin(root, "bin"))
setenv("EBROOTPYTHON", root)
setenv("EBVERSIONPYTHON", "{version}")
setenv("PIP_REQUIRE_VIRTUALENV", "true")
setenv("PIP_CONFIG_FILE", "{self.paths.pip_conf}")
""")

    def python_packages(self, module: Module, version: str) -> None:
        """Packages built per python module go on PYTHONPATH; each python module's build is made
        for the interpreter that actually runs it."""
        stack = package_stack(module.name, version)
        packages = ", ".join(package_requirements(module.name, version))
        prefixes = "\n".join(
            f'   ["{s.module_version}"] = {{ "{stack_prefix(self.paths, stack, s.module_version)}", '
            f'"python{s.host.minor}" }},' for s in self.sandboxes)
        libraries = 'prepend_path("LD_LIBRARY_PATH", pathJoin(prefix, "lib"))\n' \
            if recipe(module.name).get("libraries") else ""
        self.write(module.name, version, f"""\
help({lua_string(help_text(module, version, packages=packages))})
{common_lines(module, version)}local builds = {{
{prefixes}
}}
local build = builds[os.getenv("EBVERSION{INTERPRETER.upper()}")]
local prefix = build[1]
prepend_path("PYTHONPATH", pathJoin(prefix, "lib", build[2], "site-packages"))
prepend_path("PATH", pathJoin(prefix, "bin"))
{libraries}{setenv_lines(module, version)}""")

    def named(self, module: Module, version: str) -> None:
        """A module the stand-in cannot provide: it names the platform's, and says what stands in."""
        self.write(module.name, version, f"""\
help({lua_string(help_text(module, version))})
whatis("Description: {description(module, version)}")
{common_lines(module, version)}setenv("EBVERSION{module.name.upper().replace('-', '')}", "{version}")
{setenv_lines(module, version)}""")
