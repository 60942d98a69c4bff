"""Build, once, the software behind the module catalog: sandbox interpreters, the wheelhouse, stacks.

Each python/X module gets an interpreter of its own under build/software/python/X: a relocated copy
of the host interpreter closest to X (binary + standard library, without the host's site-packages).
It is a real interpreter, not a venv, so that pip outside a venv fails as on the platform
(PIP_REQUIRE_VIRTUALENV) and nothing is ever installed into the host's Python.
Every step writes a stamp holding the hash of its inputs; a later `up` skips steps whose stamp matches.
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from hpc_platform import Platform

from .config import PACKAGE, ClusterError, Paths, hermetic_env, locked, log

SPEC = tomllib.loads((PACKAGE / "software.toml").read_text())
WHEEL_DIR = SPEC["wheelhouse"]["layout"]
MODULE_WHEELS = "wheels-modules"  # under build/software: the wheels of stack modules, not pip's to find
INTERPRETER = "python"  # the module whose versions are interpreters (EBVERSIONPYTHON, `python`)


def recipe(name: str) -> dict:
    """How the stand-in provides module `name` (software.toml [modules.<name>]; {} if unlisted)."""
    return SPEC["modules"].get(name, {})


def provides(name: str) -> str:
    return recipe(name).get("provides", "named")


def package_requirements(name: str, version: str) -> list[str]:
    return [requirement.format(version=version) for requirement in recipe(name)["requirements"]]


def package_stack(name: str, version: str) -> str:
    """The folder of a python-packages module's build: one for all its versions when its
    requirements do not name the version (scipy-stack), else one per version (symengine-0.13.0)."""
    return name if all("{version}" not in r for r in recipe(name)["requirements"]) else f"{name}-{version}"


def package_modules(platform: Platform) -> list[tuple[str, str]]:
    """(name, version) of every module of the platform whose packages go on PYTHONPATH."""
    return [(name, version) for name, module in platform.modules.items()
            if provides(name) == "python-packages" for version in module.versions]


@dataclass(frozen=True)
class HostPython:
    path: str
    version: str  # e.g. "3.11.7"

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])


@dataclass(frozen=True)
class Sandbox:
    """The interpreter behind one python/X module."""
    module_version: str  # e.g. "3.11.5"
    host: HostPython
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def exact(self) -> bool:
        return self.host.version == self.module_version


def minor_of(version: str) -> str:
    return ".".join(version.split(".")[:2])


def run(command: list, **kwargs) -> None:
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)
    if result.returncode:
        raise ClusterError(f"{' '.join(map(str, command))} failed ({result.returncode}):\n"
                           f"{result.stdout[-3000:]}{result.stderr[-3000:]}")


def stamp_matches(stamp: Path, inputs: object) -> bool:
    return stamp.exists() and stamp.read_text() == digest(inputs)


def write_stamp(stamp: Path, inputs: object) -> None:
    stamp.write_text(digest(inputs))


def digest(inputs: object) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


# --- host interpreters -------------------------------------------------------------------------

def host_pythons() -> list[HostPython]:
    """Base (non-venv) CPython interpreters on this host: pyenv's versions, then the system's."""
    pyenv = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    patterns = [f"{pyenv}/versions/*/bin/python3.[0-9]*", "/usr/bin/python3.[0-9]*",
                "/usr/local/bin/python3.[0-9]*"]
    found, seen = [], set()
    for pattern in patterns:
        for path in sorted(glob.glob(pattern)):
            if not path.rsplit("python", 1)[1].replace(".", "").isdigit():
                continue  # python3.11-config and the like
            real = os.path.realpath(path)
            if real in seen or not os.access(real, os.X_OK):
                continue
            seen.add(real)
            probe = subprocess.run(
                [real, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3], "
                             "sys.prefix == sys.base_prefix)"],
                capture_output=True, text=True, env=hermetic_env())
            if probe.returncode == 0 and probe.stdout.split()[1] == "True":
                found.append(HostPython(real, probe.stdout.split()[0]))
    return found


def closest_host(version: str, hosts: list[HostPython]) -> HostPython:
    """The exact version if present, else the newest of the same minor, else the nearest minor."""
    if not hosts:
        raise ClusterError("no Python 3 interpreter found on this host (looked in pyenv, /usr/bin, "
                           "/usr/local/bin)")
    key = tuple(map(int, version.split(".")))

    def distance(host: HostPython) -> tuple:
        have = tuple(map(int, host.version.split(".")))
        return (have != key, have[:2] != key[:2], abs(have[1] - key[1]), -have[2])

    return min(hosts, key=distance)


# --- sandbox interpreters ----------------------------------------------------------------------

def make_sandbox(paths: Paths, version: str, host: HostPython) -> Sandbox:
    sandbox = Sandbox(version, host, paths.software / "python" / version)
    inputs = {"host": host.path, "version": host.version, "bootstrap": SPEC["python"]["bootstrap"]}
    stamp = sandbox.root / ".stamp"
    if stamp_matches(stamp, inputs):
        return sandbox
    log(f"python/{version}: copying host interpreter {host.path} ({host.version})")
    shutil.rmtree(sandbox.root, ignore_errors=True)
    copy_interpreter(host, sandbox.root)
    bootstrap_pip(sandbox)
    (sandbox.root / "standin.json").write_text(json.dumps(
        {"module_version": version, "host_path": host.path, "host_version": host.version}))
    write_stamp(stamp, {"partial": inputs})  # bootstrap packages come once the wheelhouse exists
    return sandbox


def copy_interpreter(host: HostPython, root: Path) -> None:
    info = subprocess.run(
        [host.path, "-c", "import sysconfig, sys; print(sysconfig.get_paths()['stdlib']); "
                          "print(sysconfig.get_config_var('LIBDIR') or '')"],
        capture_output=True, text=True, env=hermetic_env(), check=True).stdout.split("\n")
    stdlib, libdir = Path(info[0]), Path(info[1]) if info[1] else None
    # EXTERNALLY-MANAGED (PEP 668, Debian's) belongs to the system's Python, not to this copy.
    skip = shutil.ignore_patterns("site-packages", "dist-packages", "test", "__pycache__",
                                  "idlelib", "turtledemo", "EXTERNALLY-MANAGED")
    shutil.copytree(stdlib, root / "lib" / stdlib.name, ignore=skip, copy_function=link_or_copy)
    (root / "bin").mkdir(parents=True)
    exe = root / "bin" / f"python{host.minor}"
    shutil.copy2(host.path, exe)
    for alias in ("python3", "python"):
        (root / "bin" / alias).symlink_to(exe.name)
    if libdir:  # shared builds (pyenv's) load libpythonX.Y.so from their RUNPATH
        for lib in libdir.glob(f"libpython{host.minor}*.so*"):
            shutil.copy2(lib, root / "lib" / lib.name)
    probe = subprocess.run([exe, "-c", "import sys; print(sys.prefix)"], capture_output=True,
                           text=True, env=hermetic_env())
    if probe.stdout.strip() != str(root):
        raise ClusterError(f"relocated interpreter {exe} reports prefix {probe.stdout.strip()!r}, "
                           f"expected {root}: {probe.stderr}")


def bootstrap_pip(sandbox: Sandbox) -> None:
    """pip into the sandbox, offline: ensurepip, or (Debian disables it) pip run from its own wheel."""
    ensurepip = subprocess.run([sandbox.python, "-m", "ensurepip", "--default-pip"],
                               capture_output=True, text=True, env=hermetic_env())
    if ensurepip.returncode == 0:
        return
    wheels = sorted(glob.glob("/usr/share/python-wheels/pip-*.whl"))
    if not wheels:
        raise ClusterError(f"no pip for {sandbox.python}: ensurepip failed ({ensurepip.stderr.strip()[:200]}) "
                           f"and no /usr/share/python-wheels/pip-*.whl (Debian package python3-pip-whl)")
    run([sandbox.python, f"{wheels[-1]}/pip", "install", "--no-index", "--find-links",
         os.path.dirname(wheels[-1]), "pip"], env=hermetic_env())


def link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def finish_sandbox(paths: Paths, sandbox: Sandbox) -> None:
    inputs = {"host": sandbox.host.path, "version": sandbox.host.version,
              "bootstrap": SPEC["python"]["bootstrap"]}
    stamp = sandbox.root / ".stamp"
    if stamp_matches(stamp, inputs):
        return
    log(f"python/{sandbox.module_version}: installing pip, setuptools, wheel, virtualenv")
    pip_install(paths, sandbox, SPEC["python"]["bootstrap"], "--upgrade")
    write_stamp(stamp, inputs)


def pip_install(paths: Paths, sandbox: Sandbox, requirements: list, *options) -> None:
    run([sandbox.python, "-m", "pip", "install", "--no-index", "--find-links",
         paths.wheelhouse / WHEEL_DIR, "--find-links", paths.software / MODULE_WHEELS,
         "--no-warn-script-location", *options, *requirements],
        env=hermetic_env(PIP_REQUIRE_VIRTUALENV="false"))


# --- wheelhouse --------------------------------------------------------------------------------

def download(sandbox: Sandbox, requirements: list, dest: Path, target: str) -> None:
    """Fetch binary wheels for Python `target` (X.Y) into dest, once per version."""
    stamp = dest / f".stamp-{target}"
    if not requirements or stamp_matches(stamp, requirements):
        return
    log(f"{dest.name}: downloading wheels for Python {target} from the package registry")
    dest.mkdir(parents=True, exist_ok=True)
    # The sandbox's own pip resolves markers for its own Python; for another version it is told
    # the version explicitly.
    cross = [] if sandbox.host.minor == target else ["--python-version", target]
    run([sandbox.python, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "-d", dest,
         *cross, *requirements], env=hermetic_env())
    write_stamp(stamp, requirements)


def wheelhouse_requirements(platform: Platform) -> list:
    """software.toml's list, and the packages at the version the platform's package pages install."""
    return SPEC["wheelhouse"]["requirements"] + [f"{name}=={version}"
                                                 for name, version in platform.packages.items()]


def module_requirements(platform: Platform) -> list:
    """The wheels behind the python-packages modules that the wheelhouse does not have already."""
    have = set(wheelhouse_requirements(platform))
    wanted = [r for name, version in package_modules(platform) for r in package_requirements(name, version)]
    return [r for r in dict.fromkeys(wanted) if r not in have]


def download_all(paths: Paths, platform: Platform, sandboxes: list[Sandbox]) -> None:
    """Wheels for each module's Python (what avail_wheels lists) and for each interpreter that
    actually runs (a stand-in of another version installs its own version's wheels)."""
    for sandbox in sandboxes:
        for target in sorted({minor_of(sandbox.module_version), sandbox.host.minor}):
            download(sandbox, wheelhouse_requirements(platform), paths.wheelhouse / WHEEL_DIR, target)
            download(sandbox, module_requirements(platform), paths.software / MODULE_WHEELS, target)


def refusing_sdists(paths: Paths, platform: Platform) -> None:
    """As on the platform, `pip install mpi4py` in a venv fails and says to load the module: an
    sdist of that name whose setup.py exits with the recipe's `pip_refuses` message."""
    for name, version in package_modules(platform):
        message = recipe(name).get("pip_refuses")
        dest = paths.wheelhouse / WHEEL_DIR / f"{name}-{version}.tar.gz"
        if not message or dest.exists():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        setup = f"import sys\nsys.exit({message!r})\n"
        pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        with tarfile.open(dest, "w:gz") as tar:
            for member, text in (("setup.py", setup), ("PKG-INFO", pkg_info)):
                data = text.encode()
                info = tarfile.TarInfo(f"{name}-{version}/{member}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


# --- stacks on PYTHONPATH ----------------------------------------------------------------------

def stack_prefix(paths: Paths, name: str, module_version: str) -> Path:
    """Where a stack (scipy-stack, symengine-0.13.0) keeps its packages for one python module."""
    return paths.software / name / f"python-{module_version}"


def build_stack(paths: Paths, sandbox: Sandbox, name: str, requirements: list) -> None:
    prefix = stack_prefix(paths, name, sandbox.module_version)
    stamp = prefix / ".stamp"
    inputs = {"requirements": requirements, "host": sandbox.host.version}
    if stamp_matches(stamp, inputs):
        return
    log(f"{name}: installing {' '.join(requirements)} for python/{sandbox.module_version}")
    shutil.rmtree(prefix, ignore_errors=True)
    pip_install(paths, sandbox, requirements, "--ignore-installed", "--prefix", prefix)
    write_stamp(stamp, inputs)


def build_all(paths: Paths, platform: Platform) -> list[Sandbox]:
    """Everything the catalog needs, for each python module; cached across `up`s and instances."""
    packages = package_modules(platform)
    interpreters = platform.modules.get(INTERPRETER)
    if packages and interpreters is None:
        raise ClusterError(f"{platform.path}: {packages[0][0]} puts Python packages on PYTHONPATH, "
                           f"for each {INTERPRETER} module, and [modules] has no {INTERPRETER}")
    if interpreters is None:
        return []
    with locked(paths.software / ".lock"):
        hosts = host_pythons()
        sandboxes = [make_sandbox(paths, v, closest_host(v, hosts)) for v in interpreters.versions]
        download_all(paths, platform, sandboxes)
        for sandbox in sandboxes:
            finish_sandbox(paths, sandbox)
            stacks = {package_stack(n, v): package_requirements(n, v) for n, v in packages}
            for stack, requirements in stacks.items():
                build_stack(paths, sandbox, stack, requirements)
        refusing_sdists(paths, platform)
        return sandboxes
