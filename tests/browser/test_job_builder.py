"""The job-script builder in Chromium: its rules (static/jobscript.js) called directly, its form
as a reader uses it (each partition's limits refused with the limit and its nodes named, whole
numbers and Slurm's time formats only, names checked and quoted, every error of a field shown, the
script rewritten live), its address that keeps the choices, its download, the page without
JavaScript and on a phone; and the guide's own job scripts reviewed by the same rules, so that the
pages and the builder agree. The limits are read from platform.toml (builder_form.limits_of), not
from the page. What Slurm says of the same values: test_builder_matrix.py."""
from __future__ import annotations

import re
import shlex
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sybil import Document
from sybil.parsers.rest.lexers import DirectiveLexer

from tests.browser.browser import (
    PHONE,
    horizontal_overflow,
    open_page,
    save_screenshot,
    viewport,
    wait_for,
    widest_elements,
)
from tests.browser.builder_form import (
    BAD_TIMES,
    FIELDS,
    PAGE,
    PLATFORM,
    TIMES,
    error_of,
    errors_of,
    fill,
    limits_of,
    limits_to_check,
    messages_of,
    names_of,
    said,
    script_of,
    set_field,
    text_of,
)
from tests.site.builtsite import SITE

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "source"
JOBSCRIPT = REPO / "packages/sphinx-hpc-platform/src/sphinx_hpc_platform/static/jobscript.js"
LIMITS = limits_to_check()
FACTS = "JSON.parse(document.querySelector('.job-script-builder').dataset.facts)"
LANGUAGES = list(PLATFORM.languages)


@pytest.fixture
def builder(browser, site_url):
    open_page(browser, f"{site_url}/en/{PAGE}")
    return browser


def check(driver, **choice) -> list[list]:
    """JobScript.check of the choice (the form's defaults for what it leaves out)."""
    return driver.execute_script(f"return JobScript.check(arguments[0], {FACTS})", choice)


def build(driver, **choice) -> list[str]:
    """The lines of JobScript.build's script for the choice, without their comments."""
    return driver.execute_script(
        f"return JobScript.build(arguments[0], {FACTS}).map(function (line) {{ return line[0]; }})", choice)


def refused(driver) -> bool:
    return script_of(driver) == messages_of(driver)["output.refused"]


def test_a_pool_of_four_cores_gets_its_cores_and_one_blas_thread(builder):
    set_field(builder, "kind", "pool")
    set_field(builder, "cores", "4")
    script = script_of(builder)
    assert "#SBATCH --cpus-per-task=4" in script and "export OMP_NUM_THREADS=1" in script
    assert 'Pool(int(os.environ["SLURM_CPUS_PER_TASK"]))' in script


def test_the_partition_field_offers_every_partition_the_default_first(builder):
    offered = builder.execute_script(
        "return Array.from(document.getElementById('builder-partition').options).map(function (o) {"
        "  return [o.value, o.selected]; })")
    default = PLATFORM.default_partition.name
    assert offered == [[default, True]] + [[p.name, False] for p in PLATFORM.partitions if p.name != default]


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: limit.id)
def test_a_choice_over_the_partitions_limit_is_refused_naming_it(builder, limit):
    """At its limit the form writes the script; just over it, it says the page's message with the
    limit, the partition and its nodes in it, marks the field and writes no script."""
    fill(builder, limit.form(limit.at))
    assert not builder.find_elements(By.CSS_SELECTOR, "[aria-invalid]"), error_of(builder, limit.field)
    assert limit.line in script_of(builder)
    set_field(builder, limit.field, limit.over)
    messages = messages_of(builder)
    assert limit.key in messages, \
        f"the page has no message {limit.key}: the form says {error_of(builder, limit.field)!r}"
    message = messages[limit.key]
    assert "{partition}" in message, f"{limit.key} does not name the partition: {message}"
    assert "{limit}" in message or limit.key == "error.gpu", f"{limit.key} does not name the limit: {message}"
    assert errors_of(builder, limit.field) == [said(messages, limit.key, limit.values)]
    assert builder.find_element(By.ID, f"builder-{limit.field}").get_attribute("aria-invalid") == "true"
    assert refused(builder)


def test_the_limit_messages_name_the_nodes_they_come_from(browser, site_url):
    """The review's examples, from platform.toml: as many cores as a CPU node of the default
    partition, with a GPU, are over its GPU nodes' cores, and the message says so, not "a node of
    this partition"; the biggest node named as its partition's; 1 GPU and 2 GPUs said rightly."""
    default = PLATFORM.default_partition.name
    gpu_nodes = gpu_groups_of(default)
    gpu_cores = max(g.cores for g in gpu_nodes)
    most_cores = max(g.cores for g in PLATFORM.nodes)
    biggest = next(p for p in PLATFORM.partitions if any(g.cores == most_cores for g in PLATFORM.groups_of(p.name)))
    one_gpu = next(p for p in PLATFORM.partitions if [g.gpus.count for g in gpu_groups_of(p.name)] == [1])
    most_gpus = max(g.gpus.count for g in gpu_nodes)
    for language in LANGUAGES:
        open_page(browser, f"{site_url}/{language}/{PAGE}")
        messages = messages_of(browser)
        fill(browser, {"kind": "threads", "cores": max(g.cores for g in PLATFORM.groups_of(default)), "gpus": 1})
        on_gpu_nodes = errors_of(browser, "cores")
        assert on_gpu_nodes == [said(messages, "error.cores-gpu", {
            "partition": default, "nodes": names_of(gpu_nodes), "limit": gpu_cores})]
        fill(browser, {"gpus": 0, "partition": biggest.name, "cores": most_cores + 1})
        on_its_node = errors_of(browser, "cores")
        assert on_its_node == [said(messages, "error.cores", {
            "partition": biggest.name, "nodes": names_of(PLATFORM.groups_of(biggest.name)), "limit": most_cores})]
        fill(browser, {"partition": one_gpu.name, "cores": 1, "gpus": 2})
        one = errors_of(browser, "gpus")
        assert one == [said(messages, "error.gpus-one", {"partition": one_gpu.name, "limit": 1,
                                                         "nodes": names_of(gpu_groups_of(one_gpu.name))})]
        fill(browser, {"partition": default, "gpus": most_gpus + 1})
        more = errors_of(browser, "gpus")
        assert more == [said(messages, "error.gpus", {"partition": default, "limit": most_gpus,
                                                      "nodes": names_of(gpu_nodes)})]
        if language == "en":
            assert on_gpu_nodes == [f"The GPU nodes of {default} ({names_of(gpu_nodes)}) "
                                    f"have at most {gpu_cores} cores."]
            assert on_its_node == [f"A node of {biggest.name} ({names_of(PLATFORM.groups_of(biggest.name))}) "
                                   f"has at most {most_cores} cores."]
            assert one[0].endswith(" has at most 1 GPU.") and more[0].endswith(f" has at most {most_gpus} GPUs.")


def gpu_groups_of(partition: str):
    return [g for g in PLATFORM.groups_of(partition) if g.gpus]


def test_the_rules_hold_every_partitions_own_limits(builder):
    """JobScript.check on every partition of platform.toml: each limit taken, one over refused
    with that limit alone, named with its partition and nodes."""
    cases = [limit for partition in PLATFORM.partitions for limit in limits_of(PLATFORM, partition)]
    choices = [[limit.form(value) for value in (limit.at, limit.over)] for limit in cases]
    found = builder.execute_script(
        f"var facts = {FACTS};"
        "return arguments[0].map(function (pair) {"
        "  return pair.map(function (choice) { return JobScript.check(choice, facts); }); })", choices)
    wrong = {}
    for limit, (at, over) in zip(cases, found):
        if at or len(over) != 1 or over[0][:2] != [limit.field, limit.key] \
                or any(over[0][2].get(name) != value for name, value in limit.values.items()):
            wrong[limit.id] = (at, over, limit.values)
    assert not wrong, f"expected no problem at the limit, the limit alone just over it: {wrong}"


def test_a_gpu_job_names_the_gpu_type_of_its_partitions_gpu_node(builder):
    for partition in PLATFORM.partitions:
        types = {group.gpus.type for group in PLATFORM.groups_of(partition.name) if group.gpus}
        problems = check(builder, kind="threads", partition=partition.name, gpus=1)
        if not types:
            assert [p[1] for p in problems] == ["error.gpu"], \
                f"{partition.name} has no GPU node, yet the form took a GPU"
        else:
            lines = build(builder, kind="threads", partition=partition.name, gpus=1)
            asked = [line for line in lines if line.startswith("#SBATCH --gpus-per-node=")]
            gpu_type = asked[0].removeprefix("#SBATCH --gpus-per-node=").split(":")[0] if asked else None
            assert gpu_type in types, (partition.name, asked)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_has_a_message_for_every_key_of_the_form(browser, site_url, language):
    """The refusals, labels, help texts and comments the form shows are keys of the page's list, in
    every language (a key without its message would be shown as the key itself)."""
    code = JOBSCRIPT.read_text() + (JOBSCRIPT.parent / "builder.js").read_text()
    # The keys the code writes whole, and those it makes of a prefix and a value (help.partition-
    # and the partition's access, comment.cpus- and the kind...).
    keys = {key for key in re.findall(r'"((?:error|comment|field|output|help)\.[a-z-]+)"', code)
            if not key.endswith("-")}
    assert {"error.cores-gpu", "error.time-format", "comment.requeue", "output.download"} <= keys, "keys not found"
    kinds, environments = ["one", "threads", "pool", "dask", "mpi", "array"], ["none", "home", "tmpdir"]
    keys |= {f"kind.{k}" for k in kinds} | {f"environment.{e}" for e in environments}
    keys |= {"unit.G", "unit.M", "per.cpu", "per.node"} | {f"field.{name}" for name in FIELDS}
    keys |= {f"help.environment-{e}" for e in environments}
    keys |= {f"help.partition-{p.access}" for p in PLATFORM.partitions}
    keys |= {f"comment.cpus-{k}" for k in kinds if k != "mpi"}
    keys |= {f"comment.run-{k}" for k in ("one", "threads", "pool", "dask")}
    open_page(browser, f"{site_url}/{language}/{PAGE}")
    messages = messages_of(browser)
    assert sorted(keys - set(messages)) == [], "keys without a message in the page's list"
    # And the form shows no key: every label, option and help text is a message.
    shown = browser.execute_script("return document.querySelector('.builder-form').innerText")
    assert not re.search(r"\b(field|kind|help|unit|per|environment|error)\.[a-z]", shown), shown


# --- what Slurm counts whole, the time formats, the names ---------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_only_whole_numbers_where_slurm_takes_whole_numbers(browser, site_url, language):
    """1.5 cores, 1.5 GB, 1.5 GPUs, 2.5 ranks or array tasks: refused, saying the rule, in the
    page's language; the script is not written."""
    open_page(browser, f"{site_url}/{language}/{PAGE}")
    messages = messages_of(browser)
    cases = [({"cores": "1.5"}, "cores", ["error.cores-whole", "error.cores-one"]),
             ({"kind": "threads", "cores": "1.5"}, "cores", ["error.cores-whole"]),
             ({"memory": "1.5"}, "memory", ["error.memory-whole"]),
             ({"unit": "M", "memory": "1.5"}, "memory", ["error.memory-whole"]),
             ({"gpus": "1.5"}, "gpus", ["error.gpus-whole"]),
             ({"kind": "mpi", "tasks": "2.5"}, "tasks", ["error.tasks-whole"]),
             ({"kind": "array", "tasks": "2.5"}, "tasks", ["error.array-whole"]),
             ({"kind": "mpi", "memory": "0.5"}, "memory", ["error.memory-whole", "error.memory-min"])]
    for choice, name, keys in cases:
        open_page(browser, f"{site_url}/{language}/{PAGE}")
        fill(browser, choice)
        unit = choice.get("unit", "G")
        assert errors_of(browser, name) == [said(messages, key, {"unit": unit, "limit": 1}) for key in keys], choice
        assert refused(browser), choice
    assert "Slurm" in messages["error.cores-whole"] and "1536M" in messages["error.memory-whole"]


# The guide's own minima and combinations (Slurm would take --mem=0, the whole node's memory, and
# one MPI rank; the guide asks for memory, and for ranks where MPI is chosen), each with its message.
MINIMA = [({"cores": "0"}, "cores", "error.cores-min", {"limit": 1}),
          ({"kind": "threads", "cores": ""}, "cores", "error.cores-min", {"limit": 1}),
          ({"memory": "0"}, "memory", "error.memory-min", {"limit": 1, "unit": "G"}),
          ({"unit": "M", "memory": "0"}, "memory", "error.memory-min", {"limit": 1, "unit": "M"}),
          ({"gpus": "-1"}, "gpus", "error.gpus-min", {"limit": 0}),
          ({"kind": "mpi", "tasks": "1"}, "tasks", "error.tasks-min", {"limit": 2}),
          ({"kind": "array", "tasks": "0"}, "tasks", "error.array-min", {"limit": 1}),
          ({"kind": "one", "cores": "2"}, "cores", "error.cores-one", {"limit": 1}),
          ({"kind": "dask", "environment": "none"}, "environment", "error.dask-env", {"limit": "distributed"})]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_guides_minima_are_refused_with_their_message(browser, site_url, language):
    for choice, name, key, values in MINIMA:
        open_page(browser, f"{site_url}/{language}/{PAGE}")
        messages = messages_of(browser)
        fill(browser, choice)
        assert errors_of(browser, name) == [said(messages, key, values)], choice
        assert refused(browser), choice


def test_every_error_of_a_field_is_shown(builder):
    """Several rules a field breaks: each says so, in the order of the rules."""
    default = PLATFORM.default_partition.name
    memory = max(g.memory_mb for g in PLATFORM.groups_of(default)) // 1024
    fill(builder, {"cores": "2.5", "memory": f"{memory}.5"})
    messages = messages_of(builder)
    assert errors_of(builder, "cores") == [messages["error.cores-whole"],
                                           said(messages, "error.cores-one", {"limit": 1})]
    assert errors_of(builder, "memory") == [
        said(messages, "error.memory-whole", {"unit": "G"}),
        said(messages, "error.memory", {"limit": memory, "unit": "G", "partition": default,
                                        "nodes": names_of(PLATFORM.groups_of(default))})]
    assert error_of(builder, "cores").count("\n") == 1  # one line each


def test_every_time_format_of_slurm_is_taken_and_written_as_slurm_reads_it(builder):
    for typed, written in TIMES.items():
        set_field(builder, "time", typed)
        assert f"#SBATCH --time={written}\n" in script_of(builder), typed
    messages = messages_of(builder)
    for typed, key in BAD_TIMES.items():
        set_field(builder, "time", typed)
        assert errors_of(builder, "time") == [messages[key]], typed
        assert refused(builder)
    for format in ("MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS"):
        assert format in messages["error.time-format"] and format in messages["help.time"]


NAMES = {"jobname": "error.jobname", "program": "error.program", "venv": "error.venv"}
BAD_NAMES = ["my env; rm -rf ~", "a b", "x;y", "$(id)", "-x", ".", "..", "a/b", "é", "'q'"]


def test_names_are_checked(builder):
    """A job's name, a program's file, an environment: letters, digits, ".", "_", "-" only, from
    a letter or digit; the message says so."""
    set_field(builder, "environment", "home")
    messages = messages_of(builder)
    for name, key in NAMES.items():
        for bad in BAD_NAMES:
            set_field(builder, name, bad)
            assert errors_of(builder, name) == [messages[key]], (name, bad)
            assert refused(builder)
        set_field(builder, name, "good_name-2.py")
        assert not error_of(builder, name)
    assert not refused(builder)
    for key in NAMES.values():
        assert all(part in messages[key] for part in (".", "_", "-"))


def test_every_value_typed_is_one_word_of_the_script(builder, tmp_path):
    """JobScript.build quotes what the reader typed wherever it writes it, even a value check()
    refuses: read as the shell reads it, each is one word, the whole value."""
    hostile = "my env; rm -rf ~"
    lines = build(builder, environment="home", venv=hostile, jobname="a b;c", program="my 'program'.py")
    source = next(line for line in lines if line.startswith("source "))
    assert source == "source ~/venv/'my env; rm -rf ~'/bin/activate"
    assert shlex.split(source) == ["source", f"~/venv/{hostile}/bin/activate"]
    name = next(line for line in lines if line.startswith("#SBATCH --job-name="))
    assert shlex.split(name.removeprefix("#SBATCH ")) == ["--job-name=a b;c"]
    run = lines[-1]
    assert shlex.split(run) == ["python", "-u", "my 'program'.py"]
    # And bash reads it so: it activates the environment of that name, and runs nothing else.
    home = tmp_path / "home"
    (home / "venv" / hostile / "bin").mkdir(parents=True)
    (home / "venv" / hostile / "bin" / "activate").write_text("echo activated\n")
    (home / "canary").write_text("still here")
    result = subprocess.run(["bash", "-c", source], env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
                            cwd=tmp_path, capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, "activated\n"), result.stderr
    assert (home / "canary").exists()
    # The values the rules take need no quotes: the script reads as the guide writes it.
    plain = build(builder, environment="home", venv="qc-env", jobname="run_7", program="simulate.py")
    assert "source ~/venv/qc-env/bin/activate" in plain and "#SBATCH --job-name=run_7" in plain
    assert plain[-1] == "python -u simulate.py"


# --- what the form starts with: a first job --------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_default_script_is_a_first_job(browser, site_url, language):
    """Untouched, the form writes a job that needs its program only: the modules, no environment,
    no requirements.txt. (test_builder_matrix.py runs it on Slurm.) Each environment says what it
    needs, the default too."""
    open_page(browser, f"{site_url}/{language}/{PAGE}")
    script = script_of(browser)
    assert "pip install" not in script and "requirements.txt" not in script and "activate" not in script, script
    assert re.search(r"^module load python/\S+ scipy-stack/\S+$", script, re.M)
    assert script.rstrip().endswith("python -u program.py")
    messages = messages_of(browser)
    for environment in ("none", "home", "tmpdir"):
        set_field(browser, "environment", environment)
        assert text_of(browser, "builder-environment-help") == messages[f"help.environment-{environment}"]
    assert "~/venv" in messages["help.environment-home"] and "requirements.txt" in messages["help.environment-tmpdir"]


# --- the memory as Slurm applies it ---------------------------------------------------------------


def test_the_memory_label_says_how_slurm_applies_it_and_nothing_is_rounded(builder):
    messages = messages_of(builder)
    label = lambda: builder.find_element(By.CSS_SELECTOR, "label[for='builder-memory']").text  # noqa: E731
    set_field(builder, "environment", "tmpdir")  # Dask's scheduler
    for kind in ("one", "threads", "pool", "dask"):
        set_field(builder, "kind", kind)
        assert label() == messages["field.memory"] and "#SBATCH --mem=4G\n" in script_of(builder)
    fill(builder, {"kind": "array", "tasks": 3, "memory": 3})
    assert label() == messages["field.memory-array"] and "#SBATCH --mem=3G\n" in script_of(builder)
    assert "(--mem)" in label()
    fill(builder, {"kind": "mpi", "tasks": 4, "cores": 4, "memory": 3, "per": "cpu"})
    assert label() == messages["field.memory-cpu"] and "--mem-per-cpu" in label()
    assert "#SBATCH --mem-per-cpu=3G\n" in script_of(builder)  # not 16 GB for the job rounded per core
    fill(builder, {"per": "node"})
    assert label() == messages["field.memory-mpi-node"]
    script = script_of(builder)
    assert "#SBATCH --mem=3G\n" in script and "--mem-per-cpu" not in script
    fill(builder, {"per": "cpu", "unit": "M", "memory": 1536})
    assert "#SBATCH --mem-per-cpu=1536M\n" in script_of(builder)
    assert not builder.find_element(By.ID, "builder-per-field").get_attribute("hidden")
    set_field(builder, "kind", "one")
    assert builder.find_element(By.ID, "builder-per-field").get_attribute("hidden")


# --- who may use a partition; preemption -----------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_partition_field_says_who_may_use_it(browser, site_url, language):
    open_page(browser, f"{site_url}/{language}/{PAGE}")
    messages = messages_of(browser)
    for partition in PLATFORM.partitions:
        set_field(browser, "partition", partition.name)
        owners = ", ".join(dict.fromkeys(o for g in PLATFORM.groups_of(partition.name) for o in g.owners))
        expected = said(messages, f"help.partition-{partition.access}", {"partition": partition.name, "owners": owners})
        assert text_of(browser, "builder-partition-help") == expected, partition.name
    restricted = [p for p in PLATFORM.partitions if p.access != "everyone"]
    assert restricted and all(messages[f"help.partition-{p.access}"] for p in restricted)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_preemptible_partitions_job_asks_to_be_requeued(browser, site_url, language):
    """Its script asks for --requeue, with a comment that points to the preemptible-jobs page,
    which exists, and appends each run's output to the same file (a requeued job keeps its ID);
    no other partition's does."""
    open_page(browser, f"{site_url}/{language}/{PAGE}")
    for partition in PLATFORM.partitions:
        set_field(browser, "partition", partition.name)
        script = script_of(browser)
        if partition.preemption:
            requeue = f"#SBATCH {partition.preemption.requeue_option}\n"
            assert requeue in script, script
            comment = script.split(requeue)[0].splitlines()[-1]
            url = re.search(r"\((http://\S+)\)", comment)
            assert comment.startswith("# ") and url, comment
            page = urlsplit(url[1]).path
            assert page == f"/{language}/howto/preemptible-jobs.html" and (SITE / page.lstrip("/")).exists()
            assert "#SBATCH --open-mode=append\n" in script.split(requeue)[1], script
        else:
            assert "--requeue" not in script and "--open-mode" not in script, partition.name


# --- the address keeps the choices ----------------------------------------------------------------


CHOSEN = {"kind": "mpi", "jobname": "run_7", "program": "simulate.py", "cores": "2", "tasks": "4", "unit": "M",
          "per": "node", "memory": "1536", "time": "2-12", "partition": PLATFORM.partitions[-1].name, "gpus": "0",
          "python": PLATFORM.modules["python"].versions[0], "scipy": PLATFORM.modules["scipy-stack"].versions[0],
          "environment": "home", "venv": "qc-env"}


def values_of(driver) -> dict[str, str]:
    return {name: driver.find_element(By.ID, f"builder-{name}").get_attribute("value") for name in FIELDS}


def test_the_address_keeps_the_choices_and_gives_them_back(builder, site_url):
    before = builder.execute_script("return history.length")
    assert "?" not in builder.current_url  # nothing changed yet: the address is the page's
    fill(builder, CHOSEN)
    url = builder.current_url
    assert builder.execute_script("return history.length") == before, "replaceState, not one history entry per key"
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
    assert query == CHOSEN
    script = script_of(builder)
    assert "#SBATCH --job-name=run_7\n" in script and "source ~/venv/qc-env/bin/activate" in script
    # Another reader opens the address: the same form, the same script.
    open_page(builder, f"{site_url}/en/{PAGE}")
    assert values_of(builder)["kind"] == "one"
    open_page(builder, url)
    assert values_of(builder) == CHOSEN
    assert script_of(builder) == script
    assert builder.find_element(By.ID, "builder-venv-field").get_attribute("hidden") is None
    # The reader switches to French (the switcher keeps the address's query): the same code,
    # comments in French.
    other = next(language for language in LANGUAGES if language != "en")
    builder.find_element(By.CSS_SELECTOR, f".language-switcher a.language-link[hreflang='{other}']").click()
    wait_for(builder, "location.pathname.indexOf(arguments[0]) === 0 && document.readyState === 'complete'"
             " && document.querySelector('.builder-script') !== null", "the switch of language", f"/{other}/")
    assert values_of(builder) == CHOSEN
    assert [line for line in script_of(builder).splitlines() if not line.startswith("# ")] == \
           [line for line in script.splitlines() if not line.startswith("# ")]


def test_an_address_with_values_the_form_refuses_shows_why(builder, site_url):
    open_page(builder, f"{site_url}/en/{PAGE}?cores=1.5&partition=nowhere&time=2:61&venv=a%3Bb&environment=home")
    messages = messages_of(builder)
    assert values_of(builder)["partition"] == PLATFORM.default_partition.name  # not a partition: left as it was
    assert messages["error.cores-whole"] in errors_of(builder, "cores")
    assert errors_of(builder, "time") == [messages["error.time-range"]]
    assert errors_of(builder, "venv") == [messages["error.venv"]]
    assert refused(builder)


# --- copy and download ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_download_button_saves_the_script_as_job_sh_from_the_keyboard(browser, site_url, tmp_path, language):
    open_page(browser, f"{site_url}/{language}/{PAGE}")
    messages = messages_of(browser)
    fill(browser, {"kind": "pool", "cores": 4})
    script = script_of(browser)
    download = browser.find_element(By.CSS_SELECTOR, ".builder-download")
    copy = browser.find_element(By.CSS_SELECTOR, ".builder-copy")
    name = messages["output.download"].replace("{file}", "job.sh")
    assert download.accessible_name == name and download.tag_name == "button"
    assert copy.accessible_name == messages["output.copy"]
    # Beside the copy button, and next to it for the keyboard.
    assert abs(download.location["y"] - copy.location["y"]) < 5 and download.location["x"] > copy.location["x"]
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    try:
        browser.execute_script("arguments[0].focus()", copy)
        ActionChains(browser).send_keys(Keys.TAB).perform()
        assert browser.switch_to.active_element == download, "Tab from the copy button does not reach the download"
        ActionChains(browser).send_keys(Keys.ENTER).perform()
        saved = tmp_path / "job.sh"
        deadline = time.monotonic() + 10
        while not saved.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert saved.exists(), f"nothing saved: {list(tmp_path.iterdir())}"
        assert saved.read_text(encoding="utf-8") == script
    finally:
        browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "default"})
    set_field(browser, "cores", "1.5")
    assert not download.is_enabled() and not copy.is_enabled()


# --- without JavaScript, on a phone, screenshots ---------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_without_javascript_the_page_says_the_form_needs_it_and_shows_no_keys(browser, site_url, language):
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        open_page(browser, f"{site_url}/{language}/{PAGE}")
        notes = browser.find_elements(By.CSS_SELECTOR, ".job-script-builder noscript .builder-noscript")
        assert len(notes) == 1 and notes[0].is_displayed()
        assert "JavaScript" in notes[0].text and notes[0].find_elements(By.CSS_SELECTOR, "a[href$='python-job.html']")
        assert not browser.find_element(By.CSS_SELECTOR, ".builder-messages").is_displayed()
        assert browser.find_element(By.CSS_SELECTOR, ".builder-messages").get_attribute("hidden") is not None
        text = browser.find_element(By.TAG_NAME, "body").text
        assert not re.search(r"\b(field|kind|error|comment|output|help)\.[a-z]", text), "message keys shown"
        assert not browser.find_elements(By.CSS_SELECTOR, ".builder-form")
        # The page still reads: its title, its paragraphs and the links to the pages of each kind.
        assert browser.find_element(By.TAG_NAME, "h1").is_displayed()
        assert len(browser.find_elements(By.CSS_SELECTOR, "article a[href$='mpi4py.html']")) >= 1
        save_screenshot(browser, f"job-script-builder-{language}-no-javascript")
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    open_page(browser, f"{site_url}/{language}/{PAGE}")
    assert browser.find_elements(By.CSS_SELECTOR, ".builder-form")
    assert not [note for note in browser.find_elements(By.CSS_SELECTOR, ".builder-noscript") if note.is_displayed()]


# The widest choices of the form, so that every field, option, help and error shows at once.
WIDE = {"kind": "mpi", "environment": "home", "partition": PLATFORM.preemptible[0].name if PLATFORM.preemptible
        else PLATFORM.default_partition.name, "tasks": 4, "cores": 2}


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_a_phone_nothing_is_cut_and_the_script_scrolls_in_its_box(browser, site_url, language):
    with viewport(browser, *PHONE, mobile=True):
        open_page(browser, f"{site_url}/{language}/{PAGE}")
        fill(browser, WIDE)
        width, screen = horizontal_overflow(browser)
        assert width <= screen, f"the page scrolls sideways: {width} px, widest: {widest_elements(browser)}"
        sticking_out = browser.execute_script("""
            var width = window.innerWidth, found = [];
            document.querySelectorAll('.job-script-builder *').forEach(function (el) {
              if (el.closest('pre') && el.tagName !== 'PRE') return;  // the script scrolls in its box
              var box = el.getBoundingClientRect();
              if (box.width > 0 && (box.right > width + 1 || box.left < -1)) {
                found.push(el.tagName + '#' + el.id + '.' + el.className + ' ' +
                           Math.round(box.left) + '-' + Math.round(box.right));
              }
            });
            return found;""")
        assert sticking_out == [], sticking_out
        # Every option's text fits its select: none is cut.
        cut = browser.execute_script("""
            var canvas = document.createElement('canvas').getContext('2d'), found = [];
            document.querySelectorAll('.builder-form select').forEach(function (select) {
              var style = getComputedStyle(select);
              canvas.font = style.font;
              var room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 24;
              Array.from(select.options).forEach(function (option) {
                var needed = canvas.measureText(option.textContent).width;
                if (needed > room) {
                  found.push(select.id + ': ' + option.textContent + ' (' + Math.round(needed) + ' > ' +
                             Math.round(room) + ' px)');
                }
              });
            });
            return found;""")
        assert cut == [], cut
        # The script keeps each line whole and scrolls sideways in its own box.
        pre = browser.execute_script("""
            var pre = document.querySelector('.builder-script'), style = getComputedStyle(pre);
            var before = document.documentElement.scrollWidth;
            pre.scrollLeft = 100000;
            return {whiteSpace: style.whiteSpace, overflowX: style.overflowX, scrollWidth: pre.scrollWidth,
                    clientWidth: pre.clientWidth, scrolled: pre.scrollLeft, page: document.documentElement.scrollWidth,
                    before: before, focusable: pre.tabIndex};""")
        assert pre["whiteSpace"] == "pre" and pre["overflowX"] == "auto", pre
        assert pre["scrollWidth"] > pre["clientWidth"] and pre["scrolled"] > 0, pre
        assert pre["page"] == pre["before"] <= screen and pre["focusable"] == 0, pre
        lines = script_of(browser).splitlines()
        assert any(len(line) > 40 for line in lines)  # lines longer than the phone is wide, kept whole
        # A literal of a help text is never broken at its hyphen.
        assert browser.execute_script(
            "return Array.from(document.querySelectorAll('.builder-help code')).every(function (c) {"
            "  return getComputedStyle(c).whiteSpace === 'nowrap'; })")
        save_screenshot(browser, f"job-script-builder-{language}-phone-mpi")


@pytest.mark.parametrize("width, height, mobile", [(1280, 900, False), (375, 812, True)])
def test_screenshots(browser, site_url, width, height, mobile):
    for language in LANGUAGES:
        with viewport(browser, width, height, mobile):
            open_page(browser, f"{site_url}/{language}/{PAGE}")
            save_screenshot(browser, f"job-script-builder-{language}-{'phone' if mobile else 'desktop'}")
            fill(browser, {"kind": "threads", "cores": "96.5", "gpus": 1, "time": "2:61"})
            wait_for(browser, "document.querySelectorAll('.builder-error p').length >= 3", "the errors")
            save_screenshot(browser, f"job-script-builder-{language}-{'phone' if mobile else 'desktop'}-errors")


# --- the guide's job scripts, reviewed ------------------------------------------------------------

# The job scripts that break a rule on purpose, with what the review says of them.
DEMONSTRATIONS = {
    # runs Pool() with BLAS's own threads first, to show the oversubscription the rule prevents
    "explanation/oversubscription.rst check-threads.sh": ["review.threads-unset"],
}


def job_scripts(source: Path = SOURCE) -> dict[str, tuple[int, str]]:
    """The guide's job scripts, the code blocks that sbatch would take, by page and caption (or
    line): where on the page the script starts, and its text."""
    found = {}
    for page in sorted(source.rglob("*.rst")):
        document = Document(page.read_text(encoding="utf-8"), str(page))
        for region in DirectiveLexer(directive=r"code-block")(document):
            text = str(region.lexemes["source"])
            if text.startswith("#!/bin/bash") and "\n#SBATCH " in text:
                start = document.text.index("#!/bin/bash", region.start)
                line = document.text.count("\n", 0, start) + 1
                name = region.lexemes["options"].get("caption") or f"line {line}"
                found[f"{page.relative_to(source)} {name}"] = (line, text)
    return found


def review(driver, script: str) -> list[list]:
    return driver.execute_script(f"return JobScript.review(arguments[0], {FACTS})", script)


def test_the_review_finds_each_rule_a_script_breaks(builder):
    default = PLATFORM.default_partition
    memory = max(group.memory_mb for group in PLATFORM.groups_of(default.name)) // 1024
    days = default.time_limit_days
    broken = (f"#!/bin/bash\n#SBATCH --cpus-per-task=2 --mem={memory + 1}G\n#SBATCH -t {days + 1}-00:00\n"
              "source ~/venv/x/bin/activate\nmodule load python/3.11.5\n#SBATCH --ntasks=4\n"
              "srun python a.py\nexport OMP_NUM_THREADS=4\npython b.py\n")
    assert review(builder, broken) == [
        [2, "error.memory", memory],                  # more than a node of the default partition has
        [3, "error.time", days],                      # a day more than its time limit
        [4, "review.modules-first", ""],              # an environment before its modules
        [6, "review.sbatch-after-command", ""],
        [7, "review.threads-unset", 2],               # 2 cores, no OMP_NUM_THREADS yet
        [7, "review.srun-cores", 2],                  # srun without --cpus-per-task
        [8, "review.thread-value", "4"],
    ]  # and --ntasks=4 after the first command is ignored, as sbatch does
    per_core = max(group.memory_mb for group in PLATFORM.groups_of(default.name)) // 1024 // 2
    assert review(builder, f"#!/bin/bash\n#SBATCH --ntasks=2 --cpus-per-task=2\n#SBATCH --mem-per-cpu={per_core + 1}G\n"
                           "#SBATCH --time=2:61\nexport OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK\n"
                           "srun --cpus-per-task=$SLURM_CPUS_PER_TASK python a.py\n") == [
        [3, "error.memory-cpu", per_core], [4, "review.time-format", "2:61"]]


def test_the_review_holds_a_script_to_the_limits_of_its_own_partition(builder):
    """A script of another partition than the default is held to that partition's limits: a GPU
    where it has none, a GPU type its nodes do not have, more tasks than its nodes hold."""
    longest = max(PLATFORM.partitions, key=lambda p: p.time_limit_days)
    without_gpus = next(p for p in PLATFORM.partitions if not any(g.gpus for g in PLATFORM.groups_of(p.name)))
    gpu_types = {g.gpus.type for g in PLATFORM.nodes if g.gpus}
    with_one_type = next(p for p in PLATFORM.partitions
                         if len({g.gpus.type for g in PLATFORM.groups_of(p.name) if g.gpus}) == 1)
    own_type = next(g.gpus.type for g in PLATFORM.groups_of(with_one_type.name) if g.gpus)
    cores = max(g.cores for g in PLATFORM.groups_of(longest.name))
    nodes = sum(len(g.names) for g in PLATFORM.groups_of(longest.name) if g.cores == cores)
    script = (f"#!/bin/bash\n#SBATCH --partition={longest.name}\n#SBATCH --time={longest.time_limit_days}-00:00:00\n"
              f"#SBATCH --ntasks={nodes + 1} --cpus-per-task={cores}\n"
              "export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK\nsrun --cpus-per-task=$SLURM_CPUS_PER_TASK python a.py\n")
    assert review(builder, script) == [[4, "error.tasks", nodes]]
    assert review(builder, f"#!/bin/bash\n#SBATCH --partition={without_gpus.name}\n#SBATCH --gpus-per-node=1\n"
                           "python a.py\n") == [[3, "error.gpu", without_gpus.name]]
    if len(gpu_types) > 1:
        other = sorted(gpu_types - {own_type})[0]
        assert review(builder, f"#!/bin/bash\n#SBATCH --partition={with_one_type.name}\n"
                               f"#SBATCH --gpus-per-node={other}:1\npython a.py\n") == [[3, "review.gpu-type", other]]


def test_a_script_for_several_tasks_started_without_srun_is_one_process(builder):
    script = "#!/bin/bash\n#SBATCH --ntasks=4\n#SBATCH --time=30\npython a.py\n"
    assert review(builder, script) == [[4, "review.one-process-for-tasks", "4"]]


def test_the_builders_own_scripts_follow_its_rules(builder):
    """Every kind, environment, memory unit and kind (per core or per node) and partition, with and
    without a GPU where the partition has one: the script the form writes passes its own review,
    the limits of its partition included."""
    problems = builder.execute_script("""
        var facts = JSON.parse(document.querySelector('.job-script-builder').dataset.facts), found = [], built = {};
        facts.partitions.forEach(function (partition) { [0, 1].forEach(function (gpus) {
          JobScript.KINDS.forEach(function (kind) { JobScript.ENVIRONMENTS.forEach(function (environment) {
            [[1, 'G', 'cpu'], [4, 'M', 'node']].forEach(function (way) {
              var cores = way[0];
              var choice = {kind: kind, cores: kind === 'one' ? 1 : cores, tasks: 2, memory: way[1] === 'G' ? 4 : 3000,
                            unit: way[1], per: way[2], time: '1:00:00', partition: partition.name, gpus: gpus,
                            environment: environment, venv: 'env'};
              if (JobScript.check(choice, facts).length) return;  // Dask without its scheduler, a GPU where none is
              built[partition.name + ':' + gpus] = true;
              var script = JobScript.build(choice, facts).map(function (line) { return line[0]; }).join('\\n');
              JobScript.review(script, facts).forEach(function (p) {
                found.push([partition.name, gpus, kind, environment, cores, p]);
              });
            });
          }); });
        }); });
        return {built: Object.keys(built), found: found};""")
    expected = {f"{p.name}:{gpus}" for p in PLATFORM.partitions for gpus in (0, 1)
                if not gpus or any(g.gpus for g in PLATFORM.groups_of(p.name))}
    assert set(problems["built"]) == expected
    assert problems["found"] == []


@pytest.mark.parametrize("script", job_scripts())
def test_the_guides_job_scripts_follow_the_builders_rules(builder, script):
    start, text = job_scripts()[script]
    problems = review(builder, text)
    page = script.split(" ")[0]
    said_ = "\n".join(f"source/{page}:{start + line - 1}: {key} {value}" for line, key, value in problems)
    assert [key for _, key, _ in problems] == DEMONSTRATIONS.get(script, []), said_


def test_each_demonstration_is_one_of_the_guides_job_scripts():
    assert set(DEMONSTRATIONS) <= set(job_scripts())


def test_a_scientific_stack_not_built_for_the_python_chosen_is_refused(builder):
    """Each scipy-stack version was built for some Pythons only (platform.toml's needs_versions, from
    the Alliance's installed easyconfigs): with another, Lmod would not load it. Every pair of the
    model: refused with its message exactly where the model says it was not built."""
    python, stack = PLATFORM.module_of_role("interpreter"), PLATFORM.module_of_role("scientific-stack")
    messages = messages_of(builder)
    refusals = 0
    for version in python.versions:
        for stack_version in stack.versions:
            built = stack.needs_versions.get(stack_version, {}).get(python.name)
            fill(builder, {"python": version, "scipy": stack_version})
            if built is None or any(version == v or version.startswith(v + ".") for v in built):
                assert errors_of(builder, "scipy") == [], (version, stack_version)
                continue
            refusals += 1
            others = [v for v in stack.versions
                      if any(version == b or version.startswith(b + ".")
                             for b in stack.needs_versions.get(v, {}).get(python.name, [version]))]
            assert errors_of(builder, "scipy") == [said(messages, "error.scipy-python", {
                "module": f"{stack.name}/{stack_version}", "python": f"{python.name}/{version}",
                "choices": ", ".join(others)})], (version, stack_version)
            assert refused(builder)
    assert refusals, "the model has no pair to refuse: the test sees nothing"


def test_a_preemptible_partitions_script_runs_its_program_as_a_step_and_requeues_it(builder):
    """Preemption's SIGTERM reaches the job's steps only, and a program that stops early on it has
    ended for Slurm (preemptible-jobs): the script starts the program with srun, requeues the job
    when the program says it stopped early (75), and ends with the program's status."""
    partition = PLATFORM.preemptible[0].name
    fill(builder, {"partition": partition, "kind": "threads", "cores": "2"})
    lines = [line for line in script_of(builder).splitlines() if not line.startswith("#")]  # no comments
    run = next(index for index, line in enumerate(lines) if "python -u" in line)
    assert lines[run].startswith("srun --cpus-per-task=$SLURM_CPUS_PER_TASK python -u "), lines[run]
    assert lines[run + 1:] == [
        "status=$?", 'if [ "$status" -eq 75 ]; then scontrol requeue "$SLURM_JOB_ID"; fi', 'exit "$status"']
    fill(builder, {"partition": PLATFORM.default_partition.name})
    assert "scontrol requeue" not in script_of(builder) and "srun" not in script_of(builder)
