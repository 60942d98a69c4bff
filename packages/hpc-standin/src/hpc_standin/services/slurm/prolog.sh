#!/bin/sh
# Slurm Prolog (as root, before the job's first step): the job's SLURM_TMPDIR.
mkdir -p "${tmpdir}/job$$SLURM_JOB_ID" && chown "$$SLURM_JOB_UID" "${tmpdir}/job$$SLURM_JOB_ID"
