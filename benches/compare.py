#!/usr/bin/env python3
"""Compare numjet with numexpr and NumPy on the same expressions, in one run,
against the machine's streaming-bandwidth ceiling.

Not part of the tests (it needs Python with numpy and numexpr; about 3 minutes
at the defaults on 2 cores):

    cargo build --release
    python3 benches/compare.py [--numjet target/release/numjet] [--n 1e7] [--threads 2] [--repeat 10] [--rounds 3]
                               [--math accurate|fast] [--cases 8,9,10]

`--math fast` runs numjet in its fast math mode (at most 4 ULP; the default
is `accurate`, at most 1 ULP); numexpr and NumPy are unchanged. `--cases`
picks cases by their row number (from 1) in the table.

For each expression and round it runs `numjet bench EXPR --json --triad`
(seeded random inputs, output preallocated, plus the plain parallel Rust triad
c = a + 2*b on as many threads: the bandwidth ceiling) and again with
--fresh (a new result every call), then numexpr with `out=` (its fastest path)
and without, and NumPy, all with the same n, dtype and thread count (NumPy
uses one thread). Each cell is the median over the rounds of each run's
median time; the second table gives the spread (smallest and largest run
median) over the rounds, because a shared machine is noisy.

Bandwidth ratios ("/triad") count the bytes an expression must move: every
input read once plus the result written once (`bytes_read + bytes_written`
from numjet), divided by the time, over the triad's GB/s (24 bytes per
element) measured in the same numjet run. A ratio near 1 means the
implementation streams memory as fast as this machine allows; a ratio far
below 1 means it is compute-bound (transcendentals), or loses time elsewhere
(page faults of a fresh result, temporaries).

"ne/nj" is numexpr's fastest path (out=, or plain for a reduction) over
numjet into a preallocated output: > 1 means numjet is faster; "np/nj" the
same for NumPy's plain expression; "peer/nj" the faster of the two over
numjet, with its geometric mean over the cases under the table.

Inputs for numexpr/NumPy are uniform in [0, 1) floats or [1, 1000) ints,
like numjet's bench inputs (not the same numbers; the expressions' cost does
not depend on them).
"""
import argparse
import math
import re
import json
import statistics
import subprocess
import time

import numexpr as ne
import numpy as np

CASES = [
    ("a + b*2", "float64"),
    ("a + b*2", "float32"),
    ("2*a + 3*b - c", "float64"),
    ("a**2 + b**2 < 1", "float64"),
    ("sum(a*b)", "float64"),
    ("where(a > 0, sqrt(a), 0)", "float64"),
    ("(i * 3 + j) % 7", "int64"),
    ("sin(a)**2 + cos(b)**2", "float64"),
    # Vector math (numjet's own functions, called per block).
    ("sin(a)**2 + cos(b)**2", "float32"),
    ("exp(-a*a/2)", "float64"),
    ("log1p(abs(a)) * tanh(b)", "float64"),
    # Every real dtype: numexpr cannot compute in uint8 or float16 (it
    # upcasts uint8 and refuses float16; its columns show what it does).
    ("(a + b) // 2", "uint8"),
    ("a * b + c", "float16"),
    ("sum(a)", "uint8"),
    # Complex numbers (issue 13): numjet's ir::split and complex block calls.
    ("a * b + c", "complex128"),
    ("abs(a)**2", "complex128"),
    ("exp(1j * a)", "float64"),
]

COLUMNS = ["numjet", "numjet fresh", "numexpr out=", "numexpr", "NumPy"]


def median_ms(f, repeat):
    f()  # untimed: first-call costs (numexpr's compile cache, page faults of out=)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def inputs(expr, dtype, n, rng):
    names = sorted(set(re.findall(r"\b([abcij])\b", expr)))
    if np.dtype(dtype).kind in "iu":
        top = min(1000, int(np.iinfo(dtype).max))
        return {v: rng.integers(1, top, n, dtype=dtype) for v in names}
    if np.dtype(dtype).kind == "c":
        return {v: (rng.random(n) + 1j * rng.random(n)).astype(dtype) for v in names}
    return {v: rng.random(n).astype(dtype) for v in names}


def numjet(args, n, expr, dtype, fresh):
    cmd = [args.numjet, "--math", args.math, "bench", expr, "--n", str(n), "--dtype", dtype, "--threads", str(args.threads), "--repeat", str(args.repeat), "--json"]
    cmd.append("--fresh" if fresh else "--triad")
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def measure(args, n, expr, dtype, env):
    """One round for one case: median ms per column, the triad's GB/s and the bytes moved."""
    pre = numjet(args, n, expr, dtype, False)
    fresh = numjet(args, n, expr, dtype, True)
    reduction = expr.startswith("sum(")
    out_arr = None
    try:
        if not reduction:
            out_arr = np.empty(n, dtype=ne.evaluate(expr, local_dict={k: v[:8] for k, v in env.items()}).dtype)
        t_ne_out = median_ms(lambda: ne.evaluate(expr, local_dict=env, out=out_arr), args.repeat) if out_arr is not None else float("nan")
        t_ne = median_ms(lambda: ne.evaluate(expr, local_dict=env), args.repeat)
    except (TypeError, ValueError, NotImplementedError):
        # numexpr has no loop for the dtype (float16).
        t_ne_out = t_ne = float("nan")
    np_env = dict(env, where=np.where, sqrt=np.sqrt, sin=np.sin, cos=np.cos, sum=np.sum, exp=np.exp, log1p=np.log1p, abs=np.abs, tanh=np.tanh)
    t_np = median_ms(lambda: eval(expr, {}, np_env), args.repeat)
    times = dict(zip(COLUMNS, [pre["median_ms"], fresh["median_ms"], t_ne_out, t_ne, t_np]))
    return times, pre["triad_gb_per_s"], pre["bytes_read"] + pre["bytes_written"]


def fmt(x, spec):
    return "—" if x != x else format(x, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--numjet", default="target/release/numjet")
    ap.add_argument("--n", default="1e7")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=10, help="timed calls per measurement (median)")
    ap.add_argument("--rounds", type=int, default=3, help="passes over all cases (median of the run medians)")
    ap.add_argument("--math", choices=["accurate", "fast"], default="accurate", help="numjet's math mode")
    ap.add_argument("--cases", default=None, help="comma-separated row numbers (from 1) of the cases to run")
    args = ap.parse_args()
    global CASES
    if args.cases:
        CASES = [CASES[int(k) - 1] for k in args.cases.split(",")]
    n = int(float(args.n))
    ne.set_num_threads(args.threads)
    rng = np.random.default_rng(42)
    envs = [inputs(expr, dtype, n, rng) for expr, dtype in CASES]
    runs = [[] for _ in CASES]  # per case: [(times, triad_gbps, bytes)]
    for _ in range(args.rounds):
        for k, (expr, dtype) in enumerate(CASES):
            runs[k].append(measure(args, n, expr, dtype, envs[k]))

    triads = [t for rs in runs for (_, t, _) in rs]
    print(
        f"n = {n:,}, threads = {args.threads}, numjet math {args.math}, numpy {np.__version__} (1 thread), numexpr {ne.__version__}; "
        f"median of {args.rounds} rounds x {args.repeat} calls; "
        f"triad ceiling {statistics.median(triads):.1f} GB/s (median; {min(triads):.1f}..{max(triads):.1f} over all runs)"
    )
    print()
    print("Medians in ms; /triad = GB/s moved over the triad's GB/s of the same run")
    print()
    head = ["expression", "dtype"] + COLUMNS + ["ne/nj", "np/nj", "peer/nj", "triad GB/s", "numjet /triad", "fresh /triad", "ne out= /triad", "NumPy /triad"]
    print("| " + " | ".join(head) + " |")
    print("|---|---|" + "---:|" * (len(head) - 2))
    spread = []
    peer_ratios = []
    for (expr, dtype), rs in zip(CASES, runs):
        med = {c: statistics.median([t[c] for (t, _, _) in rs]) for c in COLUMNS}
        triad = statistics.median([g for (_, g, _) in rs])
        moved = rs[0][2]

        # Each implementation's own bandwidth ratio per round, then the median.
        def ratio(c):
            return statistics.median([moved / (t[c] * 1e-3) / 1e9 / g for (t, g, _) in rs])

        best_ne = med["numexpr out="] if med["numexpr out="] == med["numexpr out="] else med["numexpr"]
        cells_np = med["NumPy"] / med["numjet"]
        cells = [f"`{expr}`", dtype] + [fmt(med[c], ".2f") for c in COLUMNS]
        # The faster peer (numexpr's fastest path or NumPy) over numjet.
        peers = [x for x in (best_ne, med["NumPy"]) if x == x]
        peer = min(peers) / med["numjet"] if peers else float("nan")
        if peer == peer:
            peer_ratios.append(peer)
        cells += [fmt(best_ne / med["numjet"], ".2f"), fmt(cells_np, ".2f"), fmt(peer, ".2f"), f"{triad:.1f}"]
        cells += [fmt(ratio(c), ".2f") for c in ["numjet", "numjet fresh", "numexpr out=", "NumPy"]]
        print("| " + " | ".join(cells) + " |")
        lo_hi = [(min(t[c] for (t, _, _) in rs), max(t[c] for (t, _, _) in rs)) for c in COLUMNS]
        spread.append([f"`{expr}`", dtype] + [f"{lo:.2f}–{hi:.2f}" if lo == lo else "—" for (lo, hi) in lo_hi])
    print()
    geo = math.exp(sum(math.log(r) for r in peer_ratios) / len(peer_ratios)) if peer_ratios else float("nan")
    print(f"peer/nj: the faster of numexpr (out=, or plain) and NumPy over numjet; geometric mean over the {len(peer_ratios)} cases: {geo:.2f}")
    print()
    print("Spread: smallest–largest run median over the rounds, ms")
    print()
    print("| expression | dtype | " + " | ".join(COLUMNS) + " |")
    print("|---|---|" + "---:|" * len(COLUMNS))
    for row in spread:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
