"""hpc-platform check|languages|translations [FILE]: what a Makefile or a shell needs of platform.toml.

check --sources NAME=DIR (once per source) also reads each fact's cited lines again in a checkout of
its source, and reports each fact they no longer hold."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import Platform, PlatformError, load
from .sources import check, checked, describe, describe_note, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hpc-platform", description=__doc__)
    parser.add_argument("query", choices=["check", "languages", "translations"],
                        help="check: validate the file; languages: the guide's language codes, "
                             "the source first; translations: the others")
    parser.add_argument("file", nargs="?", default="platform.toml")
    parser.add_argument("--sources", action="append", default=[], metavar="NAME=DIR",
                        help="check: a checkout of the source NAME of [sources], whose cited lines "
                             "are read again (once per source)")
    args = parser.parse_args(argv)
    if args.sources and args.query != "check":
        parser.error("--sources is an option of check")
    try:
        platform = load(args.file)
    except PlatformError as error:
        print(f"hpc-platform: {error}", file=sys.stderr)
        return 1
    if args.query == "languages":
        print(" ".join(platform.languages))
    elif args.query == "translations":
        print(" ".join(platform.translations))
    elif args.sources:
        return check_sources(platform, checkouts(parser, platform, args.sources))
    else:
        print(f"{args.file}: valid")
    return 0


def checkouts(parser: argparse.ArgumentParser, platform: Platform, given: list[str]) -> dict[str, Path]:
    """NAME=DIR options as source name -> folder; a mistake in them stops the command (exit 2)."""
    found: dict[str, Path] = {}
    for option in given:
        name, equals, folder = option.partition("=")
        if not equals or not name or not folder:
            parser.error(f"--sources {option}: write it NAME=DIR")
        if name not in platform.sources:
            parser.error(f"--sources {option}: {name!r} is not a source of {platform.path} "
                         f"({', '.join(platform.sources) or 'it names none'})")
        if name in found:
            parser.error(f"--sources {option}: {name!r} is given twice")
        if not Path(folder).is_dir():
            parser.error(f"--sources {option}: no folder {folder}")
        found[name] = Path(folder)
    return found


def check_sources(platform: Platform, checkouts: dict[str, Path]) -> int:
    """Print the notes, the problems and a summary; 1 if a fact is no longer in its lines."""
    for note in notes(platform, checkouts):
        print(describe_note(note, platform.path))
    problems = check(platform, checkouts)
    for problem in problems:
        print(describe(problem, platform.path))
    names = ", ".join(name for name in platform.sources if name in checkouts)
    counted = {0: "no problem", 1: "1 problem"}.get(len(problems), f"{len(problems)} problems")
    print(f"checked {len(checked(platform, checkouts))} facts against {names}: {counted}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
