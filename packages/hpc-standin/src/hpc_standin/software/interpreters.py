"""The interpreter behind each python/X module, a relocated copy of the host interpreter closest to X
(binary + standard library, without the host's site-packages), with the host's C headers beside it,
so that packages with C extensions build against it. It is a real interpreter, not a venv, so that
pip outside a venv fails as on the platform (PIP_REQUIRE_VIRTUALENV) and nothing is ever installed
into the host's Python."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..config import ClusterError, Paths, log
from ..process import hermetic_env
from ..recipe import Recipe
from .steps import MODULE_WHEELS, minor_of, run, stamp_matches, wheel_folder, write_stamp


@dataclass(frozen=True)
class HostPython:
    path: str
    version: str  # e.g. "3.11.7"

    @property
    def minor(self) -> str:
        return minor_of(self.version)


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

def make_sandbox(paths: Paths, recipe: Recipe, version: str, host: HostPython) -> Sandbox:
    sandbox = Sandbox(version, host, paths.software / "python" / version)
    inputs = {"host": host.path, "version": host.version, "bootstrap": recipe.bootstrap}
    stamp = sandbox.root / ".stamp"
    if stamp_matches(stamp, inputs):
        return sandbox
    log(f"python/{version}: copying host interpreter {host.path} ({host.version})")
    shutil.rmtree(sandbox.root, ignore_errors=True)
    copy_interpreter(host, sandbox.root)
    bootstrap_pip(sandbox)
    (sandbox.root / "standin.json").write_text(json.dumps(
        {"module_version": version, "host_path": host.path, "host_version": host.version}))
    write_stamp(stamp, {"partial": inputs})  # its bootstrap packages come in finish_sandbox
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


def copy_headers(sandbox: Sandbox) -> None:
    """Python.h and the rest of the host's C headers, where the sandbox's sysconfig looks for them.
    A step of its own, with its own stamp: sandboxes built before it get their headers without
    being rebuilt under the feet of whoever uses them."""
    stamp = sandbox.root / ".stamp-include"
    inputs = {"host": sandbox.host.path, "version": sandbox.host.version}
    if stamp_matches(stamp, inputs):
        return
    source, target = include_dir(sandbox.host.path), include_dir(sandbox.python)
    if not (source / "Python.h").exists():
        log(f"python/{sandbox.module_version}: {sandbox.host.path} has no {source}/Python.h, so C "
            f"extensions will not build (Debian's Python: install python3-dev)")
        return
    log(f"python/{sandbox.module_version}: copying C headers from {source}")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, copy_function=link_or_copy)
    write_stamp(stamp, inputs)


def include_dir(python: str | Path) -> Path:
    return Path(subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
        capture_output=True, text=True, env=hermetic_env(), check=True).stdout.strip())


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


def finish_sandbox(sandbox: Sandbox, recipe: Recipe) -> None:
    """The recipe's bootstrap (pip, setuptools, wheel, virtualenv), from the registry, before the
    wheelhouse: the sandbox's pip resolves it, and ensurepip's (pip 23.0 for Python 3.10) refuses a
    dry run for another Python."""
    inputs = {"host": sandbox.host.path, "version": sandbox.host.version,
              "bootstrap": recipe.bootstrap}
    stamp = sandbox.root / ".stamp"
    if stamp_matches(stamp, inputs):
        return
    log(f"python/{sandbox.module_version}: installing pip, setuptools, wheel, virtualenv")
    run([sandbox.python, "-m", "pip", "install", "--quiet", "--upgrade", "--no-warn-script-location",
         *recipe.bootstrap], env=hermetic_env(PIP_REQUIRE_VIRTUALENV="false"))
    write_stamp(stamp, inputs)


def pip_install(paths: Paths, recipe: Recipe, sandbox: Sandbox, requirements: list, *options) -> None:
    run([sandbox.python, "-m", "pip", "install", "--no-index", "--find-links",
         wheel_folder(paths, recipe), "--find-links", paths.software / MODULE_WHEELS,
         "--no-warn-script-location", *options, *requirements],
        env=hermetic_env(PIP_REQUIRE_VIRTUALENV="false"))
