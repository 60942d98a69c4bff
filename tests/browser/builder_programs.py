"""The tiny program.py a generated job script runs, one per kind of job, and what its report says.

Each prints one line `REPORT {json}` per process that does work: its node, the Slurm CPUs it was
given and the threads it runs once NumPy's BLAS has started. The threads are counted in /proc,
before and after NumPy loads, so the count needs no threadpoolctl (not in the modules) and
ignores threads MPI started for itself; in a Dask worker, whose own threads come and go,
threadpoolctl (in the job's environment with Dask) says it.
"""
from __future__ import annotations

import json
import re

COMMON = '''\
import json
import os
import socket
import sys
import time


def report(**values):
    print("REPORT " + json.dumps(dict(values, node=socket.gethostname(),
                                      cpus_per_task=os.environ.get("SLURM_CPUS_PER_TASK"),
                                      cpus_on_node=os.environ.get("SLURM_CPUS_ON_NODE"),
                                      machine_cpus=len(os.sched_getaffinity(0)),
                                      gpus=os.environ.get("CUDA_VISIBLE_DEVICES", ""))), flush=True)


def blas_threads():
    """The threads NumPy's BLAS runs in this process: OpenBLAS and MKL start their pool when
    NumPy loads, and keep the caller's thread as one of it."""
    if "distributed" in sys.modules:  # a Dask worker, whose own threads come and go: ask the libraries
        import numpy
        numpy.ones((400, 400)) @ numpy.ones((400, 400))
        from threadpoolctl import threadpool_info
        return max(pool["num_threads"] for pool in threadpool_info())
    before = len(os.listdir("/proc/self/task"))
    import numpy
    matrix = numpy.ones((400, 400))
    for _ in range(5):
        matrix @ matrix
    return len(os.listdir("/proc/self/task")) - before + 1


def work(_):
    end = time.monotonic() + 1.0  # every process of a pool gets some of the work
    threads = blas_threads()
    while time.monotonic() < end:
        pass
    return os.getpid(), threads
'''

PROGRAMS = {
    "one": COMMON + '''
report(role="process", threads=blas_threads())
''',
    "threads": COMMON + '''
report(role="process", threads=blas_threads())
''',
    "array": COMMON + '''
report(role="array task", task=int(sys.argv[1]), threads=blas_threads())
''',
    "pool": COMMON + '''
from multiprocessing import Pool, active_children

if __name__ == "__main__":
    nprocesses = int(os.environ["SLURM_CPUS_PER_TASK"])
    with Pool(nprocesses) as pool:
        started = len(active_children())
        done = pool.map(work, range(2 * nprocesses), chunksize=1)
    for pid, threads in sorted(set(done)):
        report(role="pool worker", pid=pid, threads=threads)
    report(role="pool", workers=started)
''',
    "dask": COMMON + '''
from dask.distributed import Client, LocalCluster

if __name__ == "__main__":
    nworkers = int(os.environ["SLURM_CPUS_PER_TASK"])
    with LocalCluster(n_workers=nworkers, threads_per_worker=1, dashboard_address="127.0.0.1:0") as cluster, \\
            Client(cluster) as client:
        done = client.gather(client.map(work, range(2 * nworkers), pure=False))
        workers = client.scheduler_info()["workers"].values()
        for pid, threads in sorted(set(done)):
            report(role="dask worker", pid=pid, threads=threads)
        report(role="dask", workers=len(workers), threads_per_worker=sorted({w["nthreads"] for w in workers}))
''',
    "mpi": COMMON + '''
from mpi4py import MPI

threads = blas_threads()
comm = MPI.COMM_WORLD
report(role="rank", rank=comm.Get_rank(), size=comm.Get_size(), threads=threads)
''',
}

# What the job's environment must add to the modules for the program: Dask's scheduler.
REQUIREMENTS = {"dask": ["dask", "distributed", "threadpoolctl"]}


def reports(text: str) -> list[dict]:
    return [json.loads(line) for line in re.findall(r"^REPORT (.*)$", text, re.M)]
