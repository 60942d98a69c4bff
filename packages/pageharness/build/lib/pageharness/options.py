"""Per-block test options: reST comments placed just before a block.

    .. test: timeout=600 exit=1
    .. test: skip "the licence server is down until May"
    .. test: output
    .. test: continues
    .. test: needs-gpu "nvidia-smi reads the device"
    .. test: preempt=5
    .. test: member=iq-preempt
    .. test: wait=ended

A comment is not rendered and not extracted into the translation catalogs, and Sphinx accepts it
(unknown directive options would be build errors). Several `.. test:` lines may stack before one
block; blank lines between them and the block are allowed, anything else is not.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

WAITS = ("ended", "running")
COMMENT = re.compile(r"^(?P<indent>[ \t]*)\.\. test:(?P<args>.*)$")


class OptionError(ValueError):
    """A `.. test:` comment the harness cannot use; the message names file and line."""


@dataclass
class BlockOptions:
    timeout: float | None = None
    exit: int | None = None  # expected exit status of the block's last command / of the job
    skip: str | None = None  # the reason, always given
    output: bool = False  # this block is the expected content of the last job's output file
    continues: bool = False  # this python block continues the program of the python block before it
    needs_gpu: str | None = None  # why the block needs a real GPU: it runs only where there is one
    preempt: float | None = None  # a job block: seconds into its run, a job of the node's owner arrives
    member: str | None = None  # a partition: the block runs as a member of a group that may use it
    # Before the block, the harness waits, unseen, for the page's jobs: until they have all ended
    # (and the accounting has their end), or until the last one submitted runs.
    wait: str | None = None  # "ended" or "running"
    lines: tuple[int, ...] = ()  # .rst lines of the comments, for error messages


def parse_comment(args: str, where: str) -> dict:
    """`timeout=600 exit=1 skip "reason"` -> {'timeout': 600.0, 'exit': 1, 'skip': 'reason'}."""
    try:
        tokens = shlex.split(args)
    except ValueError as error:
        raise OptionError(f"{where}: cannot read `.. test:{args}`: {error}") from None
    if not tokens:
        raise OptionError(f"{where}: `.. test:` without an option")
    found: dict = {}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        key, _, value = token.partition("=")
        if key in ("timeout", "preempt") and value:
            try:
                found[key] = float(value)
            except ValueError:
                found[key] = -1.0
            if found[key] <= 0:
                raise OptionError(f"{where}: {key} must be a number of seconds > 0, not {value!r}")
        elif key == "member" and value:
            found["member"] = value
        elif key == "wait" and value:
            if value not in WAITS:
                raise OptionError(f"{where}: wait must be one of {', '.join(WAITS)}, not {value!r}")
            found["wait"] = value
        elif key == "exit" and value:
            if not value.isdigit():
                raise OptionError(f"{where}: exit must be an exit status (0-255), not {value!r}")
            found["exit"] = int(value)
        elif token in ("skip", "no-run"):
            reason = tokens[index + 1] if index + 1 < len(tokens) else ""
            if not reason.strip() or "=" in reason and reason.split("=")[0] in ("timeout", "exit"):
                raise OptionError(f'{where}: {token} needs a reason a reader accepts: {token} "why"')
            found["skip"] = reason
            index += 1
        elif token == "needs-gpu":
            reason = tokens[index + 1] if index + 1 < len(tokens) else ""
            if not reason.strip() or "=" in reason:
                raise OptionError(f'{where}: needs-gpu needs the reason the block needs a GPU: '
                                  f'needs-gpu "why"')
            found["needs_gpu"] = reason
            index += 1
        elif token in ("output", "continues"):
            found[token] = True
        else:
            raise OptionError(
                f"{where}: unknown test option {token!r} "
                "(known: timeout=SECONDS, exit=STATUS, skip \"reason\", no-run \"reason\", output, "
                "continues, needs-gpu \"reason\", preempt=SECONDS, member=PARTITION, wait=ended|running)"
            )
        index += 1
    return found


def options_before(text: str, start_line: int, path: str) -> tuple[BlockOptions, set[int]]:
    """The options written just above the directive on 1-based `start_line` of `text`.

    Returns them and the .rst lines of the comments used, so unattached comments can be reported.
    """
    lines = text.split("\n")
    found: dict = {}
    used: list[int] = []
    index = start_line - 2
    while index >= 0:
        line = lines[index]
        match = COMMENT.match(line)
        if match:
            for key, value in parse_comment(match["args"], f"{path}:{index + 1}").items():
                found.setdefault(key, value)  # the comment nearest the block wins
            used.append(index + 1)
        elif line.strip():
            break
        index -= 1
    return BlockOptions(**found, lines=tuple(sorted(used))), set(used)


def all_comment_lines(text: str) -> list[int]:
    return [number for number, line in enumerate(text.split("\n"), 1) if COMMENT.match(line)]
