"""The job-script builder's form as a reader fills it, in Chromium: its fields by name, its script,
its messages; and the limits of each partition it must hold, read from platform.toml."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import hpc_platform
from hpc_platform import Partition, Platform
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

PAGE = "howto/job-script-builder.html"
PLATFORM = hpc_platform.load(Path(__file__).resolve().parents[2] / "platform.toml")
# The order a reader fills them in: the kind and the environment show or hide the fields after them.
FIELDS = ("kind", "cores", "tasks", "memory", "time", "partition", "gpus", "python", "scipy",
          "environment", "venv")


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


def error_of(driver: WebDriver, name: str) -> str:
    return driver.find_element(By.ID, f"builder-{name}-error").text


def messages_of(driver: WebDriver) -> dict[str, str]:
    """The page's own list of the form's messages (``key``: text), as the page's language has it."""
    items = driver.execute_script(
        "return Array.from(document.querySelectorAll('.job-script-builder ul li')).map(function (li) {"
        "  var key = li.querySelector('code'); return key ? [key.textContent, li.textContent] : null;"
        "}).filter(Boolean)")
    return {key.strip(): text[text.index(key) + len(key):].lstrip().removeprefix(":").strip()
            for key, text in items}


# --- the limits of each partition, as platform.toml gives them -----------------------------------


@dataclass(frozen=True)
class Limit:
    """One limit of a partition: the choice at the limit, which the form writes (its script has
    `line`) and Slurm takes, and the value just over it, which the form refuses with the message
    `key` naming `limit`, and Slurm refuses (`option`, the same on sbatch's command line)."""
    partition: str
    name: str  # what is limited: cores, memory, time, gpus, gpu (none in the partition), tasks...
    field: str  # the form's field that goes over it
    at: object
    over: object
    line: str
    key: str
    limit: object
    option: str
    choice: dict = field(default_factory=dict)  # the other fields, besides kind and partition

    @property
    def id(self) -> str:
        return f"{self.partition}-{self.name}"

    def form(self, value: object) -> dict:
        """The form's fields for the job with `value` in the limited field."""
        return {"kind": "threads", "partition": self.partition, **self.choice, self.field: value}


def gpu_groups(platform: Platform, partition: str) -> list[hpc_platform.NodeGroup]:
    return [group for group in platform.groups_of(partition) if group.gpus]


def limits_of(platform: Platform, partition: Partition) -> list[Limit]:
    """Every limit of the partition, from its own nodes and time limit: the cores and memory of its
    biggest node, the GPUs of its GPU nodes with their type, the cores of a GPU node for a job with a
    GPU, its time limit, the tasks of an MPI job its nodes hold; a GPU asked where it has none."""
    name, groups = partition.name, platform.groups_of(partition.name)
    cores = max(group.cores for group in groups)
    memory = max(group.memory_mb // 1024 for group in groups)
    days = partition.time_limit_days
    limit = partial(Limit, name)
    found = [
        limit("cores", "cores", cores, cores + 1, f"#SBATCH --cpus-per-task={cores}\n", "error.cores", cores,
              f"--cpus-per-task={cores + 1}"),
        limit("memory", "memory", memory, memory + 1, f"#SBATCH --mem={memory}G\n", "error.memory", memory,
              f"--mem={memory + 1}G"),
        limit("time", "time", f"{days * 24}:00", f"{(days + 1) * 24}:00", f"#SBATCH --time={days}-00:00:00\n",
              "error.time", days, f"--time={days + 1}-00:00:00"),
    ]
    with_gpus = gpu_groups(platform, name)
    if with_gpus:
        most = max(group.gpus.count for group in with_gpus)
        node = max((group for group in with_gpus if group.gpus.count == most), key=lambda group: group.cores)
        found.append(limit("gpus", "gpus", most, most + 1, f"#SBATCH --gpus-per-node={node.gpus.type}:{most}\n",
                           "error.gpus", most, f"--gpus-per-node={node.gpus.type}:{most + 1}"))
        gpu_cores = max(group.cores for group in with_gpus)  # a job with a GPU has a GPU node's
        found.append(limit("cores-with-a-gpu", "cores", gpu_cores, gpu_cores + 1,
                           f"#SBATCH --cpus-per-task={gpu_cores}\n", "error.cores", gpu_cores,
                           f"--cpus-per-task={gpu_cores + 1}", {"gpus": 1}))
    else:
        found.append(limit("gpu", "gpus", 0, 1, f"#SBATCH --partition={name}\n", "error.gpu", name,
                           "--gpus-per-node=1"))
    # MPI ranks of half a biggest node's cores each: as many as the nodes of the partition hold.
    per_task = max(1, cores // 2)
    room = sum(len(group.names) * (group.cores // per_task) for group in groups)
    found.append(limit("tasks", "tasks", room, room + 1, f"#SBATCH --ntasks={room}\n", "error.tasks", room,
                       f"--ntasks={room + 1}", {"kind": "mpi", "cores": per_task}))
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
