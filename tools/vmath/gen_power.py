"""Generates the tables and polynomial coefficients of power.rs (printed as Rust).

Everything here is computed with mpmath at 300 bits and rounded once to double.
Polynomials are Chebyshev interpolants (near-minimax) of the target function on
the reduced interval, with coefficients rounded to double; the script prints the
measured max error of each rounded polynomial on a dense grid.
"""
import mpmath as mp
import struct
mp.mp.prec = 300

def f2b(f): return struct.unpack('<Q', struct.pack('<d', f))[0]
def b2f(b): return struct.unpack('<d', struct.pack('<Q', b))[0]
def dbl(x): return float(mp.mpf(x))
def dd(x):
    hi = float(x); lo = float(x - mp.mpf(hi)); return hi, lo

def cheb_fit(f, a, b, deg, npts=None):
    """Chebyshev interpolant of degree deg on [a,b], returned as monomial coeffs (mp)."""
    n = deg + 1
    xs = [ (a+b)/2 + (b-a)/2*mp.cos(mp.pi*(k+mp.mpf(1)/2)/n) for k in range(n)]
    ys = [f(x) for x in xs]
    # solve Vandermonde in high precision
    A = mp.matrix([[x**j for j in range(n)] for x in xs])
    c = mp.lu_solve(A, mp.matrix(ys))
    return [c[j] for j in range(n)]

def max_err(f, coeffs, a, b, scale=lambda r: 1, N=2000):
    m = 0
    for i in range(N+1):
        r = a + (b-a)*mp.mpf(i)/N
        p = mp.mpf(0)
        for c in reversed(coeffs): p = p*r + mp.mpf(c)
        e = abs(p - f(r)) * scale(r)
        m = max(m, e)
    return m

out = []
def emit(s): out.append(s)

# ---------------- log table ----------------
B1 = 0x3FF0000000000000
OFF = B1 - 2**44 - 74*2**45
emit(f"/// Start of the log reduction interval in bit space: z = x / 2^k lies in [{b2f(OFF)!r}, 2 * that).")
emit(f"const LOG_OFF: u64 = 0x{OFF:016X};")
cs, lh, ll = [], [], []
rmax = mp.mpf(0)
for i in range(128):
    lo_b = OFF + i*2**45; hi_b = OFF + (i+1)*2**45
    zc_b = lo_b + 2**44
    def val(b):
        # values in the upper binade wrap: the table covers [OFF, OFF + 2^52) in bit space
        return mp.mpf(b2f(b))
    zc = val(zc_b)
    if zc == 1:
        c = mp.mpf(1)
    else:
        inv = 1/zc
        e = mp.floor(mp.log(inv, 2))
        c = mp.mpf(mp.nint(inv * 2**(19 - e))) / 2**(19 - e)   # 20 significant bits
    zl = val(lo_b); zh = val(hi_b - 1)
    rmax = max(rmax, abs(c*zl - 1), abs(c*zh - 1))
    # -log(c) = hi + lo with hi a multiple of 2^-41 (like LN2_HI), so that
    # k*LN2_HI + hi is exact in double precision; lo carries the next 53 bits.
    v = -mp.log(c); h = float(mp.nint(v * 2**41) / 2**41); l = float(v - mp.mpf(h))
    cs.append(float(c)); lh.append(h); ll.append(l)
emit(f"// max |r| = {float(rmax)!r} (2^{float(mp.log(rmax,2)):.2f})")
def arr(name, ty, vals, fmt):
    emit(f"static {name}: [{ty}; {len(vals)}] = [")
    for k in range(0, len(vals), 4):
        emit("    " + " ".join(fmt(v) + "," for v in vals[k:k+4]))
    emit("];")
fe = lambda v: repr(float(v)) if 'e' in repr(float(v)) or '.' in repr(float(v)) else repr(float(v))
arr("LOG_C", "f64", cs, fe)
arr("LOG_LOGC_HI", "f64", lh, fe)
arr("LOG_LOGC_LO", "f64", ll, fe)

# ln2 split: hi with 42 significant bits so k*LN2_HI is exact for |k| < 2^11
ln2 = mp.log(2)
h = mp.mpf(mp.floor(ln2 * 2**42)) / 2**42 if False else None
hi = float(mp.nint(ln2*2**41)/2**41)
lo = float(ln2 - mp.mpf(hi))
emit(f"const LN2_HI: f64 = {hi!r}; // a multiple of 2^-41 (41 significant bits)")
emit(f"const LN2_LO: f64 = {lo!r};")

# log1p tail polynomial for the double-double log: (log1p(r) - r + r^2/2)/r^3
R = rmax * (1 + mp.mpf(2)**-40)
f = lambda r: mp.fsum((-1)**(n+1) * r**(n-3) / n for n in range(3, 80))
for deg in (4, 5, 6):
    c = cheb_fit(f, -R, R, deg)
    cd = [float(v) for v in c]
    err = max_err(f, cd, -R, R, scale=lambda r: r*r, N=800)   # error relative to r
    emit(f"// log dd tail deg {deg}: max err rel to r = 2^{float(mp.log(err,2)):.1f}")
    if deg == 5: logc_dd = cd
emit("const LOGP_DD: [f64; 6] = [" + ", ".join(repr(v) for v in logc_dd) + "];")

# log1p poly for the f32 path: (log1p(r) - r)/r^2
f = lambda r: mp.fsum((-1)**(n+1) * r**(n-2) / n for n in range(2, 80))
for deg in (3, 4, 5):
    c = cheb_fit(f, -R, R, deg)
    cd = [float(v) for v in c]
    err = max_err(f, cd, -R, R, scale=lambda r: abs(r), N=800)
    emit(f"// log f32-path deg {deg}: max err rel to r = 2^{float(mp.log(err,2)):.1f}")
    if deg == 4: logc_s = cd
emit("const LOGP_S: [f64; 5] = [" + ", ".join(repr(v) for v in logc_s) + "];")

# ---------------- exp ----------------
N = 128
emit(f"const EXP_N_OVER_LN2: f64 = {float(N/ln2)!r};")
# ln2/N split: hi with 35 significant bits so n*hi exact for |n| < 2^18
l2n = ln2/N
e = mp.floor(mp.log(l2n, 2))
hi = float(mp.nint(l2n * 2**(34 - e)) / 2**(34 - e))
emit(f"const EXP_L2N_HI: f64 = {hi!r};")
emit(f"const EXP_L2N_LO: f64 = {float(l2n - mp.mpf(hi))!r};")
tb, tl = [], []
for j in range(N):
    t = mp.mpf(2)**(mp.mpf(j)/N)
    h = float(t); tb.append(f2b(h)); tl.append(float((t - mp.mpf(h))/mp.mpf(h)))
arr("EXP_T_BITS", "u64", tb, lambda v: f"0x{v:016X}")
arr("EXP_T_REL_LO", "f64", tl, fe)
Re = l2n/2 * (1 + mp.mpf(2)**-20)
f = lambda r: mp.fsum(r**(n-2) / mp.factorial(n) for n in range(2, 60))
for deg in (2, 3, 4):
    c = cheb_fit(f, -Re, Re, deg)
    cd = [float(v) for v in c]
    err = max_err(f, cd, -Re, Re, scale=lambda r: r*r, N=800)
    emit(f"// exp deg {deg} (times r^2): max abs err = 2^{float(mp.log(err,2)):.1f}")
    if deg == 4: expc_dd = cd
    if deg == 2: expc_s = cd
emit("const EXPP_DD: [f64; 5] = [" + ", ".join(repr(v) for v in expc_dd) + "];")
emit("const EXPP_S: [f64; 3] = [" + ", ".join(repr(v) for v in expc_s) + "];")

# ---------------- cbrt ----------------
f = lambda m: m**(-mp.mpf(1)/3)
for deg in (4, 5, 6, 7):
    c = cheb_fit(f, mp.mpf(1), mp.mpf(2), deg)
    cd = [float(v) for v in c]
    err = max_err(f, cd, mp.mpf(1), mp.mpf(2), scale=lambda m: m**(mp.mpf(1)/3), N=800)
    emit(f"// cbrt m^(-1/3) deg {deg}: max rel err = 2^{float(mp.log(err,2)):.1f}")
    if deg == 6: cb = cd
emit("const CBRT_P: [f64; 7] = [" + ", ".join(repr(v) for v in cb) + "];")
emit(f"const CBRT_INV2_1: f64 = {float(mp.mpf(2)**(-mp.mpf(1)/3))!r};")
emit(f"const CBRT_INV2_2: f64 = {float(mp.mpf(2)**(-mp.mpf(2)/3))!r};")
open('generated.rs', 'w').write("\n".join(out) + "\n")
print("\n".join(l for l in out if l.startswith('//') or 'const' in l))
