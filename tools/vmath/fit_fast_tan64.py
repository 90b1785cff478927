"""Coefficients of the fast-mode float64 tan (src/vmath/fast_trig.rs).

Run:  /work/venv/bin/python tools/vmath/fit_fast_tan64.py [m n]   (mpmath; ~1 min)

Fits tan r = r * P(z) / Q(z), z = r^2, P(z) = 1 + a1 z + ... + am z^m,
Q(z) = 1 + b1 z + ... + bn z^n, on |r| <= pi/4 (1 + 2^-20), near-minimax
for the relative error: the linearised problem
    min max |r P(z) - tan(r) Q(z)| / (tan(r) Q0(z))
(linear in the a_i, b_j) is solved by Lawson's iteratively reweighted least
squares (the `lawson` of fit_fast_trig.py) on Chebyshev nodes in 50-digit
arithmetic, and re-solved a few times with Q0 the previous Q (Loeb's
iteration). The coefficients are rounded to float64 and the relative error
of the rounded rational function (evaluated exactly) is measured on a
dense grid.
"""
import sys

import mpmath as mp

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from fit_fast_trig import lawson, nodes  # noqa: E402

mp.mp.dps = 50


def fit(m, n, rmax):
    zs = nodes(rmax ** 2, 120)
    q0 = [mp.mpf(0)] * n

    def qv(q, z):
        return 1 + sum(q[j] * z ** (j + 1) for j in range(n))

    cs = None
    for _ in range(4):
        def bt(z, q0=q0):
            r = mp.sqrt(z)
            t = mp.tan(r)
            phis = [r * z ** (i + 1) for i in range(m)] + [-t * z ** (j + 1) for j in range(n)]
            return phis, t - r, 1 / (t * qv(q0, z))
        cs = lawson(bt, zs, m + n, [], iters=30)
        q0 = cs[m:]
    return [mp.mpf(float(c)) for c in cs]


def err(cs, m, n, rmax):
    e = 0
    for i in range(1, 3001):
        r = rmax * i / 3000
        z = r * r
        p = 1 + sum(cs[i2] * z ** (i2 + 1) for i2 in range(m))
        q = 1 + sum(cs[m + j] * z ** (j + 1) for j in range(n))
        e = max(e, abs(r * p / q / mp.tan(r) - 1))
    return e


if __name__ == "__main__":
    m, n = (int(a) for a in sys.argv[1:3]) if len(sys.argv) > 2 else (3, 3)
    rmax = mp.pi / 4 * (1 + mp.mpf(2) ** -20)
    cs = fit(m, n, rmax)
    print(f"// tan r = r*TP(r^2)/TQ(r^2), TP = 1 + ..., TQ = 1 + ..., |r| <= pi/4 (1 + 2^-20):"
          f" max relative error 2^{mp.nstr(mp.log(err(cs, m, n, rmax), 2), 4)} (coefficients rounded to f64)")
    for i in range(m):
        print(f"const TP{i + 1}: f64 = {repr(float(cs[i]))};")
    for j in range(n):
        print(f"const TQ{j + 1}: f64 = {repr(float(cs[m + j]))};")
