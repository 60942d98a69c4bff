"""The stand-in's partitions are platform.toml's: who may use each (Slurm refuses the others with its
own message), the time limit of each, several partitions in one job, --exclude, what `susage`
counts, and preemption of the shared partition's jobs by a node's owner.

The reader submits with the default account ([login] account), a member of no group; a member's
job submits with the account hpc_standin.access gives a group that may use the partition
(SBATCH_ACCOUNT, as the page harness's `.. test: member=PARTITION`). Facts come from the records;
Slurm's messages are the platform's pages' (source/howto/where-to-run.rst)."""

from __future__ import annotations

import re
import shlex
import time
from pathlib import Path

import hpc_platform
import pytest
from hpc_standin import access
from hpc_standin.tools import susage

REPO = Path(__file__).resolve().parents[2]
PLATFORM = hpc_platform.load(REPO / "platform.toml")
DEFAULT = PLATFORM.default_partition
RESTRICTED = [partition for partition in PLATFORM.partitions if partition.access != "everyone"]
REFUSED_ACCOUNT = ("sbatch: error: Batch job submission failed: "
                   "Invalid account or account/partition combination specified")
REFUSED_TIME = ("sbatch: error: Batch job submission failed: "
                "Requested time limit is invalid (missing or exceeds some limit)")
REFUSED_NODES = "sbatch: error: Batch job submission failed: Requested node configuration is not available"


@pytest.fixture(scope="module")
def home(cluster_env, tmp_path_factory) -> Path:
    if not cluster_env.standin:
        pytest.skip("the real platform's accounts are not the stand-in's")
    return tmp_path_factory.mktemp("home")


def account_of(partition: str) -> str:
    """The account a member of a group that may use the partition submits with."""
    return access.member_account(PLATFORM, partition)


def sbatch(cluster_env, home: Path, options: str, account: str | None = None, wrap: str = "true"):
    """sbatch as the reader, or with a member's account; the result (its job id on stdout)."""
    prefix = f"SBATCH_ACCOUNT={shlex.quote(account)} " if account else ""
    return cluster_env.run(f"{prefix}sbatch --parsable {options} --output=/dev/null --wrap={shlex.quote(wrap)}",
                           home, timeout=120)


def accepted(cluster_env, home: Path, options: str, account: str | None = None) -> str:
    """A held job, accepted and then cancelled: it never runs, so it takes no node from others."""
    result = sbatch(cluster_env, home, f"--hold {options}", account)
    job = result.stdout.strip()
    assert result.returncode == 0 and job.isdigit(), f"sbatch {options} (account {account}): {result.stderr}"
    cluster_env.run(f"scancel {job}", home)
    return job


def refused(cluster_env, home: Path, options: str, message: str, account: str | None = None) -> None:
    result = sbatch(cluster_env, home, options, account)
    assert result.returncode != 0 and message in result.stderr.splitlines(), \
        f"sbatch {options} (account {account}): {result.stdout}{result.stderr}"


def scontrol(cluster_env, home: Path, what: str) -> dict[str, dict[str, str]]:
    """`scontrol -o show partition|node|job`: each record's Key=Value words, by its name."""
    out = cluster_env.run(f"scontrol -o show {what}", home).stdout
    records = [dict(re.findall(r"(\w+)=(\S*)", line)) for line in out.splitlines() if "=" in line]
    key = {"partition": "PartitionName", "node": "NodeName"}.get(what.split()[0], "JobId")
    return {record[key]: record for record in records}


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what}: not after {timeout} s"
        time.sleep(1)


def job_field(cluster_env, home: Path, job: str, field: str) -> str:
    return scontrol(cluster_env, home, f"job {job}").get(job, {}).get(field, "")


# --- who may use a partition --------------------------------------------------------------------

def test_the_restricted_partitions_are_the_models():
    assert RESTRICTED and all(account_of(p.name) != PLATFORM.login.account for p in RESTRICTED)


@pytest.mark.parametrize("partition", [p.name for p in RESTRICTED])
def test_only_members_may_use_a_restricted_partition(cluster_env, home, partition):
    """The reader's job is refused with Slurm's message; a member's is accepted."""
    refused(cluster_env, home, f"--partition={partition} --time=00:05:00", REFUSED_ACCOUNT)
    accepted(cluster_env, home, f"--partition={partition} --time=00:05:00", account_of(partition))


def test_the_default_partition_takes_everyones_jobs(cluster_env, home):
    accepted(cluster_env, home, "--time=00:05:00")
    accepted(cluster_env, home, f"--partition={DEFAULT.name} --time=00:05:00", account_of(PLATFORM.preemptible[0].name))


def waiting_in(cluster_env, home: Path, partition: str, but: str) -> list[str]:
    """Jobs of others that wait in the partition for its nodes ("1234 Resources"): while one does,
    Slurm's scheduler starts no job of lower priority there, and a job that names several
    partitions starts in another one (whichever can run it first)."""
    out = cluster_env.run(f"squeue -h -t PD -p {partition} -o '%i %r'", home).stdout
    return [line for line in out.splitlines()
            if line.split()[0] != but and line.split()[-1] in ("Resources", "Priority")]


def test_several_partitions_run_a_members_job_on_the_public_nodes_first(cluster_env, home):
    """The platform's --partition=iq-main,iq-preempt: refused to a non-member (one of the
    partitions refuses them), and for a member started in the default partition, whatever the
    order, when both are free: no job waits in the default partition (other sessions' jobs may;
    then the run does not count, and is tried again)."""
    option = PLATFORM.slurm.combined_partitions_example
    named = option.partition("=")[2].split(",")
    assert DEFAULT.name in named and len(named) > 1, option
    refused(cluster_env, home, f"{option} --time=00:05:00", REFUSED_ACCOUNT)
    member = account_of(next(name for name in named if name != DEFAULT.name))
    for order in (named, named[::-1]):
        for _ in range(5):
            wait_for(lambda: not waiting_in(cluster_env, home, DEFAULT.name, ""), 300,
                     f"no job waiting in {DEFAULT.name}")
            result = sbatch(cluster_env, home, f"--partition={','.join(order)} --time=00:05:00 --mem=1G", member,
                            wrap="sleep 60")
            job = result.stdout.strip()
            assert result.returncode == 0 and job.isdigit(), result.stderr
            seen = []
            try:
                def started():
                    seen.extend(waiting_in(cluster_env, home, DEFAULT.name, job))
                    return job_field(cluster_env, home, job, "JobState") == "RUNNING" and \
                        job_field(cluster_env, home, job, "Partition")
                ran_in = wait_for(started, 120, f"job {job} running")
            finally:
                cluster_env.run(f"scancel {job}", home)
            if ran_in == DEFAULT.name or not seen:
                break
        assert ran_in == DEFAULT.name, \
            f"--partition={','.join(order)}: job {job} ran in {ran_in} ({seen or 'none waiting'})"


def test_exclude_keeps_a_job_off_the_excluded_nodes(cluster_env, home):
    """--exclude of all the default partition's nodes but one: the job runs on that one;
    excluding every node of the partition is refused at once."""
    nodes = [name for group in PLATFORM.groups_of(DEFAULT.name) for name in group.names]
    out = cluster_env.run(f"srun --exclude={','.join(nodes[:-1])} --time=00:01:00 --mem=100M hostname", home,
                          timeout=300)
    assert out.returncode == 0 and out.stdout.split() == [PLATFORM.node_host(nodes[-1])], out.stdout + out.stderr
    refused(cluster_env, home, f"--exclude={','.join(nodes)} --time=00:05:00", REFUSED_NODES)


# --- time limits ----------------------------------------------------------------------------------

def test_every_partition_has_its_time_limit_and_its_priority_tier(cluster_env, home):
    """MaxTime is the model's time_limit_days. Tiers: the default partition's jobs go first (the
    public nodes are used first), the preemptible partitions' last (their nodes' owners preempt them)."""
    shown = scontrol(cluster_env, home, "partition")
    assert sorted(shown) == sorted(p.name for p in PLATFORM.partitions)
    tiers = {}
    for partition in PLATFORM.partitions:
        assert shown[partition.name]["MaxTime"] == f"{partition.time_limit_days}-00:00:00", shown[partition.name]
        tiers[partition.name] = int(shown[partition.name]["PriorityTier"])
    others = [tiers[p.name] for p in PLATFORM.partitions if not p.default and not p.preemption]
    preemptible = [tiers[p.name] for p in PLATFORM.preemptible]
    assert tiers[DEFAULT.name] > max(others) and min(others) > max(preemptible), tiers


@pytest.mark.parametrize("partition", [p.name for p in PLATFORM.partitions])
def test_a_partition_accepts_its_time_limit_and_refuses_a_day_more(cluster_env, home, partition):
    """A member's job (the reader's, in the default partition) of the partition's limit is accepted;
    one day more is refused with Slurm's message (the platform's iq-blais: 28 days, 29 refused)."""
    days = PLATFORM.partition(partition).time_limit_days
    account = None if PLATFORM.partition(partition).access == "everyone" else account_of(partition)
    accepted(cluster_env, home, f"--partition={partition} --time={days}-00:00:00", account)
    refused(cluster_env, home, f"--partition={partition} --time={days + 1}-00:00:00", REFUSED_TIME, account)


def test_a_job_without_partition_gets_the_default_partitions_limit(cluster_env, home):
    refused(cluster_env, home, f"--time={DEFAULT.time_limit_days + 1}-00:00:00", REFUSED_TIME)


# --- susage ---------------------------------------------------------------------------------------

def usage(cluster_env, home: Path) -> dict[str, susage.Node]:
    """Each node's totals from the model, what is allocated from scontrol."""
    shown = scontrol(cluster_env, home, "node")
    found = {}
    for group in PLATFORM.nodes:
        for name in group.names:
            allocated = dict(re.findall(r"([\w/]+)=(\d+)", shown[name].get("AllocTRES", "")))
            found[name] = susage.Node(name, group.cores, int(shown[name]["CPUAlloc"]), group.memory_mb,
                                      int(shown[name]["AllocMem"]), group.gpus.count if group.gpus else 0,
                                      int(allocated.get("gres/gpu", 0)))
    return found


def expected_susage(nodes: dict[str, susage.Node], partitions: list[str], available: bool) -> list[str]:
    return susage.table([(name, susage.fields([nodes[n] for g in PLATFORM.groups_of(name) for n in g.names],
                                              available)) for name in partitions])


def test_susage_counts_what_slurm_allocated_in_the_platforms_layout(cluster_env, home):
    """While a job runs: `susage` (the partitions the reader may use) and `susage --available
    --legend PARTITION`, two lines per partition as hpc_standin.tools.susage lays them out, with the
    model's totals and what scontrol shows allocated (read before and after: other sessions' jobs
    may come and go meanwhile)."""
    mine = [p.name for p in PLATFORM.partitions if p.access == "everyone"]
    job = sbatch(cluster_env, home, "--cpus-per-task=3 --mem=5G --time=00:05:00", wrap="sleep 300").stdout.strip()
    assert job.isdigit(), job
    try:
        node = wait_for(lambda: job_field(cluster_env, home, job, "JobState") == "RUNNING" and
                        job_field(cluster_env, home, job, "NodeList"), 120, f"job {job} running")
        for _ in range(10):
            before = usage(cluster_env, home)
            allocated = cluster_env.run("susage", home).stdout.splitlines()
            available = cluster_env.run(f"susage --available --legend {DEFAULT.name}", home).stdout.splitlines()
            if usage(cluster_env, home) == before:
                break
        else:
            pytest.fail("the allocations kept changing while susage ran")
    finally:
        cluster_env.run(f"scancel {job}", home)
    assert before[node].cpus_used >= 3 and before[node].memory_used_mb >= 5 * 1024, before[node]
    assert allocated == expected_susage(before, mine, available=False), "\n".join(allocated)
    assert available == expected_susage(before, [DEFAULT.name], available=True), "\n".join(available)
    assert len(allocated) == 2 * len(mine) and allocated[0].startswith(f"{mine[0]}:")
    assert set(allocated[1].strip()) <= {susage.FULL, susage.PART, susage.FREE, " "}


# --- preemption on the platform's nodes -----------------------------------------------------------

def shared_node() -> tuple[str, str, str]:
    """(preemptible partition, node, owner's partition): a node that an owner's partition shares."""
    preemptible = PLATFORM.preemptible[0]
    for owner in PLATFORM.owner_partitions(preemptible.name):
        for group in PLATFORM.groups_of(owner.name):
            if preemptible.name in group.partitions:
                return preemptible.name, group.names[0], owner.name
    raise AssertionError(f"no owner's partition shares a node with {preemptible.name}")


def test_the_owners_job_requeues_a_members_preemptible_job_and_no_other(cluster_env, home):
    """A member's --requeue job of iq-preempt on the first shared node (cp3701) gets SIGTERM and is
    requeued when the owner's partition (iq-aphex, with the owner's account) takes the whole node;
    a job of the default partition, elsewhere, is untouched."""
    preempt, node, owner = shared_node()
    owner_partition, owner_account = access.owner_of(PLATFORM, node, preempt)
    assert owner_partition == owner
    (home / "preemptible.sh").write_text("#!/bin/bash\ntrap 'echo SIGTERM; exit 0' TERM\necho started\n"
                                         "sleep 600 & wait\n")
    member = cluster_env.run(f"SBATCH_ACCOUNT={account_of(preempt)} sbatch --parsable --partition={preempt} "
                             f"--nodelist={node} --requeue --mem=1G --time=00:10:00 --output=preemptible.out "
                             "preemptible.sh", home).stdout.strip()
    bystander = sbatch(cluster_env, home, f"--partition={DEFAULT.name} --mem=1G --time=00:10:00",
                       wrap="sleep 600").stdout.strip()
    owners = ""
    try:
        assert member.isdigit() and bystander.isdigit(), (member, bystander)
        wait_for(lambda: "started" in read(home / "preemptible.out"), 120, f"job {member} started")
        wait_for(lambda: job_field(cluster_env, home, bystander, "JobState") == "RUNNING", 120,
                 f"job {bystander} running")
        owners = sbatch(cluster_env, home, f"--partition={owner_partition} --exclusive --nodelist={node} "
                        f"--time=00:02:00", owner_account, wrap="sleep 1").stdout.strip()
        assert owners.isdigit(), owners
        # Slurm's scheduler preempts on its own schedule: seconds, longer on a busy machine.
        wait_for(lambda: int(job_field(cluster_env, home, member, "Restarts") or 0) >= 1, 240,
                 f"job {member} requeued")
        wait_for(lambda: job_field(cluster_env, home, owners, "JobState") in ("COMPLETED", ""), 120,
                 f"the owner's job {owners} done")
        assert job_field(cluster_env, home, member, "JobState") in ("PENDING", "RUNNING")
        assert job_field(cluster_env, home, bystander, "JobState") == "RUNNING"
        assert job_field(cluster_env, home, bystander, "Restarts") == "0"
        assert job_field(cluster_env, home, bystander, "NodeList") != node
    finally:
        cluster_env.run(f"scancel {member} {bystander} {owners}", home)


def read(path: Path) -> str:
    return path.read_text() if path.exists() else ""
