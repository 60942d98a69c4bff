"""The job-script builder's form as a reader fills it, in Chromium: its fields by name, its script,
its messages; and the limits of each partition it must hold, read from platform.toml."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import hpc_platform
from hpc_platform import NodeGroup, Partition, Platform
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

PAGE = "howto/job-script-builder.html"
PLATFORM = hpc_platform.load(Path(__file__).resolve().parents[2] / "platform.toml")
# The order a reader fills them in: the kind and the environment show or hide the fields after them.
FIELDS = ("kind", "jobname", "program", "cores", "tasks", "unit", "per", "memory", "time", "partition", "gpus",
          "python", "scipy", "environment", "venv")


def set_field(driver: WebDriver, name: str, value: object) -> None:
    control = driver.find_element(By.ID, f"builder-{name}")
    if control.tag_name == "select":
        Select(control).select_by_value(str(value))
    else:
        control.clear()
        control.send_keys(str(value))


def fill(driver: WebDriver, choice: dict) -> None:
    """Set each field `choice` names, in the reader's order."""
    unknown = set(choice) - set(FIELDS)
    if unknown:
        raise KeyError(f"not fields of the builder: {sorted(unknown)}")
    for name in FIELDS:
        if name in choice:
            set_field(driver, name, choice[name])


def script_of(driver: WebDriver) -> str:
    """The script as the copy button copies it: the text of its <pre>, spaces and all."""
    return driver.execute_script("return document.querySelector('.builder-script').textContent")


def normal(text: str) -> str:
    """Text with its runs of spaces and line ends as one space; U+00A0 kept (French puts it before
    a colon)."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def error_of(driver: WebDriver, name: str) -> str:
    """Every message the field shows, one a line."""
    return driver.find_element(By.ID, f"builder-{name}-error").text


def errors_of(driver: WebDriver, name: str) -> list[str]:
    """The field's messages, each as the page writes it (U+00A0 kept)."""
    return [normal(text) for text in driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0] + ' p')).map(function (p) {"
        "  return p.textContent; })", f"#builder-{name}-error")]


def text_of(driver: WebDriver, element_id: str) -> str:
    """An element's text as the page writes it (U+00A0 kept, unlike Selenium's .text)."""
    return normal(driver.execute_script("return document.getElementById(arguments[0]).textContent", element_id))


def messages_of(driver: WebDriver) -> dict[str, str]:
    """The page's own list of the form's messages (``key``: text), as the page's language has it."""
    items = driver.execute_script(
        "return Array.from(document.querySelectorAll('.job-script-builder ul li')).map(function (li) {"
        "  var key = li.querySelector('code'); return key ? [key.textContent, li.textContent] : null;"
        "}).filter(Boolean)")
    return {key.strip(): normal(text[text.index(key) + len(key):].lstrip().removeprefix(":"))
            for key, text in items}


def said(messages: dict[str, str], key: str, values: dict) -> str:
    """The message `key` as the form says it, its {placeholders} filled (a unit by its name)."""
    text = messages[key]
    for name, value in values.items():
        text = text.replace("{" + name + "}", messages[f"unit.{value}"] if name == "unit" else str(value))
    return text


# Each of Slurm's time formats the guide teaches, and what the script writes for it.
TIMES = {"90": "01:30:00", "90:30": "01:30:30", "36:00:00": "1-12:00:00", "2-12": "2-12:00:00",
         "2-12:30": "2-12:30:00", "1-00:00:00": "1-00:00:00", "0:30": "00:00:30"}
# Refused: out of range (2:61 Slurm itself would read as 3:01: a slip, more likely), not a format.
BAD_TIMES = {"2:61": "error.time-range", "1:60:00": "error.time-range", "1-24": "error.time-range",
             "1-00:00:60": "error.time-range", "1.5": "error.time-format", "1:2:3:4": "error.time-format",
             "1h": "error.time-format", "": "error.time-format", "0": "error.time-min", "0-0:00:00": "error.time-min"}


# --- the limits of each partition, as platform.toml gives them -----------------------------------


def names_of(groups: list[NodeGroup]) -> str:
    """The nodes as the form's messages name them: each group's run (cp3702-cp3704), in order."""
    return ", ".join(group.names[0] if len(group.names) == 1 else f"{group.names[0]}-{group.names[-1]}"
                     for group in groups)


@dataclass(frozen=True)
class Limit:
    """One limit of a partition: the choice at the limit, which the form writes (its script has
    `line`) and Slurm takes, and the value just over it, which the form refuses with the message
    `key` with `values` (the limit, the partition and the nodes it comes from), and Slurm refuses
    (`option`, the same on sbatch's command line)."""
    partition: str
    name: str  # what is limited: cores, memory, time, gpus, gpu (none in the partition), tasks...
    field: str  # the form's field that goes over it
    at: object
    over: object
    line: str
    key: str
    values: dict
    option: str
    choice: dict = field(default_factory=dict)  # the other fields, besides kind and partition

    @property
    def id(self) -> str:
        return f"{self.partition}-{self.name}"

    @property
    def limit(self) -> object:
        return self.values["limit"]

    def form(self, value: object) -> dict:
        """The form's fields for the job with `value` in the limited field."""
        return {"kind": "threads", "partition": self.partition, **self.choice, self.field: value}


def gpu_groups(platform: Platform, partition: str) -> list[NodeGroup]:
    return [group for group in platform.groups_of(partition) if group.gpus]


def limits_of(platform: Platform, partition: Partition) -> list[Limit]:
    """Every limit of the partition, from its own nodes and time limit: the cores and memory (in GB
    and in MB, per node and per core of a rank) of its biggest node, the GPUs of its GPU nodes with
    their type, the cores and memory of a GPU node for a job with a GPU, its time limit, the tasks
    of an MPI job its nodes hold; a GPU asked where it has none. Each refusal names the partition
    and the nodes the limit comes from."""
    name, groups = partition.name, platform.groups_of(partition.name)
    cores = max(group.cores for group in groups)
    memory_mb = max(group.memory_mb for group in groups)
    memory = memory_mb // 1024
    days = partition.time_limit_days
    where = {"partition": name, "nodes": names_of(groups)}
    limit = partial(Limit, name)
    found = [
        limit("cores", "cores", cores, cores + 1, f"#SBATCH --cpus-per-task={cores}\n", "error.cores",
              {"limit": cores, **where}, f"--cpus-per-task={cores + 1}"),
        limit("memory", "memory", memory, memory + 1, f"#SBATCH --mem={memory}G\n", "error.memory",
              {"limit": memory, "unit": "G", **where}, f"--mem={memory + 1}G"),
        limit("memory-in-mb", "memory", memory_mb, memory_mb + 1, f"#SBATCH --mem={memory_mb}M\n", "error.memory",
              {"limit": memory_mb, "unit": "M", **where}, f"--mem={memory_mb + 1}M", {"unit": "M"}),
        # The time in D-HH at the limit, one second over it in D-HH:MM:SS (Slurm counts whole minutes).
        limit("time", "time", f"{days}-00", f"{days}-00:00:01", f"#SBATCH --time={days}-00:00:00\n",
              "error.time", {"limit": days, "partition": name}, f"--time={days}-00:00:01"),
    ]
    # Per core, for 2 ranks of 2 cores: each rank's 2 cores times it must fit on one node (where two
    # nodes have the most memory: on one node, the two ranks would not fit before one does not).
    if sum(len(group.names) for group in groups if group.memory_mb == memory_mb) >= 2:
        per_core = memory_mb // 2 // 1024
        found.append(limit("memory-per-core", "memory", per_core, per_core + 1, f"#SBATCH --mem-per-cpu={per_core}G\n",
                           "error.memory-cpu", {"limit": per_core, "unit": "G", **where},
                           f"--mem-per-cpu={per_core + 1}G", {"kind": "mpi", "tasks": 2, "cores": 2, "per": "cpu"}))
    with_gpus = gpu_groups(platform, name)
    if with_gpus:
        most = max(group.gpus.count for group in with_gpus)
        node = max((group for group in with_gpus if group.gpus.count == most), key=lambda group: group.cores)
        typed = [group for group in with_gpus if group.gpus.type == node.gpus.type]
        gpu_where = {"partition": name, "nodes": names_of(typed)}
        found.append(limit("gpus", "gpus", most, most + 1, f"#SBATCH --gpus-per-node={node.gpus.type}:{most}\n",
                           "error.gpus-one" if most == 1 else "error.gpus", {"limit": most, **gpu_where},
                           f"--gpus-per-node={node.gpus.type}:{most + 1}"))
        gpu_cores = max(group.cores for group in typed)  # a job with a GPU has a GPU node's
        found.append(limit("cores-with-a-gpu", "cores", gpu_cores, gpu_cores + 1,
                           f"#SBATCH --cpus-per-task={gpu_cores}\n", "error.cores-gpu",
                           {"limit": gpu_cores, **gpu_where},
                           f"--cpus-per-task={gpu_cores + 1}", {"gpus": 1}))
        gpu_memory = max(group.memory_mb for group in typed) // 1024
        found.append(limit("memory-with-a-gpu", "memory", gpu_memory, gpu_memory + 1,
                           f"#SBATCH --mem={gpu_memory}G\n", "error.memory-gpu",
                           {"limit": gpu_memory, "unit": "G", **gpu_where}, f"--mem={gpu_memory + 1}G", {"gpus": 1}))
    else:
        found.append(limit("gpu", "gpus", 0, 1, f"#SBATCH --partition={name}\n", "error.gpu", {"partition": name},
                           "--gpus-per-node=1"))
    # MPI ranks of half a biggest node's cores each, 1 GB per core: as many as the nodes hold.
    per_task = max(1, cores // 2)
    room = sum(len(group.names) * min(group.cores // per_task, group.memory_mb // (1024 * per_task))
               for group in groups)
    found.append(limit("tasks", "tasks", room, room + 1, f"#SBATCH --ntasks={room}\n", "error.tasks",
                       {"limit": room, **where}, f"--ntasks={room + 1}",
                       {"kind": "mpi", "cores": per_task, "memory": 1, "per": "cpu"}))
    return found


def partitions_to_check(platform: Platform) -> list[Partition]:
    """The partitions whose limits the form and Slurm are tested on one by one (the rules alone are
    tested on every partition): the default, the one of the longest jobs, each with GPU nodes. On the
    IQ Cluster: iq-main, iq-blais (no GPU: a GPU is refused there), iq-royer-gpu."""
    chosen = [platform.default_partition, max(platform.partitions, key=lambda p: p.time_limit_days)]
    chosen += [p for p in platform.partitions if gpu_groups(platform, p.name)]
    return list({p.name: p for p in chosen}.values())


def limits_to_check(platform: Platform = PLATFORM) -> list[Limit]:
    return [limit for partition in partitions_to_check(platform) for limit in limits_of(platform, partition)]
