"""Fits the expm1 polynomials of src/vmath/fast_hyper.rs (fast-mode sinh,
cosh, tanh).

    expm1(r) ~= r + r^2/2 + r^3 * Q(r),   |r| <= R = ln2/2 (+ a margin)

The first two coefficients are fixed (1 and 1/2, exact in any format) and
Q (degree d) is fitted to minimise the *relative* error of expm1 in the
minimax sense: Lawson's iteratively reweighted least squares on Chebyshev
nodes of [-R, R], in 50-digit mpmath. Then each coefficient is rounded to
the target format (f64 or f32) one at a time, from the lowest degree up,
refitting the remaining ones after each rounding (so the later ones absorb
the rounding errors of the earlier ones), and the error of the rounded
polynomial is measured on a dense grid (exact arithmetic: this is the
approximation error alone, not the evaluation's rounding).

Run: /work/venv/bin/python tools/vmath/fit_fast_hyper.py
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 50
R = mp.log(2) / 2 + mp.mpf("0.002")


def g(r):
    # (expm1(r) - r - r^2/2) / r^3, via its series near 0
    if abs(r) < mp.mpf("1e-8"):
        return mp.mpf(1) / 6 + r / 24 + r * r / 120
    return (mp.expm1(r) - r - r * r / 2) / r**3


def weight(r):
    # relative error of expm1: |r^3 (Q - g)| / |expm1 r|
    if r == 0:
        return mp.mpf(0)
    return abs(r**3 / mp.expm1(r))


def lawson(xs, ys, ws, deg, fixed, iters=40):
    """Fits c[len(fixed)..deg] with c[0..len(fixed)] = fixed (already rounded)."""
    nf = len(fixed)
    m = deg + 1 - nf
    lw = [mp.mpf(1) / len(xs)] * len(xs)
    c = None
    for _ in range(iters):
        A = mp.matrix(m, m)
        B = mp.matrix(m, 1)
        for x, y, w, l in zip(xs, ys, ws, lw):
            t = y - sum(fixed[j] * x**j for j in range(nf))
            pw = [x ** (nf + j) for j in range(m)]
            ww = l * w * w
            for i in range(m):
                B[i] += ww * pw[i] * t
                for j in range(m):
                    A[i, j] += ww * pw[i] * pw[j]
        sol = mp.lu_solve(A, B)
        c = list(fixed) + [sol[j] for j in range(m)]
        errs = [abs(w * (sum(c[j] * x**j for j in range(deg + 1)) - y)) for x, y, w in zip(xs, ys, ws)]
        tot = sum(l * e for l, e in zip(lw, errs))
        lw = [l * e / tot for l, e in zip(lw, errs)]
    return c


def fit(deg, dtype, npts=120):
    xs = [R * mp.cos(mp.pi * (2 * i + 1) / (2 * npts)) for i in range(npts)]
    ys = [g(x) for x in xs]
    ws = [weight(x) for x in xs]
    rnd = (lambda v: mp.mpf(float(v))) if dtype == "f64" else (lambda v: mp.mpf(float(np.float32(float(v)))))
    fixed = []
    for k in range(deg + 1):
        c = lawson(xs, ys, ws, deg, fixed, iters=25)
        fixed.append(rnd(c[k]))
    return fixed


def measure(cs, n=4000):
    m = mp.mpf(0)
    for i in range(-n, n + 1):
        r = R * i / n
        if r == 0:
            continue
        q = mp.mpf(0)
        for cc in reversed(cs):
            q = q * r + cc
        p = r + r * r / 2 + r**3 * q
        e = abs((p - mp.expm1(r)) / mp.expm1(r))
        m = max(m, e)
    return m


def show(name, dtype, cs):
    err = measure(cs)
    print(f"// {name} ({dtype}, Q of degree {len(cs) - 1}): max rel. error of expm1 "
          f"{mp.nstr(err, 4)} = 2^{mp.nstr(mp.log(err, 2), 4)} on |r| <= {mp.nstr(R, 6)}")
    for i, c in enumerate(cs):
        if dtype == "f64":
            print(f"const {name}{i}: f64 = {float(c)!r};")
        else:
            print(f"const {name}{i}: f32 = {str(np.float32(float(c)))};")


if __name__ == "__main__":
    # What fast_hyper.rs uses: E (f64, degree 8), F (f32, degree 4, tanh),
    # G (f32, degree 3, sinh and cosh). Other degrees: fit_fast_hyper.py D64 D32.
    import sys
    if len(sys.argv) > 2:
        show("E", "f64", fit(int(sys.argv[1]), "f64"))
        show("F", "f32", fit(int(sys.argv[2]), "f32"))
    else:
        show("E", "f64", fit(8, "f64"))
        show("F", "f32", fit(4, "f32"))
        show("G", "f32", fit(3, "f32"))
