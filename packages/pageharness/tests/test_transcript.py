"""The console-transcript rules, without a shell or a cluster."""
import pytest
from pageharness.transcript import (
    Prompt,
    Step,
    TranscriptError,
    align,
    clean,
    expected_status_problem,
    expects_failure,
    failure_message,
    is_complete,
    merged_output,
    output_matches,
    parse_transcript,
    rewrite,
)

PROMPT = Prompt().regex  # the default, the platform's shape: [user@host dir]$


@pytest.mark.parametrize(
    "line, venv, dir_, cmd",
    [
        ("[alice@iv11 ~]$ module load python/3.11.5", None, "~", "module load python/3.11.5"),
        ("(qutip) [alice@iv11 ~]$ pip install --no-index qutip", "qutip", "~", "pip install --no-index qutip"),
        ("(env-3.11) [alice@cp1433 project]$ ls", "env-3.11", "project", "ls"),
        ("[alice@iv11 ~]$", None, "~", None),
    ],
)
def test_prompt_grammar(line, venv, dir_, cmd):
    match = PROMPT.match(line)
    assert match and (match["venv"], match["dir"], match["cmd"]) == (venv, dir_, cmd)


@pytest.mark.parametrize(
    "line",
    ["$ ls", "(ENV) [name@server ~] pip install x", "alice@iv11:~$ ls", "[alice@iv11 ~]# ls", "  [alice@iv11 ~]$ ls"],
)
def test_not_prompts(line):
    assert not PROMPT.match(line)


def test_steps_output_and_lines():
    steps = parse_transcript(
        "[alice@iv11 ~]$ module avail python\n\n   python/3.11.5 (D)\n...\n\n"
        "[alice@iv11 ~]$ module load python/3.11.5\n",
        first_line=10,
    )
    assert [(s.line, s.command) for s in steps] == [
        (10, "module avail python"), (15, "module load python/3.11.5")
    ]
    assert steps[0].expected == ["", "   python/3.11.5 (D)", "..."]
    assert steps[0].output_lines == (11, 13)
    assert steps[1].expected == [] and steps[1].output_lines is None


def test_continuations_backslash_ps2_heredoc():
    steps = parse_transcript(
        "[alice@iv11 ~]$ pip install \\\n>   numpy\nok\n"
        "[alice@iv11 ~]$ cat <<EOF > req.txt\n> numpy\n> EOF\n"
        "[alice@iv11 ~]$ for i in 1 2; do\n> echo $i\n> done\n1\n2\n",
        first_line=1,
    )
    assert [s.command for s in steps] == [
        "pip install \\\n  numpy", "cat <<EOF > req.txt\nnumpy\nEOF", "for i in 1 2; do\necho $i\ndone"
    ]
    assert steps[0].expected == ["ok"] and steps[0].output_lines == (3, 3)
    assert steps[2].output_lines == (10, 11)


def test_heredoc_without_ps2_markers():
    steps = parse_transcript("[alice@iv11 ~]$ cat <<EOF\nline\nEOF\nline\n", first_line=1)
    assert steps[0].command == "cat <<EOF\nline\nEOF" and steps[0].expected == ["line"]


def test_transcript_must_start_with_a_prompt():
    with pytest.raises(TranscriptError, match=r"page.rst:7: a console block must start with a prompt"):
        parse_transcript("module load python\n", first_line=7, path="page.rst")


def test_unterminated_command_is_an_error():
    with pytest.raises(TranscriptError, match=r"page.rst:3: the command never ends"):
        parse_transcript("[alice@iv11 ~]$ echo 'open quote\n", first_line=3, path="page.rst")


def test_is_complete():
    assert is_complete("echo hi")
    assert not is_complete("echo hi \\")
    assert not is_complete("cat <<EOF")
    assert not is_complete("if true; then")
    assert is_complete("if true; then echo; fi")


@pytest.mark.parametrize(
    "expected, actual, ok",
    [
        (["a b"], "a    b\n", True),  # whitespace runs compare equal
        (["Submitted batch job ..."], "Submitted batch job 1234\n", True),  # inline elision
        (["first", "...", "last"], "first\n2\n3\nlast\n", True),  # line elision
        (["first", "...", "last"], "first\nlast\n", True),  # an elision may be empty
        (["a", "", "b"], "a\nb\n\n", True),  # blank lines do not matter
        (["a", "b"], "a\nc\n", False),
        (["a"], "a\nextra\n", False),  # unshown output is a difference
        (["..."], "anything\nat all\n", True),
        (["x ... y"], "x 1 2 y\n", True),
        (["x ... y"], "x 1 2 z\n", False),
    ],
)
def test_matching(expected, actual, ok):
    assert output_matches(expected, actual) is ok


def test_error_line_rule():
    assert expects_failure(["ERROR: Could not find an activated virtualenv (required)."])
    assert expects_failure(["sbatch: error: Batch job submission failed: Invalid partition"])
    assert expects_failure(["error: externally-managed-environment"])
    assert expects_failure(["Traceback (most recent call last):", "..."])
    assert expects_failure(["Lmod has detected the following error: ..."])
    assert not expects_failure(["Successfully installed numpy-2.1.0", "no error here"])


def test_exit_status_rule():
    failing = Step(1, "pip install numpy", None, "~", ["ERROR: Could not find ..."])
    plain = Step(1, "ls", None, "~", [])
    assert expected_status_problem(failing, 1) is None
    assert expected_status_problem(failing, 0) == "non-zero (the transcript shows an error)"
    assert expected_status_problem(plain, 0) is None
    assert expected_status_problem(plain, 2) == "0"
    assert expected_status_problem(plain, 2, explicit=2) is None
    assert expected_status_problem(failing, 1, explicit=0) == "0"


def test_update_keeps_elisions_and_inline_ellipsis():
    expected = ["Submitted batch job ...", "header", "...", "footer old"]
    actual = "Submitted batch job 77\nheader\nline 1\nline 2\nfooter new\n"
    assert merged_output(expected, actual) == ["Submitted batch job ...", "header", "...", "footer new"]


def test_update_with_nothing_in_common_writes_the_real_output():
    assert merged_output(["old"], "new 1\nnew 2\n") == ["new 1", "new 2"]


def test_alignment_counts_mismatches():
    assert align(["a", "...", "z"], ["a", "b", "z"])[0] == 0
    assert align(["a", "b"], ["a", "c"])[0] == 1  # one changed line
    assert align(["a", "b"], ["a"])[0] == 1  # one line missing


def test_rewrite_bottom_up_with_indent():
    text = "x\n   [p]$ a\n   old1\n   old2\n   [p]$ b\n   old3\n"
    new = rewrite(text, [(3, 4, ["new1"], "   "), (6, 6, ["n3", "", "n4"], "   ")])
    assert new == "x\n   [p]$ a\n   new1\n   [p]$ b\n   n3\n\n   n4\n"


def test_failure_message_names_page_line_command_and_diff():
    step = Step(42, "module load python/3.11.5", None, "~", ["Loaded python/3.11.5"], (43, 43))
    message = failure_message("source/howto/modules.rst", step, 0, "Loaded python/3.12.4\n")
    lines = message.splitlines()
    assert lines[0] == "source/howto/modules.rst:42: $ module load python/3.11.5"
    assert "--- expected (source/howto/modules.rst:43)" in lines
    assert "+++ actual" in lines
    assert "-Loaded python/3.11.5" in lines and "+Loaded python/3.12.4" in lines


def test_failure_message_for_exit_status():
    step = Step(7, "pip install numpy", None, "~", ["ERROR: Could not find ..."], (8, 8))
    message = failure_message("p.rst", step, 0, "Successfully installed numpy\n",
                              expected_status="non-zero (the transcript shows an error)")
    assert message.splitlines()[:2] == [
        "p.rst:7: $ pip install numpy", "exit status 0, expected non-zero (the transcript shows an error)"
    ]


def test_clean_removes_ansi_and_carriage_returns():
    assert clean("\x1b[1;32mok\x1b[0m\r\n10%\r50%\r100%\n") == "ok\n100%\n"


NODES = frozenset({"cp3702", "cp3703", "cp3705"})


@pytest.mark.parametrize("actual, matches", [
    ("rank 0 on cp3705\nrank 1 on cp3702", True),  # any node of the platform, in any pair
    ("rank 0 on cp3702\nrank 1 on cp3702", False),  # two names shown: two nodes, not one
    ("rank 0 on laptop\nrank 1 on cp3702", False),  # a host that is not a node of the platform
    ("rank 0 on cp37020\nrank 1 on cp3702", False),  # a whole name, not a prefix
])
def test_a_node_name_shown_stands_for_any_node_one_for_one(actual, matches):
    assert output_matches(["rank 0 on cp3702", "rank 1 on cp3703"], actual, NODES) is matches


def test_a_node_name_keeps_its_node_through_the_output_and_inside_elisions():
    shown = ["scheduler on cp3702 ...", "...", "worker on cp3703", "scheduler on cp3702 again"]
    assert output_matches(shown, "scheduler on cp3705 at 10:00\nx\nworker on cp3702\nscheduler on cp3705 again", NODES)
    assert not output_matches(shown, "scheduler on cp3705 at 10:00\nworker on cp3702\nscheduler on cp3702 again", NODES)


def test_a_host_name_stands_for_host_names_and_a_node_name_for_node_names():
    """Where a node's host name differs from Slurm's name of it (cp3702-mp2, cp3702), a page that
    shows one where the program prints the other is wrong, whichever node the job ran on."""
    both = NODES | {f"{node}-mp2" for node in NODES}
    assert output_matches(["Node: cp3702-mp2"], "Node: cp3705-mp2", both)
    assert not output_matches(["Node: cp3702-mp2"], "Node: cp3705", both)
    assert not output_matches(["Node: cp3702"], "Node: cp3705-mp2", both)
    assert output_matches(["cp3702 is cp3702-mp2"], "cp3705 is cp3705-mp2", both)


def test_without_the_platforms_nodes_a_node_name_is_plain_text():
    assert not output_matches(["on cp3702"], "on cp3703")
    assert output_matches(["on cp3702"], "on cp3702")


def test_a_node_that_breaks_the_one_for_one_rule_shows_in_the_diff_and_the_update():
    shown = ["rank 0 on cp3702", "rank 1 on cp3703"]
    assert merged_output(shown, "rank 0 on cp3705\nrank 1 on cp3705", NODES) == ["rank 0 on cp3702", "rank 1 on cp3705"]
    assert merged_output(shown, "rank 0 on cp3705\nrank 1 on cp3703", NODES) == shown  # the page's names stay


def test_a_node_the_command_names_stands_for_itself():
    """`--exclude=cp3702`: an output that shows another node must not come from cp3702."""
    from pageharness.transcript import named_hosts
    hosts = frozenset({"cp3702", "cp3703", "cp3704"})
    named = named_hosts("sbatch --test-only --exclude=cp3702 --wrap=true", hosts)
    assert named == {"cp3702"}
    shown = ["on nodes cp3703"]
    assert output_matches(shown, "on nodes cp3704", hosts, named)
    assert not output_matches(shown, "on nodes cp3702", hosts, named)
    assert output_matches(shown, "on nodes cp3702", hosts)  # without it, any node
