"""Constants of the float32 sin/cos in trig.rs (mpmath):
 - pi/2 = PIO2F_1 + PIO2F_2 + tail: PIO2F_1 with 33 significant bits (k*PIO2F_1 exact in
   f64 for |k| < 2^20), PIO2F_2 = pi/2 - PIO2F_1 rounded to double,
 - the float32 kernel polynomials on z = r^2 in [0, (pi/4 + 2^-20)^2]: near-minimax
   relative error (Lawson reweighted least squares in mpmath), coefficients rounded to
   float32 one at a time (the rest refitted), error then measured on a dense grid.
trig.rs uses PIO2F_2 and the f64 coefficients SD (sin, degree 3) and CD (cos, degree 2);
the float32-coefficient fits SP/CP (for kernels evaluated in float32 lanes) and the
shorter SD2_/CD1_ were tried and are printed for reference.
Run: /work/venv/bin/python tools/vmath/gen_trig_f32.py
"""
import mpmath as mp
import numpy as np
mp.mp.dps = 60

def rnd_bits(v, bits):
    e = mp.floor(mp.log(abs(v), 2))
    scale = mp.mpf(2) ** (bits - 1 - e)
    return mp.nint(v * scale) / scale

def f32(v):
    return mp.mpf(float(np.float32(float(v))))

pio2 = mp.pi / 2
P1 = rnd_bits(pio2, 33)
P2 = mp.mpf(float(pio2 - P1))
print("const PIO2F_1: f64 = %r; // %s" % (float(P1), float(P1).hex()))
print("const PIO2F_2: f64 = %r; // %s" % (float(P2), float(P2).hex()))
print("// pi/2 - PIO2F_1 - PIO2F_2 = %s" % mp.nstr(pio2 - P1 - P2, 5))

def fit_f32(g, scale, deg, npts=300, iters=40, rnd=None):
    """Near-minimax fit of g(z) by a polynomial of degree deg, minimising
    max |scale(z) * (poly(z) - g(z))| on z in (0, ZM] (Lawson's iteratively
    reweighted least squares); the coefficients are rounded to float32 one at a
    time from the lowest, refitting the higher ones after each rounding."""
    zs = [ZM * (1 - mp.cos(mp.pi * (i + mp.mpf(0.5)) / npts)) / 2 for i in range(npts)]
    sc = [scale(z) for z in zs]
    gv = [g(z) for z in zs]
    fixed = []
    while len(fixed) <= deg:
        free = list(range(len(fixed), deg + 1))
        w = [mp.mpf(1)] * npts
        for _ in range(iters):
            A = mp.matrix(npts, len(free)); b = mp.matrix(npts, 1)
            for i, z in enumerate(zs):
                sw = mp.sqrt(w[i]) * sc[i]
                for jj, j in enumerate(free):
                    A[i, jj] = sw * z ** j
                b[i] = sw * (gv[i] - sum(cj * z ** j for j, cj in enumerate(fixed)))
            c = mp.qr_solve(A, b)[0]
            e = [abs(sc[i] * (sum(c[jj] * zs[i] ** j for jj, j in enumerate(free)) + sum(cj * zs[i] ** j for j, cj in enumerate(fixed)) - gv[i])) for i in range(npts)]
            s = sum(w[i] * e[i] for i in range(npts))
            w = [w[i] * e[i] / s for i in range(npts)]
        fixed.append((rnd or f32)(c[0]))
    return fixed

def horner(c, z):
    acc = mp.mpf(0)
    for cc in reversed(c):
        acc = acc * z + cc
    return acc

def sinP(z):
    if z < mp.mpf(10) ** -20:
        return -mp.mpf(1) / 6 + z / 120
    r = mp.sqrt(z)
    return (mp.sin(r) - r) / r ** 3

def cosQ(z):
    if z < mp.mpf(10) ** -20:
        return mp.mpf(1) / 24 - z / 720
    r = mp.sqrt(z)
    return (mp.cos(r) - 1 + z / 2) / (z * z)

ZM = (mp.pi / 4 + mp.mpf(2) ** -20) ** 2

def report(name, c, errf, npts=2000, ty="f32"):
    m = mp.mpf(0)
    for i in range(1, npts + 1):
        z = ZM * mp.mpf(i) / npts
        m = max(m, abs(errf(c, z)))
    print("// %s: max relative error with %s coefficients = 2^%.1f" % (name, ty, float(mp.log(m, 2))))
    for i, x in enumerate(c):
        v = float(np.float32(float(x))) if ty == "f32" else float(x)
        print("const %s%d: %s = %r;" % (name, i, ty, v))

def sin_err(c, z):
    r = mp.sqrt(z)
    return (r + r ** 3 * horner(c, z) - mp.sin(r)) / mp.sin(r)

def cos_err(c, z):
    r = mp.sqrt(z)
    return (1 - z / 2 + z * z * horner(c, z) - mp.cos(r)) / mp.cos(r)

report("SP", fit_f32(sinP, lambda z: z * mp.sqrt(z) / mp.sin(mp.sqrt(z)), 3), sin_err)
report("CP", fit_f32(cosQ, lambda z: z * z / mp.cos(mp.sqrt(z)), 2), cos_err)

# float64 coefficients (the kernels evaluated in f64 lanes)
f64r = lambda v: mp.mpf(float(v))
report("SD", fit_f32(sinP, lambda z: z * mp.sqrt(z) / mp.sin(mp.sqrt(z)), 3, rnd=f64r), sin_err, ty="f64")
report("CD", fit_f32(cosQ, lambda z: z * z / mp.cos(mp.sqrt(z)), 2, rnd=f64r), cos_err, ty="f64")
report("SD2_", fit_f32(sinP, lambda z: z * mp.sqrt(z) / mp.sin(mp.sqrt(z)), 2, rnd=f64r), sin_err, ty="f64")
report("CD1_", fit_f32(cosQ, lambda z: z * z / mp.cos(mp.sqrt(z)), 1, rnd=f64r), cos_err, ty="f64")
