"""Pages agree with platform.toml, in English and in French (prose uses substitutions, code cannot).

Every partition, host, node name, core count, GPU type, module version and platform path that a page
(source/**/*.rst) or a French translation (the msgstr of locale/fr) writes must be one that
platform.toml holds. The known values are read from platform.toml; this file only knows the shapes
in which pages write them.
"""

import re

import hpc_platform
import polib
import pytest

from tests.site.builtsite import ROOT, SOURCE, page_names

PLATFORM = hpc_platform.load(ROOT / "platform.toml")
LOCALE = ROOT / "locale" / "fr" / "LC_MESSAGES"
PAGES = [SOURCE / f"{name}.rst" for name in page_names()]
CATALOGS = sorted(p for p in LOCALE.rglob("*.po") if p.name != "sphinx.po")


LOGIN = PLATFORM.login
NODES = PLATFORM.nodes
NODE_NAMES = set(PLATFORM.node_names)
NODE_CORES = {group.cores for group in NODES}
GPU_TYPES = {group.gpus.type for group in NODES if group.gpus}
# Processors as the pages may name them: a model ("EPYC 7643") or a microarchitecture ("milan").
PROCESSOR_MODELS = {group.processor.model for group in NODES if group.processor}
MICROARCHITECTURES = {group.processor.microarchitecture for group in NODES if group.processor}
# Below this, "an 8-core node" is an example machine (a laptop, the benchmark's), not a claim about
# the platform's nodes, which have tens of cores.
NODE_SIZED = min(group.cores for group in PLATFORM.groups_of(PLATFORM.default_partition.name)) // 4
MAX_GPUS = max(group.gpus.count for group in NODES if group.gpus)
PARTITIONS = {partition.name for partition in PLATFORM.partitions}
MODULES = {name: list(module.versions) for name, module in PLATFORM.modules.items() if module.versions}
# Where platform paths may start: each storage path up to its first variable ($USER, $PROF).
STORAGE_ROOTS = tuple(path.split("$")[0] for path in (PLATFORM.storage.data, PLATFORM.storage.group_data))
# The platform's names in both languages: any other "IQ <something>" name of it is wrong.
SITE_NAMES = set(PLATFORM.site.names.values()) | set(PLATFORM.site.full_names.values())

PROMPT = re.compile(hpc_platform.prompt_pattern(PLATFORM.login.prompt, command=False))
# `-p NAME` is a partition only on a Slurm command's line (mkdir -p, avail_wheels -p are not).
PARTITION = re.compile(r"(?:--partition[=\s]+|queue\s*=\s*[\"'])(?P<name>[\w-]+)")
SHORT_PARTITION = re.compile(r"(?<![\w-])-p\s+(?P<name>[\w-]+)")
SLURM_COMMAND = re.compile(r"\b(?:sbatch|salloc|srun|SBATCH)\b")
PARTITION_NAME = re.compile(r"(?<![\w-])(?P<name>iq-[a-z][\w-]*)")
# Node names are two letters and four digits (cp3702); a login node's, two letters and two digits.
# cp310 / py39 are wheels' Python tags, not hosts.
NODE_NAME = re.compile(r"\b(?P<name>[a-z]{2}\d{4})\b")
LOGIN_NAME = re.compile(r"\b(?!cp3\d\b|py\d\d\b)(?P<name>[a-z]{2}\d{2})\b")
CORES = re.compile(r"\b(?P<n>\d+)(?:[ -]|\u00a0)(?:cores?|cœurs?|coeurs?)\b")
NODE_CORE_COUNT = re.compile(
    r"\b(?P<n>\d+)[- ]core nodes?\b|\bnodes? (?:with|of|has|have) (?P<n2>\d+) cores\b"
    r"|\b(?P<n3>\d+) cores per node\b|\bnœuds? (?:de|à|avec|a|ont) (?P<n4>\d+) cœurs\b"
    r"|\b(?P<n5>\d+) cœurs par nœud\b")
CORE_REQUEST = re.compile(r"(?:--cpus-per-task[=\s]|--ntasks-per-node[=\s]|(?<![\w-])-c\s|\bcores\s*=\s*)(?P<n>\d+)")
# "96 × 96 = 9216": a full node's threads, one BLAS pool of a node's size per worker.
SQUARE = re.compile(r"\b(?P<a>\d+) × (?P<b>\d+) = \d")
GPU_TYPE = re.compile(r"\b(?P<type>nvidia_\w+)")
GPU_REQUEST = re.compile(r"--(?:gres=gpu:|gpus(?:-per-(?:node|task))?=)(?:(?P<type>[a-z]\w*):?)?(?P<n>\d+)?")
PATH = re.compile(r"(?P<path>/net/[^\s`\"')]+)")
SCRATCH = re.compile(r"\$SCRATCH\b|\$\{SCRATCH\}|(?<![\w/])(?:~/|/)scratch\b")
NEGATION = re.compile(r"\b(?:no|not|none|without|pas|aucun|aucune|sans)\b|\bn[’']", re.IGNORECASE)
PROCESSOR = re.compile(r"\b(?P<model>EPYC [0-9A-Z]+|Xeon (?:Gold |Platinum |Silver )?\w+)")
MICROARCHITECTURE = re.compile(r"\b(?P<name>milan|rome|genoa|turin|bergamo|icelake|cascadelake|skylake|"
                               r"sapphirerapids|broadwell|haswell)\b")
PLATFORM_NAME = re.compile(r"\b(?:IQ HPC(?: Platform)?|plateforme IQ(?: HPC)?|IQ Platform)\b", re.IGNORECASE)
MODULE = re.compile(r"(?<![\w/.-])(?P<name>" + "|".join(sorted(map(re.escape, MODULES), key=len, reverse=True))
                    + r")/(?P<version>[\w.]*\w)")


def contradictions(text: str, name: str, line: int = 1) -> list[str]:
    """What `text` (lines from `line` on, of file `name`) says against platform.toml."""
    found = []
    lines = text.splitlines()
    for number, line_text in enumerate(lines, start=line):
        where = f"{name}:{number}"
        previous = lines[number - line - 1] if number > line else ""
        found += [f"{where}: {problem}" for problem in line_problems(line_text, previous)]
    return found


def line_problems(line: str, previous: str) -> list[str]:
    problems = []
    for prompt in PROMPT.finditer(line):
        # The login node's, or a compute node's in an allocation (salloc opens a shell there).
        if prompt["user"] != LOGIN.user or prompt["host"] not in {LOGIN.host, *PLATFORM.node_hosts}:
            problems.append(f"prompt {prompt.group()} is neither the platform's login node {LOGIN.host} "
                            "nor one of its nodes")
    for name in PLATFORM_NAME.finditer(line):
        problems.append(f"{name.group()!r} is not a name of the platform {sorted(SITE_NAMES)}")
    for processor in PROCESSOR.finditer(line):
        if processor["model"] not in PROCESSOR_MODELS:
            problems.append(f"processor {processor['model']!r} is not one of the platform's {sorted(PROCESSOR_MODELS)}")
    for name in MICROARCHITECTURE.finditer(line):
        if name["name"] not in MICROARCHITECTURES:
            problems.append(f"microarchitecture {name['name']!r} is not one of the platform's "
                            f"{sorted(MICROARCHITECTURES)}")
    partitions = [m["name"] for m in PARTITION.finditer(line)] + [m["name"] for m in PARTITION_NAME.finditer(line)]
    if SLURM_COMMAND.search(line):
        partitions += [m["name"] for m in SHORT_PARTITION.finditer(line)]
    for partition in dict.fromkeys(partitions):
        if partition not in PARTITIONS:
            problems.append(f"partition {partition!r} does not exist on the platform {sorted(PARTITIONS)}")
    for node in NODE_NAME.finditer(line):
        if node["name"] not in NODE_NAMES:
            problems.append(f"node {node['name']!r} is not one of the platform's {sorted(NODE_NAMES)}")
    for host in LOGIN_NAME.finditer(line):
        if host["name"] != LOGIN.host:
            problems.append(f"host {host['name']!r} is not the platform's login node {LOGIN.host}")
    for cores in CORES.finditer(line):
        if int(cores["n"]) > max(NODE_CORES):
            problems.append(f"{cores.group()}: more than a node of the platform has ({max(NODE_CORES)})")
    for node in NODE_CORE_COUNT.finditer(line):
        count = int(next(group for group in node.groups() if group))
        if count >= NODE_SIZED and count not in NODE_CORES:
            problems.append(f"{node.group()!r}: the platform's nodes have {sorted(NODE_CORES)} cores")
    for request in CORE_REQUEST.finditer(line):
        if int(request["n"]) > max(NODE_CORES):
            problems.append(f"{request.group()} asks for more cores than a node has ({max(NODE_CORES)})")
    for square in SQUARE.finditer(line):
        if square["a"] == square["b"] and NODE_SIZED <= int(square["a"]) not in NODE_CORES:
            problems.append(f"{square.group()}...: {square['a']} is not a node's core count {sorted(NODE_CORES)}")
    for gpu in GPU_TYPE.finditer(line):
        if gpu["type"] not in GPU_TYPES:
            problems.append(f"GPU type {gpu['type']!r} is not the platform's {sorted(GPU_TYPES)}")
    for gpu in GPU_REQUEST.finditer(line):
        if gpu["type"] and gpu["type"] not in GPU_TYPES:
            problems.append(f"{gpu.group()}: GPU type {gpu['type']!r} is not the platform's {sorted(GPU_TYPES)}")
        if gpu["n"] and int(gpu["n"]) > MAX_GPUS:
            problems.append(f"{gpu.group()}: a node of the platform has at most {MAX_GPUS} GPUs")
    for module in MODULE.finditer(line):
        versions = MODULES[module["name"]]
        # "python/3.11" is how Lmod accepts any 3.11.x: a prefix of a real version is fine.
        if not any(v == module["version"] or v.startswith(module["version"] + ".") for v in versions):
            problems.append(f"{module.group()} is not in the platform's catalog {versions}")
    for path in PATH.finditer(line):
        if not path["path"].startswith(STORAGE_ROOTS):
            problems.append(f"path {path['path']} is not one of the platform's {list(STORAGE_ROOTS)}")
    if not PLATFORM.storage.scratch:
        for scratch in SCRATCH.finditer(line):
            # "The platform has no $SCRATCH" is true; anything else sends readers to a folder that is not there.
            if not NEGATION.search(previous + " " + line):
                problems.append(f"{scratch.group()}: the platform has no scratch file system")
    return problems


def catalog_contradictions(path) -> list[str]:
    """The French that readers see (translated, not fuzzy, not obsolete), at the line of its msgstr."""
    lines = path.read_text(encoding="utf-8").splitlines()
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    found = []
    for entry in polib.pofile(str(path)):
        if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags:
            # polib numbers an entry from its first line (comments included): find its msgstr.
            line = next(n for n in range(entry.linenum, len(lines) + 1) if lines[n - 1].startswith("msgstr"))
            found += [f"{name}:{line}: {problem}" for problem in line_problems(entry.msgstr, "")]
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_page_agrees_with_platform_facts(page):
    found = contradictions(page.read_text(encoding="utf-8"), str(page.relative_to(ROOT)))
    assert not found, "\n".join(found)


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: str(p.relative_to(LOCALE)))
def test_french_agrees_with_platform_facts(catalog):
    found = catalog_contradictions(catalog)
    assert not found, "\n".join(found)


def test_each_kind_of_contradiction_is_reported_with_its_line():
    text = "\n".join([
        "Fine: |partition|, |node_cores| cores, python/3.11 and scipy-stack/2024b.",
        "   [bob@login1 ~]$ module load python/3.9.6 gcc/9.3",
        "   sbatch -p gpu --cpus-per-task=400 job.sh",
        "Log in to ab12 and use the 64-core nodes of xy1234: 64 × 64 = 4096 threads.",
        "An 8-core laptop runs 8 × 8 = 64 threads; 4 cores, 2 × 2 = 4.",
        "   #SBATCH --gpus-per-node=nvidia_v100:4",
        "   #SBATCH --gres=gpu:tesla:1 --partition=old-q",
        "Put data in /net/other/data or $SCRATCH; the platform has no ``$SCRATCH``.",
        "   mkdir -p project; avail_wheels -p 3.10 numpy; ls cp310",
        "The IQ HPC Platform's nodes have AMD EPYC 7643 (milan) and EPYC 7713 (zen3) processors, and skylake ones.",
    ])
    partitions = sorted(PARTITIONS)
    assert contradictions(text, "page.rst") == [
        "page.rst:2: prompt [bob@login1 ~]$ is neither the platform's login node iv11 nor one of its nodes",
        "page.rst:2: python/3.9.6 is not in the platform's catalog ['3.10.13', '3.11.5', '3.12.4']",
        "page.rst:2: gcc/9.3 is not in the platform's catalog ['12.3']",
        f"page.rst:3: partition 'gpu' does not exist on the platform {partitions}",
        "page.rst:3: --cpus-per-task=400 asks for more cores than a node has (384)",
        f"page.rst:4: node 'xy1234' is not one of the platform's {sorted(NODE_NAMES)}",
        "page.rst:4: host 'ab12' is not the platform's login node iv11",
        f"page.rst:4: '64-core nodes': the platform's nodes have {sorted(NODE_CORES)} cores",
        f"page.rst:4: 64 × 64 = 4...: 64 is not a node's core count {sorted(NODE_CORES)}",
        "page.rst:6: GPU type 'nvidia_v100' is not the platform's ['nvidia_a40', 'nvidia_l40s']",
        "page.rst:6: --gpus-per-node=nvidia_v100:4: GPU type 'nvidia_v100' is not the platform's "
        "['nvidia_a40', 'nvidia_l40s']",
        "page.rst:6: --gpus-per-node=nvidia_v100:4: a node of the platform has at most 2 GPUs",
        f"page.rst:7: partition 'old-q' does not exist on the platform {partitions}",
        "page.rst:7: --gres=gpu:tesla:1: GPU type 'tesla' is not the platform's ['nvidia_a40', 'nvidia_l40s']",
        "page.rst:8: path /net/other/data is not one of the platform's ['/net/nfs-iq/data/', '/net/nfs-iq/data/def-']",
        f"page.rst:10: 'IQ HPC Platform' is not a name of the platform {sorted(SITE_NAMES)}",
        f"page.rst:10: processor 'EPYC 7713' is not one of the platform's {sorted(PROCESSOR_MODELS)}",
        f"page.rst:10: microarchitecture 'skylake' is not one of the platform's {sorted(MICROARCHITECTURES)}",
    ]


def test_a_french_contradiction_is_reported_at_its_catalog_line(tmp_path):
    catalog = tmp_path / "page.po"
    catalog.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                       '#: page.rst:3\nmsgid ""\n"Each node has |node_cores| cores."\nmsgstr ""\n'
                       '"Chaque nœud a 64 cœurs ; mettez vos données dans $SCRATCH "\n"ou sur cp9999."\n\n'
                       '#, fuzzy\nmsgid "Old."\nmsgstr "Sur ip42."\n', encoding="utf-8")
    assert catalog_contradictions(catalog) == [
        f"{catalog}:8: node 'cp9999' is not one of the platform's {sorted(NODE_NAMES)}",
        f"{catalog}:8: 'nœud a 64 cœurs': the platform's nodes have {sorted(NODE_CORES)} cores",
        f"{catalog}:8: $SCRATCH: the platform has no scratch file system",
    ]


# The former login node and default partition, spelled in two parts so that this file does not
# contain them either: the issue wants them nowhere in the repository's text.
FORMER_NAMES = ("ip" + "09", "c-" + "iq")


def test_former_login_node_and_partition_appear_nowhere():
    found = []
    for top in ("source", "locale", "scripts", "tests", "platform.toml"):
        root = ROOT / top
        for path in [root] if root.is_file() else sorted(root.rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".mo":
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # images, compiled files
            for number, line in enumerate(text.splitlines(), start=1):
                found += [f"{path.relative_to(ROOT)}:{number}: {name}" for name in FORMER_NAMES
                          if re.search(rf"(?<![\w-]){name}(?![\w-])", line)]
    assert not found, "\n".join(found)


# --- the versions pip installs ------------------------------------------------------------------

def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_versions() -> dict[str, set[str]]:
    """Canonical name -> the versions platform.toml gives it: a package page's own and its other
    versions, and each optional package at its pin."""
    versions: dict[str, set[str]] = {}
    for name, package in PLATFORM.packages.items():
        versions.setdefault(canonical(name), set()).update({package.version, *package.other_versions})
        for optional in package.optional:
            optional_name, _, optional_version = optional.partition("==")
            versions.setdefault(canonical(optional_name), set()).add(optional_version)
    return versions


PIP_INSTALL = re.compile(r"\$ pip install (.*)$", re.MULTILINE)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_pip_installs_the_platforms_packages_at_its_versions(page):
    """A package of the platform's pages, or one of their optional packages, is installed at the
    version the platform's page names (a reader must get what the page was written for), never
    without a version."""
    known, text = pinned_versions(), page.read_text(encoding="utf-8")
    problems = []
    for match in PIP_INSTALL.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        for word in match.group(1).split():
            if word.startswith("-"):
                continue
            name, _, version = word.strip("'\"").partition("==")
            if canonical(name) not in known:
                continue
            if not version:
                versions = " or ".join(sorted(known[canonical(name)]))
                problems.append(f"{page}:{line}: {name} without a version ({versions})")
            elif version not in known[canonical(name)]:
                problems.append(f"{page}:{line}: {name}=={version}, not a version platform.toml gives it")
    assert not problems, "\n".join(problems)
