"""Pages agree with platform.toml: prompts, partitions and module versions (prose uses substitutions)."""

import re
import tomllib

import pytest

from tests.site.builtsite import ROOT, SOURCE, page_names

PLATFORM = tomllib.loads((ROOT / "platform.toml").read_text(encoding="utf-8"))
MODULES = PLATFORM["modules"]
PAGES = [SOURCE / f"{name}.rst" for name in page_names()]

PROMPT = re.compile(r"\[(?P<user>[\w.-]+)@(?P<host>[\w.-]+) [^\]]*\]\$")
PARTITION = re.compile(r"(?:(?<![\w-])-p\s+|--partition[=\s]+|queue\s*=\s*[\"'])(?P<name>[\w-]+)")
MODULE = re.compile(r"(?<![\w/-])(?P<name>python|scipy-stack|StdEnv|python-build-bundle|ipython-kernel)/(?P<version>[\w.]+)")
KNOWN = {
    "python": MODULES["python"],
    "scipy-stack": MODULES["scipy_stack"],
    "StdEnv": MODULES["stdenv"],
    "python-build-bundle": MODULES["python_build_bundle"],
    "ipython-kernel": MODULES["ipython_kernel"],
}


def contradictions(text: str, name: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{name}:{number}"
        for prompt in PROMPT.finditer(line):
            if (prompt["user"], prompt["host"]) != (PLATFORM["login"]["user"], PLATFORM["login"]["host"]):
                found.append(f"{where}: prompt {prompt.group()} is not the platform's login node")
        for partition in PARTITION.finditer(line):
            if partition["name"] != PLATFORM["slurm"]["default_partition"]:
                found.append(f"{where}: partition {partition['name']!r} does not exist on the platform")
        for module in MODULE.finditer(line):
            versions = KNOWN[module["name"]]
            # "python/3.11" is how Lmod accepts any 3.11.x: a prefix of a real version is fine.
            if not any(v == module["version"] or v.startswith(module["version"] + ".") for v in versions):
                found.append(f"{where}: {module.group()} is not in the platform's catalog {versions}")
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_page_agrees_with_platform_facts(page):
    found = contradictions(page.read_text(encoding="utf-8"), str(page.relative_to(ROOT)))
    assert not found, "\n".join(found)


def test_a_contradiction_is_reported_with_its_line():
    text = "Fine.\n\n   [bob@login1 ~]$ module load python/3.9.6\n   sbatch -p gpu job.sh\n"
    assert contradictions(text, "page.rst") == [
        "page.rst:3: prompt [bob@login1 ~]$ is not the platform's login node",
        "page.rst:3: python/3.9.6 is not in the platform's catalog ['3.10.13', '3.11.5', '3.12.4']",
        "page.rst:4: partition 'gpu' does not exist on the platform",
    ]
