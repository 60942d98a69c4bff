"""platform.toml's reader: the site's file passes its schema, and each kind of mistake in a copy
of it is an error that names the file, the line and the key."""
from __future__ import annotations

import re
from pathlib import Path

import hpc_platform
import pytest

SITE_FILE = Path(__file__).resolve().parents[2] / "platform.toml"
TEXT = SITE_FILE.read_text(encoding="utf-8")


def test_the_site_file_passes_its_schema():
    platform = hpc_platform.load(SITE_FILE)
    shown = re.fullmatch(platform.prompt_pattern(), platform.prompt("project", venv="env") + "ls")
    assert shown.groupdict() == {"venv": "env", "user": platform.login.user, "host": platform.login.host,
                                 "dir": "project", "cmd": "ls"}
    assert platform.source_language == "en" and platform.translations == ["fr"]
    assert platform.modules["python"].default in platform.modules["python"].versions
    # The modules the job-script builder's scripts load, by the role platform.toml gives them.
    assert {role: platform.module_of_role(role).name for role in ("interpreter", "scientific-stack", "mpi")} == \
        {"interpreter": "python", "scientific-stack": "scipy-stack", "mpi": "mpi4py"}


def test_every_fact_of_the_site_file_cites_its_place_or_says_why_it_is_assumed():
    platform = hpc_platform.load(SITE_FILE)
    assumed = [fact for fact in platform.facts if fact.assumption]
    cited = [fact for fact in platform.facts if fact.citations]
    assert len(cited) + len(assumed) == len(platform.facts) > 200
    assert all(citation.source in platform.sources for fact in cited for citation in fact.citations)
    # The facts the guide leans on most are cited, not assumed.
    for key in ("nodes[0].cores", "partitions[0].time_limit_days", "login.modules", "site.ssh_address"):
        assert next(fact for fact in platform.facts if fact.key == key).citations, key


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


MISTAKES = {
    # name: (the line as written, as broken, the error's key and message)
    "an integer as a string": ("cores = 48", 'cores = "48"', r"nodes\[1\]\.cores: must be an integer, not '48'"),
    "a misspelt key": ("grace_seconds = 60", "grace_secs = 60",
                       r"partitions\[1\]\.preemption\.grace_secs: unknown key \(known here: signal, grace_seconds, "),
    "a default that is not a version": ('default = "2024b"', 'default = "2099a"',
                                        r"modules\.scipy-stack\.default: '2099a' is not one of its versions"),
    "a type Lmod does not label": ('type = "mpi"', 'type = "gpu"',
                                   r"modules\.openmpi\.type: must be one of tools, math, mpi"),
    "a role the builder does not know": ('role = "scientific-stack"', 'role = "scipy"',
                                         r"modules\.scipy-stack\.role: must be one of interpreter, "
                                         r"scientific-stack, mpi"),
    # The comment makes the broken line unique, so that the error's line is found in the copy.
    "two modules of one role": ('role = "mpi"', 'role = "interpreter"  # as python',
                                r"modules\.mpi4py\.role: 'interpreter' is already the role of 'python'"),
    "a memory Slurm cannot read": ('memory = "500G"', 'memory = "500 GB"',
                                   r"nodes\[0\]\.memory: must be a number and M, G or T, as 500G, not '500 GB'"),
    "a login module the catalog lacks": ('"openmpi/4.1.5", "flexiblas', '"openmpi/5.0.0", "flexiblas',
                                         r"login\.modules: 'openmpi/5\.0\.0' is not a module version"),
    "a node in no partition": ('partitions = ["iq-blais"]', 'partitions = ["iq-bliss"]',
                               r"nodes\[2\]\.partitions: 'iq-bliss' is not one of \[\[partitions\]\]"),
    "a fact that cites nothing": ('cite.cores = "hpc-iq:en/source/nodes/contrib.rst:17"\n', '\n',
                                  None),
    "a citation of an unknown source": ('cite.cores = "hpc-iq:en/source/nodes/contrib.rst:17"',
                                        'cite.cores = "hpc-io:en/source/nodes/contrib.rst:17"',
                                        r"nodes\[2\]\.cite\.cores: 'hpc-io' is not one of \[sources\] \(hpc-iq, "),
    "a citation without its line": ('cite.cores = "hpc-iq:en/source/nodes/contrib.rst:17"',
                                    'cite.cores = "hpc-iq:en/source/nodes/contrib.rst"',
                                    r"nodes\[2\]\.cite\.cores: '.*contrib.rst' is not <source>:<path>:<line>"),
    "an assumption without a reason": ('assumed.cluster_name = "the platform', 'assumed.cluster_name = "  "\n#',
                                       r"slurm\.assumed\.cluster_name: say why it is assumed"),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_mistake_names_file_line_and_key(mistake, tmp_path):
    written, broken, message = MISTAKES[mistake]
    assert written in TEXT, written
    copy = tmp_path / "platform.toml"
    text = TEXT.replace(written, broken, 1)
    copy.write_text(text, encoding="utf-8")
    with pytest.raises(hpc_platform.PlatformError) as error:
        hpc_platform.load(copy)
    if message is None:  # a fact left without its citation: the error is at the fact's own line
        message, broken = (r"nodes\[2\]\.cores: cite where the platform says it \(cite\.cores\) or why it "
                           r"is assumed \(assumed\.cores\)"), "cores = 128"
    assert re.match(rf"{re.escape(str(copy))}:{line_of(text, broken)}: {message}", str(error.value)), \
        str(error.value)


def test_a_missing_key_names_its_table(tmp_path):
    copy = tmp_path / "platform.toml"
    text = re.sub(r'(?m)^host = "iv11"\n', "", TEXT).replace('cite.host = "hpc-iq:en/source/jobs.rst:15"\n', "")
    copy.write_text(text, encoding="utf-8")
    with pytest.raises(hpc_platform.PlatformError, match=rf"{re.escape(str(copy))}:{line_of(text, '[login]')}: "
                                                         r"login: missing key 'host'"):
        hpc_platform.load(copy)


def test_broken_toml_names_its_line(tmp_path):
    copy = tmp_path / "platform.toml"
    copy.write_text(TEXT.replace('time_limit_days = 28', 'time_limit_days = 28 days', 1), encoding="utf-8")
    line = line_of(TEXT, 'time_limit_days = 28')
    with pytest.raises(hpc_platform.PlatformError, match=rf"{re.escape(str(copy))}:{line}: Expected newline"):
        hpc_platform.load(copy)


def test_the_command_line_says_what_is_wrong(tmp_path, capsys):
    from hpc_platform.__main__ import main
    copy = tmp_path / "platform.toml"
    copy.write_text(TEXT.replace("cores = 48", 'cores = "48"', 1), encoding="utf-8")
    assert main(["check", str(copy)]) == 1
    assert f"hpc-platform: {copy}:" in capsys.readouterr().err
    assert main(["languages", str(SITE_FILE)]) == 0
    assert capsys.readouterr().out == "en fr\n"
