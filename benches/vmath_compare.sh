#!/usr/bin/env bash
# numjet's math block functions against glibc's vector math library
# (libmvec) and scalar libm: one thread, cache-resident n (1e5 by default),
# the same inputs (benches/vmath_domains.txt) and the same timing (median
# of R repetitions, each at least M ms) on both sides. Prints one markdown
# table: ns/element per function and dtype, and the ratio numjet-avx2 /
# glibc-avx2 (the issue's target: at most 1.5; larger ratios are marked).
# The fast mode's versions (`sin_fast`...) are rows of their own, compared
# with glibc's function of the base name.
#
#     bash benches/vmath_compare.sh [--n 100000] [--reps 11] [--min-ms 2] [--rounds 3] [--funcs sin,exp,...]
#
# The two probes run one after the other, --rounds times in turn; each
# cell is the smallest of its rounds' medians (on a shared machine the load
# drifts between runs, and load only ever adds time).
#
# Needs cargo (builds examples/vmath_speed.rs in release; honours
# CARGO_TARGET_DIR and CARGO_BUILD_JOBS) and gcc for benches/glibc_vmath.c.
# Without gcc, or without libmvec (not glibc, or not x86-64), it says so and
# prints the columns it has. About 15 s a round once built (the
# first release build takes minutes). The raw numbers are kept in
# $VMATH_COMPARE_OUT (a directory) when that is set.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

pass=()
rounds=3
while [ $# -gt 0 ]; do
    case "$1" in
        --n|--reps|--min-ms|--funcs)
            [ $# -ge 2 ] || { echo "vmath_compare: $1 needs a value" >&2; exit 2; }
            pass+=("$1" "$2"); shift 2 ;;
        --rounds)
            [ $# -ge 2 ] && [ "$2" -ge 1 ] 2> /dev/null || { echo "vmath_compare: --rounds needs a count" >&2; exit 2; }
            rounds="$2"; shift 2 ;;
        -h|--help)
            sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "vmath_compare: unknown argument $1" >&2; exit 2 ;;
    esac
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --- numjet
echo "vmath_compare: building examples/vmath_speed.rs (release)..." >&2
cargo build --release --quiet --example vmath_speed >&2

# --- glibc
glibc=1
if ! command -v gcc > /dev/null 2>&1; then
    echo "vmath_compare: gcc not found: glibc columns omitted" >&2
    glibc=0
elif ! gcc -O2 -ffp-contract=off benches/glibc_vmath.c -o "$work/glibc_vmath" -lm -ldl 2> "$work/cc.log"; then
    echo "vmath_compare: benches/glibc_vmath.c did not build here (not glibc on x86-64?): glibc columns omitted" >&2
    sed 's/^/    /' "$work/cc.log" >&2
    glibc=0
fi

# --- the rounds: numjet, then glibc, in turn
: > "$work/numjet.tsv"
: > "$work/glibc.tsv"
for ((r = 1; r <= rounds; r++)); do
    echo "vmath_compare: round $r of $rounds: numjet..." >&2
    cargo run --release --quiet --example vmath_speed -- --tsv ${pass[@]+"${pass[@]}"} >> "$work/numjet.tsv"
    if [ "$glibc" = 1 ]; then
        echo "vmath_compare: round $r of $rounds: glibc..." >&2
        # Quiet after the first round (libmvec missing is said once).
        if ! "$work/glibc_vmath" --tsv --domains benches/vmath_domains.txt ${pass[@]+"${pass[@]}"} \
            >> "$work/glibc.tsv" 2> "$work/glibc.err"; then
            cat "$work/glibc.err" >&2
            echo "vmath_compare: the glibc probe failed: glibc columns omitted" >&2
            : > "$work/glibc.tsv"
            glibc=0
        elif [ "$r" = 1 ]; then
            cat "$work/glibc.err" >&2
        fi
    fi
done
if [ -s "$work/glibc.tsv" ] && ! grep -q 'glibc-avx2' "$work/glibc.tsv"; then
    echo "vmath_compare: no libmvec AVX2 functions here (libmvec missing, or the CPU has no AVX2): no ratio column" >&2
fi

if [ -n "${VMATH_COMPARE_OUT:-}" ]; then
    mkdir -p "$VMATH_COMPARE_OUT"
    cp "$work/numjet.tsv" "$work/glibc.tsv" "$VMATH_COMPARE_OUT/"
fi

# --- one markdown table: rows in numjet's order, the columns that have a
# value somewhere, each cell the smallest over the rounds.
n_shown="$(printf '%s\n' ${pass[@]+"${pass[@]}"} | awk 'p { printf "%.0f", $0; exit } $0 == "--n" { p = 1 }')"
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2> /dev/null || true)"
ratio_note=""
grep -q 'glibc-avx2' "$work/glibc.tsv" && ratio_note="; last column numjet-avx2 / glibc-avx2 (! above 1.5, the issue's bound)"
echo
echo "ns/element (best of $rounds rounds), one thread, n = ${n_shown:-100000}${cpu:+, $cpu}${ratio_note}"
echo
cat "$work/numjet.tsv" "$work/glibc.tsv" | awk -F'\t' '
    BEGIN {
        ncol = split("numjet-sse2 numjet-avx2 numjet-avx512 glibc-sse glibc-avx2 glibc-avx512 libm", cols, " ")
    }
    NF == 4 {
        key = $1 "\t" $2
        if (!(key in seen)) { seen[key] = 1; order[++nrows] = key }
        if (!((key, $3) in v) || $4 + 0 < v[key, $3]) v[key, $3] = $4 + 0
        has[$3] = 1
    }
    END {
        line = "| function | dtype |"
        rule = "|---|---|"
        for (c = 1; c <= ncol; c++) if (cols[c] in has) { line = line " " cols[c] " |"; rule = rule "---:|" }
        ratio = ("numjet-avx2" in has) && ("glibc-avx2" in has)
        if (ratio) { line = line " nj/glibc avx2 |"; rule = rule "---:|" }
        print line
        print rule
        for (r = 1; r <= nrows; r++) {
            key = order[r]
            split(key, kf, "\t")
            line = "| " kf[1] " | " kf[2] " |"
            for (c = 1; c <= ncol; c++) {
                if (!(cols[c] in has)) continue
                if ((key, cols[c]) in v) line = line sprintf(" %.3f |", v[key, cols[c]])
                else line = line " - |"
            }
            if (ratio) {
                # A fast version (sin_fast) against glibc'"'"'s function of the base name.
                gk = key
                if (!((gk, "glibc-avx2") in v)) { b = kf[1]; sub(/_fast$/, "", b); gk = b "\t" kf[2] }
                if ((key, "numjet-avx2") in v && (gk, "glibc-avx2") in v && v[gk, "glibc-avx2"] > 0) {
                    q = v[key, "numjet-avx2"] / v[gk, "glibc-avx2"]
                    line = line sprintf(" %.2f%s |", q, q > 1.5 ? " !" : "")
                } else line = line " - |"
            }
            print line
        }
    }'
