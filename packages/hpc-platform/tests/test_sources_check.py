"""`hpc-platform check --sources`: the facts of a platform.toml read again in a checkout of the
documentation they cite. The documentation is a fixture repository of the test's own (a node table,
a page of prose, one commit) and platform.toml cites it at that commit; each test changes the
checkout, or a citation, the way the documentation or the file goes wrong."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import hpc_platform
import pytest
from hpc_platform import Citation
from hpc_platform.__main__ import main
from hpc_platform.sources import Note, Problem, check, describe, describe_note, expand_host_lists, holds, notes

NODES = """\
Nodes
=====

.. list-table::
   :header-rows: 1

   * - Partition
     - Nodes
     - Cores
     - Memory
     - Time limit (days)
   * - ``lab-main``
     - ``n[201,205-206]``
     - 32
     - 128G
     - 7
   * - ``lab-main``
     - ``n10[1-3]``

       (3 total)
     - 64
     - 256G
     - 7
"""

JOBS = """\
Jobs
====

Connect to ``login1`` and submit to ``lab-main``, which is the default
partition. Jobs run for at most 7 days.
"""

PLATFORM = """\
[sources.lab-docs]
repository = "github:example/lab-docs"
commit = "{commit}"
date = "2026-01-02"

[guide]
languages = {{ en = "English" }}
titles = {{ en = "A lab's guide" }}
columns = 100
rows = 50

[site]
names = {{ en = "Lab" }}
assumed.names = "the test's own"

[login]
host = "login1"
user = "alice"
prompt = "[{{user}}@{{host}} {{dir}}]$ "
module_avail_columns = 80
cite.host = "lab-docs:jobs.rst:4"
assumed.user = "the test's own"
assumed.prompt = "the test's own"
assumed.module_avail_columns = "the test's own"

[slurm]
cluster_name = "lab"
assumed.cluster_name = "the test's own"

[[partitions]]
name = "lab-main"
default = true
access = "everyone"
time_limit_days = 7
cite.name = "lab-docs:nodes.rst:12"
cite.default = {{ at = "lab-docs:jobs.rst:4-5", text = "which is the default partition" }}
assumed.access = "the test's own"
cite.time_limit_days = ["lab-docs:nodes.rst:16", "lab-docs:jobs.rst:5"]

[[nodes]]
names = ["n201", "n205", "n206"]
partitions = ["lab-main"]
cores = 32
memory = "128G"
cite.names = "lab-docs:nodes.rst:13"
cite.partitions = "lab-docs:nodes.rst:12"
cite.cores = "lab-docs:nodes.rst:14"
cite.memory = "lab-docs:nodes.rst:15"

[[nodes]]
names = ["n101", "n102", "n103"]
partitions = ["lab-main"]
cores = 64
memory = "256G"
cite.names = "lab-docs:nodes.rst:18"
cite.partitions = "lab-docs:nodes.rst:17"
cite.cores = "lab-docs:nodes.rst:21"
cite.memory = "lab-docs:nodes.rst:22"
"""
CITED_FACTS = 12  # of PLATFORM: login.host, 3 of the partition, 4 of each group of nodes


def git(folder: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(folder), "-c", "user.name=Test", "-c", "user.email=test@example.org",
                             *args], capture_output=True, text=True, check=True)
    return result.stdout.strip()


@pytest.fixture
def docs(tmp_path) -> Path:
    """The documentation's repository, its two pages committed."""
    folder = tmp_path / "lab-docs"
    folder.mkdir()
    (folder / "nodes.rst").write_text(NODES, encoding="utf-8")
    (folder / "jobs.rst").write_text(JOBS, encoding="utf-8")
    git(folder, "init", "-q")
    git(folder, "add", ".")
    git(folder, "commit", "-q", "-m", "The lab's nodes and jobs")
    return folder


def platform_file(folder: Path, docs: Path, *changes: tuple[str, str]) -> Path:
    """platform.toml citing `docs` at its commit, with `changes` (written, as changed) made."""
    text = PLATFORM.format(commit=git(docs, "rev-parse", "HEAD"))
    for written, changed in changes:
        assert written in text
        text = text.replace(written, changed)
    path = folder / "platform.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def platform(tmp_path, docs) -> hpc_platform.Platform:
    return hpc_platform.load(platform_file(tmp_path, docs))


def edit(page: Path, written: str, changed: str) -> None:
    text = page.read_text(encoding="utf-8")
    assert written in text
    page.write_text(text.replace(written, changed, 1), encoding="utf-8")


def line_of(fragment: str) -> int:
    """The line of PLATFORM that writes `fragment`: a fact's line, where its problem is reported."""
    return PLATFORM[: PLATFORM.index(fragment)].count("\n") + 1


def cited(path: str, first: int, last: int | None = None, text: str | None = None) -> Citation:
    return Citation("lab-docs", path, first, last or first, text)


def problems_of(platform: hpc_platform.Platform, docs: Path) -> list[Problem]:
    return check(platform, {"lab-docs": docs})


# --- matching ------------------------------------------------------------------------------------

@pytest.mark.parametrize("token, text, held", [
    ("7", "- 7", True),
    ("7", "Jobs run for at most 7 days: 7.", True),
    ("7", "2 x AMD EPYC 7643", False),
    ("7", "- 7.5", False),
    ("7", "cp-7 and 17", False),
    ("7643", "2 x AMD EPYC 7643", True),
    ("EPYC 7643", "2 x amd epyc\n       7643", True),
    ("--requeue", "add --requeue to", True),
    ("n102", "- ``n10[1-3]``", True),
    ("n104", "- ``n10[1-3]``", False),
    ("n205", "``n[201,205-206]``", True),
    ("n203", "``n[201,205-206]``", False),
])
def test_a_token_is_held_as_a_whole_word_host_lists_expanded(token, text, held):
    assert holds(token, text) is held


def test_a_host_list_is_its_nodes():
    assert expand_host_lists("``cp370[2-4]`` and cp[3701,3705-3706]") == \
        "``cp3702 cp3703 cp3704`` and cp3701 cp3705 cp3706"
    assert expand_host_lists("n[08-10]") == "n08 n09 n10"


# --- the check -----------------------------------------------------------------------------------

def test_the_documentation_as_committed_holds_every_fact(platform, docs):
    assert problems_of(platform, docs) == []
    assert notes(platform, {"lab-docs": docs}) == []


def test_a_changed_core_count_is_one_problem_at_its_fact(platform, docs):
    edit(docs / "nodes.rst", "     - 64\n", "     - 48\n")
    problems = problems_of(platform, docs)
    assert problems == [Problem(line_of("cores = 64"), "nodes[1].cores", (cited("nodes.rst", 21),), "token",
                                "64", ("- 48",))]
    assert describe(problems[0], platform.path) == \
        f'{platform.path}:{line_of("cores = 64")}: nodes[1].cores: lab-docs:nodes.rst:21 no longer holds 64; ' \
        f'the line reads "- 48"'


def test_a_removed_line_shows_where_the_values_moved(platform, docs):
    edit(docs / "nodes.rst", "\n       (3 total)\n", "\n")
    problems = problems_of(platform, docs)
    assert problems == [
        Problem(line_of("cores = 64"), "nodes[1].cores", (cited("nodes.rst", 21),), "token", "64", ("- 256G",),
                cited("nodes.rst", 20)),
        Problem(line_of('memory = "256G"'), "nodes[1].memory", (cited("nodes.rst", 22),), "token", "256G",
                ("- 7",), cited("nodes.rst", 21)),
    ]
    assert describe(problems[0], platform.path).endswith(
        'lab-docs:nodes.rst:21 no longer holds 64; the line reads "- 256G"; 64 is now at line 20')


def test_a_value_is_in_the_union_of_its_citations(platform, docs):
    edit(docs / "nodes.rst", "     - 128G\n     - 7\n", "     - 128G\n     - 14\n")
    assert problems_of(platform, docs) == []  # jobs.rst:5 still says 7 days
    edit(docs / "jobs.rst", "at most 7 days", "at most 7643 days")
    problems = problems_of(platform, docs)
    assert problems == [Problem(line_of("time_limit_days = 7"), "partitions[0].time_limit_days",
                                (cited("nodes.rst", 16), cited("jobs.rst", 5)), "token", "7",
                                ("- 14", "partition. Jobs run for at most 7643 days."), cited("nodes.rst", 23))]
    assert describe(problems[0], platform.path).endswith(
        'lab-docs:nodes.rst:16 and lab-docs:jobs.rst:5 no longer hold 7; the lines read "- 14" and '
        '"partition. Jobs run for at most 7643 days."; 7 is now at lab-docs:nodes.rst:23')


def test_a_text_whose_words_changed_is_reported(platform, docs):
    edit(docs / "jobs.rst", "which is the default\npartition.", "which is used when\nnone is named.")
    problems = problems_of(platform, docs)
    text = "which is the default partition"
    assert problems == [Problem(line_of("default = true"), "partitions[0].default", (cited("jobs.rst", 4, 5, text),),
                                "text", text,
                                ("Connect to ``login1`` and submit to ``lab-main``, which is used when none is "
                                 "named. Jobs run for at most 7 days.",))]
    assert f'lab-docs:jobs.rst:4-5 no longer holds "{text}"; the lines read "Connect to' in describe(
        problems[0], platform.path)


def test_a_text_that_moved_is_found(platform, docs):
    edit(docs / "jobs.rst", "\n\nConnect", "\n\nA first line.\nConnect")
    problems = problems_of(platform, docs)
    assert [(p.key, p.missing, p.now_at) for p in problems] == [
        ("login.host", "login1", cited("jobs.rst", 5)),
        ("partitions[0].default", "which is the default partition", cited("jobs.rst", 5)),
    ]
    assert describe(problems[1], platform.path).endswith('"which is the default partition" is now at line 5')


def test_node_names_are_read_from_host_lists(tmp_path, docs):
    platform = hpc_platform.load(platform_file(tmp_path, docs, ('"n205", "n206"]', '"n205", "n207"]')))
    problems = problems_of(platform, docs)
    assert [(p.key, p.missing, p.reads) for p in problems] == [("nodes[0].names", "n207", ("- ``n[201,205-206]``",))]


def test_a_missing_file_and_lines_past_its_end_are_problems(tmp_path, docs):
    platform = hpc_platform.load(platform_file(
        tmp_path, docs, ('cite.cores = "lab-docs:nodes.rst:14"', 'cite.cores = "lab-docs:gone.rst:14"'),
        ('cite.memory = "lab-docs:nodes.rst:22"', 'cite.memory = "lab-docs:nodes.rst:23-24"')))
    problems = problems_of(platform, docs)
    assert problems == [
        Problem(line_of("cores = 32"), "nodes[0].cores", (cited("gone.rst", 14),), "no file"),
        Problem(line_of('memory = "256G"'), "nodes[1].memory", (cited("nodes.rst", 23, 24),), "past end", length=23),
    ]
    memory = line_of('memory = "256G"')
    assert [describe(problem, "platform.toml") for problem in problems] == [
        f"platform.toml:{line_of('cores = 32')}: nodes[0].cores: lab-docs:gone.rst:14: no such file in the checkout",
        f"platform.toml:{memory}: nodes[1].memory: lab-docs:nodes.rst:23-24: past the end of the file (23 lines)",
    ]


def test_a_checkout_at_another_commit_is_noted(platform, docs):
    cited_commit = platform.sources["lab-docs"].commit
    (docs / "news.rst").write_text("News\n", encoding="utf-8")
    git(docs, "add", ".")
    git(docs, "commit", "-q", "-m", "News")
    head = git(docs, "rev-parse", "HEAD")
    assert notes(platform, {"lab-docs": docs}) == [Note(platform.sources["lab-docs"], head)]
    assert describe_note(Note(platform.sources["lab-docs"], head), "platform.toml") == \
        f"lab-docs: the checkout is at {head[:7]}, platform.toml cites {cited_commit[:7]} (2026-01-02)"
    assert problems_of(platform, docs) == []


def test_a_folder_that_is_not_a_repository_has_no_note(platform, docs, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    subprocess.run(f"git -C {docs} archive HEAD | tar -x -C {plain}", shell=True, check=True)
    assert notes(platform, {"lab-docs": plain}) == [] and problems_of(platform, plain) == []


# --- the command line ----------------------------------------------------------------------------

def test_the_command_says_no_problem_and_exits_0(platform, docs, capsys):
    assert main(["check", str(platform.path), "--sources", f"lab-docs={docs}"]) == 0
    assert capsys.readouterr().out == f"checked {CITED_FACTS} facts against lab-docs: no problem\n"
    assert main(["check", str(platform.path)]) == 0
    assert capsys.readouterr().out == f"{platform.path}: valid\n"


def test_the_command_prints_notes_and_problems_and_exits_1(platform, docs, capsys):
    edit(docs / "nodes.rst", "     - 64\n", "     - 48\n")
    git(docs, "commit", "-q", "-am", "Fewer cores")
    assert main(["check", str(platform.path), "--sources", f"lab-docs={docs}"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == ["lab-docs", str(platform.path)]
    assert "the checkout is at" in lines[0] and "no longer holds 64" in lines[1]
    assert lines[2:] == [f"checked {CITED_FACTS} facts against lab-docs: 1 problem"]


@pytest.mark.parametrize("option, named", [("elsewhere={docs}", "'elsewhere' is not a source"),
                                            ("lab-docs={docs}/nowhere", "no folder {docs}/nowhere"),
                                            ("lab-docs", "write it NAME=DIR")])
def test_a_wrong_source_option_is_named_and_exits_2(platform, docs, capsys, option, named):
    with pytest.raises(SystemExit) as stopped:
        main(["check", str(platform.path), "--sources", option.format(docs=docs)])
    assert stopped.value.code == 2
    assert named.format(docs=docs) in capsys.readouterr().err


def test_the_installed_command_exits_with_its_status(platform, docs):
    command = [sys.executable, "-m", "hpc_platform", "check", str(platform.path), "--sources"]
    assert subprocess.run([*command, f"lab-docs={docs}"], capture_output=True).returncode == 0
    edit(docs / "jobs.rst", "``login1``", "``login2``")
    assert subprocess.run([*command, f"lab-docs={docs}"], capture_output=True).returncode == 1
    assert subprocess.run([*command, f"lab-docs={docs}/nowhere"], capture_output=True).returncode == 2
