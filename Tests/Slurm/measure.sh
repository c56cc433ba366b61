#!/usr/bin/env bash
# Measures a study on the one-node Slurm cluster (README, "Running on a cluster"): wall time of
# `probe slurm --submit --wait` (array + merge) for 1, 2 and 4 array tasks, against the one-process run in
# the same session, then the merge's own time and peak memory (`probe merge` under /usr/bin/time -v on
# the 4-task shards). Every merged file is compared with the one-process file (Tests/FaultInjection/compare.py).
#
# Usage: Tests/Slurm/measure.sh PROBE_RUN_ARGS...     e.g. Tests/Slurm/measure.sh --dataset ood
set -euo pipefail
cd "$(dirname "$0")/../.."
probe=$(realpath .build/release/probe)
source Tests/Slurm/cluster.sh

start=$(date +%s.%N)
"$probe" run "$@" --out "$work/one" > "$work/one.log" 2>&1
echo "one process (--threads 2): $(echo "$(date +%s.%N) - $start" | bc) s"
for tasks in 1 2 4; do
    threads=$(( tasks == 1 ? 2 : 1 ))
    start=$(date +%s.%N)
    "$probe" slurm "$@" --shards "$tasks" --threads "$threads" --merge-cpus 2 --out "$work/slurm-$tasks" --submit --wait > "$work/slurm-$tasks.log" 2>&1
    # `sbatch --wait` polls with growing sleeps, so the end is the report's own time stamp.
    echo "slurm, $tasks task(s) x $threads thread(s), array + merge: $(echo "$(date -r "$work/slurm-$tasks/REPORT.md" +%s.%N) - $start" | bc) s (sbatch --wait returned after $(echo "$(date +%s.%N) - $start" | bc) s)"
    grep -h "^time:" "$work/slurm-$tasks"/slurm/*.out | sed 's/^/    /'
    .venv-ci/bin/python Tests/FaultInjection/compare.py "$work/one/probe.h5" "$work/slurm-$tasks/probe.h5" | sed 's/^/    /'
done
/usr/bin/time -v "$probe" merge "$work"/slurm-4/shards/*.h5 --out "$work/merge-again" --threads 2 > "$work/merge.log" 2> "$work/merge.time"
grep -h "^time:" "$work/merge.log" | sed 's/^/merge alone (4 shards, 2 threads): /'
grep -E "Elapsed|Maximum resident" "$work/merge.time" | sed 's/^\s*/    /'
