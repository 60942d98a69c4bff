#!/usr/bin/env python3
"""Measure thread oversubscription: worker processes x BLAS threads per worker.

Each configuration starts a process Pool of W workers on the cores this process may use
(``os.sched_getaffinity``), limits every worker's BLAS/OpenMP pools to T threads (through
``OMP_NUM_THREADS`` and friends set before the worker imports numpy, and through threadpoolctl
inside the worker), and times W tasks run at once, one per worker. Configurations are measured
in rounds whose order alternates, and the medians are compared.

Usage::

    python scripts/oversubscription.py --out DIR            # full run (a few minutes on 2 cores)
    python scripts/oversubscription.py --quick --out DIR    # under a minute on 2 cores
    python scripts/oversubscription.py --replot --out DIR   # redraw the figures of a kept run

It writes DIR/oversubscription.csv (every measurement), DIR/oversubscription.json (the machine and
the workloads) and the figure in English and in French (oversubscription.svg, .fr.svg), and ends
with two lines:
``penalty: X.XX`` (workers on every core, each with as many BLAS threads as there are cores,
which is what BLAS picks by itself, over the same workers limited to one thread) and
``efficiency: X.XX`` (one limited task on one worker over one limited task per core).
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import datetime
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# Variables read by OpenBLAS, MKL, BLIS and OpenMP runtimes when they load: they must be in the
# worker's environment before it imports numpy, since a runtime reads them once.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "BLIS_NUM_THREADS", "FLEXIBLAS_NUM_THREADS")


@dataclass(frozen=True)
class Workload:
    """What one task computes; sizes chosen so that the effect shows (see the module doc)."""
    name: str
    size: int
    calls: int
    # Threads a worker tried, at most, per core. Dense LAPACK at 4 threads a core took minutes
    # where one thread took tenths of a second (300 to 700 times slower): too long to repeat.
    max_threads_per_core: int = 4

    def label(self, language: str = "en") -> str:
        size = f"{self.size:,}".replace(",", FIGURE_WORDS[language]["thousands"])
        return FIGURE_WORDS[language][self.name].format(size=size, calls=self.calls)


# The figure in each language of the guide: Sphinx shows oversubscription.fr.svg on French pages.
# SVG, its text drawn as paths: sharp at any width, readable on a phone, and nothing to fetch.
FIGURES = {"en": "oversubscription.svg", "fr": "oversubscription.fr.svg"}
FIGURE_WORDS = {
    "en": {"eigsh": "eigsh, sparse {size} wide, {calls} calls",
           "dense": "dense eigh, {size} x {size}, {calls} calls",
           "threads": "BLAS threads per worker", "time": "median time (s)",
           "workers": ("{n} worker", "{n} workers"), "cores": "{n} cores",
           "decimal": ".", "thousands": ","},
    "fr": {"eigsh": "eigsh, matrice creuse de {size} de côté, {calls} appels",
           "dense": "eigh dense, {size} × {size}, {calls} appels",
           "threads": "fils BLAS par worker", "time": "temps médian (s)",
           "workers": ("{n} worker", "{n} workers"), "cores": "{n} cœurs",
           "decimal": ",", "thousands": "\u202f"},
}

# OpenBLAS runs vector routines on one thread up to length 10000: eigsh below that shows no
# penalty at all, so the sparse matrix is 12000 wide.
WORKLOADS = {
    "eigsh": Workload("eigsh", size=12000, calls=6),
    "dense": Workload("dense", size=100, calls=200, max_threads_per_core=1),
}


@dataclass(frozen=True)
class Config:
    workers: int
    threads: int


@dataclass(frozen=True)
class Measurement:
    workload: str
    config: Config
    round: int
    seconds: float
    blas_threads: int


@dataclass(frozen=True)
class Plan:
    workloads: tuple[Workload, ...]
    configs: tuple[Config, ...]
    rounds: int

    def configs_for(self, workload: Workload, cores: int) -> tuple[Config, ...]:
        return tuple(c for c in self.configs
                     if c.threads <= workload.max_threads_per_core * cores)


def allowed_cores() -> int:
    """Cores this process may run on: the Slurm allocation, not the node's count."""
    return len(os.sched_getaffinity(0))


def default_configs(cores: int) -> tuple[Config, ...]:
    """1 worker and one worker a core, with 1 thread, BLAS's own default (one a core) and
    four times that (a library sizing its pool from a node bigger than the allocation)."""
    workers = sorted({1, cores})
    threads = sorted({1, cores, 4 * cores})
    return tuple(Config(w, t) for w in workers for t in threads)


def make_plan(quick: bool, cores: int) -> Plan:
    if quick:
        configs = (Config(1, 1), Config(cores, 1), Config(cores, cores), Config(cores, 4 * cores))
        # Half the calls of the full run: the 4x-threads point dominates the time.
        return Plan((Workload("eigsh", WORKLOADS["eigsh"].size, calls=3),),
                    tuple(dict.fromkeys(configs)), rounds=3)
    return Plan(tuple(WORKLOADS.values()), default_configs(cores), rounds=5)


# ---------------------------------------------------------------- worker side
_worker: dict = {}


def make_data(workload: Workload):
    """The task's input, the same in every worker and every run (fixed seed)."""
    import numpy as np
    import scipy.sparse as sparse

    rng = np.random.default_rng(12000)
    n = workload.size
    if workload.name == "eigsh":
        a = sparse.random(n, n, density=5 / n, random_state=rng, format="csr")
        return (a + a.T).tocsr()
    m = rng.standard_normal((n, n))
    return m + m.T


def compute(workload: Workload, data) -> None:
    if workload.name == "eigsh":
        from scipy.sparse.linalg import eigsh
        for _ in range(workload.calls):
            eigsh(data, k=6)
    else:
        import scipy.linalg
        for _ in range(workload.calls):
            scipy.linalg.eigh(data)


def blas_threads() -> int:
    """The largest thread count among the BLAS/OpenMP pools loaded in this process."""
    from threadpoolctl import threadpool_info
    return max((pool["num_threads"] for pool in threadpool_info()), default=0)


def init_worker(workload: Workload, threads: int, barrier) -> None:
    # threadpoolctl acts only on libraries already loaded: import numpy's and scipy's BLAS first.
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401
    import scipy.sparse.linalg  # noqa: F401
    from threadpoolctl import threadpool_limits

    # Environment variables cannot raise OpenBLAS above the cores it sees; threadpoolctl can,
    # which is how "a library sized from the whole node" is reproduced on a small machine.
    _worker["limits"] = threadpool_limits(limits=threads)
    _worker["workload"] = workload
    _worker["data"] = make_data(workload)
    _worker["barrier"] = barrier
    warm_up()


def warm_up() -> None:
    """Start numpy's and scipy's BLAS thread pools now, outside the timed part: each pool starts
    its threads at its first threaded call (a dot product this long is threaded)."""
    import numpy as np
    from scipy.linalg import blas

    x = np.ones(1_000_000)
    np.dot(x, x)
    blas.ddot(x, x)


def run_task(_index: int) -> tuple[float, float, int]:
    # Every task waits until each worker holds one: one task per worker, all starting together.
    _worker["barrier"].wait()
    start = time.perf_counter()
    compute(_worker["workload"], _worker["data"])
    return start, time.perf_counter(), blas_threads()


# ---------------------------------------------------------------- parent side
@contextlib.contextmanager
def thread_environment(threads: int):
    """Set the thread variables for the processes spawned inside the block, then restore."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update({name: str(threads) for name in THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def time_config(workload: Workload, config: Config) -> tuple[float, int]:
    """Seconds from the common start to the last task's end, and the BLAS threads seen."""
    # spawn, not fork: a forked worker inherits BLAS pools already sized by the parent.
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(config.workers)
    with thread_environment(config.threads):
        pool = context.Pool(config.workers, initializer=init_worker,
                            initargs=(workload, config.threads, barrier))
    with pool:
        spans = pool.map(run_task, range(config.workers), chunksize=1)
    pool.join()
    starts, ends, seen = zip(*spans)
    return max(ends) - min(starts), max(seen)


def schedule(plan: Plan, cores: int) -> list[tuple[int, Workload, Config]]:
    """Every (round, workload, config), reversing the order every other round so that a
    drift in the machine's load does not favour the configurations measured first."""
    order = [(w, c) for w in plan.workloads for c in plan.configs_for(w, cores)]
    steps = []
    for r in range(plan.rounds):
        steps += [(r, w, c) for w, c in (order if r % 2 == 0 else order[::-1])]
    return steps


def measure(plan: Plan, cores: int, progress=None) -> list[Measurement]:
    steps = schedule(plan, cores)
    results = []
    for i, (r, workload, config) in enumerate(steps, 1):
        seconds, seen = time_config(workload, config)
        results.append(Measurement(workload.name, config, r, seconds, seen))
        if progress:
            progress(f"[{i:>3}/{len(steps)}] round {r + 1} {workload.name:<6} "
                     f"workers={config.workers:<3} threads={config.threads:<3} "
                     f"{seconds:8.3f} s  (BLAS threads seen: {seen})")
    return results


def medians(results: list[Measurement]) -> dict[tuple[str, Config], float]:
    groups: dict[tuple[str, Config], list[float]] = {}
    for m in results:
        groups.setdefault((m.workload, m.config), []).append(m.seconds)
    return {key: statistics.median(values) for key, values in groups.items()}


def penalty(med: dict, workload: str, cores: int, threads: int | None = None) -> float:
    """Median time of one worker a core with `threads` BLAS threads each (default: one a
    core) over the same workers limited to one thread."""
    threads = cores if threads is None else threads
    return med[(workload, Config(cores, threads))] / med[(workload, Config(cores, 1))]


def efficiency(med: dict, workload: str, cores: int) -> float:
    """Ideal over measured time of the limited configuration on all cores: the tasks are
    independent, so ideally W tasks on W workers take as long as 1 task on 1 worker."""
    return med[(workload, Config(1, 1))] / med[(workload, Config(cores, 1))]


def machine_description() -> dict[str, str]:
    """Cores, CPU model and BLAS backend (from threadpoolctl, in a fresh process so that the
    pools are the ones a worker loads)."""
    probe = ("import numpy, scipy.linalg, json; from threadpoolctl import threadpool_info; "
             "print(json.dumps(threadpool_info()))")
    pools = json.loads(subprocess.run([sys.executable, "-c", probe], check=True,
                                      capture_output=True, text=True).stdout)
    blas = sorted({f"{p['internal_api']} {p['version']} ({p.get('threading_layer', '?')})"
                   for p in pools})
    model = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as f:
        model = next((line.split(":", 1)[1].strip() for line in f
                      if line.startswith("model name")), model)
    return {"cores": str(allowed_cores()), "cpu": model, "blas": ", ".join(blas),
            "python": platform.python_version(),
            "date": datetime.date.today().isoformat()}


def write_csv(path: Path, results: list[Measurement]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["workload", "workers", "threads_per_worker", "round", "seconds",
                      "blas_threads_seen"])
        for m in results:
            out.writerow([m.workload, m.config.workers, m.config.threads, m.round + 1,
                          f"{m.seconds:.4f}", m.blas_threads])


def format_table(med: dict) -> str:
    lines = [f"{'workload':<8} {'workers':>7} {'threads':>7} {'median s':>9} "
             f"{'vs limited':>10}"]
    for (workload, config), seconds in med.items():
        limited = med.get((workload, Config(config.workers, 1)))
        ratio = f"{seconds / limited:9.2f}x" if limited else ""
        lines.append(f"{workload:<8} {config.workers:>7} {config.threads:>7} "
                     f"{seconds:>9.3f} {ratio:>10}")
    return "\n".join(lines)


def plot(path: Path, med: dict, machine: dict[str, str], workloads: list[Workload],
         language: str = "en") -> None:
    words = FIGURE_WORDS[language]
    titles = {w.name: w.label(language) for w in workloads}
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads = list(dict.fromkeys(w for w, _ in med))
    # One panel under the other, as narrow as a phone's screen: its text stays at a readable size
    # when the figure is shown at the width of the page's column.
    plt.rcParams.update({"font.size": 12, "svg.fonttype": "path", "svg.hashsalt": "oversubscription"})
    fig, axes = plt.subplots(len(workloads), 1, figsize=(6, 3.6 * len(workloads)), squeeze=False)
    for ax, workload in zip(axes[:, 0], workloads):
        configs = [c for w, c in med if w == workload]
        workers = sorted({c.workers for c in configs})
        threads = sorted({c.threads for c in configs})
        width = 0.8 / len(workers)
        for i, w in enumerate(workers):
            xs = [j + (i - (len(workers) - 1) / 2) * width
                  for j, t in enumerate(threads) if Config(w, t) in configs]
            ys = [med[(workload, Config(w, t))] for t in threads if Config(w, t) in configs]
            bars = ax.bar(xs, ys, width, label=words["workers"][w > 1].format(n=w))
            ax.bar_label(bars, labels=[f"{y:.2f}".replace(".", words["decimal"]) for y in ys],
                         fontsize=10)
        ax.set_xticks(range(len(threads)), [str(t) for t in threads])
        ax.margins(y=0.12)  # room for the labels above the tallest bar
        ax.yaxis.set_major_formatter(lambda value, _: f"{value:g}".replace(".", words["decimal"]))
        ax.set_xlabel(words["threads"])
        ax.set_ylabel(words["time"])
        ax.set_title(titles[workload], fontsize=12)
        ax.legend(fontsize=10)
    cores = words["cores"].format(n=machine["cores"])
    fig.suptitle(f"{cores}, {machine['cpu']};\n{machine['blas']}; {machine['date']}", fontsize=10)
    fig.tight_layout()
    # No date in the file: a figure redrawn from the same run is the same file.
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)


def draw_figures(folder: Path, med: dict, machine: dict[str, str], workloads: list[Workload]) -> None:
    for language, name in FIGURES.items():
        plot(folder / name, med, machine, workloads, language)


def write_run(folder: Path, results: list[Measurement], machine: dict[str, str],
              workloads: list[Workload]) -> None:
    """The measurements (CSV) and what the figure needs besides them (JSON): enough to redraw it."""
    write_csv(folder / "oversubscription.csv", results)
    description = {"machine": machine, "workloads": [dataclasses.asdict(w) for w in workloads]}
    (folder / "oversubscription.json").write_text(json.dumps(description, indent=2) + "\n",
                                                   encoding="utf-8")


def read_run(folder: Path) -> tuple[list[Measurement], dict[str, str], list[Workload]]:
    description = json.loads((folder / "oversubscription.json").read_text(encoding="utf-8"))
    with open(folder / "oversubscription.csv", newline="", encoding="utf-8") as f:
        results = [Measurement(row["workload"], Config(int(row["workers"]),
                                                       int(row["threads_per_worker"])),
                               int(row["round"]) - 1, float(row["seconds"]),
                               int(row["blas_threads_seen"]))
                   for row in csv.DictReader(f)]
    return results, description["machine"], [Workload(**w) for w in description["workloads"]]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path,
                        help="folder for oversubscription.csv, .json (machine and workloads) and "
                             "the figure in each language (oversubscription.svg, .fr.svg)")
    parser.add_argument("--replot", action="store_true",
                        help="measure nothing: redraw the figures from the CSV and JSON in --out")
    parser.add_argument("--quick", action="store_true",
                        help="eigsh only, 4 configurations, 3 rounds (under a minute on 2 cores)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.replot:
        results, machine, workloads = read_run(args.out)
        draw_figures(args.out, medians(results), machine, workloads)
        print(f"redrew {', '.join(FIGURES.values())} in {args.out}")
        return 0
    cores = allowed_cores()
    if cores < 2:
        print("oversubscription: only 1 core allowed here; the comparison needs at least 2",
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    plan = make_plan(args.quick, cores)
    machine = machine_description()
    print(f"{machine['cores']} cores ({machine['cpu']}), BLAS: {machine['blas']}", flush=True)
    began = time.monotonic()
    results = measure(plan, cores, progress=lambda line: print(line, flush=True))
    med = medians(results)
    write_run(args.out, results, machine, list(plan.workloads))
    draw_figures(args.out, med, machine, list(plan.workloads))
    print(format_table(med))
    print(f"wrote oversubscription.csv, .json and {', '.join(FIGURES.values())} in {args.out}"
          f" in {time.monotonic() - began:.0f} s")
    main_workload = plan.workloads[0].name
    if (main_workload, Config(cores, 4 * cores)) in med:
        print(f"penalty with {4 * cores} threads a worker: "
              f"{penalty(med, main_workload, cores, 4 * cores):.2f}")
    print(f"penalty: {penalty(med, main_workload, cores):.2f}")
    print(f"efficiency: {efficiency(med, main_workload, cores):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
