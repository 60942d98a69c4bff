"""The wheelhouse `pip install --no-index` finds: the recipe's wheel sets, resolved and fetched from
the package registry for each Python, the wheels the registry lacks built from source archives,
the refusing archives of the packages only a module provides; and, apart from it, the wheels
behind the stacks."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import os
import re
import subprocess
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from hpc_platform import Platform

from ..config import ClusterError, Paths, log
from ..process import hermetic_env
from ..recipe import Recipe
from .interpreters import Sandbox
from .steps import MODULE_WHEELS, digest, minor_of, run, stamp_matches, wheel_folder, write_stamp

# --- wheels from the registry ------------------------------------------------------------------

class NoWheel(ClusterError):
    """pip found no wheel of a requirement for the Python it was asked about."""


def cross(sandbox: Sandbox, target: str) -> list[str]:
    """The sandbox's own pip resolves markers for its own Python; for another version it is told
    the version explicitly."""
    return [] if sandbox.host.minor == target else ["--python-version", target]


def targets(sandbox: Sandbox) -> list[str]:
    """The Pythons (X.Y) a sandbox needs wheels for: its module's (what avail_wheels lists) and its
    interpreter's (a stand-in of another version installs its own version's wheels)."""
    return sorted({minor_of(sandbox.module_version), sandbox.host.minor})


def download(sandbox: Sandbox, requirements: list, dest: Path, target: str, label: str = "",
             *options: str) -> None:
    """Fetch binary wheels for Python `target` (X.Y) into dest, once per version and label (one
    resolution each: lists that must not meet, like two NumPys, get labels of their own)."""
    stamp = dest / f".stamp{'-' + label if label else ''}-{target}"
    if not requirements or stamp_matches(stamp, [requirements, options]):
        return
    log(f"{dest.name}: downloading {label or 'wheels'} for Python {target} from the package registry")
    dest.mkdir(parents=True, exist_ok=True)
    run([sandbox.python, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "-d", dest,
         *cross(sandbox, target), *options, *requirements], env=hermetic_env())
    write_stamp(stamp, [requirements, options])


def resolve(paths: Paths, recipe: Recipe, sandbox: Sandbox, target: str, requirements: list,
            *options: str) -> list[str]:
    """name==version of every wheel pip would install for `requirements` on Python `target`, from
    the registry and the wheelhouse (where the wheels built from source archives are): one
    resolution, read from the wheels' metadata by a dry run. NoWheel if one has no wheel for it."""
    with tempfile.TemporaryDirectory(dir=paths.software) as folder:
        report = Path(folder) / "report.json"
        command = [sandbox.python, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
                   "--only-binary=:all:", "--find-links", wheel_folder(paths, recipe),
                   *cross(sandbox, target), "--report", report, *options, *requirements]
        result = subprocess.run([str(c) for c in command], capture_output=True, text=True, env=hermetic_env())
        if "No matching distribution found" in result.stderr:
            raise NoWheel(result.stderr.strip())
        if result.returncode:
            raise ClusterError(f"resolving {' '.join(requirements)} for Python {target} failed:\n"
                               f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
        return [f"{item['metadata']['name']}=={item['metadata']['version']}"
                for item in json.loads(report.read_text())["install"]]


def installable(paths: Paths, recipe: Recipe, sandbox: Sandbox, target: str, requirement: str) -> bool:
    """Whether a wheel of `requirement` exists for Python `target`: its tags and Requires-Python
    allow it (quimb 1.12 is for Python 3.11 and up)."""
    try:
        resolve(paths, recipe, sandbox, target, [requirement], "--no-deps")
    except NoWheel:
        return False
    return True


# --- wheels built from source archives ----------------------------------------------------------


def sdist_recipes(platform: Platform, recipe: Recipe) -> dict[str, tuple[str, dict]]:
    """The recipe's [wheelhouse.from_sdist]: name -> (version, recipe); the version is the one
    platform.toml [packages] names, else the recipe's."""
    return {name: (platform.packages[name].version if name in platform.packages else spec["version"], spec)
            for name, spec in recipe.wheelhouse.get("from_sdist", {}).items()}


def build_sdist_wheels(paths: Paths, recipe: Recipe, platform: Platform, sandboxes: list[Sandbox]) -> None:
    """The wheels the registry lacks, built once from its source archives into the wheelhouse:
    by the python modules of the recipe's `pythons`, or by the first one (a pure wheel)."""
    for name, (version, spec) in sdist_recipes(platform, recipe).items():
        builders = [s for s in sandboxes if minor_of(s.module_version) in spec["pythons"]] \
            if "pythons" in spec else sandboxes[:1]
        for sandbox in builders:
            build_sdist_wheel(wheel_folder(paths, recipe), paths, sandbox, name, version, spec)


def build_sdist_wheel(wheelhouse: Path, paths: Paths, sandbox: Sandbox, name: str, version: str,
                      spec: dict) -> None:
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


# --- the wheelhouse ----------------------------------------------------------------------------

def canonical(name: str) -> str:
    """A package's name as pip compares them (PEP 503: qiskit_aer, qiskit-aer and Qiskit.Aer alike)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pin_key(pin: str) -> tuple[str, str]:
    """(canonical name, version) of a name==version."""
    name, _, version = pin.partition("==")
    return canonical(name), version


def wheel_key(wheel: Path) -> tuple[str, str]:
    """(canonical name, version) of a wheel, from its file name (PEP 427)."""
    name, version = wheel.name.split("-")[:2]
    return canonical(name), version


@dataclass(frozen=True)
class WheelSet:
    """One resolution of pip's that the wheelhouse holds: the guide's own list, or what one of the
    platform's package pages installs in a venv made after loading the page's modules."""
    label: str
    requirements: tuple[str, ...]
    given: tuple[str, ...] = ()  # on PYTHONPATH by the page's modules: resolved with, never fetched
    page: bool = False  # a page's packages come for the Pythons that have their wheels; the guide's for all


def wheel_sets(platform: Platform, recipe: Recipe) -> list[WheelSet]:
    """The guide's list, then each package page of the platform, each resolved on its own (two pages
    may need different versions of a package): the package at its version with its optional
    packages (less those the recipe leaves out), and each of its other versions alone."""
    left_out = {canonical(name) for name in recipe.wheelhouse.get("left_out", {})}
    sets = [WheelSet("guide", tuple(recipe.requirements))] if recipe.requirements else []
    for name, package in platform.packages.items():
        given = module_packages(platform, recipe, package.modules)
        optional = tuple(r for r in package.optional if pin_key(r)[0] not in left_out)
        sets.append(WheelSet(name, (f"{name}=={package.version}", *optional), given, page=True))
        sets += [WheelSet(f"{name}-{version}", (f"{name}=={version}",), given, page=True)
                 for version in package.other_versions]
    return sets


def module_packages(platform: Platform, recipe: Recipe, entries: tuple[str, ...]) -> tuple[str, ...]:
    """The packages that the python-packages modules among `entries` (name/version) put on PYTHONPATH."""
    found = filter(None, map(platform.module_version, entries))
    return tuple(requirement for module, version in found if recipe.provides(module.name) == "python-packages"
                 for requirement in recipe.package_requirements(module.name, version))


def fetch_set(paths: Paths, recipe: Recipe, sandbox: Sandbox, target: str, wheel_set: WheelSet,
              built: set[str]) -> list[str]:
    """A set's wheels for Python `target` in the wheelhouse, resolved and fetched once (the
    resolution is kept beside them, in .resolved-<label>-<X.Y>.json); returns its name==version
    list. The wheels of `built` are made here, not fetched."""
    wheelhouse = wheel_folder(paths, recipe)
    record = wheelhouse / f".resolved-{wheel_set.label}-{target}.json"
    inputs = digest(dataclasses.asdict(wheel_set))
    kept = json.loads(record.read_text()) if record.exists() else {}
    if kept.get("inputs") == inputs:
        return kept["wheels"]
    wheels = set_wheels(paths, recipe, sandbox, target, wheel_set)
    fetched = [w for w in wheels if pin_key(w)[0] not in built]
    wheelhouse.mkdir(parents=True, exist_ok=True)
    if fetched:
        log(f"wheelhouse: {wheel_set.label}: {len(fetched)} wheel{'s' * (len(fetched) > 1)} for Python "
            f"{target} from the package registry")
        run([sandbox.python, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "-d", wheelhouse, *cross(sandbox, target), *fetched], env=hermetic_env())
    record.write_text(json.dumps({"inputs": inputs, "wheels": wheels}))
    return wheels


def set_wheels(paths: Paths, recipe: Recipe, sandbox: Sandbox, target: str, wheel_set: WheelSet) -> list[str]:
    """What pip installs for a set on Python `target`, but what the page's modules give: its
    requirements that have a wheel for that Python (the guide's must all have one), resolved
    together with the modules' packages."""
    wanted = [r for r in wheel_set.requirements if not wheel_set.page or installable(paths, recipe, sandbox, target, r)]
    if len(wanted) < len(wheel_set.requirements):
        log(f"wheelhouse: {wheel_set.label}: no wheel for Python {target} of "
            f"{' '.join(r for r in wheel_set.requirements if r not in wanted)}")
    if not wanted:
        return []
    given = given_names(paths, recipe, sandbox, target, wheel_set)
    resolved = resolve(paths, recipe, sandbox, target, [*wanted, *wheel_set.given])
    return [w for w in resolved if pin_key(w)[0] not in given]


def given_names(paths: Paths, recipe: Recipe, sandbox: Sandbox, target: str, wheel_set: WheelSet) -> set[str]:
    """The packages a page's modules put on PYTHONPATH, their dependencies with them: the page's
    pip finds them installed (the stack's wheels are fetched apart, for its modules)."""
    if not wheel_set.given:
        return set()
    return {pin_key(w)[0] for w in resolve(paths, recipe, sandbox, target, list(wheel_set.given))}


def bound_wheels(wheelhouse: Path, recipe: Recipe) -> None:
    """The recipe's [wheelhouse.bounds]: the wheelhouse's wheels of that name and version get these
    requirements besides their own (pip reads them from the wheel's METADATA), once."""
    for pin, requirements in recipe.wheelhouse.get("bounds", {}).items():
        for wheel in wheelhouse.glob("*.whl"):
            if wheel_key(wheel) == pin_key(pin):
                add_requirements(wheel, requirements)


def add_requirements(wheel: Path, requirements: list[str]) -> None:
    """Requires-Dist lines added to a wheel's METADATA, its RECORD updated, the wheel replaced at once
    (a pip of another session may be reading it)."""
    with zipfile.ZipFile(wheel) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    metadata_name = next(info.filename for info, _ in members if info.filename.endswith(".dist-info/METADATA"))
    metadata = dict((info.filename, data) for info, data in members)[metadata_name].decode()
    missing = [f"Requires-Dist: {r}" for r in requirements if f"Requires-Dist: {r}\n" not in metadata]
    if not missing:
        return
    headers, blank, body = metadata.partition("\n\n")  # the headers end at the first blank line
    patched = (headers + "\n" + "\n".join(missing) + blank + body).encode()
    temporary = wheel.with_name(f".{wheel.name}.{os.getpid()}")
    with zipfile.ZipFile(temporary, "w") as target:
        for info, data in members:
            if info.filename == metadata_name:
                data = patched
            elif info.filename.endswith(".dist-info/RECORD"):
                data = record_with(data.decode(), metadata_name, patched).encode()
            target.writestr(info, data)
    os.replace(temporary, wheel)
    log(f"wheelhouse: {wheel.name} now requires {', '.join(r.partition(' ')[2] for r in missing)} too")


def record_with(record: str, name: str, data: bytes) -> str:
    """A wheel's RECORD whose line for file `name` gives the hash and size of `data` (PEP 376)."""
    sha = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "".join(f"{name},sha256={sha},{len(data)}\n" if line.split(",")[0] == name else line
                   for line in record.splitlines(keepends=True))


def prune_wheelhouse(wheelhouse: Path, wanted: set[tuple[str, str]]) -> None:
    """Wheels of no current set leave the wheelhouse: a version that neither the recipe nor
    the model names any more (quspin 1.0.1 once) must not be what an unpinned `pip install` finds."""
    for wheel in wheelhouse.glob("*.whl"):
        if wheel_key(wheel) not in wanted:
            log(f"wheelhouse: removing {wheel.name}, of no list now")
            wheel.unlink()


def fill_wheelhouse(paths: Paths, recipe: Recipe, platform: Platform, sandboxes: list[Sandbox]) -> None:
    """The wheelhouse: the wheels built from source archives (a page's resolution needs Pyqcm's),
    each set resolved and fetched for each Python, the bounds, and nothing else."""
    build_sdist_wheels(paths, recipe, platform, sandboxes)
    built = {pin_key(f"{name}=={version}") for name, (version, _) in sdist_recipes(platform, recipe).items()}
    wanted = set(built)
    for sandbox in sandboxes:
        for target in targets(sandbox):
            for wheel_set in wheel_sets(platform, recipe):
                wheels = fetch_set(paths, recipe, sandbox, target, wheel_set, {name for name, _ in built})
                wanted |= {pin_key(w) for w in wheels}
    bound_wheels(wheel_folder(paths, recipe), recipe)
    prune_wheelhouse(wheel_folder(paths, recipe), wanted)


def refusing_sdists(paths: Paths, recipe: Recipe, platform: Platform) -> None:
    """As on the platform, `pip install mpi4py` in a venv fails and says to load the module: an
    sdist of that name whose setup.py exits with the recipe's `pip_refuses` message."""
    for name, version in recipe.package_modules(platform):
        message = recipe.module(name).get("pip_refuses")
        dest = wheel_folder(paths, recipe) / f"{name}-{version}.tar.gz"
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


# --- the stacks' wheels -------------------------------------------------------------------------

def module_requirements(platform: Platform, recipe: Recipe) -> dict[str, list]:
    """By stack: the wheels behind the python-packages modules that the guide's list does not have
    already (each stack resolved apart: scipy-stack's builds hold different NumPys)."""
    have = set(recipe.requirements)
    stacks: dict[str, list] = {}
    for name, version in recipe.package_modules(platform):
        wanted = stacks.setdefault(recipe.package_stack(name, version), [])
        wanted += [r for r in recipe.package_requirements(name, version) if r not in have and r not in wanted]
    return {stack: wanted for stack, wanted in stacks.items() if wanted}


def download_module_wheels(paths: Paths, recipe: Recipe, platform: Platform, sandboxes: list[Sandbox]) -> None:
    """The stacks' wheels, apart from the wheelhouse: `pip install --no-index` must not find them."""
    for sandbox in sandboxes:
        for target in targets(sandbox):
            for stack, requirements in module_requirements(platform, recipe).items():
                download(sandbox, requirements, paths.software / MODULE_WHEELS, target, stack)
