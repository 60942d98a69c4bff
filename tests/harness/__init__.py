"""The harness that runs every code block of the pages (sybil + pytest). How to write an example:

Each page (.rst under source/) runs like one reader's terminal session, top to bottom: one bash on a
pseudo-terminal, HOME = a fresh temporary folder (also the starting directory), the stand-in
cluster's environment loaded (`scripts/cluster env`), so `module`, `sbatch`, `salloc`, `pip`,
`avail_wheels` behave like the platform. State carries over: a module loaded or a venv activated in
one block is still there in the next. Blocks are recognised as follows.

``.. code-block:: console`` -- a transcript.
    A command line starts with the platform's prompt ``[alice@iv11 ~]$ `` (optionally
    ``(venv) [alice@iv11 ~]$ ``). A command continues on the next lines while bash says it is
    incomplete: trailing ``\\``, an open quote or ``for``/``if``, a here-document; a leading ``> ``
    (PS2) on continuation lines is optional. Other lines are the expected output:
    ``...`` alone on a line matches any number of lines, ``...`` inside a line any text, runs of
    spaces compare equal, blank lines do not matter. A command with no output lines under it is not
    compared (only its exit status is). The prompt is checked too: ``(qutip)`` means a venv named
    qutip is active, no prefix means none is; ``~`` means the shell is in HOME, another word is the
    current folder's name.
    Exit status rule: a command whose shown output has an error line -- ``ERROR:``/``error:``
    (optionally after ``prog: ``, e.g. ``sbatch: error:``), ``Traceback (most recent call last):``,
    ``Lmod has detected the following error`` -- must fail (non-zero); every other command must
    exit 0. ``.. test: exit=N`` sets the status of the block's last command instead.
    ``salloc ...`` opens a shell in the allocation: the next commands run there until ``exit``
    (bash prints ``exit``, then salloc ``salloc: Relinquishing job allocation N``, sometimes followed
    by ``salloc: Job allocation N has been revoked.``: end with ``...``).

``.. code-block:: python`` -- executed in order in one namespace per page, in the directory of the
    page's shell, with that shell's environment plus what a job has (``SLURM_CPUS_PER_TASK`` = the
    cores the test process may use, unless the shell sets it). Pools, executors and Dask
    clients/clusters left in the namespace are closed after the page; a process still alive then
    fails the page. Tracebacks point at .rst lines.

``:caption: FILENAME`` (e.g. ``job.sh``, ``requirements.txt``, ``check_threads.py``) -- the block is
    written under that name into the shell's current directory, as a reader saves it; a captioned
    python block is written, not executed (a later console block runs it). A caption that is not a
    plain file name (has spaces) is only a title.

Job scripts -- ``.. code-block:: slurm`` (Pygments' lexer), or bash starting ``#!`` with ``#SBATCH``
    lines: ``bash -n`` and ``sbatch --test-only`` check them (a rejected ``#SBATCH`` line is reported
    at its .rst line with Slurm's message), then ``sbatch --wait`` runs them from the page's shell;
    the job must exit 0 (or ``.. test: exit=N``). Captioned ones are also written under the caption.
    A following block with ``.. test: output`` above it (e.g. ``.. code-block:: text``) is the
    expected content of that job's output file, matched like transcript output.

``.. code-block:: bash`` (not a job script) -- exports, module lines: each command runs in the page's
    shell and must exit 0.

Per-block options: reST comments just above the block (not rendered, not translated)::

    .. test: timeout=600          (seconds, per command / job / Python block; default 300, jobs 600)
    .. test: exit=1               (expected exit status of the last command, or of the job)
    .. test: skip "reason"        (also `no-run "reason"`; a reason is required; CI=true fails on it)
    .. test: output               (this block is the previous job's expected output file)

Several options may share a line or stack on consecutive lines. A `.. test:` comment not directly
above a code block, an unknown option or a skip without reason is an error naming file and line.

Coverage: after the run, Sphinx reads the pages; every literal block it finds must have run, else
the suite fails listing page:line. The terminal summary lists how many blocks ran per page.

Update mode: ``pytest --update-transcripts source`` rewrites expected outputs (transcripts and
``.. test: output`` blocks) that differ from the real ones, keeping the page's ``...`` elisions.
Commands with no output shown stay that way. Review the change with ``git diff source/``.

Where the shells run: the stand-in cluster, or the real platform when tests/plugins/cluster.py
says so (``IQ_CLUSTER=real``, or Lmod and Slurm already in the login environment): then the login
environment is used as it is, with a temporary HOME. ``--platform=plain`` runs plain bash (no
cluster), as tests/unit does with the fixture pages in tests/harness/fixtures/.

Jobs a page submits from its transcripts may run on after the page (a reader logs out too): they
get 2 minutes to finish. A job still queued or running then (found by its work directory), or a
process alive after the page's Pools/Dask objects were closed, fails the page at teardown; the job
is cancelled, the process killed.
"""
from pathlib import Path

from sybil import Sybil

from .blocks import PageParser
from .evaluators import PAGE_FIXTURE, evaluate


def pages_sybil(conftest: str, patterns=("*.rst",), excludes=("_build/*", "_templates/*")) -> Sybil:
    """The Sybil for the pages in the folder of `conftest` (pass `__file__`): every code block,
    one namespace and one shell per page."""
    return Sybil(
        parsers=[PageParser(evaluate)],
        path=str(Path(conftest).resolve().parent),
        patterns=list(patterns),
        excludes=list(excludes),
        fixtures=[PAGE_FIXTURE],
    )
