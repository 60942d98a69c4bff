"""hpc-platform check|languages|translations [FILE]: what a Makefile or a shell needs of platform.toml."""
from __future__ import annotations

import argparse
import sys

from . import PlatformError, load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hpc-platform", description=__doc__)
    parser.add_argument("query", choices=["check", "languages", "translations"],
                        help="check: validate the file; languages: the guide's language codes, "
                             "the source first; translations: the others")
    parser.add_argument("file", nargs="?", default="platform.toml")
    args = parser.parse_args(argv)
    try:
        platform = load(args.file)
    except PlatformError as error:
        print(f"hpc-platform: {error}", file=sys.stderr)
        return 1
    if args.query == "languages":
        print(" ".join(platform.languages))
    elif args.query == "translations":
        print(" ".join(platform.translations))
    else:
        print(f"{args.file}: valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
