"""hpc_platform.slurm on a scripted Slurm: an array job ends when all its tasks have, with the worst
task's status; the queue lists an array once."""
import pytest
from hpc_platform import slurm
from hpc_platform.slurm import SlurmJobs


def task(index: int, state: str, exit_code: str = "0:0") -> str:
    """One task's line of `scontrol show job -o 7`, shortened to the fields the tracker reads."""
    return (f"JobId={8 + index} ArrayJobId=7 ArrayTaskId={index} JobName=analyse JobState={state} "
            f"Reason=None ExitCode={exit_code} DerivedExitCode=0:0 StdOut=/home/alice/analyse-7_{index}.out")


class ScriptedSlurm:
    """A runner that answers each `scontrol show job` with the next of `answers` and records calls."""

    def __init__(self, *answers: str, squeue: str = ""):
        self.answers = list(answers)
        self.squeue = squeue
        self.calls: list[list[str]] = []

    def __call__(self, argv: list[str]) -> tuple[int, str]:
        self.calls.append(argv)
        if argv[0] == "scontrol":
            return 0, self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if argv[0] == "squeue":
            return 0, self.squeue
        return 0, ""


@pytest.fixture(autouse=True)
def no_polling_delay(monkeypatch):
    monkeypatch.setattr(slurm, "POLL", 0)


def test_an_array_ends_when_its_last_task_does_with_the_worst_status():
    """Slurm lists the array's own record first: here its task 1, ended before task 0."""
    run = ScriptedSlurm(
        "\n".join([task(1, "COMPLETED"), task(0, "RUNNING")]),
        "\n".join([task(1, "COMPLETED"), task(0, "FAILED", "3:0")]),
    )
    end = SlurmJobs(run).wait("7", timeout=60)
    assert (end.state, end.status, end.timed_out) == ("FAILED", 3, False)
    assert end.stdout == "/home/alice/analyse-7_0.out"
    assert [argv[0] for argv in run.calls] == ["scontrol", "scontrol"]


def test_waiting_tasks_keep_an_array_going():
    """The line of the tasks not yet started (ArrayTaskId=2-5%2) counts: it is PENDING."""
    pending = task(2, "PENDING").replace("ArrayTaskId=2", "ArrayTaskId=2-5%2")
    run = ScriptedSlurm("\n".join([pending, task(1, "COMPLETED"), task(0, "COMPLETED")]),
                        "\n".join(task(index, "COMPLETED") for index in range(6)))
    end = SlurmJobs(run).wait("7", timeout=60)
    assert (end.state, end.status) == ("COMPLETED", 0)
    assert len(run.calls) == 2


def test_a_single_job_ends_with_its_own_status():
    line = ("JobId=5 JobName=cavity JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 "
            "StdOut=/home/alice/cavity-5.out")
    end = SlurmJobs(ScriptedSlurm(line)).wait("5", timeout=60)
    assert (end.state, end.status, end.stdout) == ("TIMEOUT", 128 + 15, "/home/alice/cavity-5.out")


def test_an_array_still_running_at_the_deadline_is_cancelled():
    run = ScriptedSlurm("\n".join([task(1, "RUNNING"), task(0, "COMPLETED")]))
    end = SlurmJobs(run).wait("7", timeout=0)
    assert (end.state, end.status, end.timed_out) == ("RUNNING", 1, True)
    assert run.calls[-1] == ["scancel", "7"]


def test_the_queue_lists_an_array_once_by_its_own_id():
    run = ScriptedSlurm("", squeue="7 /home/alice\n7 /home/alice/data\n7 /home/alice\n12 /home/bob\n")
    assert SlurmJobs(run).queued(under="/home/alice") == ["7"]
    assert SlurmJobs(run).queued() == ["7", "12"]


def test_a_record_without_its_work_directory_yet_is_not_ended():
    """The accounting has a job's end a moment before its request (WorkDir, ReqMem `16?`): such a
    record may be one of the page's jobs, so it counts as not ended; another folder's do not count."""
    listing = "\n".join(["12|COMPLETED|/home/alice/page", "13|COMPLETED|", "14|RUNNING|/home/bob",
                         "15_2|FAILED|/home/alice/page/sub"])
    jobs = SlurmJobs(lambda argv: (0, listing) if argv[0] == "sacct" else (0, ""))
    assert jobs.accounted("/home/alice/page") == {"12": True, "13": False, "15_2": True}
