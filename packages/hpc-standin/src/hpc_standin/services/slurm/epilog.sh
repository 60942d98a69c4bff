#!/bin/sh
# Slurm Epilog (as root, after the job): SLURM_TMPDIR goes with the job.
rm -rf "${tmpdir}/job$$SLURM_JOB_ID"
