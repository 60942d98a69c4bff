#!/bin/sh
# Slurm TaskProlog: Slurm reads `export NAME=VALUE` lines from its output into each task's environment.
echo "export SLURM_TMPDIR=${tmpdir}/job$$SLURM_JOB_ID"
# Pin the task to the machine's CPUs its Slurm CPUs stand for (task/affinity cannot: the nodes
# have the platform's cores, not the machine's). It prints nothing on stdout.
"${python}" -I "${bind_task}" "${machine_cpus}" >&2
