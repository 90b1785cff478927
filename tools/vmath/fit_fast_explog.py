# Fits the polynomial coefficients of src/vmath/fast_explog.rs (fast mode).
#
# Chebyshev interpolation in 200-bit precision (mpmath.chebyfit, within a
# small factor of minimax), coefficients rounded to the working type
# (binary32 or binary64), then the weighted max error of the rounded
# polynomial, evaluated in high precision on a dense grid, is printed as a
# comment. Run: /work/venv/bin/python tools/vmath/fit_fast_explog.py [names]
import sys
import struct
import mpmath as mp
import numpy as np

mp.mp.prec = 200


def to_f32(v):
    return struct.unpack("<f", struct.pack("<f", float(v)))[0]


def series(terms):
    def g(x):
        x = mp.mpf(x)
        s, p = mp.mpf(0), mp.mpf(1)
        for c in terms:
            s += c * p
            p *= x
        return s
    return g


def fit(name, g, a, b, deg, weight, ty):
    cs, _ = mp.chebyfit(g, [a, b], deg + 1, error=True)
    cs = [float(c) for c in cs][::-1]  # lowest degree first
    if ty == "f32":
        cs = [to_f32(c) for c in cs]
    worst = mp.mpf(0)
    for i in range(4001):
        x = mp.mpf(a) + (mp.mpf(b) - a) * i / 4000
        p = mp.mpf(0)
        for c in reversed(cs):
            p = p * x + mp.mpf(c)
        worst = max(worst, abs(p - g(x)) * weight(x))
    print(f"// {name}: degree {deg} on [{mp.nstr(a, 8)}, {mp.nstr(b, 8)}], "
          f"weighted max error 2^{mp.nstr(mp.log(worst, 2), 4)}")
    for i, c in enumerate(cs):
        if ty == "f32":
            print(f"const {name}{i}: f32 = {np.float32(c)!s};")  # shortest f32 digits
        else:
            print(f"const {name}{i}: f64 = {c!r};")
    return worst


which = set(sys.argv[1:]) or {"all"}
want = lambda k: "all" in which or k in which

# exp: exp(r) = 1 + r + r^2*Q(r), |r| <= ln2/2 (a little more for the
# rounding of n); error of r^2*Q relative to exp(r) ~ 1: weight r^2.
# expm1 uses the same Q: expm1(r) = r + r^2*Q(r).
L = mp.log(2) / 2 * mp.mpf("1.002")
gq = series([1 / mp.factorial(k) for k in range(2, 60)])
if want("exp32"):
    for d in (3, 4):
        fit("EXPF_Q", gq, -L, L, d, lambda x: x * x, "f32")
if want("exp64"):
    for d in (8, 9):
        fit("EXP_Q", gq, -L, L, d, lambda x: x * x, "f64")
# exp2: 2^r = 1 + r*P(r), |r| <= 1/2; weight r.
g2 = series([mp.log(2) ** k / mp.factorial(k) for k in range(1, 70)])
H = mp.mpf("0.5") * mp.mpf("1.0001")
if want("exp2_32"):
    for d in (4, 5):
        fit("EXP2F_P", g2, -H, H, d, lambda x: abs(x), "f32")
if want("exp2_64"):
    for d in (9, 10):
        fit("EXP2_P", g2, -H, H, d, lambda x: abs(x), "f64")
# log: log(1+f) = 2s + s*z*Q(z), s = f/(2+f), z = s^2 in [0, 0.0295];
# weight s*z relative to the result ~2s: z.
glq = series([mp.mpf(2) / (2 * j + 1) for j in range(1, 90)])
Z = mp.mpf("0.0295")
if want("log32"):
    for d in (1, 2, 3):
        fit("LOGF_Q", glq, 0, Z, d, lambda z: z, "f32")
if want("log64"):
    for d in (4, 5, 6):
        fit("LOG_Q", glq, 0, Z, d, lambda z: z, "f64")
