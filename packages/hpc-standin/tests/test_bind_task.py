"""How the stand-in's TaskProlog folds a task's Slurm CPUs onto the machine's (bind_task)."""
from __future__ import annotations

from hpc_standin.tools.bind_task import expand, job_cpus_on, machine_share, task_share, tasks_on_node
from hpc_standin.tools.hostlist import hostnames

DETAIL = """JobId=7 JobName=two
   Nodes=cp[3702-3703] CPU_IDs=0-3 Mem=2048 GRES=
   Nodes=cp3705 CPU_IDs=4,6 Mem=1024 GRES=
"""


def test_slurm_lists_are_expanded():
    assert expand("0-3,8") == [0, 1, 2, 3, 8]
    assert hostnames("cp[3702-3703,3705],gpu1") == ["cp3702", "cp3703", "cp3705", "gpu1"]
    assert hostnames("n[001-002]") == ["n001", "n002"]


def test_the_jobs_cpus_on_each_node():
    assert job_cpus_on("cp3703", DETAIL) == [0, 1, 2, 3]
    assert job_cpus_on("cp3705", DETAIL) == [4, 6]
    assert job_cpus_on("cp3704", DETAIL) == []


def test_each_task_gets_its_share_in_order():
    assert tasks_on_node("2(x2),1", 0) == 2 and tasks_on_node("2(x2),1", 2) == 1
    assert task_share([0, 1, 2, 3], 1, 2, None) == [2, 3]
    assert task_share([0, 1, 2, 3], 0, 4, 1) == [0]
    assert task_share([0, 1], 3, 4, 1) == [0, 1]  # more tasks than CPUs: the job's CPUs


def test_slurm_cpus_fold_onto_the_nodes_machine_cpus():
    assert machine_share([0], [0, 1]) == {0}
    assert machine_share([1], [0, 1]) == {1}
    assert machine_share([0, 1, 2, 3], [0, 1]) == {0, 1}
    assert machine_share([5], [2, 3]) == {3}  # a node with CPUs of its own


def test_a_task_gets_as_many_distinct_cpus_as_it_has_slurm_cpus_up_to_the_nodes():
    """Slurm's ids of one parity (0 and 48, one per socket) fold onto one CPU of 2: the task still
    gets 2 distinct CPUs; a 3-CPU task on 2 CPUs gets both, whatever the ids."""
    for ids in ([0, 48], [2, 4], [1, 3], [0, 2, 4, 6], [7, 9]):
        assert len(machine_share(ids, [0, 1])) == 2, ids
    assert len(machine_share([0, 48, 96], [0, 1])) == 2
    assert machine_share([0, 48], [4, 5, 6, 7]) == {4, 5}  # a node with CPUs of its own
    assert machine_share([3], [0, 1, 2, 3]) == {3}  # one CPU: where its id folds
