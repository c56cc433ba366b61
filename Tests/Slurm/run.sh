#!/usr/bin/env bash
# A real Slurm run of a sharded study: starts a one-node cluster (munge + slurmctld + slurmd from Debian's
# slurm-wlm, as root), submits `probe slurm --submit --wait` (a 4-task array plus the merge job chained
# after it), and checks that the merged probe.h5, REPORT.md and figures equal the one-process run of the
# same study (REFERENCE_DIR, written by `probe run` before). The daemons are stopped by the pids in their
# pid files, never by name.
#
# Usage: Tests/Slurm/run.sh REFERENCE_DIR PROBE_RUN_ARGS...
#   e.g. Tests/Slurm/run.sh .build/ci-probe --dataset ood --limit 6
set -euo pipefail
cd "$(dirname "$0")/../.."
reference=$(realpath "$1"); shift
probe=$(realpath .build/release/probe)
python=.venv-ci/bin/python

source Tests/Slurm/cluster.sh

# 3. The study as a 4-task array plus the merge job, through `probe slurm --submit --wait`.
out="$work/study"
start=$(date +%s)
if ! "$probe" slurm "$@" --shards 4 --threads 1 --merge-cpus 2 --out "$out" --submit --wait; then
    echo "slurm test: the jobs failed; logs:"; tail -n 20 "$out"/slurm/*.out "$work"/slurm*.log || true
    exit 1
fi
echo "slurm test: array + merge took $(( $(date +%s) - start )) s"
ls "$out/shards" | sed "s/^/  shard file: /"
for log in "$out"/slurm/*.out; do echo "  $(basename "$log"): $(grep -h "^time:" "$log" | head -n 1)"; done
ls -l --time-style=+%T "$out"/slurm/*.out "$out"/shards/*.h5 | awk "{print \"  \" \$6, \$7}"

# 4. The merged run equals the one-process run: every dataset and attribute (times and command line aside),
#    every line of REPORT.md but the time and command, every figure byte for byte.
"$python" Tests/FaultInjection/compare.py "$reference/probe.h5" "$out/probe.h5"
diff <(grep -v -e '^| time |' -e '^probe ' "$reference/REPORT.md") <(grep -v -e '^| time |' -e '^probe ' "$out/REPORT.md")
figures=0
for figure in "$reference"/figures/*.png; do
    cmp "$figure" "$out/figures/$(basename "$figure")"
    figures=$((figures + 1))
done
echo "slurm test: merged probe.h5, REPORT.md and $figures figures equal the one-process run"

# 5. A sweep: the same small study on two checkpoints (the shipped model and the parity fixture) as one
#    array of 2 models x 2 shards; the merge job merges each model and writes COMPARE.md side by side.
sweep="$work/sweep"
"$probe" slurm --dataset ood --limit 3 --sweep-model Assets/models/bytelens-tiny \
    --sweep-model Tests/BLTModelTests/Fixtures/tiny_default --shards 2 --threads 1 --merge-cpus 2 \
    --out "$sweep" --submit --wait > "$work/sweep.log" 2>&1 || { cat "$work/sweep.log" "$sweep"/slurm/*.out; exit 1; }
for model in bytelens-tiny tiny_default; do
    [ -s "$sweep/$model/probe.h5" ] && [ -s "$sweep/$model/REPORT.md" ] || { echo "slurm test: sweep: $model not merged"; exit 1; }
done
grep -q '\*\*bytelens-tiny\*\*' "$sweep/COMPARE.md" && grep -q '\*\*tiny\\_default\*\*' "$sweep/COMPARE.md" \
    || { echo "slurm test: sweep: COMPARE.md lacks a model"; cat "$sweep/COMPARE.md"; exit 1; }
echo "slurm test: sweep of 2 models x 2 shards merged per model, COMPARE.md side by side ($(grep -c '^| (' "$sweep/COMPARE.md") rows)"

# 6. The canonical study itself: `probe slurm --dataset ood --shards 4` must
#    reproduce the committed Reports/ood/ — written by the one-process `probe --dataset ood` — line for line
#    (times, commit and command aside) and figure for figure.
full="$work/ood"
start=$(date +%s)
"$probe" slurm --dataset ood --shards 4 --threads 1 --merge-cpus 2 --out "$full" --submit --wait > "$work/ood.log" 2>&1 \
    || { cat "$work/ood.log" "$full"/slurm/*.out; exit 1; }
strip() { grep -v -e '^| time |' -e '^| tool |' -e '^probe ' "$1"; }
diff <(strip Reports/ood/REPORT.md) <(strip "$full/REPORT.md")
figures=0
for figure in Reports/ood/figures/*.png; do
    cmp "$figure" "$full/figures/$(basename "$figure")"
    figures=$((figures + 1))
done
echo "slurm test: probe slurm --dataset ood (4 tasks + merge, $(( $(date +%s) - start )) s) reproduces the committed Reports/ood: REPORT.md and $figures figures identical"
