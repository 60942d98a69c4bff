"""Close what Python examples leave open: multiprocessing pools, executors, Dask clients and clusters.

Examples are written for readers, who often let a pool die with their script; the harness must not
let it outlive the page. Found by type among the page namespace's values, clients before clusters.
"""
from __future__ import annotations

import sys
from concurrent.futures import Executor
from multiprocessing.pool import Pool


def _dask_types() -> tuple[tuple, tuple]:
    if "distributed" not in sys.modules:  # never import Dask for a page that did not
        return (), ()
    from distributed import Client
    from distributed.deploy.cluster import Cluster

    return (Client,), (Cluster,)


def close_resources(namespace: dict) -> list[str]:
    """Close every pool/executor/client/cluster in `namespace`; return what was closed."""
    clients, clusters = _dask_types()
    closed = []
    values = list(namespace.items())
    for group in (clients, (Pool, Executor), clusters):
        for name, value in values:
            if group and isinstance(value, group):
                _close(value)
                closed.append(f"{name} ({type(value).__name__})")
    return closed


def _close(value) -> None:
    if isinstance(value, Pool):
        value.terminate()
        value.join()
    elif isinstance(value, Executor):
        value.shutdown(wait=True, cancel_futures=True)
    else:
        value.close()
