"""The login environment of the stand-in is the one platform.toml describes: the modules a fresh
login has loaded ([login] modules, with their marks), what `module purge` and `module load
StdEnv/2020` do to them, and the variables of the stack's CCconfig module, which give squeue, sq and
sacct their columns.

Expected results are built from the records (hpc_platform), never copied from the platform's text;
Lmod's and Slurm's own words (titles, legends, column names) are the only text written here.
Lmod's output is read as a reader sees it: in a shell on a pseudo-terminal, started as the page
harness starts one, so that Lmod lays it out and colours it for a terminal (colours removed)."""

from __future__ import annotations

import re
from pathlib import Path

import hpc_platform
import pytest
from hpc_platform import Module
from pageharness.login import ShellSetup

REPO = Path(__file__).resolve().parents[2]
PLATFORM = hpc_platform.load(REPO / "platform.toml")
# The label Lmod shows for a module's type (the platform's: "gcc/12.3 (t)", "openmpi/4.1.5 (m)").
TYPE_MARKS = {"tools": "t", "mpi": "m", "math": "math"}
# squeue's title of each field of a --format (Slurm's own words); %b is GRES on older Slurm.
SQUEUE_TITLES = {"i": ("JOBID",), "u": ("USER",), "a": ("ACCOUNT",), "j": ("NAME",), "t": ("ST",),
                 "L": ("TIME_LEFT",), "D": ("NODES",), "C": ("CPUS",), "b": ("TRES_PER_NODE", "GRES"),
                 "m": ("MIN_MEM",), "N": ("NODELIST",), "r": ("REASON",), "P": ("PARTITION",),
                 "T": ("STATE",)}


# --- the model ----------------------------------------------------------------------------------

def resolved(entry: str) -> tuple[Module, str | None]:
    found = PLATFORM.module_version(entry)
    assert found, f"{entry} is no module version of platform.toml"
    return found


def full_name(entry: str) -> str:
    """A catalog entry as Lmod names a loaded module: name/version (CCconfig alone)."""
    module, version = resolved(entry)
    return module.full_name(version)


def closure(entries) -> list[str]:
    """The entries and what each loads, and so on (full names)."""
    found, todo = [], [full_name(entry) for entry in entries]
    while todo:
        entry = todo.pop(0)
        if entry not in found:
            found.append(entry)
            module, version = resolved(entry)
            todo += [full_name(loaded) for loaded in module.loads.get(version or "", ())]
    return found


def marks(entry: str) -> set[str]:
    """What `module list` marks a loaded module with: (S) sticky, (H) a hidden version, its type."""
    module, version = resolved(entry)
    found = {TYPE_MARKS[module.type]} if module.type else set()
    if module.sticky:
        found.add("S")
    if version and version.startswith("."):
        found.add("H")
    return found


LOGIN = [full_name(entry) for entry in PLATFORM.login.modules]
STACK = PLATFORM.modules[PLATFORM.stack_module]
DEFAULT_STACK = PLATFORM.stack.default  # StdEnv/2023


def versions(entries) -> dict[str, str]:
    return {resolved(entry)[0].name: resolved(entry)[1] for entry in entries}


# --- a reader's terminal --------------------------------------------------------------------------

@pytest.fixture
def terminal(cluster_env, tmp_path):
    """A fresh login shell on a pseudo-terminal, as the page harness starts a page's."""
    home = tmp_path / "home"
    home.mkdir()
    setup = ShellSetup(setup=cluster_env.init) if cluster_env.standin else ShellSetup(inherit_environment=True)
    shell = setup.start(home, tmp_path)
    yield shell
    shell.close()


def run(terminal, command: str) -> str:
    result = terminal.run(command, timeout=120)
    assert result.status == 0, f"{command} exited {result.status}:\n{result.output}"
    return result.output


def numbered(text: str) -> list[tuple[str, set[str]]]:
    """An Lmod list laid out in columns ("1) gcc/12.3 (t)   6) ucx/1.14.1"), in its numbers' order,
    each name with its marks."""
    found = re.findall(r"(\d+)\) +(\S+)(?: +\(([^)]+)\))?", text)
    return [(name, set(shown.split(",")) if shown else set()) for _, name, shown in
            sorted(found, key=lambda item: int(item[0]))]


def paragraph(output: str, title: str) -> str:
    """The lines under a title of Lmod's output, up to the next blank line."""
    lines = output.split("\n")
    starts = [index for index, line in enumerate(lines) if line.strip().startswith(title)]
    assert starts, f"no {title!r} in:\n{output}"
    body = []
    for line in lines[starts[0] + 1:]:
        if not line.strip() and body:
            break
        body.append(line)
    return "\n".join(body)


# --- module list, purge, load StdEnv --------------------------------------------------------------

def test_module_list_at_login_is_the_models_with_its_marks_and_legend(terminal):
    """A fresh login: the modules of [login] modules, in their order, each with the marks its
    record implies, and a legend line for each mark shown."""
    output = run(terminal, "module list")
    listed = numbered(paragraph(output, "Currently Loaded Modules:"))
    assert [name for name, _ in listed] == LOGIN, output
    assert [shown for _, shown in listed] == [marks(entry) for entry in LOGIN], output
    legend = re.findall(r"^ +(\w+): +(.+)$", paragraph(output, "Where:"), re.MULTILINE)
    assert {key for key, _ in legend} == set().union(*(marks(entry) for entry in LOGIN)), output
    explained = dict(legend)
    assert explained["S"].startswith("Module is Sticky") and explained["H"] == "Hidden Module", output


def test_module_purge_keeps_the_sticky_modules_and_what_they_loaded(terminal):
    """`module purge` keeps StdEnv and gentoo (sticky) with everything they loaded, says so, and
    unloads the login's other modules (mii, slurm-completion)."""
    sticky = [entry for entry in LOGIN if resolved(entry)[0].sticky]
    assert sticky, "no sticky module at login"
    kept = [entry for entry in LOGIN if entry in closure(sticky)]
    gone = [entry for entry in LOGIN if entry not in kept]
    output = run(terminal, "module purge")
    assert "The following modules were not unloaded:" in output, output
    assert 'Use "module --force purge" to unload all' in output, output
    assert [name for name, _ in numbered(output)] == kept, output
    after = run(terminal, "module -t list").split()
    assert after == kept and gone and not set(gone) & set(after), after


@pytest.mark.parametrize("environment", [e for e in PLATFORM.environments if e != PLATFORM.default_environment])
def test_loading_another_environment_reports_what_the_model_changes(terminal, environment):
    """`module load StdEnv/2020` from the login state: the modules each environment loads are the
    model's (StdEnv's `loads`); Lmod reloads with a version change each module that both load at
    different versions; the login's other modules are reloaded when the new environment's tree
    has them too (mii), and are inactive when only the old one's does (slurm-completion)."""
    target = STACK.full_name(environment)
    before, after = versions(LOGIN), versions(closure([target]))
    changed = {(f"{name}/{before[name]}", f"{name}/{after[name]}")
               for name in before.keys() & after.keys() if before[name] != after[name]}
    own = [entry for entry in LOGIN if entry not in closure([DEFAULT_STACK])]  # loaded by the login itself
    trees = {entry: resolved(entry)[0].trees(resolved(entry)[1], PLATFORM.default_environment) for entry in own}
    reloaded = [entry for entry in own if trees[entry] and environment in trees[entry]]
    inactive = [resolved(entry)[0].name for entry in own if trees[entry] and environment not in trees[entry]]
    assert changed and reloaded and inactive, "the model changes nothing: this test proves nothing"

    output = run(terminal, f"module load {target}")
    assert [name for name, _ in numbered(paragraph(output, "Inactive Modules:"))] == inactive, output
    assert [name for name, _ in numbered(paragraph(
        output, "Due to MODULEPATH changes, the following have been reloaded:"))] == reloaded, output
    pairs = re.findall(r"\d+\) +(\S+) => (\S+)",
                       paragraph(output, "The following have been reloaded with a version change:"))
    assert sorted(pairs) == sorted(changed), output
    loaded = run(terminal, "module -t list").split()
    assert sorted(loaded) == sorted(closure([target]) + reloaded), loaded


# --- CCconfig: the variables of squeue, sq and sacct ----------------------------------------------

CCCONFIG = next(module for module in PLATFORM.modules.values() if module.sets)
VARIABLE = re.compile(r"\$\{?(\w+)\}?")


def expanded(value: str, environ: dict[str, str]) -> str:
    """A value of platform.toml ("/scratch/$USER") with the variables it names, as the shell has them."""
    return VARIABLE.sub(lambda found: environ.get(found[1], ""), value)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("home")


def login_environ(cluster_env, home: Path) -> dict[str, str]:
    out = cluster_env.run("env -0", home).stdout
    return dict(item.split("=", 1) for item in out.split("\0") if "=" in item)


def test_ccconfig_sets_the_models_variables_at_login(cluster_env, home):
    """SQUEUE_FORMAT, SQUEUE_SORT, SACCT_FORMAT, SCRATCH ($USER expanded) as the model's CCconfig
    sets them; what it sets in a job only (LOCAL_SCRATCH, from SLURM_TMPDIR) is unset at login."""
    environ = login_environ(cluster_env, home)
    assert environ.get("USER"), "a login shell has $USER"
    for name, value in CCCONFIG.sets.items():
        assert environ.get(name) == expanded(value, environ), (name, environ.get(name))
    for name in CCCONFIG.sets_in_jobs:
        assert name not in environ, f"{name} is set at login: {environ[name]}"


def test_ccconfig_keeps_a_value_the_reader_set_where_the_model_says_so(cluster_env, home):
    """CCconfig sets its variables only where they are not set: a reader's own SQUEUE_FORMAT stays
    when the module loads again."""
    assert CCCONFIG.sets_unless_set, "the model's CCconfig sets its variables whatever they were"
    out = cluster_env.run(f"module -q --force unload {CCCONFIG.name}; export SQUEUE_FORMAT='%i %j'; "
                          f'module -q load {CCCONFIG.name}; echo "[$SQUEUE_FORMAT]"', home).stdout
    assert out.strip().splitlines()[-1] == "[%i %j]", out


def test_ccconfig_sets_local_scratch_in_a_job_where_it_is_loaded(cluster_env, home):
    """A job starts with the submitter's environment, where CCconfig was loaded without
    SLURM_TMPDIR: LOCAL_SCRATCH is unset there until the module is loaded again in the job (Lmod
    reloads a loaded module), which then sets it to the job's SLURM_TMPDIR."""
    name, value = next(iter(CCCONFIG.sets_in_jobs.items()))
    (home / "scratch.sh").write_text(
        "#!/bin/bash\n#SBATCH --time=00:05:00 --mem=1G --output=scratch.out\n"
        f'echo "start ${{{name}-unset}}"\n'
        f"module load {CCCONFIG.full_name()}\n"
        f'echo "loaded ${{{name}-unset}}"\n'
        'echo "SLURM_TMPDIR $SLURM_TMPDIR"\n')
    result = cluster_env.run("sbatch --wait scratch.sh", home)
    assert result.returncode == 0, result.stdout + result.stderr
    output = (home / "scratch.out").read_text()
    lines = dict(line.split(" ", 1) for line in output.splitlines()
                 if line.startswith(("start ", "loaded ", "SLURM_TMPDIR ")))
    assert len(lines) == 3, output
    assert lines["start"] == "unset", lines
    assert lines["SLURM_TMPDIR"].startswith("/") and lines["loaded"] == expanded(value, lines), lines


def aligned(title: str, right: str, width: int) -> str:
    return title[:width].rjust(width) if right else title[:width].ljust(width)


def squeue_header(format_: str) -> re.Pattern:
    """The header squeue prints for a --format: each field's title, right-aligned (%.N) or
    left-aligned (%N) and cut to its width, the text between fields as it is."""
    parts = []
    for literal, right, width, field in re.findall(r"([^%]*)(?:%(\.?)(\d*)(\w))?", format_):
        parts.append(re.escape(literal))
        if field:
            shown = [aligned(title, right, int(width)) if width else title for title in SQUEUE_TITLES[field]]
            parts.append("(?:" + "|".join(map(re.escape, shown)) + ")")
    return re.compile("".join(parts))


def test_sq_and_squeue_print_the_columns_of_squeue_format(cluster_env, home):
    """The header of `sq` and `squeue` is SQUEUE_FORMAT's columns (the platform's transcript:
    JOBID USER ACCOUNT NAME ST TIME_LEFT NODES CPUS ... MIN_MEM NODELIST (REASON))."""
    header = squeue_header(CCCONFIG.sets["SQUEUE_FORMAT"])
    for command in (PLATFORM.slurm.own_jobs_command, "squeue"):
        first = cluster_env.run(command, home).stdout.split("\n")[0]
        assert header.fullmatch(first), f"{command}: {first!r} is not {header.pattern!r}"
        assert first.split()[:8] == ["JOBID", "USER", "ACCOUNT", "NAME", "ST", "TIME_LEFT", "NODES", "CPUS"]
        assert first.split()[-3:] == ["MIN_MEM", "NODELIST", "(REASON)"]


def test_sq_lists_only_your_own_jobs(cluster_env, home):
    """`sq` is [slurm] own_jobs (squeue -u $USER): your job, and nobody else's; squeue lists all."""
    job = cluster_env.run("sbatch --parsable --hold --time=00:05:00 --job-name=sq-probe --wrap=true",
                          home).stdout.strip()
    assert job.isdigit(), job
    try:
        command = PLATFORM.slurm.own_jobs_command
        mine = cluster_env.run(f"{command} --noheader --format=%i,%j", home).stdout.split()
        others = cluster_env.run(f"USER=nobody {command} --noheader --format=%i,%j", home).stdout.split()
        everyone = cluster_env.run("squeue --noheader --format=%i,%j", home).stdout.split()
        defined = Path(cluster_env.run(f"command -v {command}", home).stdout.strip()).read_text()
    finally:
        cluster_env.run(f"scancel {job}", home)
    assert f"{job},sq-probe" in mine and f"{job},sq-probe" in everyone, (mine, everyone)
    assert f"{job},sq-probe" not in others, others
    assert PLATFORM.slurm.own_jobs in defined.splitlines(), defined


def test_sacct_prints_the_columns_of_sacct_format(cluster_env, home):
    """sacct's columns are SACCT_FORMAT's, in its order, each as wide as a %N there says."""
    fields = [field.partition("%") for field in CCCONFIG.sets["SACCT_FORMAT"].split(",")]
    parsable = cluster_env.run("sacct -P --starttime=now", home).stdout.split("\n")[0]
    assert parsable.split("|") == [name for name, _, _ in fields], parsable
    table = cluster_env.run("sacct --starttime=now", home).stdout.split("\n")
    assert table[0].split() == [name for name, _, _ in fields], table[0]
    widths = [len(dashes) for dashes in table[1].split()]
    assert [widths[index] for index, (_, _, width) in enumerate(fields) if width] == \
        [int(width) for _, _, width in fields if width], table[1]
