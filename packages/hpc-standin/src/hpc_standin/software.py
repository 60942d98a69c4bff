"""Build, once, the software behind the module catalog: sandbox interpreters, the wheelhouse, stacks.

Each python/X module gets an interpreter of its own under build/software/python/X: a relocated copy
of the host interpreter closest to X (binary + standard library, without the host's site-packages),
and the host's C headers beside them, so that packages with C extensions build against it.
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
import tempfile
import time
import tomllib
import zipfile
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


def build_of(name: str, version: str) -> tuple[str | None, dict]:
    """The build (software.toml [modules.<name>.builds.<build>]) that serves this version, by name
    and recipe; (None, the module's recipe) for the versions no build lists."""
    for build, spec in recipe(name).get("builds", {}).items():
        if version in spec["versions"]:
            return build, spec
    return None, recipe(name)


def build_versions(name: str, version: str, versions: list[str]) -> list[str]:
    """Those of `versions` served by the same build as `version`."""
    return [v for v in versions if build_of(name, v)[0] == build_of(name, version)[0]]


def package_requirements(name: str, version: str) -> list[str]:
    return [requirement.format(version=version) for requirement in build_of(name, version)[1]["requirements"]]


def package_stack(name: str, version: str) -> str:
    """The folder of a python-packages module's build: one per build when its requirements do not
    name the version (scipy-stack, scipy-stack-numpy2), else one per version (symengine-0.13.0)."""
    build, spec = build_of(name, version)
    if any("{version}" in r for r in spec["requirements"]):
        return f"{name}-{version}"
    return f"{name}-{build}" if build else name


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

def download(sandbox: Sandbox, requirements: list, dest: Path, target: str, label: str = "",
             *options: str) -> None:
    """Fetch binary wheels for Python `target` (X.Y) into dest, once per version and label (one
    resolution each: lists that must not meet, like two NumPys, get labels of their own)."""
    stamp = dest / f".stamp{'-' + label if label else ''}-{target}"
    if not requirements or stamp_matches(stamp, [requirements, options]):
        return
    log(f"{dest.name}: downloading {label or 'wheels'} for Python {target} from the package registry")
    dest.mkdir(parents=True, exist_ok=True)
    # The sandbox's own pip resolves markers for its own Python; for another version it is told
    # the version explicitly.
    cross = [] if sandbox.host.minor == target else ["--python-version", target]
    run([sandbox.python, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "-d", dest,
         *cross, *options, *requirements], env=hermetic_env())
    write_stamp(stamp, [requirements, options])


def sdist_recipes(platform: Platform) -> dict[str, tuple[str, dict]]:
    """software.toml [wheelhouse.from_sdist]: name -> (version, recipe); the version is the one
    platform.toml [packages] names, else the recipe's."""
    return {name: (platform.packages[name].version if name in platform.packages else spec["version"], spec)
            for name, spec in SPEC["wheelhouse"].get("from_sdist", {}).items()}


def build_sdist_wheels(paths: Paths, platform: Platform, sandboxes: list[Sandbox]) -> None:
    """The wheels the registry lacks, built once from its source archives into the wheelhouse:
    by the python modules of the recipe's `pythons`, or by the first one (a pure wheel)."""
    for name, (version, spec) in sdist_recipes(platform).items():
        builders = [s for s in sandboxes if minor_of(s.module_version) in spec["pythons"]] \
            if "pythons" in spec else sandboxes[:1]
        for sandbox in builders:
            build_sdist_wheel(paths, sandbox, name, version, spec)


def build_sdist_wheel(paths: Paths, sandbox: Sandbox, name: str, version: str, spec: dict) -> None:
    wheelhouse = paths.wheelhouse / WHEEL_DIR
    stamp = wheelhouse / f".stamp-sdist-{name}-{minor_of(sandbox.module_version)}"
    inputs = {"version": version, "recipe": spec, "host": sandbox.host.version}
    if stamp_matches(stamp, inputs):
        return
    started = time.monotonic()
    log(f"{name}: building its wheel {version} from the registry's source archive "
        f"for python/{sandbox.module_version}")
    wheelhouse.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=paths.software) as folder:
        work = Path(folder)
        # --use-pep517: an archive with a setup.py only builds in an isolated environment too.
        run([sandbox.python, "-m", "pip", "download", "--quiet", "--no-deps", "--use-pep517",
             "--no-binary", name, "-d", work / "sdist", f"{name}=={version}"], env=hermetic_env())
        unpack(next((work / "sdist").iterdir()), work / "source")
        source = next((work / "source").iterdir())
        environment = hermetic_env()
        libraries = fetch_libraries(sandbox, spec.get("libraries"), work / "libraries")
        for key, value in spec.get("environment", {}).items():
            environment[key] = value.format(libraries=libraries, version=version)
        if "git_tag" in spec:
            tag_sources(source, spec["git_tag"].format(version=version))
        run([sandbox.python, "-m", "pip", "wheel", "--quiet", "--no-deps", "--use-pep517",
             "-w", wheelhouse, source], env=environment)
    write_stamp(stamp, inputs)
    log(f"{name}: wheel built in {time.monotonic() - started:.0f} s")


def unpack(archive: Path, folder: Path) -> None:
    """A source archive: a .tar.gz, or a .zip for some old ones."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as unzipped:
            unzipped.extractall(folder)
    else:
        with tarfile.open(archive) as untarred:
            untarred.extractall(folder, filter="data")


def fetch_libraries(sandbox: Sandbox, libraries: dict | None, folder: Path) -> Path:
    """The files a recipe's `libraries` names, taken from a registry wheel that ships them
    compiled, into one folder (a build's -I and -L)."""
    folder.mkdir(parents=True)
    if libraries:
        run([sandbox.python, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "-d", folder / "wheel", libraries["wheel"]], env=hermetic_env())
        with zipfile.ZipFile(next((folder / "wheel").glob("*.whl"))) as wheel:
            for member in libraries["files"]:
                (folder / Path(member).name).write_bytes(wheel.read(member))
    return folder


def tag_sources(source: Path, tag: str) -> None:
    """Sources whose build asks `git describe` for its version: a repository of one commit with
    that annotated tag (set up on the command line: no git configuration is read or written)."""
    identity = ["-c", "user.name=hpc-standin", "-c", "user.email=hpc-standin@localhost"]
    git_env = dict(hermetic_env(), GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    for command in (["init", "--quiet"], ["add", "--all"], [*identity, "commit", "--quiet", "-m", tag],
                    [*identity, "tag", "--annotate", "-m", tag, tag]):
        run(["git", "-C", source, *command], env=git_env)


def wheelhouse_requirements(platform: Platform, target: str) -> list:
    """software.toml's list, its lists for Python `target` that resolve with it, and the packages
    at the version the platform's package pages install."""
    built = SPEC["wheelhouse"].get("from_sdist", {})
    listed = SPEC["wheelhouse"]["requirements"] + more_for(target, no_deps=False)
    # Until each package page resolves on its own, software.toml's versions win over the pages'.
    named = {requirement.split("==")[0] for requirement in SPEC["wheelhouse"]["requirements"] +
             [r for extra in SPEC["wheelhouse"].get("more", []) for r in extra["requirements"]]}
    return listed + [f"{name}=={package.version}" for name, package in platform.packages.items()
                     if name not in built and name not in named]


def more_for(target: str, no_deps: bool) -> list:
    """The requirements of [[wheelhouse.more]] for Python `target`: those resolved with the main
    list, or those fetched without their dependencies."""
    return [r for extra in SPEC["wheelhouse"].get("more", [])
            if target in extra["pythons"] and bool(extra.get("no_deps")) == no_deps
            for r in extra["requirements"]]


def module_requirements(platform: Platform, target: str) -> dict[str, list]:
    """By stack: the wheels behind the python-packages modules that the wheelhouse does not have
    already (each stack resolved apart: scipy-stack's builds hold different NumPys)."""
    have = set(wheelhouse_requirements(platform, target))
    stacks: dict[str, list] = {}
    for name, version in package_modules(platform):
        wanted = stacks.setdefault(package_stack(name, version), [])
        wanted += [r for r in package_requirements(name, version) if r not in have and r not in wanted]
    return {stack: wanted for stack, wanted in stacks.items() if wanted}


def download_all(paths: Paths, platform: Platform, sandboxes: list[Sandbox]) -> None:
    """Wheels for each module's Python (what avail_wheels lists) and for each interpreter that
    actually runs (a stand-in of another version installs its own version's wheels)."""
    wheelhouse = paths.wheelhouse / WHEEL_DIR
    for sandbox in sandboxes:
        for target in sorted({minor_of(sandbox.module_version), sandbox.host.minor}):
            download(sandbox, wheelhouse_requirements(platform, target), wheelhouse, target)
            download(sandbox, more_for(target, no_deps=True), wheelhouse, target, "no-deps", "--no-deps")
            for stack, requirements in module_requirements(platform, target).items():
                download(sandbox, requirements, paths.software / MODULE_WHEELS, target, stack)
    build_sdist_wheels(paths, platform, sandboxes)


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
        for sandbox in sandboxes:
            copy_headers(sandbox)
        download_all(paths, platform, sandboxes)
        for sandbox in sandboxes:
            finish_sandbox(paths, sandbox)
            stacks = {package_stack(n, v): package_requirements(n, v) for n, v in packages}
            for stack, requirements in stacks.items():
                build_stack(paths, sandbox, stack, requirements)
        refusing_sdists(paths, platform)
        return sandboxes
