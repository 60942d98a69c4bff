"""Write the Lmod module tree that mirrors the platform's catalog (platform.toml) onto the built software.

The tree is regenerated at each `up` (it is small) under <state>/modules/Core: one .lua per version,
and a .modulerc.lua per name for the default (D) and the short aliases ((t,3.11) style labels).
Modules that the stand-in only names (gcc, imkl...) come from software.toml [named_modules], one
generic writer for them all.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from config import Paths, Platform, write_if_changed
from software import MPI4PY_VERSION, SPEC, WHEEL_DIR, Sandbox, stack_prefix

# Short aliases the platform shows next to a version in `module avail`, e.g. python/3.11.5 (t,D:3.11).
# The platform's catalog has none for python/3.12.4; the seeds show "(t)" alone there.
PYTHON_ALIASES = {"3.10.13": "3.10", "3.11.5": "3.11"}


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def write_catalog(paths: Paths, platform: Platform, sandboxes: list[Sandbox]) -> None:
    writer = CatalogWriter(paths, platform, sandboxes)
    for sandbox in sandboxes:
        writer.python(sandbox)
    for version in platform.modules["scipy-stack"]:
        writer.scipy_stack(version)
    for version in platform.modules["ipython-kernel"]:
        writer.ipython_kernel(version)
    for version in platform.modules["python-build-bundle"]:
        writer.python_build_bundle(version)
    for version in platform.modules["StdEnv"]:
        writer.stdenv(version)
    for version in platform.modules["symengine"]:
        writer.symengine(version)
    for name, spec in SPEC["named_modules"].items():
        for version in platform.modules[name]:
            writer.named_module(name, version, spec)
    writer.mpi4py()
    for name, default in platform.defaults.items():
        writer.modulerc(name, default, PYTHON_ALIASES if name == "python" else {})
    write_pip_conf(paths)
    writer.remove_others()


def write_pip_conf(paths: Paths) -> None:
    """The platform's PIP_CONFIG_FILE: `pip install --no-index` finds the wheelhouse."""
    write_if_changed(paths.pip_conf, f"[global]\nfind-links = {paths.wheelhouse / WHEEL_DIR}\n")


class CatalogWriter:
    def __init__(self, paths: Paths, platform: Platform, sandboxes: list[Sandbox]):
        self.paths, self.platform, self.sandboxes = paths, platform, sandboxes
        self.written: set[Path] = set()

    def put(self, path: Path, text: str) -> None:
        write_if_changed(path, text)
        self.written.add(path)

    def write(self, name: str, version: str, body: str) -> None:
        self.put(self.paths.modules / name / f"{version}.lua", body)

    def modulerc(self, name: str, default: str, aliases: dict) -> None:
        lines = [f'module_version("{name}/{v}", "{alias}")' for v, alias in aliases.items()]
        lines.append(f'module_version("{name}/{default}", "default")')
        self.put(self.paths.modules / name / ".modulerc.lua", "\n".join(lines) + "\n")

    def remove_others(self) -> None:
        """Modulefiles of a previous catalog (a version dropped from platform.toml) go away."""
        for path in self.paths.modules.rglob("*.lua"):
            if path not in self.written:
                path.unlink()

    def python(self, sandbox: Sandbox) -> None:
        version, host = sandbox.module_version, sandbox.host
        if sandbox.exact:
            origin = f"Interpreter: Python {version}."
        else:
            origin = (f"Stand-in: this host has no Python {version}; Python {host.version} "
                      f"({host.path}) stands in for it.")
        text = (f"Python {version} on the stand-in platform.\n{origin}\n"
                f"pip installs only inside a virtual environment (PIP_REQUIRE_VIRTUALENV=true);\n"
                f"`pip install --no-index` installs from the wheelhouse (see avail_wheels).")
        self.write("python", version, f"""\
help({lua_string(text)})
whatis("Description: Python {version} (stand-in interpreter: Python {host.version})")
add_property("type_", "tools")
family("python")
local root = "{sandbox.root}"
prepend_path("PATH", pathJoin(root, "bin"))
setenv("EBROOTPYTHON", root)
setenv("EBVERSIONPYTHON", "{version}")
setenv("PIP_REQUIRE_VIRTUALENV", "true")
setenv("PIP_CONFIG_FILE", "{self.paths.pip_conf}")
""")

    def stack_module(self, name: str, version: str, text: str, stack: str, extra: str = "") -> None:
        """A module whose packages, built per python module, go on PYTHONPATH (load python first).
        Each python module's stack is built for the interpreter that actually runs it."""
        prefixes = "\n".join(
            f'   ["{s.module_version}"] = {{ "{stack_prefix(self.paths, stack, s.module_version)}", '
            f'"python{s.host.minor}" }},' for s in self.sandboxes)
        self.write(name, version, f"""\
help({lua_string(text)})
add_property("type_", "math")
local builds = {{
{prefixes}
}}
local build = builds[os.getenv("EBVERSIONPYTHON") or ""]
if not build then
   LmodError("{name}/{version} needs a python module: run `module load python` first.")
end
local prefix = build[1]
prepend_path("PYTHONPATH", pathJoin(prefix, "lib", build[2], "site-packages"))
prepend_path("PATH", pathJoin(prefix, "bin"))
{extra}""")

    def scipy_stack(self, version: str) -> None:
        packages = ", ".join(SPEC["scipy_stack"]["requirements"])
        versions = ", ".join(self.platform.modules["scipy-stack"])
        text = (f"SciPy stack {version}: {packages}.\n"
                f"Stand-in: scipy-stack {versions} all provide this same set.")
        self.stack_module("scipy-stack", version, text, "scipy-stack")

    def symengine(self, version: str) -> None:
        text = (f"SymEngine {version}, a fast symbolic manipulation library, and its Python package.\n"
                f"Stand-in: the Python package is the PyPI wheel symengine=={version}, per python module.")
        self.stack_module("symengine", version, text, f"symengine-{version}")

    def named_module(self, name: str, version: str, spec: dict) -> None:
        """A module the stand-in cannot provide: it names the platform's, and says what stands in."""
        text = f"{spec['description']} ({name}/{version}).\nStand-in: {stand_in(spec)}"
        self.write(name, version, f"""\
help({lua_string(text)})
whatis("Description: {spec['description']}")
add_property("type_", "{spec['type']}")
setenv("EBVERSION{name.upper().replace('-', '')}", "{version}")
""")

    def mpi4py(self) -> None:
        text = (f"mpi4py {MPI4PY_VERSION} with MPICH (the `mpich` wheel); run programs with "
                f"`srun python script.py`\n(Slurm's MpiDefault is pmi2).")
        extra = 'prepend_path("LD_LIBRARY_PATH", pathJoin(prefix, "lib"))\n'
        self.stack_module("mpi4py", MPI4PY_VERSION, text, "mpi4py", extra)

    def ipython_kernel(self, version: str) -> None:
        text = (f"IPython kernel for Python {version} (JupyterHub on the platform).\n"
                f"Stand-in: this module sets nothing; no Jupyter service runs here.")
        self.write("ipython-kernel", version,
                   f'help({lua_string(text)})\nwhatis("Description: IPython kernel {version}")\n')

    def python_build_bundle(self, version: str) -> None:
        text = (f"Build tools for Python packages ({version}) on the platform.\n"
                f"Stand-in: this module sets nothing; pip, setuptools and wheel come with python.")
        self.write("python-build-bundle", version,
                   f'help({lua_string(text)})\nwhatis("Description: python-build-bundle {version}")\n')

    def stdenv(self, version: str) -> None:
        text = (f"Standard environment {version}.\n"
                f"Stand-in: the wheelhouse is gentoo2023's for every StdEnv.")
        self.write("StdEnv", version, f"""\
help({lua_string(text)})
add_property("lmod", "sticky")
setenv("EBVERSIONGENTOO", "{version}")
""")


def stand_in(spec: dict) -> str:
    """What stands in for a named module: the host's tool named by the first line of its probe."""
    if "probe" not in spec:
        return spec["stands_in"]
    if not shutil.which(spec["probe"][0]):
        return spec["missing"]
    result = subprocess.run(spec["probe"], capture_output=True, text=True)
    first = (result.stdout or result.stderr).strip().split("\n")[0]
    return spec["stands_in"].format(probe=first)
