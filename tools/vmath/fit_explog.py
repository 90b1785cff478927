# Fits the polynomial coefficients used in explog.rs (Chebyshev interpolation
# in high precision with mpmath, which is within a small factor of minimax),
# then rounds them to binary64 and reports the max error of the rounded
# polynomial (evaluated in high precision) on a dense grid.
import mpmath as mp
mp.mp.prec = 200

def taylor_sum(terms):
    def g(x):
        x = mp.mpf(x); s = mp.mpf(0); p = mp.mpf(1)
        for c in terms:
            s += c * p; p *= x
        return s
    return g

def fit(name, g, a, b, n, weight=lambda x: 1):
    cs, err = mp.chebyfit(g, [a, b], n, error=True)
    cs = [float(c) for c in cs][::-1]  # lowest degree first
    # measure with rounded coefficients
    worst = 0
    for i in range(2001):
        x = mp.mpf(a) + (mp.mpf(b) - a) * i / 2000
        p = mp.mpf(0)
        for c in reversed(cs):
            p = p * x + mp.mpf(c)
        e = abs(p - g(x)) * weight(x)
        worst = max(worst, e)
    print(f"// {name}: degree {n-1} on [{a}, {b}], weighted max error {mp.nstr(worst, 5)} (log2 {mp.nstr(mp.log(worst,2) if worst else -999, 5)})")
    for i, c in enumerate(cs):
        print(f"const {name}{i}: f64 = {c!r};")

L = mp.log(2) / 2 * 1.0003
# expm1(r) = r + r^2/2 + r^3 * P(r)
gexp = taylor_sum([1 / mp.factorial(k) for k in range(3, 60)])
import sys
which = sys.argv[1:] or ["all"]
if "all" in which or "exp64" in which:
    # weight: the tail r^3*P(r) relative to the result size (~|r| near 0, ~1 overall): use r^2
    fit("EXP_P", gexp, -L, L, 10, weight=lambda x: x * x)
if "all" in which or "exp32" in which:
    # f32: exp(r) = 1 + r + r^2 * P(r), P(r) = sum r^(k-2)/k!
    g2 = taylor_sum([1 / mp.factorial(k) for k in range(2, 60)])
    fit("EXPF_P", g2, -L, L, 7, weight=lambda x: x * x)
# log: log(1+f) = 2s + s*z*Q(z), z = s^2, s = f/(2+f)
gq = taylor_sum([mp.mpf(2) / (2 * j + 1) for j in range(1, 80)])
Z = 0.0295
if "all" in which or "log64" in which:
    fit("LOG_Q", gq, 0, Z, 7, weight=lambda z: z * mp.sqrt(z))
if "all" in which or "log32" in which:
    fit("LOGF_Q", gq, 0, Z, 4, weight=lambda z: z * mp.sqrt(z))
if "exptab" in which:
    # table exp: exp(r) = 1 + r + r^2 * P(r), |r| <= ln2/256
    Lt = mp.log(2) / 256 * 1.002
    g2 = taylor_sum([1 / mp.factorial(k) for k in range(2, 60)])
    fit("EXPT_P", g2, -Lt, Lt, 4, weight=lambda x: x * x)
if "log64d5" in which:
    fit("LOG_Q", gq, 0, Z, 6, weight=lambda z: z * mp.sqrt(z))
if "logtab" in which:
    # table log: log1p(r) = r - r^2/2 + r^3 * P(r), |r| <= 0.0042059172 * 1.001
    R = mp.mpf("0.0042059172") * mp.mpf("1.001")
    gp = taylor_sum([mp.mpf((-1) ** (k + 1)) / k for k in range(3, 80)])
    fit("LOGT_P", gp, -R, R, 4, weight=lambda x: x * x)
    fit("LOGT_P", gp, -R, R, 5, weight=lambda x: x * x)
