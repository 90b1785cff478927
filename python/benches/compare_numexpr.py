#!/usr/bin/env python3
"""Time numjet's Python API against numexpr on the same arrays, in one run.

Not a test: a benchmark whose tables go in the README. It needs numpy and
numexpr, and for the Dask part dask and distributed; numjet is the one
Python finds (PYTHONPATH, an install), else the package next to this
directory (python/numjet).
About 2 minutes at the defaults on 2 cores (100 s measured), the Dask part
included:

    python3 python/benches/compare_numexpr.py [--n 1e7] [--threads 2] [--repeat 10] [--rounds 3]
        [--small-n 1000] [--dask/--no-dask] [--dask-n 2e8] [--dask-chunks 20]

Three parts:

1. The expressions of benches/compare.py at n elements on T threads (both
   libraries set to T), through `numjet.evaluate` and `numexpr.evaluate`,
   each on the default path (a fresh result every call) and with `out=` (a
   preallocated result of the library's own result dtype; reductions have no
   out= path). Both get the very same input arrays (seeded NumPy random:
   uniform [0, 1) floats, or ints in [1, 1000)). Before any timing the two
   results are compared (`assert_allclose` with rtol 1e-6 for floats, exact
   for ints and bools); where numexpr's result dtype differs from numjet's
   (numjet follows NumPy 2 / NEP 50, numexpr its own upcasting), numjet is
   compared against NumPy instead and the table says so. Disagreements are
   printed, not hidden. Each cell is the median over the rounds of each
   round's median over `repeat` calls; "ne/nj" is numexpr's time over
   numjet's on the same path: > 1 means numjet is faster.

2. The fixed cost of a cached (warm) call at small n (`a + b*2`, float64):
   per-call µs of `numjet.evaluate` (names from the caller's frame, and with
   `local_dict=`), `numjet.re_evaluate`, and numexpr's `evaluate` and
   `re_evaluate`, each the median over 20 batches of 2000 calls (batch time
   / 2000). The compute at n = 1,000 (16 KB in, 8 KB out) is part of it.
   Two reference rows: NumPy's `a + b*2`, and numjet's compiled core
   (`numjet._numjet.evaluate`) called directly, without the Python layer's
   name lookup and checks.

3. Dask (--dask, the default): a `distributed.LocalCluster` of 2 worker
   processes with 1 thread each; a and b are uniform [0, 1) float64 arrays
   of dask_n elements in dask_chunks chunks, generated and persisted on the
   workers before any timing (so the random generation is not timed). They
   are the two rows of one `da.random.random((2, dask_n), chunks=(2,
   dask_n // dask_chunks))`, so block i of a and block i of b sit on the
   same worker, and work stealing is off, so no task fetches an input from
   the other worker: this times the programs, not transfers between
   workers. (A fetched block is also deserialized into a buffer that need
   not be 8-byte aligned.)
   `sum(a*b)` through `numjet.dask.evaluate` against `(a*b).sum()` built
   with dask's NumPy functions, timed by `.compute()` (a scalar comes
   back); and the elementwise program `2*a + 3*b - sin(a)` against
   `2*a + 3*b - da.sin(a)`, timed by `.persist()` and waiting for every
   chunk (the 1.6 GB result stays on the workers and is released after each
   round: bringing it to the client would time the transfer, not the
   program). Median over the rounds. Each worker runs numjet on 1 thread
   (NUMJET_NUM_THREADS=1 in the workers' environment), as the NumPy graph
   runs one thread per worker.
"""
import argparse
import datetime
import gc
import os
import platform
import statistics
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)  # python/, holding the numjet package
REPO = os.path.dirname(PYTHON_DIR)

import numexpr as ne  # noqa: E402
import numpy as np  # noqa: E402

try:
    import numjet as nj
except ImportError:  # not installed, not on PYTHONPATH: the one next to this script
    sys.path.insert(0, PYTHON_DIR)
    import numjet as nj
from numjet import _numjet  # noqa: E402

# The directory holding the numjet package in use, for the Dask workers.
NUMJET_PATH = os.path.dirname(os.path.dirname(os.path.abspath(nj.__file__)))


def load_cases():
    """CASES from benches/compare.py (read, not imported: that script wants
    the numjet command-line binary), so both benches time the same list."""
    import ast

    path = os.path.join(REPO, "benches", "compare.py")
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CASES" for t in node.targets):
            return [tuple(c) for c in ast.literal_eval(node.value)]
    raise SystemExit(f"no CASES list in {path}")


CASES = load_cases()

NUMPY_FUNCS = dict(where=np.where, sqrt=np.sqrt, sin=np.sin, cos=np.cos, sum=np.sum, exp=np.exp, log=np.log, abs=np.abs)


# --- machine ----------------------------------------------------------------


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count()


def loadavg():
    try:
        return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "?"


# --- part 1: the expressions ------------------------------------------------


def inputs(expr, dtype, n, seed):
    """The arrays the expression names, seeded: the same for both libraries."""
    rng = np.random.default_rng(seed)
    names = sorted(name for name, constant in _numjet.names(expr) if not constant)
    if np.dtype(dtype).kind in "iu":
        return {v: rng.integers(1, 1000, n, dtype=dtype) for v in names}
    return {v: rng.random(n).astype(dtype) for v in names}


def check(actual, expected):
    """None if they agree (rtol 1e-6 for floats, exact otherwise), else the
    message of the failed assertion's first lines."""
    try:
        if np.dtype(actual.dtype).kind in "fc":
            np.testing.assert_allclose(actual, expected, rtol=1e-6)
        else:
            np.testing.assert_array_equal(actual, expected)
        return None
    except AssertionError as e:
        return " ".join(str(e).strip().splitlines()[:4])


def verify(expr, env):
    """Compares numjet's result with numexpr's, or NumPy's where numexpr's
    dtype differs. Returns (note, problem): a note for the table, and the
    disagreement, if any."""
    try:
        r_nj = np.asarray(nj.evaluate(expr, local_dict=env))
    except Exception as e:
        return "numjet raised", f"numjet raised {type(e).__name__}: {e}"
    try:
        r_ne = np.asarray(ne.evaluate(expr, local_dict=env))
    except Exception as e:
        return "numexpr raised", f"numexpr raised {type(e).__name__}: {e}"
    if r_nj.dtype == r_ne.dtype and r_nj.shape == r_ne.shape:
        problem = check(r_nj, r_ne)
        return ("= numexpr" if problem is None else "≠ numexpr"), problem
    r_np = np.asarray(eval(expr, {"__builtins__": {}}, dict(NUMPY_FUNCS, **env)))
    note = f"numexpr gives {r_ne.dtype}, numjet {r_nj.dtype}, NumPy {r_np.dtype}"
    if r_nj.dtype != r_np.dtype or r_nj.shape != r_np.shape:
        return note, f"numjet {r_nj.dtype}{r_nj.shape} vs NumPy {r_np.dtype}{r_np.shape}"
    problem = check(r_nj, r_np)
    return note + ("; = NumPy" if problem is None else "; ≠ NumPy"), problem


def median_ms(f, repeat):
    f()  # untimed: first-call costs (compile caches, page faults of out=)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


PATHS = ["numjet", "numjet out=", "numexpr", "numexpr out="]


def measure(expr, env, repeat):
    """One round of one case: median ms per path (NaN: no out= path)."""
    reduction = np.ndim(nj.evaluate(expr, local_dict={k: v[:8] for k, v in env.items()})) == 0
    t = {}
    t["numjet"] = median_ms(lambda: nj.evaluate(expr, local_dict=env), repeat)
    t["numexpr"] = median_ms(lambda: ne.evaluate(expr, local_dict=env), repeat)
    if reduction:
        t["numjet out="] = t["numexpr out="] = float("nan")
    else:
        out_nj = np.empty_like(nj.evaluate(expr, local_dict=env))
        t["numjet out="] = median_ms(lambda: nj.evaluate(expr, local_dict=env, out=out_nj), repeat)
        del out_nj
        out_ne = np.empty_like(ne.evaluate(expr, local_dict=env))
        t["numexpr out="] = median_ms(lambda: ne.evaluate(expr, local_dict=env, out=out_ne), repeat)
        del out_ne
    gc.collect()
    return t


# --- part 2: the fixed cost -------------------------------------------------


def per_call_us(call, batches, calls):
    """Median over `batches` of (batch time / calls), in µs, after a warm-up batch."""
    for _ in range(calls):
        call()
    ts = []
    for _ in range(batches):
        t = time.perf_counter()
        for _ in range(calls):
            call()
        ts.append((time.perf_counter() - t) / calls * 1e6)
    return statistics.median(ts), min(ts), max(ts)


# The frame-lookup variants read `a` and `b` from the caller's frame, as a
# user's code does: the calls are made from these small functions' frames.
# (A lambda would not do: its own frame holds neither name.)
def _frame(evaluate, a, b, batches, calls):
    for _ in range(calls):
        evaluate("a + b*2")
    ts = []
    for _ in range(batches):
        t = time.perf_counter()
        for _ in range(calls):
            evaluate("a + b*2")
        ts.append((time.perf_counter() - t) / calls * 1e6)
    return statistics.median(ts), min(ts), max(ts)


def fixed_cost(n, batches, calls):
    rng = np.random.default_rng(7)
    a, b = rng.random(n), rng.random(n)
    env = {"a": a, "b": b}
    out = np.empty(n)
    rows = []
    rows.append(("numjet.evaluate('a + b*2')  (names from the frame)", _frame(nj.evaluate, a, b, batches, calls)))
    rows.append(("numjet.evaluate('a + b*2', local_dict=)", per_call_us(lambda: nj.evaluate("a + b*2", local_dict=env), batches, calls)))
    rows.append(("numjet.evaluate('a + b*2', local_dict=, out=)", per_call_us(lambda: nj.evaluate("a + b*2", local_dict=env, out=out), batches, calls)))
    nj.evaluate("a + b*2", local_dict=env)
    rows.append(("numjet.re_evaluate(local_dict=)", per_call_us(lambda: nj.re_evaluate(local_dict=env), batches, calls)))
    rows.append(("numexpr.evaluate('a + b*2')  (names from the frame)", _frame(ne.evaluate, a, b, batches, calls)))
    rows.append(("numexpr.evaluate('a + b*2', local_dict=)", per_call_us(lambda: ne.evaluate("a + b*2", local_dict=env), batches, calls)))
    rows.append(("numexpr.evaluate('a + b*2', local_dict=, out=)", per_call_us(lambda: ne.evaluate("a + b*2", local_dict=env, out=out), batches, calls)))
    ne.evaluate("a + b*2", local_dict=env)
    rows.append(("numexpr.re_evaluate(local_dict=)", per_call_us(lambda: ne.re_evaluate(local_dict=env), batches, calls)))
    rows.append(("a + b*2  (NumPy, for reference)", per_call_us(lambda: a + b * 2, batches, calls)))
    names = ["a", "b"]
    values = (a, b)
    rows.append(("numjet._numjet.evaluate  (the compiled core alone, no Python layer)", per_call_us(lambda: _numjet.evaluate("a + b*2", names, values, None), batches, calls)))
    return rows


# --- part 3: Dask -----------------------------------------------------------


def _holds(name, dask_scheduler=None):
    """On the scheduler: how many tasks of the collection `name` it knows."""
    return sum(1 for k in dask_scheduler.tasks if (k[0] if isinstance(k, tuple) else k) == name)


def dask_part(args):
    """Returns (rows, notes): per program, the median seconds of numjet.dask
    and of the NumPy graph, and anything that went wrong."""
    import dask
    import dask.array as da
    import distributed

    import numjet.dask as njd

    n = int(float(args.dask_n))
    chunk = max(1, n // args.dask_chunks)
    # Workers are separate processes: they must find this numjet, and run it
    # on one thread each, as the NumPy graph does.
    env = {"NUMJET_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(filter(None, [NUMJET_PATH, os.environ.get("PYTHONPATH")]))}
    os.environ.update(env)
    # dashboard_address=None still serves /metrics on 8787, or on any free
    # port (with a warning) when another cluster holds 8787.
    warnings.filterwarnings("ignore", message="Port 8787 is already in use")
    notes = []
    rows = []
    # No work stealing: a task runs where its inputs are (see above).
    dask.config.set({"distributed.scheduler.work-stealing": False})
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        # Block i of a and block i of b are made by one task, so they live
        # on the same worker and no program has to move an input between
        # workers (which would time the transfer, and could hand numjet an
        # unaligned array: see the module's docstring).
        ab = da.random.random((2, n), chunks=(2, chunk))
        a, b = client.persist([ab[0], ab[1]])
        distributed.wait([a, b])
        del ab
        nchunks = a.numblocks[0]

        def released(x):
            """Waits until the scheduler has forgotten x's result, so the
            next round computes it again rather than finding it in memory."""
            deadline = time.monotonic() + 60
            while client.run_on_scheduler(_holds, x.name) and time.monotonic() < deadline:
                time.sleep(0.02)

        def timed_compute(x):
            t = time.perf_counter()
            r = x.compute()
            dt = time.perf_counter() - t
            released(x)
            return dt, r

        def timed_persist(x):
            t = time.perf_counter()
            p = client.persist(x)
            distributed.wait(p)
            dt = time.perf_counter() - t
            del p  # released on the workers
            released(x)
            return dt

        # sum(a*b): one number comes back.
        nj_sum = njd.evaluate("sum(a*b)", local_dict={"a": a, "b": b})
        np_sum = (a * b).sum()
        _, r1 = timed_compute(nj_sum)
        _, r2 = timed_compute(np_sum)
        p = check(np.asarray(r1), np.asarray(r2))
        if p:
            notes.append(f"sum(a*b): numjet.dask {r1!r} vs dask+NumPy {r2!r}: {p}")
        t_nj, t_np = [], []
        for _ in range(args.rounds):
            t_nj.append(timed_compute(nj_sum)[0])
            t_np.append(timed_compute(np_sum)[0])
        rows.append(("`sum(a*b)`", ".compute()", "(a*b).sum()", t_nj, t_np, "= dask+NumPy" if not p else "≠ dask+NumPy"))

        # An elementwise program: persisted on the workers, not gathered.
        prog = "2*a + 3*b - sin(a)"
        nj_el = njd.evaluate(prog, local_dict={"a": a, "b": b})
        np_el = 2 * a + 3 * b - da.sin(a)
        pe_nj, pe_np = client.persist([nj_el, np_el])
        distributed.wait([pe_nj, pe_np])
        same = bool(da.allclose(pe_nj, pe_np, rtol=1e-6, atol=0).compute())
        dtypes = (pe_nj.dtype, pe_np.dtype)
        del pe_nj, pe_np
        released(nj_el)
        released(np_el)
        if not same or dtypes[0] != dtypes[1]:
            notes.append(f"{prog}: numjet.dask and dask+NumPy disagree (allclose rtol 1e-6: {same}; dtypes {dtypes[0]} / {dtypes[1]})")
        t_nj, t_np = [], []
        for _ in range(args.rounds):
            t_nj.append(timed_persist(nj_el))
            t_np.append(timed_persist(np_el))
        rows.append((f"`{prog}`", ".persist() + wait", "2*a + 3*b - da.sin(a)", t_nj, t_np, "= dask+NumPy" if same else "≠ dask+NumPy"))
        del a, b
    return rows, notes, nchunks, chunk


# --- output -----------------------------------------------------------------


def fmt(x, spec):
    return "—" if x != x else format(x, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", default="1e7", help="elements per array (default 1e7)")
    ap.add_argument("--threads", type=int, default=2, help="threads for both libraries (default 2)")
    ap.add_argument("--repeat", type=int, default=10, help="timed calls per measurement (median)")
    ap.add_argument("--rounds", type=int, default=3, help="passes over all cases, and Dask rounds (median)")
    ap.add_argument("--small-n", default="1000", help="n of the fixed-cost calls (default 1000)")
    ap.add_argument("--batches", type=int, default=20, help="fixed cost: batches (median)")
    ap.add_argument("--calls", type=int, default=2000, help="fixed cost: calls per batch")
    ap.add_argument("--dask", action=argparse.BooleanOptionalAction, default=True, help="run the Dask part (default on)")
    ap.add_argument("--dask-n", default="2e8", help="elements per Dask array (default 2e8)")
    ap.add_argument("--dask-chunks", type=int, default=20, help="chunks per Dask array (default 20)")
    args = ap.parse_args()
    n = int(float(args.n))
    small_n = int(float(args.small_n))

    ne.set_num_threads(args.threads)
    nj.set_num_threads(args.threads)
    load_before = loadavg()
    started = time.perf_counter()

    # Part 1.
    envs = [inputs(expr, dtype, n, 42 + k) for k, (expr, dtype) in enumerate(CASES)]
    verdicts = [verify(expr, env) for (expr, _), env in zip(CASES, envs)]
    runs = [[] for _ in CASES]
    for _ in range(args.rounds):
        for k, (expr, _) in enumerate(CASES):
            runs[k].append(measure(expr, envs[k], args.repeat))
    del envs
    gc.collect()

    # Part 2.
    fixed = fixed_cost(small_n, args.batches, args.calls)

    # Part 3.
    dask_rows = dask_notes = None
    if args.dask:
        try:
            dask_rows, dask_notes, nchunks, chunk = dask_part(args)
        except Exception as e:  # reported, not hidden: the other tables stand
            dask_notes = [f"Dask part failed: {type(e).__name__}: {e}"]

    elapsed = time.perf_counter() - started

    # Tables.
    print(
        f"{datetime.date.today().isoformat()}; {cpu_model()}, {cores()} cores; "
        f"Python {platform.python_version()}, NumPy {np.__version__}, numexpr {ne.__version__}, numjet {nj.__version__}; "
        f"load average before the run {load_before}, after {loadavg()}; run took {elapsed:.0f} s"
    )
    print()
    print(
        f"n = {n:,}, {args.threads} threads for both libraries (numjet {nj.get_num_threads()}, numexpr {ne.get_num_threads()}); "
        f"median over {args.rounds} rounds of each round's median of {args.repeat} calls, ms. "
        f"\"ne/nj\" = numexpr / numjet on the same path: > 1 means numjet is faster."
    )
    print()
    head = ["expression", "dtype", "numjet", "numjet out=", "numexpr", "numexpr out=", "ne/nj", "ne/nj out=", "result"]
    print("| " + " | ".join(head) + " |")
    print("|---|---|" + "---:|" * 6 + "---|")
    slower = []
    for (expr, dtype), rs, (note, _) in zip(CASES, runs, verdicts):
        med = {p: statistics.median([t[p] for t in rs]) for p in PATHS}
        r_fresh = med["numexpr"] / med["numjet"]
        r_out = med["numexpr out="] / med["numjet out="]
        for path, r in (("fresh", r_fresh), ("out=", r_out)):
            if r == r and r < 1:
                slower.append(f"`{expr}` {dtype} ({path}): numexpr/numjet = {r:.2f}")
        cells = [f"`{expr}`", dtype] + [fmt(med[p], ".2f") for p in PATHS] + [fmt(r_fresh, ".2f"), fmt(r_out, ".2f"), note]
        print("| " + " | ".join(cells) + " |")
    print()
    print("Spread: smallest–largest round median, ms")
    print()
    print("| expression | dtype | " + " | ".join(PATHS) + " |")
    print("|---|---|" + "---:|" * len(PATHS))
    for (expr, dtype), rs in zip(CASES, runs):
        cells = [f"`{expr}`", dtype]
        for p in PATHS:
            lo, hi = min(t[p] for t in rs), max(t[p] for t in rs)
            cells.append("—" if lo != lo else f"{lo:.2f}–{hi:.2f}")
        print("| " + " | ".join(cells) + " |")
    print()
    if slower:
        print("numjet slower than numexpr: " + "; ".join(slower))
    else:
        print("numjet faster than numexpr on every case and path.")
    problems = [(expr, dtype, p) for (expr, dtype), (_, p) in zip(CASES, verdicts) if p]
    for expr, dtype, p in problems:
        print(f"DISAGREEMENT `{expr}` {dtype}: {p}")
    if not problems:
        print("All results agree (rtol 1e-6 for floats, exact for ints and bools).")
    print()

    print(
        f"Fixed cost of a cached call: `a + b*2`, float64, n = {small_n:,}, {args.threads} threads set; "
        f"median over {args.batches} batches of {args.calls} calls (batch time / calls), µs"
    )
    print()
    print("| call | µs per call | batches' range |")
    print("|---|---:|---:|")
    for label, (med, lo, hi) in fixed:
        code, _, comment = label.partition("  ")
        print(f"| `{code}` {comment}".rstrip() + f" | {med:.2f} | {lo:.2f}–{hi:.2f} |")
    nj_fixed = fixed[0][1][0]
    print()
    print(f"numjet.evaluate fixed cost {nj_fixed:.2f} µs: {'meets' if nj_fixed <= 3 else 'misses'} the 3 µs target.")
    print()

    if args.dask:
        if dask_rows:
            dn = int(float(args.dask_n))
            print(
                f"Dask: {dn:,} float64 elements per array ({dn * 8 / 1e9:.1f} GB) in {nchunks} chunks of {chunk:,}, "
                f"a and b persisted on a LocalCluster of 2 worker processes x 1 thread (numjet on 1 thread per worker); "
                f"median over {args.rounds} rounds, seconds"
            )
            print()
            print("| program | timed | numjet.dask | dask + NumPy (graph) | dask+NumPy / numjet | result |")
            print("|---|---|---:|---:|---:|---|")
            for label, how, np_graph, t_nj, t_np, note in dask_rows:
                m_nj, m_np = statistics.median(t_nj), statistics.median(t_np)
                print(f"| {label} | `{how}` | {m_nj:.3f} | {m_np:.3f} (`{np_graph}`) | {m_np / m_nj:.2f} | {note} |")
            print()
            print("Spread over the rounds, s: " + "; ".join(
                f"{label} numjet.dask {min(t_nj):.3f}–{max(t_nj):.3f}, dask+NumPy {min(t_np):.3f}–{max(t_np):.3f}"
                for label, _, _, t_nj, t_np, _ in dask_rows
            ))
        for note in dask_notes or []:
            print(note)


if __name__ == "__main__":
    main()
