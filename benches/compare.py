#!/usr/bin/env python3
"""Compare numjet with numexpr and NumPy on the same expressions, in one run.

Not part of the tests (it needs Python with numpy and numexpr):

    cargo build --release
    python3 benches/compare.py [--numjet target/release/numjet] [--n 1e7] [--threads 2] [--repeat 10]

For each expression it runs `numjet bench EXPR --json` (seeded random inputs,
output preallocated, and again with --fresh), numexpr with `out=` (its fastest
path) and without, and NumPy, all with the same n, dtype and thread count, and
prints medians in ms and the ratio numexpr time / numjet time (> 1 means
numjet is faster). Inputs for numexpr/NumPy are uniform in [0, 1) floats or
[1, 1000) ints, like numjet's bench inputs (not the same numbers; the
expressions' cost does not depend on them).
"""
import argparse
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
]


def median_ms(f, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def inputs(expr, dtype, n, rng):
    names = sorted({c for c in "abcij" if c in expr.replace("sqrt", "").replace("sin", "").replace("cos", "").replace("where", "")})
    if dtype.startswith("int"):
        return {v: rng.integers(1, 1000, n, dtype=dtype) for v in names}
    return {v: rng.random(n).astype(dtype) for v in names}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--numjet", default="target/release/numjet")
    ap.add_argument("--n", default="1e7")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    n = int(float(args.n))
    ne.set_num_threads(args.threads)
    rng = np.random.default_rng(42)
    print(f"n = {n:,}, threads = {args.threads}, numpy {np.__version__}, numexpr {ne.__version__}")
    print(f"{'expression':28} {'dtype':8} {'numjet':>8} {'fresh':>8} {'ne out=':>8} {'ne':>8} {'numpy':>8} {'ne/nj':>6} {'GB/s':>6}")
    for expr, dtype in CASES:
        res = {}
        for fresh in (False, True):
            cmd = [args.numjet, "bench", expr, "--n", str(n), "--dtype", dtype, "--threads", str(args.threads), "--repeat", str(args.repeat), "--json"]
            if fresh:
                cmd.append("--fresh")
            out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            res[fresh] = out
        env = inputs(expr, dtype, n, rng)
        reduction = expr.startswith("sum(")
        ne_expr = expr
        if reduction:
            out_arr = None
        else:
            out_arr = np.empty(n, dtype=ne.evaluate(expr, local_dict={k: v[:8] for k, v in env.items()}).dtype)
        t_ne_out = median_ms(lambda: ne.evaluate(ne_expr, local_dict=env, out=out_arr), args.repeat) if out_arr is not None else float("nan")
        t_ne = median_ms(lambda: ne.evaluate(ne_expr, local_dict=env), args.repeat)
        np_env = dict(env, where=np.where, sqrt=np.sqrt, sin=np.sin, cos=np.cos, sum=np.sum)
        t_np = median_ms(lambda: eval(expr, {}, np_env), args.repeat)
        t_nj = res[False]["median_ms"]
        best_ne = t_ne_out if out_arr is not None else t_ne
        print(
            f"{expr:28} {dtype:8} {t_nj:8.2f} {res[True]['median_ms']:8.2f} {t_ne_out:8.2f} {t_ne:8.2f} {t_np:8.2f} "
            f"{best_ne / t_nj:6.2f} {res[False]['gb_per_s']:6.1f}"
        )


if __name__ == "__main__":
    main()
