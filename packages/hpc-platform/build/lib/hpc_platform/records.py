"""The records of a platform.toml: what a platform has, in the shape its own documentation gives it.

Each table of the file is one of these frozen dataclasses; their fields, with their types, are
the file's schema (`hpc_platform.load` reads the type hints). A field's metadata may add what a
type alone cannot say: the form a string must have (`pattern`, told as `form`), and for a table
of named entries whose entries are facts each (``[login.variables]``), that its own keys are cited.

Guide and Source hold no fact of the platform and cite nothing; every other record's fields are
facts, which the file cites (see `hpc_platform.citations`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

MEMORY = {"pattern": r"[1-9][0-9]*[MGT]", "form": "a number and M, G or T, as 500G"}
# The units of a size as the platform writes one (disks: "3.4T", "375G").
SIZE = {"pattern": r"[0-9]+(\.[0-9]+)?[MGT]", "form": "a number and M, G or T, as 1T or 3.4T"}
COMMIT = {"pattern": r"[0-9a-f]{40}", "form": "a full commit hash (40 hexadecimal digits)"}
DATE = {"pattern": r"\d{4}-\d{2}-\d{2}", "form": "a date as YYYY-MM-DD"}
FACT_TABLE = {"fact_table": True}
BY_LANGUAGE = {"language_keys": True}  # a table keyed by language codes, which sources do not write


def megabytes(memory: str) -> int:
    """A memory size of platform.toml ("500G", "2T") in MB, Slurm's unit."""
    return int(memory[:-1]) * {"M": 1, "G": 1024, "T": 1024 ** 2}[memory[-1]]


@dataclass(frozen=True)
class Source:
    """A repository the platform's facts are read from, at one commit."""
    cited: ClassVar[bool] = False
    name: str  # how citations name it: "hpc-iq" in "hpc-iq:en/source/jobs.rst:31"
    repository: str  # "github:owner/name"
    commit: str = field(metadata=COMMIT)
    date: str = field(metadata=DATE)


@dataclass(frozen=True)
class Guide:
    """The guide's own choices: its languages (the source first), titles, the reader's terminal."""
    cited: ClassVar[bool] = False
    languages: dict[str, str]  # code -> the language's name, as the switcher shows it
    titles: dict[str, str]
    columns: int
    rows: int
    links: dict[str, str] = field(default_factory=dict)  # pages of other sites the guide relies on


@dataclass(frozen=True)
class Site:
    names: dict[str, str] = field(metadata=BY_LANGUAGE)  # language -> the short name, as a sentence writes it
    full_names: dict[str, str] = field(default_factory=dict, metadata=BY_LANGUAGE)
    ssh_address: str | None = None
    documentation: dict[str, str] = field(default_factory=dict, metadata=BY_LANGUAGE)  # the platform's own docs
    # Pages of that documentation the guide sends readers to: a name -> its path there, without
    # .html ("support" -> "help/support"), the same in every language.
    pages: dict[str, str] = field(default_factory=dict)
    usage_fees: bool | None = None
    # A compute node's host name (`hostname`, a shell's prompt there) from its Slurm name, which
    # may differ: "{node}-mp2" makes cp3705's "cp3705-mp2".
    node_host: str = "{node}"

    def page_url(self, name: str, language: str) -> str | None:
        """A page of the platform's documentation in `language` (else its first language)."""
        base = self.documentation.get(language) or next(iter(self.documentation.values()), None)
        return f"{base}{self.pages[name]}.html" if base and name in self.pages else None


@dataclass(frozen=True)
class Login:
    host: str
    user: str
    prompt: str  # "[{user}@{host} {dir}]$ "; an active virtual environment prefixes "(name) "
    module_avail_columns: int  # the width `module avail` is laid out for on the platform's pages
    account: str | None = None  # the user's Slurm account
    processor_vendor: str | None = None
    modules: tuple[str, ...] = ()  # `module list` at login, in its order
    commands: tuple[str, ...] = ()  # what the login environment has besides Slurm's and Lmod's


@dataclass(frozen=True)
class Slurm:
    cluster_name: str
    default_memory_per_core: str | None = field(default=None, metadata=MEMORY)
    own_jobs_command: str | None = None  # a command that lists your own jobs ("sq")
    own_jobs: str | None = None  # the command line it runs
    watch_command: str | None = None  # what shows a running job's processes on its node
    min_cpu_efficiency: int | None = None  # percent, as seff reports it
    min_memory_efficiency: int | None = None
    gpu_options: tuple[str, ...] = ()
    gpu_examples: tuple[str, ...] = ()
    combined_partitions_example: str | None = None
    exclude_example: str | None = None


@dataclass(frozen=True)
class Preemption:
    signal: str
    grace_seconds: int
    requeue_option: str


Access = Literal["everyone", "owners", "sharing-groups"]


@dataclass(frozen=True)
class Partition:
    """Who may use it: everyone; "owners", the groups that own its nodes; "sharing-groups", the
    groups that share a node of it. Its nodes are the [[nodes]] groups that name it."""
    name: str
    access: Access
    time_limit_days: int
    default: bool = False
    preemption: Preemption | None = None  # its jobs are stopped when a node's owner needs the node


@dataclass(frozen=True)
class Processor:
    sockets: int
    vendor: str
    model: str
    microarchitecture: str

    def __str__(self) -> str:
        return f"{self.sockets} × {self.vendor} {self.model}"


@dataclass(frozen=True)
class Gpus:
    count: int
    vendor: str
    model: str
    type: str  # Slurm's GPU type (Gres=gpu:<type>:<count>)

    def __str__(self) -> str:
        return f"{self.count} × {self.vendor} {self.model}"


@dataclass(frozen=True)
class Disk:
    size: str = field(metadata=SIZE)
    kind: str | None = None  # "NVMe"

    def __str__(self) -> str:
        return f"{self.size} {self.kind}" if self.kind else self.size


@dataclass(frozen=True)
class NodeGroup:
    """Nodes that are alike: a row of the platform's tables of nodes."""
    names: tuple[str, ...]
    partitions: tuple[str, ...]
    cores: int
    memory: str = field(metadata=MEMORY)
    processor: Processor | None = None
    gpus: Gpus | None = None
    local_disk: Disk | None = None
    owners: tuple[str, ...] = ()

    @property
    def memory_mb(self) -> int:
        return megabytes(self.memory)


@dataclass(frozen=True)
class Storage:
    data: str  # research data, not in $HOME; $USER and $PROF as the platform writes them
    job_tmpdir: str  # each job's folder on the local disk of each of its nodes
    scratch: bool  # whether the platform has a scratch file system
    home: str | None = None
    group_data: str | None = None
    data_capacity: str | None = None


@dataclass(frozen=True)
class Stack:
    default: str  # the software environment loaded at login, as name/version
    architecture: str | None = None
    compile_flag: str | None = None
    intel_compile_flag: str | None = None
    avoid_flags: tuple[str, ...] = ()
    blas: str | None = None


ModuleType = Literal["tools", "math", "mpi"]
# What a module is to a job script that runs a Python program (the guide's job-script builder): the
# Python it runs with, the scientific stack loaded with it (NumPy, SciPy...), and what gives Python
# MPI (mpi4py). Lmod's labels (ModuleType) do not say it: mpi4py is labelled math, as the
# scientific stack is, and "mpi" labels MPI itself (openmpi).
ModuleRole = Literal["interpreter", "scientific-stack", "mpi"]


@dataclass(frozen=True)
class Module:
    """An Lmod module: its versions (none for a module that is one file, CCconfig) and default,
    the short aliases `module avail` shows, its type label, the modules it needs loaded first,
    sticky (`module purge` keeps it), what each version loads (name/version, in order). A version
    whose name starts with a dot is hidden, as Lmod hides it.

    Where it is: each software environment (a version of the stack's module, StdEnv/2023) has a
    module tree of its own, added to the module path by the version that `opens` it (for `module
    spider`, by the one that `spider_opens` it); a version is in the default environment's tree
    unless `stack` names the environments whose trees hold it; a `core` module is in none, so
    every environment sees it.

    Its `role` is what a job script that runs Python loads it for (ModuleRole), at most one module
    a role: a platform without such a module has job scripts that load none."""
    name: str
    versions: tuple[str, ...] = ()
    default: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    type: ModuleType | None = None
    role: ModuleRole | None = None
    needs: tuple[str, ...] = ()
    # For a version, the versions of a module it needs that it was built for: {"2023b": {"python":
    # ["3.10", "3.11"]}} (a needed module's version matches one that is it or starts with it and a dot).
    needs_versions: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    sticky: bool = False
    loads: dict[str, tuple[str, ...]] = field(default_factory=dict)
    core: bool = False
    stack: dict[str, tuple[str, ...]] = field(default_factory=dict)  # version -> environments
    opens: dict[str, str] = field(default_factory=dict)  # version -> the environment whose tree it adds
    # The same, for `module spider` only: what spider shows a module of that tree needs first.
    spider_opens: dict[str, str] = field(default_factory=dict)
    # Variables it sets ($NAME in a value: that variable's value); in a job only, where each
    # variable a value names is set.
    sets: dict[str, str] = field(default_factory=dict, metadata=FACT_TABLE)
    sets_in_jobs: dict[str, str] = field(default_factory=dict, metadata=FACT_TABLE)
    # It sets each of them only where the variable is not set already (a reader's own value stays).
    sets_unless_set: bool = False

    def full_name(self, version: str | None = None) -> str:
        version = version if version is not None else self.default
        return f"{self.name}/{version}" if version else self.name

    def trees(self, version: str | None, default_environment: str) -> tuple[str, ...]:
        """The environments whose module trees hold this version; () for a core module."""
        if self.core:
            return ()
        return self.stack.get(version or "", (default_environment,))


@dataclass(frozen=True)
class Package:
    """A Python package a page of the platform installs: its version there, the modules that page
    loads first, the optional packages it offers with it (name==version), other versions named."""
    name: str
    version: str
    modules: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    other_versions: tuple[str, ...] = ()

    @property
    def versions(self) -> tuple[str, ...]:
        return (self.version, *self.other_versions)
