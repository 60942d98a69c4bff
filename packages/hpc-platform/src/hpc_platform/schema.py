"""What platform.toml may hold: every table, every key, its type, and whether it is required.

The schema is data, read by `hpc_platform.load`: a site describes its platform in the same shape,
and a key this file does not know, a missing key or a value of the wrong type is an error that
names the file, the key and the line.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Key:
    type: type | tuple  # str, int, bool, list (of `items`), dict (of `items`)
    required: bool = True
    items: type | None = None  # the type of a list's items or a dict's values
    choices: tuple = ()
    pattern: str = ""  # a string's form, as a regular expression it must match whole
    form: str = ""  # that form as the error message tells it


@dataclass(frozen=True)
class Table:
    keys: dict[str, Key | "Table"] = field(default_factory=dict)
    required: bool = True
    # A table keyed by names the site chooses (modules, packages): each value has this schema.
    each: Key | "Table" | None = None
    array: bool = False  # [[nodes]]: a list of tables


SOURCE = Key(str)  # the platform documentation page a table's facts come from

MODULE = Table({
    "versions": Key(list, items=str),
    "default": Key(str),
    # Short names `module avail` shows next to a version: python/3.11.5 (t,D:3.11).
    "aliases": Key(dict, required=False, items=str),
    # Lmod's type_ property, shown as a label: (t) tools, (math), (mpi).
    "property": Key(str, required=False, choices=("tools", "math", "mpi", "compiler", "vis")),
    # Modules to load first; the module fails with Lmod's error naming them.
    "needs": Key(list, required=False, items=str),
    # `module purge` keeps it (Lmod's sticky property), as StdEnv on the Alliance's stacks.
    "sticky": Key(bool, required=False),
    "description": Key(str, required=False),
})

SCHEMA = Table({
    "site": Table({
        "name": Key(str),
        # The name as it reads inside a sentence, per language where that differs ("plateforme IQ HPC").
        "sentence_names": Key(dict, required=False, items=str),
        "documentation_date": Key(str, required=False),
        # The guide's languages, the first is the source: code -> name in that language.
        "languages": Key(dict, items=str),
        # The site's title in each language.
        "titles": Key(dict, items=str),
        # Pages of other sites the guide relies on: name -> address.
        "links": Key(dict, required=False, items=str),
    }),
    "login": Table({
        "source": SOURCE,
        "host": Key(str),
        "user": Key(str),
        "processor": Key(str, required=False),
        # The shell prompt the guide's transcripts show; {user}, {host} and {dir} are filled in,
        # and an active virtual environment puts "(name) " before it.
        "prompt": Key(str),
        # The reader's terminal: Lmod lays out `module avail` by its width.
        "columns": Key(int),
        "rows": Key(int),
        # The width Lmod lays `module avail` out for (LMOD_TERM_WIDTH), as the platform's pages show it.
        "module_avail_columns": Key(int),
    }),
    "slurm": Table({
        "source": SOURCE,
        "cluster_name": Key(str),
        "default_partition": Key(str),
        "max_time_days": Key(int),
        "contributed_partition_pattern": Key(str, required=False),
        "own_jobs_command": Key(str, required=False),
        "watch_command": Key(str, required=False),
        "preemption": Table({
            "source": SOURCE,
            "partition": Key(str),
            "signal": Key(str),
            "grace_seconds": Key(int),
            "requeue_option": Key(str),
        }, required=False),
        "gpus": Table({
            "source": SOURCE,
            "options": Key(list, items=str),
            "examples": Key(list, items=str),
        }, required=False),
    }),
    "nodes": Table({
        "source": SOURCE,
        "names": Key(list, items=str),
        "partition": Key(str),
        "cores": Key(int),
        "memory": Key(str, pattern=r"[1-9][0-9]*[MGT]", form="a number and M, G or T, as 500G"),
        "processors": Key(str, required=False),
        "local_disk": Key(str, required=False),
        "gpus": Key(int, required=False),
        "gpu_model": Key(str, required=False),
        "gpu_type": Key(str, required=False),
    }, array=True),
    "storage": Table({
        "source": SOURCE,
        "data": Key(str),
        "group_data": Key(str, required=False),
        "job_tmpdir": Key(str),
        "scratch": Key(bool),
    }, required=False),
    "stack": Table({
        "source": SOURCE,
        "architecture": Key(str, required=False),
        "compile_flag": Key(str, required=False),
        "avoid_flags": Key(list, required=False, items=str),
        # Loaded at login, in order: `module list` shows them.
        "default_modules": Key(list, items=str),
        "blas": Key(str, required=False),
        "blas_backend": Key(str, required=False),
    }),
    # Lmod name -> its versions, default and properties: the stand-in's `module avail`.
    "modules": Table({"source": SOURCE}, each=MODULE),
    # PyPI name -> the version the platform's package pages install.
    "packages": Table({"source": SOURCE}, required=False, each=Key(str)),
})
