"""Random programs over complex and real operands, evaluated by numjet and
by NumPy evaluating the same expression node by node (NumPy's operators and
ufuncs, Python numbers left as Python numbers, so NEP 50 decides the dtypes
on both sides).

Each program runs on both of numjet's backends (the JIT and the reference
interpreter). The generator (seeded, deterministic) draws expression trees of
``+ - * /``, ``-``, ``conj real imag abs``, ``sqrt exp log sin cos``,
``** 2 / 3 / -1``, comparisons, ``where`` and ``sum``/``mean`` over
complex64, complex128, float32, float64 and int32 arrays, Python complex,
float and int numbers and literals (``1j``, ``2.5j``, ``(1 - 2j)``).

What is compared: the dtype and shape always; the values bit for bit (NaN
where NumPy has NaN, per part) where every operation on the way is exact
in both (arithmetic, the modulus ``abs``, comparisons, casts, ``where``,
pairwise sums, the division of a mean: numjet computes them as NumPy
does). Where a transcendental function is on the way, numjet's own
algorithms are not glibc's, so each
such function contributes a few eps of its value, normwise, and the
operations after it carry that difference forward (a running bound per
element: |da|·|b| + |db|·|a| for a product, and so on, plus an eps of
rounding per operation on inexact operands); the result must lie within
it, with NaNs and infinities where NumPy has them. To keep the bound
honest, transcendental functions, powers and comparisons only take exact
operands.
"""

import math
import random
import warnings

import numpy as np
import pytest

import numjet

N = 48
PROGRAMS = 400
CHUNKS = 8

# numjet's functions -> NumPy's.
NP_FUNCS = {"conj": np.conj, "real": np.real, "imag": np.imag, "abs": np.abs, "sqrt": np.sqrt, "exp": np.exp,
            "log": np.log, "sin": np.sin, "cos": np.cos, "sum": np.sum, "mean": np.mean, "where": np.where}
TRANSCENDENTAL = ("sqrt", "exp", "log", "sin", "cos")
# Bound of one function's difference from NumPy's, in eps of its value
# (normwise for complex): numjet's complex functions are within 4 eps of
# the exact value, glibc's within about 2; numjet's real ones within 1 ulp,
# NumPy's own SIMD float32 ones within about 3.5 (its float32 log is 3.1
# ulp off at 0.78). Plus a few of the smallest subnormals, where the value
# is one.
FUNC_EPS = {"complex": 8.0, "real": 5.0}
FUNC_SUBNORMALS = 4.0


def make_env(rng, specials):
    def cplx(dtype):
        v = (rng.standard_normal(N) + 1j * rng.standard_normal(N)) * 1.5
        v[rng.integers(0, N, 3)] = 0
        v[rng.integers(0, N, 2)] = rng.integers(-3, 4, 2) + 1j * rng.integers(-3, 4, 2)
        if specials:
            for s in (np.inf, -np.inf, np.nan):
                i = rng.integers(0, N)
                v[i] = complex(s, v[i].imag) if rng.random() < 0.5 else complex(v[i].real, s)
        return v.astype(dtype)

    def real(dtype):
        v = rng.standard_normal(N) * 1.5
        v[rng.integers(0, N, 3)] = 0
        if specials:
            v[rng.integers(0, N, 3)] = [np.inf, -np.inf, np.nan]
        return v.astype(dtype)

    return {
        "z64": cplx(np.complex64),
        "z128": cplx(np.complex128),
        "f32": real(np.float32),
        "f64": real(np.float64),
        "i32": rng.integers(-9, 10, N).astype(np.int32),
        "w": complex(round(rng.standard_normal(), 3), round(rng.standard_normal(), 3)),
        "x": round(float(rng.standard_normal()), 3),
        "k": int(rng.integers(-4, 5)),
    }


class Node:
    """A generated expression: its text, NumPy's value, and the bound `d`
    of |numjet - NumPy| per element (None: both compute it exactly alike,
    bit for bit)."""

    __slots__ = ("text", "val", "d", "py")

    def __init__(self, text, val, d=None, py=False):
        # NumPy's values as arrays, 0-d ones too: a NumPy float64 scalar is
        # a Python float to Python's complex arithmetic (`1j * np.float64(2)`
        # is a Python complex, weak), a 0-d array is NumPy's strong value,
        # as numjet's reductions are.
        self.text, self.val, self.d, self.py = text, val if py else np.asarray(val), d, py

    @property
    def kind(self):
        v = self.val
        if self.py:
            return {bool: "b", int: "i", float: "f", complex: "c"}[type(v)]
        return np.asarray(v).dtype.kind

    @property
    def zero_d(self):
        return not self.py and np.ndim(self.val) == 0


def mag(v):
    return np.abs(np.asarray(v).astype(np.complex128))


def eps_of(v):
    dt = np.asarray(v).dtype
    return float(np.finfo(dt).eps) if dt.kind in "fc" else 0.0


def tiny_of(v):
    dt = np.asarray(v).dtype
    return float(np.finfo(dt).smallest_subnormal) if dt.kind in "fc" else 0.0


def dz(n):
    return 0.0 if n.d is None else n.d


def finish(bound):
    """A bound as an array without NaN (an unknown bound is no bound)."""
    return np.nan_to_num(np.asarray(bound, dtype=np.float64), nan=np.inf, posinf=np.inf)


class Gen:
    def __init__(self, rng, env):
        self.r = rng
        self.env = env

    def leaf(self, arrays_only=False):
        r = self.r
        if arrays_only or r.random() < 0.75:
            name = r.choice(["z64", "z128", "z64", "z128", "f32", "f64", "i32"])
            return Node(name, self.env[name])
        choice = r.choice(["w", "x", "k", "1j", "2.5j", "(1 - 2j)", "2", "0.5"])
        if choice in self.env:
            return Node(choice, self.env[choice], py=True)
        return Node(choice, eval(choice), py=True)

    def exact(self, depth, arrays=True):
        """An exact, array-valued expression (for functions, powers and
        comparisons)."""
        for _ in range(20):
            n = self.expr(depth)
            if n.d is None and not n.py and not n.zero_d:
                return n
        return self.leaf(arrays_only=True)

    def expr(self, depth):
        r = self.r
        if depth <= 0 or r.random() < 0.2:
            return self.leaf()
        kind = r.choices(["bin", "unary", "func", "pow", "where", "cmp", "red"], [6, 3, 3, 1, 1.5, 0.7, 1])[0]
        if kind == "bin":
            return self.binary(depth)
        if kind == "unary":
            return self.unary(depth)
        if kind == "func":
            f = r.choice(TRANSCENDENTAL)
            a = self.exact(depth - 1)
            with np.errstate(all="ignore"):
                v = NP_FUNCS[f](a.val)
            inexact = f != "sqrt" or a.kind == "c"
            d = None
            if inexact:
                dt = np.asarray(v).dtype
                d = FUNC_EPS["complex" if dt.kind == "c" else "real"] * eps_of(v) * mag(v) + FUNC_SUBNORMALS * tiny_of(v)
            return Node(f"{f}({a.text})", v, d)
        if kind == "pow":
            a = self.exact(depth - 1)
            if a.kind in "bi":
                return a
            e = r.choice([2, 3, -1] if a.kind == "c" else [2, -1])
            with np.errstate(all="ignore"):
                v = a.val ** e
            return Node(f"({a.text}) ** {e}" if e > 0 else f"({a.text}) ** ({e})", v)
        if kind == "where":
            c = self.compare(depth - 1)
            a, b = self.expr(depth - 1), self.expr(depth - 1)
            v = np.where(c.val, a.val, b.val)
            d = None
            if a.d is not None or b.d is not None:
                d = np.where(c.val, dz(a), dz(b))
            return Node(f"where({c.text}, {a.text}, {b.text})", v, d)
        if kind == "cmp":
            return self.compare(depth - 1)
        # a reduction: sum or mean of an array-valued expression
        a = self.expr(depth - 1)
        if a.py or a.zero_d:
            return a
        f = r.choice(["sum", "mean"])
        with np.errstate(all="ignore"):
            v = NP_FUNCS[f](a.val)
        d = None
        if a.d is not None:
            e = eps_of(v)
            n = np.size(a.val)
            total = np.sum(finish(a.d)) + 2 * e * math.ceil(math.log2(n) + 1) * np.sum(mag(a.val))
            d = total if f == "sum" else total / n + e * mag(v)
        return Node(f"{f}({a.text})", v, d)

    def compare(self, depth):
        a = self.exact(depth)
        b = self.exact(depth) if self.r.random() < 0.6 else self.leaf()
        if b.d is not None:
            b = self.leaf()
        op = self.r.choice(["==", "!=", "<", "<=", ">", ">="])
        with np.errstate(all="ignore"):
            v = eval(f"a {op} b", {"a": a.val, "b": b.val})
        return Node(f"({a.text} {op} {b.text})", v)

    def unary(self, depth):
        a = self.expr(depth - 1)
        if a.py:
            return a
        f = self.r.choice(["-", "conj", "real", "imag", "abs"])
        if f == "-":
            if a.kind == "b":
                return a
            return Node(f"(-{a.text})", -a.val, a.d)
        with np.errstate(all="ignore"):
            v = NP_FUNCS[f](a.val)
        d = a.d
        if d is not None and f == "abs" and a.kind == "c":
            # The modulus (NumPy's own formula, the same bits on exact
            # operands) of inexact ones: their difference plus rounding.
            d = dz(a) + 2 * eps_of(v) * mag(v) + FUNC_SUBNORMALS * tiny_of(v)
        return Node(f"{f}({a.text})", v, d)

    def binary(self, depth):
        r = self.r
        a, b = self.expr(depth - 1), self.expr(depth - 1)
        if a.py and b.py:
            # Python-number arithmetic is Python's: not this test's subject.
            b = self.exact(depth - 1)
        if r.random() < 0.5:
            a, b = b, a
        op = r.choice(["+", "-", "*", "/"])
        if op == "-" and "b" in (a.kind, b.kind):
            op = "+"
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v = eval(f"a {op} b", {"a": a.val, "b": b.val})
        e = eps_of(v)
        A, B, V = mag(a.val), mag(b.val), mag(v)
        da, db = dz(a), dz(b)
        d = None
        if a.d is not None or b.d is not None:
            if op in "+-":
                d = da + db + 2 * e * V
            elif op == "*":
                d = da * B + db * A + da * db + 4 * e * A * B
            else:
                with np.errstate(all="ignore"):
                    room = B - db
                    d = np.where(room > 0, (da + db * V) / np.where(room > 0, room, 1), np.inf) + 8 * e * V
        return Node(f"({a.text} {op} {b.text})", v, d)


def check(text, got, want, bound):
    want = np.asarray(want)
    got = np.asarray(got)
    assert got.dtype == want.dtype, f"{text}: dtype {got.dtype}, NumPy {want.dtype}"
    assert got.shape == want.shape, f"{text}: shape {got.shape}, NumPy {want.shape}"
    parts = ("real", "imag") if want.dtype.kind == "c" else ("real",)
    if want.dtype.kind not in "fc":
        assert np.array_equal(got, want), f"{text}:\n{got}\n{want}"
        return
    for p in parts:
        g, w = np.asarray(getattr(got, p)), np.asarray(getattr(want, p))
        nan_g, nan_w = np.isnan(g), np.isnan(w)
        assert np.array_equal(nan_g, nan_w), f"{text}: NaN in {p} at {np.nonzero(nan_g != nan_w)}:\n{got}\n{want}"
        if bound is None:
            # Bit for bit (signed zeros too), NaNs aside.
            same = (g.view(f"u{g.itemsize}") == w.view(f"u{w.itemsize}")) | nan_w
            assert same.all(), f"{text}: {p} differs (exact) at {np.nonzero(~same)}:\n{got}\n{want}"
            continue
        inf = np.isinf(w)
        assert np.array_equal(g[inf], w[inf]), f"{text}: infinities in {p}:\n{got}\n{want}"
        fin = ~(inf | nan_w)
        b = np.broadcast_to(finish(bound), w.shape)
        with np.errstate(all="ignore"):
            err = np.abs(g.astype(np.float64) - w.astype(np.float64))
        tiny = np.finfo(w.dtype).smallest_normal * 16
        bad = fin & ~(err <= b + tiny)
        assert not bad.any(), f"{text}: {p} beyond the bound at {np.nonzero(bad)}: got {g[bad]}, NumPy {w[bad]}, bound {b[bad]}"


def programs(chunk):
    out = []
    for i in range(chunk, PROGRAMS, CHUNKS):
        rng = np.random.default_rng(1000 + i)
        env = make_env(rng, specials=(i % 4 == 3))
        g = Gen(random.Random(i), env)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            node = g.expr(g.r.choice([2, 3, 3, 4]))
            while "(" not in node.text:  # not a bare name or number
                node = g.expr(3)
        out.append((node, env))
    return out


@pytest.fixture(params=["jit", "interp"])
def backend(request):
    """Each program on numjet's JIT (which compiles complex programs as
    real parts) and on its reference interpreter."""
    before = numjet.set_backend(request.param)
    try:
        yield request.param
    finally:
        numjet.set_backend(before)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_random_complex_programs_match_numpy(chunk, backend):
    kinds = set()
    for node, env in programs(chunk):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numjet does not warn
            got = numjet.evaluate(node.text, local_dict=env)
        check(node.text, got, node.val, node.d)
        kinds.add(np.asarray(node.val).dtype.kind)
    assert "c" in kinds


def test_the_generator_covers_the_operations():
    texts = " ".join(n.text for c in range(CHUNKS) for n, _ in programs(c))
    for word in ("conj(", "real(", "imag(", "abs(", "sqrt(", "exp(", "log(", "sin(", "cos(", "where(", "sum(", "mean(",
                 " ** ", " / ", " * ", " - ", " + ", " < ", " == ", "1j", "w", "z64", "z128", "f32", "f64", "i32"):
        assert word in texts, word
    # Some programs are exact (compared bit for bit), some are not.
    exact = sum(n.d is None for c in range(CHUNKS) for n, _ in programs(c))
    assert 0.2 * PROGRAMS < exact < 0.95 * PROGRAMS, exact
