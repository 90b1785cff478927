"""Coefficients of the fast-mode sin, cos, tan (src/vmath/fast_trig.rs).

Run:  /work/venv/bin/python tools/vmath/fit_fast_trig.py   (mpmath; ~1 min)

Fits, in the variable z = r^2, near-minimax polynomials for the relative
error, by iteratively reweighted least squares (Lawson's algorithm) on
Chebyshev nodes in 50-digit mpmath arithmetic. The coefficients are then
rounded to the target type one at a time, lowest order first, refitting the
remaining ones after each rounding (so the later ones absorb the rounding
of the earlier ones), and the relative error of the rounded polynomial
(evaluated exactly) is measured on a dense grid.

  sin r = r + r^3 * S(z)            on |r| <= pi/2 + margin   (sin/cos, f64 and f32)
  sin r = r + r^3 * T(z)            on |r| <= pi/4 + margin   (tan, f64 and f32)
  cos r = 1 - z/2 + z^2 * C(z)      on |r| <= pi/4 + margin   (tan, f64)
  tan r = r + r^3 * T(z)            on |r| <= pi/4 + 0.07     (tan, f32)

Arguments: none (all of the f64 and sin f32 fits) or some of sin64 n64=8,
sin32 n32=5, tan64 nts=6 ntc=6, tanpoly32=7,0.07 (number of coefficients,
margin beyond pi/4).
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 50


def rnd(v, t):
    return mp.mpf(float(v)) if t == "f64" else mp.mpf(float(np.float32(float(v))))


def lawson(basis_target, zs, ncoef, fixed, iters=40):
    """Minimise max |sum_j c_j*phi_j(z) - g(z)| * w(z) over the free c_j
    (j >= len(fixed)); basis_target(z) -> (phis, g, w)."""
    rows = [basis_target(z) for z in zs]
    nf = len(fixed)
    free = ncoef - nf
    lw = [mp.mpf(1) / len(zs)] * len(zs)
    c = None
    for _ in range(iters):
        A = mp.matrix(free, free)
        B = mp.matrix(free, 1)
        for (phi, g, w), l in zip(rows, lw):
            resid = g - sum(fixed[j] * phi[j] for j in range(nf))
            ww = l * w * w
            for i in range(free):
                B[i] += ww * phi[nf + i] * resid
                for j in range(free):
                    A[i, j] += ww * phi[nf + i] * phi[nf + j]
        c = mp.lu_solve(A, B)
        errs = []
        for phi, g, w in rows:
            p = sum(fixed[j] * phi[j] for j in range(nf)) + sum(c[i] * phi[nf + i] for i in range(free))
            errs.append(abs(p - g) * w)
        tot = sum(l * e for l, e in zip(lw, errs))
        lw = [l * e / tot for l, e in zip(lw, errs)]
    return list(fixed) + [c[i] for i in range(free)]


def fit_rounded(basis_target, zs, ncoef, t):
    fixed = []
    while len(fixed) < ncoef:
        cs = lawson(basis_target, zs, ncoef, fixed)
        fixed.append(rnd(cs[len(fixed)], t))
    return fixed


def nodes(zmax, n=160):
    return [zmax / 2 * (1 - mp.cos(mp.pi * (i + mp.mpf(0.5)) / n)) for i in range(n)]


def sin_case(rmax, ncoef, t, name):
    # sin r = r + r^3 S(z): S(z) ~ (sin r - r)/r^3, weight r^3/sin r (relative error of sin)
    def bt(z):
        r = mp.sqrt(z)
        if z == 0:
            return [z ** j for j in range(ncoef)], mp.mpf(-1) / 6, 0
        return [z ** j for j in range(ncoef)], (mp.sin(r) - r) / r ** 3, r ** 3 / mp.sin(r)
    cs = fit_rounded(bt, nodes(rmax ** 2), ncoef, t)
    err = 0
    for i in range(1, 4001):
        r = rmax * i / 4000
        p = sum(c * (r * r) ** j for j, c in enumerate(cs))
        err = max(err, abs((r + r ** 3 * p - mp.sin(r)) / mp.sin(r)))
    show(name, cs, t, err, f"sin r = r + r^3*{name}(r^2), |r| <= {mp.nstr(rmax, 8)}")


def cos_case(rmax, ncoef, t, name):
    # cos r = 1 - z/2 + z^2 C(z): C ~ (cos r - 1 + z/2)/z^2, weight z^2/cos r
    def bt(z):
        if z == 0:
            return [z ** j for j in range(ncoef)], mp.mpf(1) / 24, 0
        r = mp.sqrt(z)
        return [z ** j for j in range(ncoef)], (mp.cos(r) - 1 + z / 2) / z ** 2, z ** 2 / mp.cos(r)
    cs = fit_rounded(bt, nodes(rmax ** 2), ncoef, t)
    err = 0
    for i in range(1, 4001):
        r = rmax * i / 4000
        z = r * r
        p = sum(c * z ** j for j, c in enumerate(cs))
        err = max(err, abs((1 - z / 2 + z * z * p - mp.cos(r)) / mp.cos(r)))
    show(name, cs, t, err, f"cos r = 1 - r^2/2 + r^4*{name}(r^2), |r| <= {mp.nstr(rmax, 8)}")


def show(name, cs, t, err, what):
    print(f"// {what}: max relative error 2^{mp.nstr(mp.log(err, 2), 4)} (coefficients rounded to {t})")
    for i, c in enumerate(cs):
        if t == "f64":
            print(f"const {name}{i}: f64 = {repr(float(c))};")
        else:
            print(f"const {name}{i}: f32 = {str(np.float32(float(c)))};")
    print()


def tan_case(rmax, ncoef, t, name):
    # tan r = r + r^3 T(z): T ~ (tan r - r)/r^3, weight r^3/tan r (relative error of tan)
    def bt(z):
        if z == 0:
            return [z ** j for j in range(ncoef)], mp.mpf(1) / 3, 0
        r = mp.sqrt(z)
        return [z ** j for j in range(ncoef)], (mp.tan(r) - r) / r ** 3, r ** 3 / mp.tan(r)
    cs = fit_rounded(bt, nodes(rmax ** 2), ncoef, t)
    err = 0
    for i in range(1, 4001):
        r = rmax * i / 4000
        p = sum(c * (r * r) ** j for j, c in enumerate(cs))
        err = max(err, abs((r + r ** 3 * p - mp.tan(r)) / mp.tan(r)))
    show(name, cs, t, err, f"tan r = r + r^3*{name}(r^2), |r| <= {mp.nstr(rmax, 8)}")


if __name__ == "__main__":
    import sys
    which = sys.argv[1:] or ["all"]
    half = mp.pi / 2
    quarter = mp.pi / 4
    if "all" in which or "sin64" in which:
        sin_case(half * (1 + mp.mpf(2) ** -20), int(dict(a.split("=") for a in which if "=" in a).get("n64", 8)), "f64", "S")
    if "all" in which or "sin32" in which:
        sin_case(half + mp.mpf("0.01"), int(dict(a.split("=") for a in which if "=" in a).get("n32", 5)), "f32", "SF")
    if "all" in which or "tan64" in which:
        sin_case(quarter * (1 + mp.mpf(2) ** -20), int(dict(a.split("=") for a in which if "=" in a).get("nts", 6)), "f64", "TS")
        cos_case(quarter * (1 + mp.mpf(2) ** -20), int(dict(a.split("=") for a in which if "=" in a).get("ntc", 6)), "f64", "TC")
    for a in which:
        if a.startswith("tanpoly32="):
            n, m = a.split("=")[1].split(",")
            tan_case(mp.pi / 4 + mp.mpf(m), int(n), "f32", "TF")
    if "all" in which:
        tan_case(mp.pi / 4 + mp.mpf("0.07"), 7, "f32", "TF")
