"""Find every code block of a page and decide how the test runs it.

One sybil parser for all languages, so that every block of a page shares one shell, in document
order. Classification (first rule that applies):

- `.. test: output` before it: the expected content of the previous job's output file;
- a job script (`slurm`/`sbatch` language, or bash starting `#!` with `#SBATCH` lines): submitted;
- `:caption: FILENAME` (a plain file name): written to the shell's working directory; a captioned
  python block is written, not executed;
- `console`: a transcript; `python`: a program, run by the page shell's `python`;
  `bash`/`sh`/`shell`: run in the page's shell;
- anything else: a failing test that says how to make the block testable.

A python block with `.. test: continues` is the next part of the program of the python block
before it: `Block.earlier` holds the blocks whose code runs before its own.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sybil import Document, Region
from sybil.parsers.rest.lexers import DirectiveLexer

from .options import BlockOptions, OptionError, all_comment_lines, options_before
from .transcript import Prompt, Step, parse_transcript

FILENAME = re.compile(r"^[\w][\w.+-]*$")
SHELL_LANGUAGES = {"bash", "sh", "shell"}
JOB_LANGUAGES = {"slurm", "sbatch"}


@dataclass
class Block:
    kind: str  # output | job | file | console | python | bash | unknown
    language: str
    source: str
    line: int  # .rst line of the directive
    body_line: int  # .rst line of the block's first line
    indent: str  # indentation of the body in the .rst (update mode writes with it)
    options: BlockOptions
    caption: str | None = None
    steps: list[Step] = field(default_factory=list)
    earlier: list[Block] = field(default_factory=list)  # `.. test: continues`: the program so far


def is_job_script(language: str, source: str) -> bool:
    if language in JOB_LANGUAGES:
        return True
    return (
        language in SHELL_LANGUAGES
        and source.startswith("#!")
        and any(line.startswith("#SBATCH") for line in source.splitlines())
    )


def classify(language: str, source: str, caption: str | None, options: BlockOptions) -> str:
    if options.output:
        return "output"
    if is_job_script(language, source):
        return "job"
    if caption and FILENAME.match(caption) and language != "console":
        return "file"
    if language in ("console", "python"):
        return language
    if language in SHELL_LANGUAGES:
        return "bash"
    return "unknown"


class PageParser:
    """A sybil parser: one region per `code-block`/`code`/`sourcecode` directive."""

    def __init__(self, evaluator, prompt: Prompt = Prompt()):
        self.lexer = DirectiveLexer(directive=r"(?:sourcecode|code-block|code)")
        self.evaluator = evaluator
        self.prompt = prompt

    def __call__(self, document: Document) -> Iterable[Region]:
        text, path = document.text, document.path
        used_comments: set[int] = set()
        regions = []
        program: list[Block] = []  # the python blocks of the program a `continues` block extends
        for region in self.lexer(document):
            source = region.lexemes["source"]
            line = text.count("\n", 0, region.start) + 1
            body_start = region.start + source.offset
            body_line = text.count("\n", 0, body_start) + 1
            indent = re.match(r"[ \t]*", text[body_start:])[0]
            options, used = options_before(text, line, path)
            used_comments |= used
            language = (region.lexemes.get("arguments") or "").strip()
            caption = region.lexemes["options"].get("caption", "").strip() or None
            block = Block(
                classify(language, source, caption, options),
                language, str(source), line, body_line, indent, options, caption,
            )
            if block.kind == "console":
                block.steps = parse_transcript(block.source, body_line, path, self.prompt)
            if options.continues:
                if block.kind != "python" or not program:
                    raise OptionError(
                        f"{path}:{line}: `.. test: continues` needs an uncaptioned python block "
                        "after another one: it runs the earlier block's program, then this block"
                    )
                block.earlier = list(program)
            if block.kind == "python":
                program = [*block.earlier, block]
            region.parsed = block
            region.evaluator = self.evaluator
            regions.append(region)
        stray = [number for number in all_comment_lines(text) if number not in used_comments]
        if stray:
            raise OptionError(
                f"{path}:{stray[0]}: `.. test:` comment not directly above a code block"
            )
        return regions
