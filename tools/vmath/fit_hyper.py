# Fits the polynomial coefficients used in hyper.rs.
# Method: discrete minimax-like fit by iteratively reweighted least squares
# (Lawson's algorithm) on many Chebyshev nodes, in 60-digit mpmath arithmetic,
# then the coefficients are rounded to double and the error of the rounded
# polynomial is measured on a dense grid.
import mpmath as mp
mp.mp.dps = 60

def lawson(f, a, b, deg, npts=400, iters=60, rel=True):
    xs = [ (a+b)/2 + (b-a)/2*mp.cos(mp.pi*(2*i+1)/(2*npts)) for i in range(npts)]
    ys = [f(x) for x in xs]
    w = [mp.mpf(1)/npts]*npts
    c = None
    for it in range(iters):
        # weighted least squares
        A = mp.matrix(deg+1, deg+1); B = mp.matrix(deg+1, 1)
        for x, y, wi in zip(xs, ys, w):
            s = 1/y if rel else 1
            pw = [x**j for j in range(deg+1)]
            for i in range(deg+1):
                B[i] += wi*s*s*pw[i]*y
                for j in range(deg+1):
                    A[i, j] += wi*s*s*pw[i]*pw[j]
        c = mp.lu_solve(A, B)
        errs = []
        for x, y in zip(xs, ys):
            p = sum(c[j]*x**j for j in range(deg+1))
            errs.append(abs((p-y)/y) if rel else abs(p-y))
        tot = sum(wi*e for wi, e in zip(w, errs))
        w = [wi*e/tot for wi, e in zip(w, errs)]
    return [c[j] for j in range(deg+1)]

def check(f, a, b, cs, rel=True, n=3000):
    cd = [mp.mpf(float(x)) for x in cs]
    m = 0
    for i in range(n+1):
        x = a + (b-a)*i/n
        y = f(x)
        p = mp.mpf(0)
        for cc in reversed(cd):
            p = p*x + cc
        e = abs((p-y)/y) if rel else abs(p-y)
        m = max(m, e)
    return m

def show(name, cs, err):
    print(f"// {name}: max rel err after rounding to double = {mp.nstr(err, 5)} = 2^{mp.nstr(mp.log(err,2), 4)}")
    for i, c in enumerate(cs):
        print(f"const {name}{i}: f64 = {repr(float(c))};")

def series_or(f, taylor):
    # evaluate f(z) but fall back to the Taylor series near z = 0 (cancellation)
    def g(z):
        if z < mp.mpf('1e-12'):
            return taylor(z)
        return f(z)
    return g

# sinh(r) = r + r^3 * PS(r^2), |r| <= ln2/2 (+ margin): z = r^2 in [0, 0.1202]
ZE = mp.mpf('0.1203')
ps = series_or(lambda z: (mp.sinh(mp.sqrt(z))/mp.sqrt(z) - 1)/z, lambda z: mp.mpf(1)/6 + z/120 + z*z/5040)
c = lawson(ps, mp.mpf(0), ZE, 5); show("PS", c, check(ps, mp.mpf(0), ZE, c))
# cosh(r) = 1 + r^2/2 + r^4 * PC(r^2)
pc = series_or(lambda z: (mp.cosh(mp.sqrt(z)) - 1 - z/2)/(z*z), lambda z: mp.mpf(1)/24 + z/720 + z*z/40320)
c = lawson(pc, mp.mpf(0), ZE, 5); show("PC", c, check(pc, mp.mpf(0), ZE, c))
# log(m) = 2 atanh(s) = 2s + s^3 * QL(s^2), |s| <= (sqrt2-1)/(sqrt2+1) = 0.17157..: z in [0, 0.02944]
ZL = mp.mpf('0.02945')
ql = series_or(lambda z: (2*mp.atanh(mp.sqrt(z)) - 2*mp.sqrt(z))/(z*mp.sqrt(z)), lambda z: mp.mpf(2)/3 + 2*z/5 + 2*z*z/7)
for d in (6, 7):
    c = lawson(ql, mp.mpf(0), ZL, d); show(f"QL{d}_", c, check(ql, mp.mpf(0), ZL, c))
