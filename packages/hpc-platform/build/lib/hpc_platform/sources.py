"""The facts of platform.toml read again in checkouts of their sources: each one its cited lines no
longer hold, at its line of platform.toml.

platform.toml cites its sources at one commit; they move on. A maintainer checks out a newer commit
and runs ``hpc-platform check --sources NAME=DIR``: a fact whose value (each of its tokens, see
`hpc_platform.citations.Fact.tokens`) or whose citation's text is no longer in the cited lines is a
`Problem`, with what the lines read now and where in the file the missing words went, so that a
line that merely moved is one edit away. A checkout that is a git repository at another commit than
the one [sources] cites is a `Note`: the problems are of that commit.

Lines are matched as a reader reads them: case and runs of whitespace do not matter, a Slurm host
list (``cp370[2-4]``) names each of its nodes, and a token is a whole word: 7 is not in 7643 or in
7.5, but it is in "days: 7.".
"""
from __future__ import annotations

import bisect
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import Platform
from .citations import Citation, Fact
from .records import Source

# A host list is a name's stem and, in brackets, numbers and ranges: cp370[2-4], cp[3701,3705-3706].
HOST_LIST = re.compile(r"\b([A-Za-z][A-Za-z0-9-]*)\[(\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*)\]")
SHOWN = 100  # characters of the cited lines a report quotes

Kind = Literal["token", "text", "no file", "past end"]


@dataclass(frozen=True)
class Problem:
    """A fact its cited lines no longer hold. `kind` says how: a token of its value ("token") or a
    citation's text ("text") is not in `citations`' lines, which now read `reads` (one text per
    citation), and `now_at` is the nearest line of the file that holds it, if any; or a cited file
    is not in the checkout ("no file"), or ends before the cited lines ("past end", `length` lines)."""
    line: int  # the fact's line in platform.toml
    key: str
    citations: tuple[Citation, ...]
    kind: Kind
    missing: str = ""
    reads: tuple[str, ...] = ()
    now_at: Citation | None = None
    length: int = 0


@dataclass(frozen=True)
class Note:
    """A checkout at another commit than the one platform.toml cites."""
    source: Source
    commit: str  # the checkout's HEAD


@dataclass(frozen=True)
class SourceFile:
    """A cited file of a checkout, as lines numbered from 1 (None: not in the checkout)."""
    lines: tuple[str, ...] | None

    @classmethod
    def read(cls, path: Path) -> SourceFile:
        if not path.is_file():
            return cls(None)
        text = path.read_text(encoding="utf-8", errors="replace")
        # Numbered as git and GitHub number them: by "\n", a final newline ending the last line.
        lines = re.split(r"\r?\n", text)
        return cls(tuple(lines[:-1] if lines[-1] == "" else lines))

    def span(self, citation: Citation) -> list[str]:
        return list(self.lines[citation.first - 1: citation.last])

    def nearest(self, pattern: re.Pattern, citation: Citation, expand: bool) -> Citation | None:
        """The line nearest the cited ones where `pattern` starts a match (in the file's lines
        joined, so that a match may go on over lines; host lists expanded if `expand`), None if
        none does."""
        starts, joined = [], ""
        for line in self.lines:
            starts.append(len(joined))
            joined += (expand_host_lists(line) if expand else line) + "\n"
        found = {bisect.bisect_right(starts, match.start()) for match in pattern.finditer(joined)}
        number = min(found, key=lambda n: (distance(n, citation), n), default=None)
        return Citation(citation.source, citation.path, number, number) if number else None


def distance(number: int, citation: Citation) -> int:
    return max(citation.first - number, number - citation.last, 0)


def expand_host_lists(text: str) -> str:
    """`text` with each Slurm host list written as its nodes: cp370[2-4] as cp3702 cp3703 cp3704."""
    return HOST_LIST.sub(lambda match: " ".join(hosts(match[1], match[2])), text)


def hosts(stem: str, ranges: str) -> list[str]:
    """The nodes of a host list's brackets; a range keeps its first number's zero padding (n[08-10])."""
    names = []
    for part in ranges.split(","):
        first, _, last = part.partition("-")
        width = len(first) if first.startswith("0") else 0
        names += [f"{stem}{number:0{width}d}" for number in range(int(first), int(last or first) + 1)]
    return names


def words(text: str) -> str:
    """`text` as a pattern whose spaces match any run of whitespace, case aside."""
    return r"\s+".join(re.escape(word) for word in text.split())


def token_pattern(token: str) -> re.Pattern:
    """A token as a whole word: not inside a longer name or number (7 in 7643, 7.5 or cp-7), but
    before a sentence's full stop."""
    return re.compile(rf"(?<![\w-]){words(token)}(?![\w-]|\.\w)", re.IGNORECASE)


def text_pattern(text: str) -> re.Pattern:
    return re.compile(words(text), re.IGNORECASE)


def holds(token: str, text: str) -> bool:
    """Whether `text` (cited lines) holds `token` of a fact's value, its host lists expanded."""
    return bool(token_pattern(token).search(expand_host_lists(text)))


def one_line(lines: list[str]) -> str:
    """Cited lines as they read now: on one line, whitespace runs as one space."""
    return " ".join(" ".join(lines).split())


class Checker:
    """Reads the cited files of the given checkouts, each once."""

    def __init__(self, checkouts: Mapping[str, Path]):
        self.checkouts = {name: Path(folder) for name, folder in checkouts.items()}
        self.files: dict[tuple[str, str], SourceFile] = {}

    def file(self, citation: Citation) -> SourceFile:
        place = (citation.source, citation.path)
        if place not in self.files:
            self.files[place] = SourceFile.read(self.checkouts[citation.source] / citation.path)
        return self.files[place]

    def cited(self, fact: Fact) -> list[Citation]:
        """The fact's citations into the given checkouts."""
        return [citation for citation in fact.citations if citation.source in self.checkouts]

    def problems(self, fact: Fact) -> list[Problem]:
        """What of `fact` its citations into the given checkouts no longer hold."""
        cited = self.cited(fact)
        unreadable = {citation: self.unreadable(fact, citation) for citation in cited}
        found = [problem for problem in unreadable.values() if problem]
        found += [problem for citation in cited if citation.text and not unreadable[citation]
                  for problem in self.text_problems(fact, citation)]
        # The tokens may be anywhere in the union of all the fact's cited lines: with a cited place
        # unread, or a source not given, that union is not known.
        whole = not any(unreadable.values()) and len(cited) == len(fact.citations)
        if whole and any(citation.text is None for citation in cited):
            found += self.token_problems(fact, cited)
        return found

    def unreadable(self, fact: Fact, citation: Citation) -> Problem | None:
        lines = self.file(citation).lines
        if lines is None:
            return Problem(fact.line, fact.key, (citation,), "no file")
        if citation.last > len(lines):
            return Problem(fact.line, fact.key, (citation,), "past end", length=len(lines))
        return None

    def text_problems(self, fact: Fact, citation: Citation) -> list[Problem]:
        source = self.file(citation)
        lines = source.span(citation)
        pattern = text_pattern(citation.text)
        if pattern.search(" ".join(lines)):
            return []
        return [Problem(fact.line, fact.key, (citation,), "text", citation.text, (one_line(lines),),
                        source.nearest(pattern, citation, expand=False))]

    def token_problems(self, fact: Fact, cited: list[Citation]) -> list[Problem]:
        texts = [" ".join(self.file(citation).span(citation)) for citation in cited]
        reads = tuple(one_line(self.file(citation).span(citation)) for citation in cited)
        problems = []
        for token in fact.tokens:  # once each, in the value's order
            if not any(holds(token, text) for text in texts):
                pattern = token_pattern(token)
                # The first cited file that has it: a line of another file is neither near nor far.
                moved = (self.file(citation).nearest(pattern, citation, expand=True) for citation in cited)
                problems.append(Problem(fact.line, fact.key, tuple(cited), "token", token, reads,
                                        next(filter(None, moved), None)))
        return problems


def check(platform: Platform, checkouts: Mapping[str, Path]) -> list[Problem]:
    """Every fact of `platform` that its cited lines in `checkouts` (source name -> folder) no
    longer hold, in the order of platform.toml. A citation of a source not given is not read."""
    unknown = set(checkouts) - set(platform.sources)
    if unknown:
        raise ValueError(f"not a source of {platform.path}: {', '.join(sorted(unknown))}")
    checker = Checker(checkouts)
    problems = [problem for fact in platform.facts for problem in checker.problems(fact)]
    return sorted(problems, key=lambda problem: problem.line)


def checked(platform: Platform, checkouts: Mapping[str, Path]) -> list[Fact]:
    """The facts `check` reads: those that cite a given source."""
    checker = Checker(checkouts)
    return [fact for fact in platform.facts if checker.cited(fact)]


def notes(platform: Platform, checkouts: Mapping[str, Path]) -> list[Note]:
    """The checkouts that are git repositories at another commit than [sources] cites."""
    found = []
    for name, folder in checkouts.items():
        commit = head(Path(folder))
        if commit and commit != platform.sources[name].commit:
            found.append(Note(platform.sources[name], commit))
    return found


def head(folder: Path) -> str | None:
    """The HEAD commit of a checkout that is a git repository itself (not a folder inside one)."""
    try:
        result = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel", "HEAD"],
                                capture_output=True, text=True, check=False)
    except FileNotFoundError:  # no git here: nothing to compare
        return None
    if result.returncode != 0:
        return None
    top, commit = result.stdout.splitlines()
    return commit if Path(top).resolve() == folder.resolve() else None


# --- reports -------------------------------------------------------------------------------------

def places(citations: Iterable[Citation]) -> str:
    return " and ".join(str(citation) for citation in citations)


def describe(problem: Problem, platform_path: Path | str) -> str:
    """``platform.toml:260: nodes[2].cores: hpc-iq:en/source/nodes/contrib.rst:17 no longer holds
    128; the line reads "- 96"; 128 is now at line 16``."""
    where = places(problem.citations)
    if problem.kind == "no file":
        what = f"{where}: no such file in the checkout"
    elif problem.kind == "past end":
        what = f"{where}: past the end of the file ({problem.length} lines)"
    else:
        what = f"{where} {'no longer holds' if len(problem.citations) == 1 else 'no longer hold'} " \
               f"{said(problem)}; {lines_read(problem)}"
        if problem.now_at:
            files = {(citation.source, citation.path) for citation in problem.citations}
            at = (f"line {problem.now_at.first}" if files == {(problem.now_at.source, problem.now_at.path)}
                  else str(problem.now_at))
            what += f"; {said(problem)} is now at {at}"
    return f"{platform_path}:{problem.line}: {problem.key}: {what}"


def said(problem: Problem) -> str:
    """The missing words as a report names them: a token as the value writes it, a text quoted."""
    return f'"{problem.missing}"' if problem.kind == "text" else problem.missing


def lines_read(problem: Problem) -> str:
    several = len(problem.citations) > 1 or problem.citations[0].first != problem.citations[0].last
    quoted = " and ".join(f'"{shortened(text)}"' for text in problem.reads)
    return f"the lines read {quoted}" if several else f"the line reads {quoted}"


def shortened(text: str) -> str:
    return text if len(text) <= SHOWN else text[: SHOWN - 1].rstrip() + "…"


def describe_note(note: Note, platform_path: Path | str) -> str:
    source = note.source
    return (f"{source.name}: the checkout is at {note.commit[:7]}, {platform_path} cites "
            f"{source.commit[:7]} ({source.date})")
