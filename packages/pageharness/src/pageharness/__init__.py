"""The harness that runs every code block of the pages (sybil + pytest). How to write an example:

Each page (.rst under source/) runs like one reader's terminal session, top to bottom: one bash on a
pseudo-terminal, HOME = a fresh temporary folder (also the starting directory), the platform's
login lines sourced (the stand-in's, from its `pytest_pageharness_login` hook), so `module`,
`sbatch`, `salloc`, `pip`, `avail_wheels` behave like the platform. State carries over: a module
loaded or a venv activated in one block is still there in the next. Blocks are recognised as
follows.

``.. code-block:: console`` -- a transcript.
    A command line starts with the platform's prompt (platform.toml's [login].prompt, e.g.
    ``[alice@iv11 ~]$ ``, optionally ``(venv) [alice@iv11 ~]$ ``). A command continues on the next
    lines while bash says it is incomplete: trailing ``\\``, an open quote or ``for``/``if``, a
    here-document; a leading ``> `` (PS2) on continuation lines is optional. Other lines are the expected output:
    ``...`` alone on a line matches any number of lines, ``...`` inside a line any text, runs of
    spaces compare equal, blank lines do not matter. A node name of platform.toml stands for any of
    its nodes, one for one (two names shown: two different nodes). A command with no output lines under it is not
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

``.. code-block:: python`` -- a program, run as a reader who saves it to a file and runs it: the
    block is written to the page's scratch folder and ``python FILE`` runs it in the page's shell,
    as a fresh process of the shell's ``python`` (the loaded module's, or the active virtual
    environment's), in the shell's current folder and environment. Only for that command the
    harness adds what a job has: ``SLURM_CPUS_PER_TASK`` = the cores the test process may use,
    unless the shell sets it (the examples are written for a job; sized from it, a pool starts
    several processes). The test process's own interpreter runs no example. So a block is
    complete: its own imports, and ``if __name__ == "__main__":`` where multiprocessing or Dask
    need it (they start processes that import the main file). One difference from a reader's
    file: ``sys.path[0]`` is the scratch folder, not the current one.
    The block's exit status must be 0 (or ``.. test: exit=N``); its output is not compared. It gets
    the block timeout, then Ctrl-C. A failure names the .rst line of the innermost page line of the
    last traceback, with the output (file names rewritten to the page: the file is padded, so its
    line numbers are the page's). The run summary says, per page, which ``python`` (version and
    ``sys.executable``) ran its python blocks.
    ``.. test: continues`` -- the block is the next part of the program of the python block before
    it (a page that really shows one program over several blocks): the harness runs the earlier
    blocks' code, then this block's, as one file, each at its own .rst lines. The earlier blocks
    run again (output and side effects too); the block before has been run alone, and passed or
    failed, already. Without it, a block that uses a name of an earlier block fails (NameError).

``:caption: FILENAME`` (e.g. ``job.sh``, ``requirements.txt``, ``check_threads.py``) -- the block is
    written under that name into the shell's current directory, as a reader saves it; a captioned
    python block is written, not executed (a later console block or job runs it). A caption that is
    not a plain file name (has spaces) is only a title. When a failing command's or job's output
    has a traceback line through a saved file (``File ".../check_threads.py", line N``), the failure
    also names its .rst line (the block's first line is line 1).

Job scripts -- ``.. code-block:: slurm`` (Pygments' lexer), or bash starting ``#!`` with ``#SBATCH``
    lines: ``bash -n`` and ``sbatch --test-only`` check them (a rejected ``#SBATCH`` line is reported
    at its .rst line with Slurm's message), then ``sbatch`` submits them from the page's shell and
    the harness follows the job to its end (hpc_platform.slurm); it must exit 0 (or ``.. test:
    exit=N``). Captioned ones are also written under the caption.
    A following block with ``.. test: output`` above it (e.g. ``.. code-block:: text``) is the
    expected content of that job's output file, matched like transcript output.

``.. code-block:: bash`` (not a job script) -- exports, module lines: each command runs in the page's
    shell and must exit 0.

Per-block options: reST comments just above the block (not rendered, not translated)::

    .. test: timeout=600          (seconds, per command / job / Python block; default 300, jobs 600)
    .. test: exit=1               (expected exit status of the last command, or of the job)
    .. test: skip "reason"        (also `no-run "reason"`; a reason is required; CI=true fails on it)
    .. test: output               (this block is the previous job's expected output file)
    .. test: continues            (this python block continues the program of the one before)
    .. test: needs-gpu "reason"   (runs only where the pages' jobs reach a real GPU; elsewhere listed
                                   apart in the summary, never counted as run; CI=true accepts it)
    .. test: preempt=SECONDS      (a job: that long after its program starts, a job of the login's
                                   owner partition takes the node; the job must be preempted, then end)

Several options may share a line or stack on consecutive lines. A `.. test:` comment not directly
above a code block, an unknown option or a skip without reason is an error naming file and line.

Coverage: after the run, Sphinx reads the pages; every literal block it finds must have run, else
the suite fails listing page:line. The terminal summary lists how many blocks ran per page.

Update mode: ``pytest --update-transcripts source`` rewrites expected outputs (transcripts and
``.. test: output`` blocks) that differ from the real ones, keeping the page's ``...`` elisions.
Commands with no output shown stay that way. Review the change with ``git diff source/``.

Where the shells run: what a plugin's `pytest_pageharness_login` hook says (hookspecs.py): the
stand-in's plugin (hpc_standin) gives its login lines, or, on the real platform (``HPC_PLATFORM=real``,
or Lmod and Slurm already in the login environment), the login environment as it is, with a
temporary HOME. ``--platform=plain`` runs plain bash (no cluster, no ``python`` but the host's
``python3``), as the unit tests do with their fixture pages; there ``$TEST_VENV`` names the test
suite's own virtual environment, which a fixture page that needs a ``python`` with Dask activates
(``source "$TEST_VENV/bin/activate"``).

Jobs a page submits from its transcripts may run on after the page (a reader logs out too): they
get 2 minutes to finish. A job still queued or running then (found by its work directory), or a
process the page's shell started still alive 10 s after the shell ended, fails the page at teardown;
the job is cancelled, the process killed. A Pool or a Dask cluster a program leaves open ends with
its program (multiprocessing and Dask stop their workers at exit); one that outlives it, like a
daemon or a ``nohup ... &``, is still found: while a page runs, the test process is the
"subreaper" of its descendants (prctl), so orphans come to it rather than to init.
"""
from .login import ShellSetup
from .page import Page

__all__ = ["Page", "ShellSetup"]
