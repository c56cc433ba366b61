#!/usr/bin/env bash
# Fault injection on a real `probe run`: kill -9 at random moments, a disk that fills up, two concurrent
# resumes, SIGTERM in every phase. Every run that was cut short is resumed and its probe.h5 compared
# dataset by dataset (h5py, provenance times excluded) with an uninterrupted run. Then damaged copies of
# the file go to inspect and report (a named error or a result, never a signal or a hang).
#
#   Tests/FaultInjection/run.sh [--kills N] [--seed S]      (default: 20 kills, seed from the clock)
#
# Needs a built probe ($PROBE, else .build/release/probe as .ci/test builds it, else .build/debug/probe) and .venv-ci (h5py). The disk-full case needs
# root (mount -t tmpfs) and is skipped otherwise. Prints "fault injection: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
KILLS=20
SEED=$(date +%s)
while [ $# -gt 0 ]; do
    case "$1" in
        --kills) KILLS="$2"; shift 2 ;;
        --seed) SEED="$2"; shift 2 ;;
        *) echo "usage: $0 [--kills N] [--seed S]" >&2; exit 2 ;;
    esac
done
if [ -z "${PROBE:-}" ]; then
    PROBE="$PWD/.build/release/probe"
    [ -x "$PROBE" ] || PROBE="$PWD/.build/debug/probe"
fi
[ -x "$PROBE" ] || { echo "fault injection: no probe binary at $PROBE (swift build -c release --product probe)" >&2; exit 1; }
PY="${PY:-$PWD/.venv-ci/bin/python}"
COMPARE="$PWD/Tests/FaultInjection/compare.py"
STUDY=(run --dataset noise --limit 2 --bootstrap 100 --hooks 'global.*' 'encoder.*')
WORK=$(mktemp -d /tmp/bytelens-faults.XXXXXX)
RANDOM=$SEED
PASSED=0
FAILED=0
export SWIFT_BACKTRACE=enable=no

pass() { PASSED=$((PASSED + 1)); echo "  ok    $*"; }
fail() { FAILED=$((FAILED + 1)); echo "  FAIL  $*"; }
now_ms() { date +%s%3N; }
# compare DIR LABEL: DIR/probe.h5 against the reference, and no temporary or lock files left behind.
compare() {
    local leftovers
    leftovers=$(find "$1" -maxdepth 1 \( -name '*.tmp' -o -name '*.lock' -o -name '*.journal' -o -name '*.partial' \) | head -3)
    if [ -n "$leftovers" ]; then fail "$2: left behind $leftovers"; return; fi
    if out=$("$PY" "$COMPARE" "$WORK/ref/probe.h5" "$1/probe.h5" 2>&1); then pass "$2 ($out)"; else fail "$2: $out"; fi
}

echo "fault injection: seed $SEED, $KILLS kills, work folder $WORK"
start=$(now_ms)
"$PROBE" "${STUDY[@]}" --out "$WORK/ref" >/dev/null 2>"$WORK/ref.log" &
pid=$!
# J: when the run's journal appears (model loaded, reference profile done); F: when probe.h5 appears
# (items and statistics done); T: the whole run (with the report).
J=""; F=""
while kill -0 "$pid" 2>/dev/null; do
    [ -z "$J" ] && [ -e "$WORK/ref/probe.h5.journal" ] && J=$(( $(now_ms) - start ))
    [ -z "$F" ] && [ -e "$WORK/ref/probe.h5" ] && F=$(( $(now_ms) - start ))
    sleep 0.01
done
wait "$pid" || { echo "reference run failed:"; cat "$WORK/ref.log"; exit 1; }
T=$(( $(now_ms) - start ))
J=${J:-$((T / 4))}
F=${F:-$((T * 3 / 4))}
echo "reference run: $T ms (journal created after $J ms, probe.h5 after $F ms)"

# 1. kill -9 at random moments, then --resume. Three kills in four land while the run is writing (a
#    random delay after its journal appears, up to the time the reference took to finish its file:
#    items and statistics); every fourth at a random moment of the whole run (loading, reference
#    profile and report included).
MIDRUN=0; EARLY=0; LATE=0
i=0
while [ "$i" -lt "$KILLS" ]; do
    i=$((i + 1))
    dir="$WORK/kill$i"
    "$PROBE" "${STUDY[@]}" --out "$dir" >/dev/null 2>"$dir.log" &
    pid=$!
    t0=$(now_ms)
    if [ $((i % 4)) = 0 ]; then
        delay=$(( (RANDOM * 32768 + RANDOM) % T ))
    else
        for _ in $(seq 1 3000); do [ -e "$dir/probe.h5.journal" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
        delay=$(( $(now_ms) - t0 + (RANDOM * 32768 + RANDOM) % (F - J + 1) ))
    fi
    rest=$(( delay - ($(now_ms) - t0) ))
    [ "$rest" -gt 0 ] && sleep "$(printf '%d.%03d' $((rest / 1000)) $((rest % 1000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ -f "$dir/probe.h5" ] && [ ! -e "$dir/probe.h5.journal" ]; then
        LATE=$((LATE + 1))
        compare "$dir" "kill $i at ${delay} ms: the run had finished its file"
        continue
    fi
    if [ ! -e "$dir/probe.h5.journal" ] && [ ! -e "$dir/probe.h5.partial" ]; then
        # Killed before the run created anything: a fresh start is the resume.
        EARLY=$((EARLY + 1))
        "$PROBE" "${STUDY[@]}" --out "$dir" >/dev/null 2>>"$dir.log" || { fail "kill $i at ${delay} ms: restart failed: $(tail -2 "$dir.log")"; continue; }
        compare "$dir" "kill $i at ${delay} ms (before the first write), restarted"
        continue
    fi
    MIDRUN=$((MIDRUN + 1))
    if "$PROBE" "${STUDY[@]}" --resume --out "$dir" >/dev/null 2>>"$dir.log"; then
        compare "$dir" "kill $i at ${delay} ms, resumed"
    else
        fail "kill $i at ${delay} ms: resume failed: $(tail -3 "$dir.log")"
    fi
done
echo "kills: $MIDRUN while writing (resumed), $EARLY before the first write (restarted), $LATE after the file was finished"

# 2. A disk that fills up: an 8 MiB tmpfs (the run stops part-way), then more space and --resume.
if [ "$(id -u)" = 0 ] && mkdir -p "$WORK/tiny" && mount -t tmpfs -o size=8m tmpfs "$WORK/tiny" 2>/dev/null; then
    dir="$WORK/tiny/run"
    if "$PROBE" "${STUDY[@]}" --out "$dir" >/dev/null 2>"$WORK/tiny.log"; then
        fail "disk full: the run succeeded on an 8 MiB disk (make the disk smaller)"
    else
        status=$?
        if [ "$status" -ge 128 ]; then fail "disk full: died from signal $((status - 128)): $(tail -2 "$WORK/tiny.log")"
        elif grep -q "disk full\|No space left" "$WORK/tiny.log"; then pass "disk full: stopped with a named error ($(grep -o 'disk full[^;]*' "$WORK/tiny.log" | head -1))"
        else fail "disk full: unexpected error: $(tail -2 "$WORK/tiny.log")"; fi
        [ ! -e "$dir/probe.h5" ] && pass "disk full: nothing at the final path" || fail "disk full: a probe.h5 was written"
        mount -o remount,size=64m "$WORK/tiny"
        if "$PROBE" "${STUDY[@]}" --resume --out "$dir" >/dev/null 2>>"$WORK/tiny.log"; then
            compare "$dir" "disk full, then resumed with space"
        else
            fail "disk full: resume failed: $(tail -3 "$WORK/tiny.log")"
        fi
    fi
    umount "$WORK/tiny"
else
    echo "  skip  disk full (needs root and tmpfs)"
fi

# 3. Two --resume of one partial at the same time, with HDF5's own locking off (as on NFS).
for trial in 1 2; do
    dir="$WORK/concurrent$trial"
    "$PROBE" "${STUDY[@]}" --out "$dir" >/dev/null 2>"$dir.log" &
    pid=$!
    for _ in $(seq 1 600); do grep -q "items" "$dir.log" 2>/dev/null && break; sleep 0.02; done
    sleep 0.3
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    HDF5_USE_FILE_LOCKING=FALSE "$PROBE" "${STUDY[@]}" --resume --out "$dir" >/dev/null 2>"$dir.a.log" & a=$!
    HDF5_USE_FILE_LOCKING=FALSE "$PROBE" "${STUDY[@]}" --resume --out "$dir" >/dev/null 2>"$dir.b.log" & b=$!
    wait "$a"; sa=$?
    wait "$b"; sb=$?
    if [ "$sa" = 0 ] && [ "$sb" = 0 ]; then fail "concurrent resumes $trial: both claimed success"
    elif [ "$sa" != 0 ] && [ "$sb" != 0 ]; then fail "concurrent resumes $trial: both failed: $(tail -1 "$dir.a.log") / $(tail -1 "$dir.b.log")"
    else
        loser=$([ "$sa" = 0 ] && echo "$dir.b.log" || echo "$dir.a.log")
        if grep -q "another run of this study is writing\|no unfinished run" "$loser"; then pass "concurrent resumes $trial: one refused ($(grep -o 'another run[^(]*\|no unfinished run' "$loser" | head -1))"
        else fail "concurrent resumes $trial: loser said: $(tail -2 "$loser")"; fi
        compare "$dir" "concurrent resumes $trial: winner's file"
    fi
done

# 4. SIGTERM in each phase: exit 130 (or 0 when the phase finishes the run), nothing half-written, resumable.
for phase in "loading model" "reference profile" "items" "statistics" "report"; do
    dir="$WORK/term-${phase// /-}"
    "$PROBE" "${STUDY[@]}" --out "$dir" >/dev/null 2>"$dir.log" &
    pid=$!
    for _ in $(seq 1 3000); do grep -q "probe: $phase" "$dir.log" 2>/dev/null && break; sleep 0.01; done
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"; status=$?
    if [ "$status" = 0 ]; then
        [ "$phase" = report ] && compare "$dir" "SIGTERM in $phase: finished the report, exit 0" || fail "SIGTERM in $phase: ignored (exit 0)"
    elif [ "$status" = 130 ]; then
        if [ -e "$dir/probe.h5.journal" ]; then
            "$PROBE" "${STUDY[@]}" --resume --out "$dir" >/dev/null 2>>"$dir.log" && compare "$dir" "SIGTERM in $phase: exit 130, resumed" \
                || fail "SIGTERM in $phase: resume failed: $(tail -2 "$dir.log")"
        elif [ -f "$dir/probe.h5" ]; then
            "$PROBE" report "$dir/probe.h5" >/dev/null 2>>"$dir.log" && compare "$dir" "SIGTERM in $phase: exit 130 with probe.h5, report rebuilt" \
                || fail "SIGTERM in $phase: probe report failed"
        else
            leftovers=$(find "$dir" -type f 2>/dev/null | head -3)
            [ -z "$leftovers" ] && pass "SIGTERM in $phase: exit 130 before anything was written" || fail "SIGTERM in $phase: left $leftovers"
        fi
    else
        fail "SIGTERM in $phase: exit $status: $(tail -2 "$dir.log")"
    fi
done

# 5. A sharded run: kill -9 one shard mid-run and continue it with --resume-if-partial (what a resubmitted
#    Slurm task does), then kill -9 the merge at a random moment and merge again; the merged file must
#    equal the one-process run.
dir="$WORK/sharded"
"$PROBE" "${STUDY[@]}" --shard 0/2 --out "$dir" >/dev/null 2>"$dir-0.log" || fail "shard 0/2 failed: $(tail -2 "$dir-0.log")"
"$PROBE" "${STUDY[@]}" --shard 1/2 --out "$dir" >/dev/null 2>"$dir-1.log" &
pid=$!
for _ in $(seq 1 3000); do [ -e "$dir/shards/shard-0001-of-0002.h5.journal" ] && break; sleep 0.01; done
sleep "0.$(( RANDOM % 9 + 1 ))"
kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
if "$PROBE" "${STUDY[@]}" --shard 1/2 --resume-if-partial --out "$dir" >/dev/null 2>>"$dir-1.log"; then
    "$PROBE" merge "$dir"/shards/shard-*-of-0002.h5 >/dev/null 2>"$dir-merge.log" &
    pid=$!
    for _ in $(seq 1 3000); do [ -e "$dir/probe.h5.journal" ] && break; sleep 0.01; done
    sleep "0.$(( RANDOM % 5 ))"
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    if "$PROBE" merge "$dir"/shards/shard-*-of-0002.h5 >/dev/null 2>>"$dir-merge.log"; then
        compare "$dir" "shard killed and resumed, merge killed and rerun"
    else
        fail "merge after a killed merge: $(tail -2 "$dir-merge.log")"
    fi
else
    fail "resuming a killed shard: $(tail -2 "$dir-1.log")"
fi

# 6. Damaged files given to inspect and report: never a signal or a hang, only a result or a named error.
#    a) A global-heap object (variable-length strings; no HDF5 format checksums them) claiming 1 GiB:
#       libhdf5 1.10.8 would copy out of bounds (SIGSEGV); ByteLens' heap check must name it, writing nothing.
#    b) Seeded single-bit flips (half in the first 256 KiB, where most metadata is, a quarter in the last
#       MiB, a quarter anywhere) given to inspect (the same check as every other reading command): exit 0,
#       or 1 / 64 with a message, within 150 s.
#    c) Seeded single-bit flips inside the variable-length descriptors of the string datasets (length, heap
#       address, object index): libhdf5 1.10.8 trusts them and corrupts memory, which crashes the check
#       process or, depending on the heap layout, only the parent; the same rule as b).
damaged="$WORK/damaged"
mkdir -p "$damaged"
"$PY" - "$WORK/ref/probe.h5" "$damaged/heap.h5" <<'PYEOF'
import re, struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
first = data.index(b'GCOL')                       # collection: signature, version, 3 reserved, size (8)
data[first + 24:first + 32] = struct.pack('<Q', 1 << 30)   # object 1: index, refs, reserved, size (8)
open(sys.argv[2], 'wb').write(data)
PYEOF
for command in inspect report; do
    timeout 150 "$PROBE" "$command" "$damaged/heap.h5" $([ "$command" = report ] && echo --out "$damaged/heap-report") \
        >/dev/null 2>"$damaged/heap-$command.log"
    status=$?
    if [ "$status" = 1 ] && grep -q "is damaged: element 0 refers to the global heap collection" "$damaged/heap-$command.log" \
        && [ ! -e "$damaged/heap-report/REPORT.md" ]; then
        pass "damaged global heap: probe $command names it, exit 1, nothing written"
    else
        fail "damaged global heap: probe $command exit $status: $(head -c 300 "$damaged/heap-$command.log")"
    fi
done
FLIPS=${FLIPS:-30}
"$PY" - "$WORK/ref/probe.h5" "$damaged" "$FLIPS" "$SEED" <<'PYEOF'
import random, sys
data = open(sys.argv[1], 'rb').read()
rng = random.Random(int(sys.argv[4]))
for k in range(int(sys.argv[3])):
    r = rng.random()
    if r < 0.5: pos = rng.randrange(min(len(data), 1 << 18))
    elif r < 0.75: pos = rng.randrange(max(0, len(data) - (1 << 20)), len(data))
    else: pos = rng.randrange(len(data))
    flipped = bytearray(data); flipped[pos] ^= 1 << rng.randrange(8)
    open(f'{sys.argv[2]}/flip-{k}.h5', 'wb').write(flipped)
PYEOF
DESCRIPTOR_FLIPS=${DESCRIPTOR_FLIPS:-20}
"$PY" - "$WORK/ref/probe.h5" "$damaged" "$DESCRIPTOR_FLIPS" "$SEED" <<'PYEOF'
import random, sys, h5py
data = open(sys.argv[1], 'rb').read()
ranges = []
with h5py.File(sys.argv[1], 'r') as f:       # contiguous string datasets: their descriptors, back to back
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and h5py.check_string_dtype(obj.dtype) is not None and obj.id.get_offset() is not None:
            ranges.append((obj.id.get_offset(), obj.id.get_storage_size()))
    f.visititems(visit)
rng = random.Random(int(sys.argv[4]) + 1)
for k in range(int(sys.argv[3])):
    r = rng.randrange(sum(size for _, size in ranges))
    for start, size in ranges:
        if r < size: break
        r -= size
    flipped = bytearray(data); flipped[start + r] ^= 1 << rng.randrange(8)
    open(f'{sys.argv[2]}/descriptor-{k}.h5', 'wb').write(flipped)
PYEOF
# inspect_all PREFIX COUNT LABEL: every file given to inspect; a signal, a hang or a silent exit 1 fails.
inspect_all() {
    local bad=0 named=0 k status
    for k in $(seq 0 $(($2 - 1))); do
        timeout 150 "$PROBE" inspect "$damaged/$1-$k.h5" >/dev/null 2>"$damaged/flip.log"
        status=$?
        case "$status" in
            0) ;;
            1|64) grep -q "^Error: " "$damaged/flip.log" && named=$((named + 1)) || { bad=$((bad + 1)); echo "    $1 $k inspect: exit 1 without a message"; } ;;
            *) bad=$((bad + 1)); echo "    $1 $k inspect: exit $status $(head -c 200 "$damaged/flip.log")" ;;
        esac
    done
    if [ "$bad" = 0 ]; then pass "$2 $3 given to inspect: no signal, no hang ($named named errors)"
    else fail "$bad of $2 runs on $3 ended by a signal, a hang or without a message"; fi
}
inspect_all flip "$FLIPS" "bit-flipped files"
inspect_all descriptor "$DESCRIPTOR_FLIPS" "files with a flipped bit in a string descriptor"

echo "fault injection: $PASSED passed, $FAILED failed (seed $SEED, $(( ($(now_ms) - start) / 1000 )) s)"
if [ "$FAILED" = 0 ]; then rm -rf "$WORK"; exit 0; fi
echo "logs kept in $WORK"
exit 1
