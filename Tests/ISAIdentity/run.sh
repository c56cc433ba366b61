#!/usr/bin/env bash
# Builds Sources/CKernels/sparsity.c and gram.c for three x86-64 levels (no target_clones) and checks that
# the sparsity measures and the bootstrap Gram kernels come out bit-identical (see isa_identity.c); the baseline build sorts by radix only,
# the others use the AVX-512 sorting network for short vectors where the CPU has it. Levels the CPU
# lacks are skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname -m)" = x86_64 ] || { echo "ISA identity: not x86-64, skipped"; exit 0; }
out=.build/isa-identity
mkdir -p "$out"
levels=(x86-64)
grep -qw avx2 /proc/cpuinfo && levels+=(x86-64-v3)
grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo && levels+=(x86-64-v4)
for level in "${levels[@]}"; do
    # The baseline build also leaves out the AVX-512 sorting network, so the comparison covers both sorts.
    extra=()
    [ "$level" = x86-64 ] && extra=(-DSPARSITY_RADIX_ONLY)
    clang -O3 -march="$level" -DSPARSITY_CLONES= -DGRAM_CLONES= "${extra[@]}" -ISources/CKernels/include \
        Tests/ISAIdentity/isa_identity.c Sources/CKernels/sparsity.c Sources/CKernels/gram.c Sources/CKernels/pool.c \
        -lm -lpthread -o "$out/isa_$level"
    "$out/isa_$level" > "$out/$level.txt" 2> "$out/$level.digest"
done
for level in "${levels[@]:1}"; do
    if ! cmp -s "$out/x86-64.txt" "$out/$level.txt"; then
        echo "ISA identity: $level differs from the baseline:"; diff "$out/x86-64.txt" "$out/$level.txt" | head; exit 1
    fi
done
echo "ISA identity: sparsity measures and bootstrap Gram kernels bit-identical on ${levels[*]} ($(wc -l < "$out/x86-64.txt") values)"
