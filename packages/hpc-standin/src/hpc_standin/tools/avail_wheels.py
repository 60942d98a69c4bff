"""avail_wheels of the stand-in platform: list the wheels of the wheelhouse as the platform's command does.

Same defaults as the platform's (ComputeCanada/avail_wheels 2.x): the latest version of each name,
for the loaded Python (active venv first), the CPU architecture's and generic wheels, the StdEnv's
wheelhouse; output in tabulate's "simple" format with the columns name, version, python, arch.
Stdlib only: it runs under any python module's interpreter.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import sys
from pathlib import Path

COLUMNS = ["name", "version", "localversion", "build", "python", "abi", "platform", "arch"]
DEFAULT_COLUMNS = ["name", "version", "python", "arch"]
PYTHONS = ["3.10", "3.11", "3.12"]
ARCHS = ["x86-64-v3", "x86-64-v4", "generic"]
OPERATOR = re.compile(r"^(?P<name>[^<>=!~]+)(?P<op>==|!=|<=|>=|<|>|~=)?(?P<version>.*)$")


class Wheel:
    def __init__(self, path: Path, arch: str):
        # name-version(-build)?-python-abi-platform.whl (PEP 427)
        parts = path.name[:-len(".whl")].split("-")
        self.name = parts[0]
        self.version, _, self.localversion = parts[1].partition("+")
        self.build = parts[2] if len(parts) == 6 else ""
        self.python, self.abi, self.platform = parts[-3:]
        self.arch = arch

    def value(self, column: str) -> str:
        return getattr(self, column).replace(".", ",") if column == "python" else getattr(self, column)

    def supports(self, python: str) -> bool:
        """Whether pip of Python X.Y would install this wheel (py3, cpXY, or abi3 from cpXY up)."""
        wanted = "cp" + python.replace(".", "")
        for tag in self.python.split("."):
            if tag in ("py3", f"py{python.replace('.', '')}", wanted):
                return True
            if self.abi == "abi3" and tag.startswith("cp3") and version_key(tag[3:]) <= \
                    version_key(wanted[3:]):
                return True
        return False


def version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.+-]", version))


def matches_version(version: str, op: str | None, wanted: str) -> bool:
    if not op:
        return True
    if op == "==":
        return fnmatch.fnmatch(version, wanted) or version == wanted or \
            version.startswith(wanted + ".")
    have, want = version_key(version), version_key(wanted)
    return {"!=": have != want, "<=": have <= want, ">=": have >= want, "<": have < want,
            ">": have > want, "~=": have >= want and have[:len(want) - 1] == want[:-1]}[op]


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def current_python() -> str | None:
    """The active venv's Python, else the loaded python module's (EBVERSIONPYTHON)."""
    venv = os.environ.get("VIRTUAL_ENV")
    if venv and (Path(venv) / "pyvenv.cfg").exists():
        for line in (Path(venv) / "pyvenv.cfg").read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() in ("version", "version_info"):
                return ".".join(value.strip().split(".")[:2])
    loaded = os.environ.get("EBVERSIONPYTHON")
    return ".".join(loaded.split(".")[:2]) if loaded else None


def wheels(wheelhouse: Path, gentoo: str, archs: list[str]) -> list[Wheel]:
    found = []
    for arch in archs:
        folder = wheelhouse / f"gentoo{gentoo}" / arch
        found += [Wheel(path, arch) for path in sorted(folder.glob("*.whl"))]
    return found


def requirement_patterns(args) -> list[str]:
    patterns = list(args.wheel) + list(args.name or [])
    for file in args.requirement or []:
        for number, line in enumerate(Path(file).read_text().splitlines(), 1):
            line = line.split("#")[0].strip()
            if not line:
                continue
            if not OPERATOR.match(line):
                sys.exit(f"avail_wheels: {file}:{number}: not a requirement: {line!r}")
            patterns.append(line.split(";")[0].strip())
    return patterns or ["*"]


def select(all_wheels: list[Wheel], patterns: list[str], pythons: list[str] | None,
           versions: list[str], latest_only: bool) -> list[Wheel]:
    chosen = []
    for pattern in patterns:
        match = OPERATOR.match(pattern.replace(" ", ""))
        name, op, wanted = match["name"], match["op"], match["version"]
        for wheel in all_wheels:
            if not fnmatch.fnmatch(normalise(wheel.name), normalise(name)):
                continue
            if not matches_version(wheel.version, op, wanted):
                continue
            if versions and not any(fnmatch.fnmatch(wheel.version, v) for v in versions):
                continue
            if pythons and not any(wheel.supports(p) for p in pythons):
                continue
            if wheel not in chosen:
                chosen.append(wheel)
    chosen.sort(key=lambda w: (normalise(w.name), tuple(-k for k in version_key(w.version)),
                               w.python, w.arch))
    if latest_only:
        newest = {}
        for wheel in chosen:
            newest.setdefault(normalise(wheel.name), wheel.version)
        chosen = [w for w in chosen if w.version == newest[normalise(w.name)]]
    return chosen


def table(rows: list[list[str]], headers: list[str]) -> str:
    """tabulate's "simple" format: header, dashes, rows; columns at least 2 wider than headers."""
    widths = [max([len(h) + 2] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="avail_wheels", description=__doc__.split("\n")[0])
    p.add_argument("wheel", nargs="*", help="names, globs or name==version (e.g. 'numpy<1.23')")
    p.add_argument("-n", "--name", nargs="+", help="names or globs")
    p.add_argument("-v", "--version", nargs="+", default=[], help="versions or globs")
    p.add_argument("--all-versions", action="store_true", help="every version, not the latest")
    p.add_argument("-p", "--python", nargs="+", help="Python versions X.Y")
    p.add_argument("--all-pythons", action="store_true")
    p.add_argument("-a", "--arch", nargs="+", help="architectures")
    p.add_argument("--all-archs", action="store_true")
    p.add_argument("--all", action="store_true", help="all versions, pythons and architectures")
    p.add_argument("-r", "--requirement", nargs="+", help="requirements files")
    p.add_argument("--column", nargs="+", choices=COLUMNS, default=DEFAULT_COLUMNS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    wheelhouse = Path(os.environ.get("WHEELHOUSE", "/cvmfs/soft.computecanada.ca/custom/python/wheelhouse"))
    gentoo = os.environ.get("EBVERSIONGENTOO", "2023")
    archs = (ARCHS if args.all or args.all_archs
             else args.arch or [os.environ.get("RSNT_ARCH", "x86-64-v3"), "generic"])
    pythons = (None if args.all or args.all_pythons
               else args.python or ([current_python()] if current_python() else PYTHONS))
    found = select(wheels(wheelhouse, gentoo, archs), requirement_patterns(args), pythons,
                   args.version, latest_only=not (args.all or args.all_versions))
    if not found:
        print("avail_wheels: no wheel found matching the request", file=sys.stderr)
        return 1
    print(table([[w.value(c) for c in args.column] for w in found], args.column))
    return 0


if __name__ == "__main__":
    sys.exit(main())
