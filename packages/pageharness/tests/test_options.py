"""Per-block `.. test:` comments: syntax, attachment to the next block, errors naming file:line."""
import pytest
from pageharness.blocks import PageParser
from pageharness.options import OptionError, options_before, parse_comment
from sybil import Document


def test_options_on_one_line():
    assert parse_comment(' timeout=600 exit=1 skip "licence server down"', "p.rst:3") == {
        "timeout": 600.0, "exit": 1, "skip": "licence server down"
    }


def test_needs_gpu_keeps_its_reason_and_preempt_its_seconds():
    assert parse_comment(' needs-gpu "nvidia-smi reads the device" timeout=60', "p:1") == {
        "needs_gpu": "nvidia-smi reads the device", "timeout": 60.0}
    assert parse_comment(" preempt=5", "p:1") == {"preempt": 5.0}


def test_no_run_is_a_skip_and_output_is_a_flag():
    assert parse_comment(' no-run "needs the real GPU nodes"', "p:1") == {"skip": "needs the real GPU nodes"}
    assert parse_comment(" output", "p:1") == {"output": True}


@pytest.mark.parametrize(
    "args, message",
    [
        (" skip", r'p.rst:9: skip needs a reason a reader accepts: skip "why"'),
        (" timeout=soon", r"p.rst:9: timeout must be a number of seconds > 0, not 'soon'"),
        (" exit=-1", r"p.rst:9: exit must be an exit status"),
        (" retries=3", r"p.rst:9: unknown test option 'retries=3'"),
        (" needs-gpu", r'p.rst:9: needs-gpu needs the reason the block needs a GPU: needs-gpu "why"'),
        (" preempt=0", r"p.rst:9: preempt must be a number of seconds > 0, not '0'"),
        ("", r"p.rst:9: `.. test:` without an option"),
        (' skip "unclosed', r"p.rst:9: cannot read"),
    ],
)
def test_bad_options_name_file_and_line(args, message):
    with pytest.raises(OptionError, match=message):
        parse_comment(args, "p.rst:9")


def test_stacked_comments_and_blank_lines_attach_to_the_block():
    text = "Para.\n\n.. test: timeout=5\n.. test: exit=3\n\n.. code-block:: console\n\n   [a@b ~]$ x\n"
    options, used = options_before(text, 6, "p.rst")
    assert (options.timeout, options.exit, used) == (5.0, 3, {3, 4})


def test_a_paragraph_between_comment_and_block_detaches_it():
    text = ".. test: exit=3\n\nSome text.\n\n.. code-block:: console\n"
    options, used = options_before(text, 5, "p.rst")
    assert options.exit is None and not used


def test_continues_is_a_flag():
    assert parse_comment(" continues timeout=60", "p:1") == {"continues": True, "timeout": 60.0}


@pytest.mark.parametrize("first", ["", ".. code-block:: console\n\n   [a@b ~]$ true\n\n"])
def test_continues_needs_a_python_block_before(first):
    """On the page's first python block there is no program to continue: an error at its line."""
    text = f"Title\n=====\n\n{first}.. test: continues\n\n.. code-block:: python\n\n   x = 1\n"
    line = text.split("\n").index(".. code-block:: python") + 1
    message = rf"p.rst:{line}: `.. test: continues` needs an uncaptioned python block"
    with pytest.raises(OptionError, match=message):
        PageParser(evaluator=None)(Document(text, "p.rst"))


def test_continued_blocks_carry_the_program_so_far():
    text = ("T\n=\n\n.. code-block:: python\n\n   a = 1\n\n.. test: continues\n\n"
            ".. code-block:: python\n\n   b = a\n\n.. test: continues\n\n"
            ".. code-block:: python\n\n   c = b\n\n.. code-block:: python\n\n   d = 4\n")
    blocks = [region.parsed for region in PageParser(evaluator=None)(Document(text, "p.rst"))]
    assert [[part.source.strip() for part in block.earlier] for block in blocks] == [
        [], ["a = 1"], ["a = 1", "b = a"], []
    ]
