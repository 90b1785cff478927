"""Generates the constants of trig.rs with mpmath:
 - pi/2 split into parts (33, 33, 33, 53 significant bits) for Cody-Waite reduction,
 - the bits of 2/pi as 64-bit words (with 64 leading zero bits) for Payne-Hanek,
 - polynomial coefficients: Chebyshev interpolation (near-minimax) in high precision,
   then the coefficients rounded to double and the error measured on a dense grid.
Run: /work/venv/bin/python gen_coeffs.py
"""
import mpmath as mp
mp.mp.dps = 80

def rnd_bits(v, bits):
    # round v to a float with `bits` significant bits (exactly representable in f64)
    if v == 0: return mp.mpf(0)
    e = mp.floor(mp.log(abs(v), 2))
    scale = mp.mpf(2) ** (bits - 1 - e)
    return mp.nint(v * scale) / scale

def f64(v): return float(v)

def hexf(v):
    return float(v).hex()

pio2 = mp.pi / 2
P1 = rnd_bits(pio2, 33); rem = pio2 - P1
P2 = rnd_bits(rem, 33); rem -= P2
P3 = rnd_bits(rem, 33); rem -= P3
P4 = mp.mpf(f64(rem)); rem -= P4
print("// pi/2 = P1+P2+P3+P4 + %s" % mp.nstr(rem, 5))
for n, v in (("PIO2_1", P1), ("PIO2_2", P2), ("PIO2_3", P3), ("PIO2_4", P4)):
    assert mp.mpf(f64(v)) == v
    print("const %s: f64 = %r; // %s" % (n, f64(v), hexf(v)))
ph = mp.mpf(f64(pio2)); pl = mp.mpf(f64(pio2 - ph))
print("const PIO2_HI: f64 = %r;\nconst PIO2_LO: f64 = %r;" % (f64(ph), f64(pl)))
print("const INV_PIO2: f64 = %r;" % f64(2 / mp.pi))

# 2/pi bits: word 0 = 0 (padding), then fraction bits of 2/pi, msb first
nwords = 22
mp.mp.prec = 64 * nwords + 200
v = 2 / mp.pi
words = [0]
fr = v
for i in range(nwords - 1):
    fr = fr * 2**64
    w = int(mp.floor(fr)); fr -= w
    words.append(w)
print("const TWO_OVER_PI: [u64; %d] = [" % nwords)
for i in range(0, nwords, 4):
    print("    " + ", ".join("0x%016x" % w for w in words[i:i+4]) + ",")
print("];")
mp.mp.dps = 80

def cheb_fit(g, a, b, deg):
    # interpolate g at the Chebyshev nodes of [a, b] with a polynomial of degree deg in z
    n = deg + 1
    nodes = [ (a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (2 * j + 1) / (2 * n)) for j in range(n)]
    A = mp.matrix(n, n); y = mp.matrix(n, 1)
    for i, z in enumerate(nodes):
        for j in range(n): A[i, j] = z ** j
        y[i] = g(z)
    c = mp.lu_solve(A, y)
    return [c[j] for j in range(n)]

def cheb_fit_comp(g, a, b, deg):
    # fit, then fix the lowest coefficient at its double rounding and refit the others on
    # (g - c0)/z, so that the rounding of c0 (the largest term) is compensated
    c = cheb_fit(g, a, b, deg)
    c0 = mp.mpf(f64(c[0]))
    rest = cheb_fit(lambda z: (g(z) - c0) / z, a, b, deg - 1)
    return [c0] + rest

def horner(c, z):
    acc = mp.mpf(0)
    for cc in reversed(c): acc = acc * z + cc
    return acc

def report(name, c, errf, a, b, npts=400):
    cd = [mp.mpf(f64(x)) for x in c]
    m = mp.mpf(0)
    for i in range(1, npts + 1):
        z = a + (b - a) * mp.mpf(i) / npts
        m = max(m, abs(errf(cd, z)))
    print("// %s: max rel error with double coefficients = 2^%.1f" % (name, float(mp.log(m, 2))))
    for i, x in enumerate(cd):
        print("const %s%d: f64 = %r;" % (name, i, f64(x)))

def sinP(z):
    r = mp.sqrt(z)
    if z < mp.mpf(10) ** -20: return -mp.mpf(1) / 6 + z / 120
    return (mp.sin(r) - r) / (r ** 3)
def cosQ(z):
    if z < mp.mpf(10) ** -20: return mp.mpf(1) / 24 - z / 720
    r = mp.sqrt(z)
    return (mp.cos(r) - 1 + z / 2) / (z * z)

ZM = mp.mpf(0.7854) ** 2
# errors are relative to the function value (sin r ~ r, cos r ~ 1)
def sin_err(c, z):
    r = mp.sqrt(z); return (r + r**3 * horner(c, z) - mp.sin(r)) / mp.sin(r)
def cos_err(c, z):
    r = mp.sqrt(z); return (1 - z/2 + z*z * horner(c, z) - mp.cos(r)) / mp.cos(r)
import sys
which = sys.argv[1:] or ["sincos"]
if "sincos" in which:
    report("S", cheb_fit(sinP, 0, ZM, 6), sin_err, 0, ZM)
    report("C", cheb_fit(cosQ, 0, ZM, 5), cos_err, 0, ZM)
    report("SF", cheb_fit(sinP, 0, ZM, 3), sin_err, 0, ZM)
    report("CF", cheb_fit(cosQ, 0, ZM, 3), cos_err, 0, ZM)

def atanP(z):
    if z < mp.mpf(10) ** -30: return -mp.mpf(1) / 3 + z / 5
    r = mp.sqrt(z)
    return (mp.atan(r) - r) / (r ** 3)
def atan_err(c, z):
    r = mp.sqrt(z); return (r + r**3 * horner(c, z) - mp.atan(r)) / mp.atan(r)
if "atan" in which:
    ZA = mp.mpf(0.5) ** 2 * (1 + mp.mpf(2)**-40)
    for d in (11, 12, 13):
        report("AT%d_" % d, cheb_fit(atanP, 0, ZA, d), atan_err, 0, ZA)
    for d in (5, 6):
        report("ATF%d_" % d, cheb_fit(atanP, 0, ZA, d), atan_err, 0, ZA)

def asinP(z):
    if z < mp.mpf(10) ** -30: return mp.mpf(1) / 6 + 3 * z / 40
    r = mp.sqrt(z)
    return (mp.asin(r) - r) / (r ** 3)
def asin_err(c, z):
    r = mp.sqrt(z); return (r + r**3 * horner(c, z) - mp.asin(r)) / mp.asin(r)
if "asin" in which:
    ZS = mp.mpf(0.25) * (1 + mp.mpf(2)**-40)
    for d in (11, 12, 13):
        report("AS%d_" % d, cheb_fit(asinP, 0, ZS, d), asin_err, 0, ZS)
    for d in (5, 6):
        report("ASF%d_" % d, cheb_fit(asinP, 0, ZS, d), asin_err, 0, ZS)
