"""Console transcripts: prompt grammar, continuation lines, output matching, exit rule, update merge.

No cluster and no page shell, so that every rule here is unit-tested in packages/pageharness/tests; only
`is_complete` asks a `bash -n` whether a command is whole, as bash itself would decide.
A transcript is the body of a ``.. code-block:: console``; it becomes a list of `Step` (one command,
the .rst line of its prompt, the output lines shown under it).
"""
from __future__ import annotations

import difflib
import functools
import re
import subprocess
from dataclasses import dataclass, field

from hpc_platform import DEFAULT_PROMPT, prompt_pattern

PS2 = re.compile(r"^> ?")
ELLIPSIS = "..."
# Lines that show a failed command: pip's `ERROR: ...`, Slurm's `sbatch: error: ...`, Python's
# traceback header, Lmod's error banner. Only these, so a reader-visible rule decides the exit status.
ERROR_LINE = re.compile(
    r"^(?:[\w.-]+: )?(?:ERROR|[Ee]rror):"
    r"|^Traceback \(most recent call last\):"
    r"|^Lmod has detected the following error"
)
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>]")


@dataclass
class Step:
    """One command of a transcript and what the page shows under it."""

    line: int  # .rst line of the prompt
    command: str  # continuation lines joined with newlines, PS2 markers removed
    venv: str | None  # the `(venv) ` the prompt shows, None without one
    dir: str  # the prompt's directory field (`~`, `project`...)
    expected: list[str] = field(default_factory=list)
    # .rst lines [first, last] holding `expected`, without trailing blank lines; None if nothing shown
    output_lines: tuple[int, int] | None = None

    @property
    def expects_failure(self) -> bool:
        return expects_failure(self.expected)


class TranscriptError(ValueError):
    """A transcript the harness cannot read; the message names file and line."""


@dataclass(frozen=True)
class Prompt:
    """The platform's prompt (platform.toml's [login].prompt): how a command line starts."""

    template: str = DEFAULT_PROMPT
    example: str = "[user@login ~]$ "  # for error messages: the platform's own prompt, where it has one

    @functools.cached_property
    def regex(self) -> re.Pattern:
        return re.compile(f"^{prompt_pattern(self.template)}$")


@functools.lru_cache(maxsize=4096)
def is_complete(command: str) -> bool:
    """True if bash would run `command` as typed, False if it would wait for more lines (PS2).

    bash itself decides: a trailing backslash, an open quote, an unfinished `for`/`if`, an
    unterminated here-document all leave the command incomplete.
    """
    if command.endswith("\\"):
        return False
    check = subprocess.run(
        ["bash", "-n"], input=command + "\n", capture_output=True, text=True, check=False
    )
    if any(sign in check.stderr for sign in ("unexpected end of file", "unexpected EOF", "delimited by end-of-file")):
        return False
    return True


def parse_transcript(text: str, first_line: int, path: str = "<transcript>",
                     prompt: Prompt = Prompt()) -> list[Step]:
    """Split a console block body into steps.

    `first_line` is the .rst line of the body's first line. Lines before the first prompt are an
    error (a transcript starts with a command). A line after an incomplete command is a
    continuation (its `> ` PS2 marker removed); any other line without a prompt is output.
    """
    steps: list[Step] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        raw = lines[index]
        match = prompt.regex.match(raw)
        if not match:
            if not steps:
                if raw.strip():
                    raise TranscriptError(
                        f"{path}:{first_line + index}: a console block must start with a prompt "
                        f"like `{prompt.example}` (found {raw!r})"
                    )
                index += 1
                continue
            steps[-1].expected.append(raw)
            index += 1
            continue
        command = match["cmd"] or ""
        step = Step(first_line + index, command, match["venv"], match["dir"])
        index += 1
        while command.strip() and not is_complete(command) and index < len(lines):
            command += "\n" + PS2.sub("", lines[index], count=1)
            index += 1
        if command.strip() and not is_complete(command):
            raise TranscriptError(f"{path}:{step.line}: the command never ends: {command!r}")
        step.command = command
        if command.strip():
            steps.append(step)
    for step in steps:  # trailing blank lines separate steps; they are not output
        while step.expected and not step.expected[-1].strip():
            step.expected.pop()
        if step.expected:
            start = step.line + step.command.count("\n") + 1
            step.output_lines = (start, start + len(step.expected) - 1)
    return steps


def expects_failure(expected: list[str]) -> bool:
    """The exit-status rule: a transcript that shows an error line expects a non-zero exit."""
    return any(ERROR_LINE.match(line.strip()) for line in expected)


def clean(output: str) -> str:
    """Terminal output as a reader sees it: ANSI sequences and carriage returns removed."""
    output = ANSI.sub("", output).replace("\r\n", "\n")
    # a bare CR redraws the line (progress bars): keep what was drawn last
    return "\n".join(line.rsplit("\r", 1)[-1] for line in output.split("\n"))


def _normal(line: str) -> str:
    return " ".join(line.split())


def _line_match(pattern: str, line: str, hosts: frozenset[str]) -> list[tuple[str, str]] | None:
    """None if `line` does not match `pattern`, else the (shown, real) pairs of its host names.

    A host name of the platform on the page stands for any of them of the same form: a job lands
    on whichever node is free, but a node's name as Slurm gives it (cp3702) and as its host name
    (cp3702-mp2), where a platform has both, are not interchangeable. Which name stands for which
    is checked over the whole output (see `align`)."""
    pattern, line = _normal(pattern), _normal(line)
    shown = _host_words(hosts).findall(pattern) if hosts else []
    if ELLIPSIS not in pattern and not shown:
        return [] if pattern == line else None
    pieces = []
    for part in pattern.split(ELLIPSIS):
        words = _host_words(hosts).split(part) if hosts else [part]
        # split() keeps the names it splits on at the odd places
        pieces.append("".join(_any_host_like(word, hosts) if index % 2 else re.escape(word)
                              for index, word in enumerate(words)))
    match = re.fullmatch(".*".join(pieces), line, re.DOTALL)
    return None if match is None else list(zip(shown, match.groups()))


def _form(name: str) -> str:
    """A name with its digits as 0: cp3702 and cp3705 have one form, cp3702-mp2 another."""
    return re.sub(r"\d", "0", name)


@functools.lru_cache(maxsize=64)
def _any_host_like(name: str, hosts: frozenset[str]) -> str:
    """A group matching any of `hosts` of the same form as `name`."""
    alike = sorted((host for host in hosts if _form(host) == _form(name)), key=len, reverse=True)
    return "(" + "|".join(map(re.escape, alike)) + ")"


@functools.lru_cache(maxsize=8)
def _host_words(hosts: frozenset[str]) -> re.Pattern:
    return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(hosts, key=len, reverse=True)))
                      + r")(?![\w-])")


def _line_matches(pattern: str, line: str, hosts: frozenset[str] = frozenset()) -> bool:
    return _line_match(pattern, line, hosts) is not None


def _is_elision(pattern: str) -> bool:
    return pattern.strip() == ELLIPSIS


def named_hosts(command: str, hosts: frozenset[str]) -> frozenset[str]:
    """The platform's node names a command names (`--exclude=cp3702`): in its output, they stand
    for themselves, not for any node."""
    return frozenset(_host_words(hosts).findall(command)) if hosts else frozenset()


def align(expected: list[str], actual: list[str], hosts: frozenset[str] = frozenset(),
          named: frozenset[str] = frozenset()) -> tuple[int, list[str]]:
    """Align shown output with real output; return (mismatches, merged lines).

    A line that is only `...` stands for any number of lines; `...` inside a line for any text.
    Whitespace runs compare equal and blank lines do not count. `merged` is the real output
    written the way the page would show it: each matched line keeps the page's spelling (its
    inline `...`), each elision stays one `...` line. So `mismatches == 0` is the check, `merged`
    is what update mode writes, and diff(expected, merged) shows only real differences.

    A name of `hosts` (the platform's nodes) on the page matches any of them, one name for one
    node throughout: two names shown are two different nodes. A line whose node breaks that rule
    is a changed line. The `named` ones, which the command itself names, stand for themselves.
    """
    n, m = len(expected), len(actual)
    inf = float("inf")
    # cost[i][j]: fewest mismatches aligning expected[i:] with actual[j:]
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    cost[n][m] = 0
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            best = inf
            if j < m:  # real line not shown on the page
                best = min(best, cost[i][j + 1] + (0 if not actual[j].strip() else 1))
            if i < n:
                pattern = expected[i]
                if _is_elision(pattern):
                    best = min(best, cost[i + 1][j])  # elision ends here
                    if j < m:
                        best = min(best, cost[i][j + 1])  # elision absorbs actual[j]
                else:
                    best = min(best, cost[i + 1][j] + (0 if not pattern.strip() else 1))
                    if j < m:  # the same line, or a changed line (counted once, not twice)
                        best = min(best, cost[i + 1][j + 1] + (0 if _line_matches(pattern, actual[j], hosts) else 1))
            cost[i][j] = best
    merged: list[str] = []
    nodes: dict[str, str] = {name: name for name in named}  # host name on the page -> the node it stood for
    conflicts = 0
    i = j = 0
    while i < n or j < m:
        here = cost[i][j]
        if i < n and _is_elision(expected[i]):
            if j < m and cost[i][j + 1] == here and cost[i + 1][j] != here:
                j += 1  # absorbed; the `...` line is written when the elision ends
                continue
            merged.append(expected[i])  # on a tie the elision ends: real lines stay visible
            i += 1
            continue
        pairs = _line_match(expected[i], actual[j], hosts) if i < n and j < m else None
        if pairs is not None and cost[i + 1][j + 1] == here:
            if same_nodes(pairs, nodes):
                merged.append(expected[i] if expected[i].strip() else actual[j])
            else:
                merged.append(actual[j])
                conflicts += 1
            i, j = i + 1, j + 1
            continue
        if i < n and j < m and expected[i].strip() and cost[i + 1][j + 1] + 1 == here:
            merged.append(actual[j])  # a changed line
            i, j = i + 1, j + 1
            continue
        if j < m and cost[i][j + 1] + (0 if not actual[j].strip() else 1) == here:
            merged.append(actual[j])
            j += 1
            continue
        i += 1  # a shown line the real output does not have: dropped
    return int(cost[0][0]) + conflicts, merged


def same_nodes(pairs: list[tuple[str, str]], nodes: dict[str, str]) -> bool:
    """Whether the line's (shown, real) host names agree with those seen so far; record them."""
    for shown, real in pairs:
        if nodes.get(shown, real) != real or real in nodes.values() and nodes.get(shown) != real:
            return False
        nodes[shown] = real
    return True


def output_matches(expected: list[str], actual: str, hosts: frozenset[str] = frozenset(),
                   named: frozenset[str] = frozenset()) -> bool:
    return align(expected, actual.splitlines(), hosts, named)[0] == 0


def unified_diff(expected: list[str], actual: str, label: str, hosts: frozenset[str] = frozenset(),
                 named: frozenset[str] = frozenset()) -> str:
    """Expected vs real output as a unified diff, elided parts shown as the page elides them."""
    merged = align(expected, actual.splitlines(), hosts, named)[1]
    lines = difflib.unified_diff(
        [line.rstrip() for line in expected],
        [line.rstrip() for line in merged],
        fromfile=f"expected ({label})",
        tofile="actual",
        lineterm="",
    )
    return "\n".join(lines)


def failure_message(
    path: str,
    step: Step,
    status: int,
    output: str,
    *,
    expected_status: str | None = None,
    problem: str | None = None,
    hosts: frozenset[str] = frozenset(),
) -> str:
    """Page, line and command first, then what differs: the reader's view of the failure."""
    named = named_hosts(step.command, hosts)
    head = f"{path}:{step.line}: $ " + step.command.replace("\n", "\n    ")
    parts = [head]
    if problem:
        parts.append(problem)
    if expected_status is not None:
        parts.append(f"exit status {status}, expected {expected_status}")
    shown = output.rstrip("\n").splitlines()
    if step.expected and not output_matches(step.expected, output, hosts, named):
        first = step.output_lines[0] if step.output_lines else step.line + 1
        parts.append(unified_diff(step.expected, output, f"{path}:{first}", hosts, named))
        if len(shown) != len(align(step.expected, shown, hosts, named)[1]):  # an elision hid real lines
            parts.append(_excerpt("full output", shown))
    elif expected_status is not None or problem:
        parts.append(_excerpt("output", shown))
    return "\n".join(parts)


def _excerpt(title: str, lines: list[str], keep: int = 40) -> str:
    if not lines:
        return "no output"
    cut = [f"  ... ({len(lines) - keep} lines before)"] if len(lines) > keep else []
    return f"{title}:\n" + "\n".join(cut + ["  " + line for line in lines[-keep:]])


def expected_status_problem(step: Step, status: int, explicit: int | None = None) -> str | None:
    """None if `status` is what the transcript promises, else a description of the promise."""
    if explicit is not None:
        return None if status == explicit else str(explicit)
    if step.expects_failure:
        return None if status != 0 else "non-zero (the transcript shows an error)"
    return None if status == 0 else "0"


def merged_output(expected: list[str], actual: str, hosts: frozenset[str] = frozenset(),
                  named: frozenset[str] = frozenset()) -> list[str]:
    """What update mode writes under a command: the real output keeping the page's elisions."""
    merged = align(expected, actual.splitlines(), hosts, named)[1]
    while merged and not merged[-1].strip():
        merged.pop()
    return merged


def rewrite(text: str, replacements: list[tuple[int, int, list[str], str]]) -> str:
    """Replace 1-based inclusive .rst line ranges with new lines, each indented by `indent`.

    Applied bottom-up so earlier line numbers stay valid.
    """
    lines = text.split("\n")
    for first, last, new, indent in sorted(replacements, key=lambda r: r[0], reverse=True):
        lines[first - 1 : last] = [indent + line if line.strip() else "" for line in new]
    return "\n".join(lines)
