#!/bin/sh
# Slurm TaskProlog: Slurm reads `export NAME=VALUE` lines from its output into each task's environment.
echo "export SLURM_TMPDIR=${tmpdir}/job$$SLURM_JOB_ID"
