"""complex64 and complex128 through numjet's Python module, against NumPy 2:
dtypes (NEP 50 with Python complex numbers, imaginary literals), values
(bit for bit for arithmetic, `abs` (NumPy's formula), comparisons, casts
and reductions; within a
few eps, normwise, for the transcendental functions, whose algorithms are
numjet's own and not glibc's), zero-copy inputs of any layout, `out=`,
errors, and the numexpr-shaped API (NumExpr, E, validate, re_evaluate).

Complex programs run on numjet's reference interpreter for now (the JIT
does not compile them; the engine falls back by itself), so the arrays
here are small.
"""

import _thread
import threading
import time
import warnings

import numpy as np
import pytest

import numjet
from numjet.expressions import E

C64, C128 = np.complex64, np.complex128
CTYPES = [C64, C128]


def cdata(dtype, shape, seed=0, specials=False):
    """Random complex (or real) values of `dtype`; with `specials`, some
    zeros of both signs, infinities and NaNs in either part."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        x = rng.standard_normal(shape) * 3 + 1j * rng.standard_normal(shape) * 3
    elif dtype.kind == "f":
        x = rng.standard_normal(shape) * 3
    elif dtype.kind == "b":
        return rng.random(shape) < 0.5
    else:
        return rng.integers(-100, 100, shape).astype(dtype)
    x = np.asarray(x).astype(dtype)
    if specials and x.size >= 16:
        flat = x.reshape(-1)
        vals = [0.0, -0.0, np.inf, -np.inf, np.nan]
        idx = rng.choice(flat.size, size=flat.size // 8, replace=False)
        for k, i in enumerate(idx):
            v = vals[k % len(vals)]
            if dtype.kind == "c":
                flat[i] = complex(v, flat[i].imag) if k % 2 else complex(flat[i].real, v)
            else:
                flat[i] = v
    return x


def _bits_equal(got, want):
    """Equal bits, or both NaN (NaN payloads and signs are not NumPy's
    promise); -0.0 and 0.0 are told apart."""
    if got.dtype.kind == "f":
        same = got.view(f"u{got.itemsize}") == want.view(f"u{want.itemsize}")
        return np.all(same | (np.isnan(got) & np.isnan(want)))
    return np.array_equal(got, want)


def same(got, want):
    """Same dtype, shape and values: every part bit for bit, NaN where
    NumPy has NaN (per part)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if got.dtype.kind == "c":
        assert _bits_equal(got.real, want.real) and _bits_equal(got.imag, want.imag), (got, want)
    else:
        assert _bits_equal(got, want), (got, want)


def close(got, want, eps_units=8):
    """Same dtype and shape, NaN and infinities where NumPy has them (per
    part), finite values within `eps_units` eps of NumPy's normwise
    (|got - want| <= k eps |want|, the complex modulus): how numjet's
    complex functions are specified (its own algorithms, each within 4 eps
    of the exact value; NumPy's glibc within about 2)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    eps = np.finfo(want.dtype).eps
    parts = (("real", "imag") if want.dtype.kind == "c" else ("real",))
    finite = np.ones(want.shape, bool)
    for p in parts:
        g, w = getattr(got, p), getattr(want, p)
        assert np.array_equal(np.isnan(g), np.isnan(w)), (p, got[np.isnan(g) != np.isnan(w)], want[np.isnan(g) != np.isnan(w)])
        inf = np.isinf(w)
        assert np.array_equal(g[inf], w[inf]), (p, got[inf], want[inf])
        finite &= np.isfinite(w)
    g, w = got[finite].astype(C128), want[finite].astype(C128)
    err = np.abs(g - w)
    bound = eps_units * eps * np.abs(w)
    # A result below the smallest normal is compared in absolute terms.
    bound = np.maximum(bound, eps_units * np.finfo(want.dtype).smallest_normal)
    bad = err > bound
    assert not bad.any(), (got[finite][bad][:5], want[finite][bad][:5], (err / (eps * np.abs(w)))[bad][:5])


def np_eval(ex, env):
    """`ex` evaluated by NumPy: numjet's function names as NumPy's."""
    names = {
        "where": np.where, "sqrt": np.sqrt, "exp": np.exp, "log": np.log, "sin": np.sin, "cos": np.cos,
        "abs": np.abs, "conj": np.conj, "real": np.real, "imag": np.imag, "sum": np.sum, "mean": np.mean,
        "prod": np.prod, "any": np.any, "all": np.all, "square": np.square,
    }
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return eval(ex, {"__builtins__": {}, **names}, dict(env))


def nj(ex, **env):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numjet itself must not warn
        return numjet.evaluate(ex, local_dict=env)


# --- dtypes and zero-copy inputs -------------------------------------------


@pytest.mark.parametrize("ct", CTYPES)
def test_complex_arrays_round_trip(ct):
    z = cdata(ct, 1000, specials=True)
    got = nj("z", z=z)
    same(got, z)
    assert not np.shares_memory(got, z)  # a result is numjet's own buffer
    same(nj("where(z == z, z, z)", z=z), z)
    same(nj("copy(z)", z=z), z)
    # A 0-d complex array and NumPy complex scalars are strong 0-d values.
    same(nj("z", z=np.array(ct(1.5 - 2j))), np.asarray(ct(1.5 - 2j)))
    same(nj("s", s=ct(complex(-0.0, np.nan))), np.asarray(ct(complex(-0.0, np.nan))))


@pytest.mark.parametrize("ct", CTYPES)
def test_large_complex_results_use_the_buffer_pool(ct):
    z = cdata(ct, 200_000, 1)  # at least 1 MiB: a pooled result
    for _ in range(3):
        got = nj("z * 2 - 1j", z=z)
        same(got, np_eval("z * 2 - 1j", {"z": z}))
        assert got.base is not None and type(got.base).__name__ == "ResultBuffer"
        del got
    numjet.release_memory()


@pytest.mark.parametrize(
    "make",
    [
        lambda z: z[::2],
        lambda z: z[::-3],
        lambda z: z.reshape(20, 30).T,
        lambda z: z.reshape(20, 30)[::-2, 3::4],
        lambda z: np.broadcast_to(z[:30], (4, 30)),
    ],
    ids=["step2", "reversed", "transposed", "2d-strided", "broadcast"],
)
@pytest.mark.parametrize("ct", CTYPES)
def test_non_contiguous_complex_inputs(ct, make):
    base = cdata(ct, 600, 2, specials=True)
    z = make(base)
    assert not z.flags.c_contiguous or z.strides == (0, z.itemsize)
    w = cdata(ct, z.shape[-1], 3)
    for ex in ("z", "z * w + conj(z)", "real(z) - imag(w)", "z == w", "sum(z * w)", "z / w"):
        # NumPy on a contiguous copy: numjet's bits do not depend on the
        # layout, NumPy's can (its complex64 multiply takes the plain
        # formula instead of its fused SIMD loop for a negative stride).
        same(nj(ex, z=z, w=w), np_eval(ex, {"z": np.ascontiguousarray(z), "w": w}))


def test_complex_views_of_other_memory_are_read_as_numpy_reads_them():
    # The real and imaginary parts of a complex array are float views of
    # its memory (stride 2 elements); a complex view of floats is complex.
    z = cdata(C128, 64, 4)
    same(nj("re * 2 + im", re=z.real, im=z.imag), z.real * 2 + z.imag)
    f = np.arange(32, dtype=np.float32)
    v = f.view(C64)
    same(nj("v * 1j", v=v), v * 1j)
    # Unaligned complex128 (offset by one byte) and strides that are not a
    # whole number of elements: read through a copy.
    raw = np.zeros(16 * 17 + 1, np.uint8)
    u = raw[1:].view(C128)
    u[:] = cdata(C128, 17, 5)
    assert not u.flags.aligned
    same(nj("u + 1", u=u), u + 1)
    rec = np.zeros(10, dtype=[("a", "i1"), ("z", C128)])
    rec["z"] = cdata(C128, 10, 6)
    odd = rec["z"]  # stride 17 bytes
    same(nj("odd * 2", odd=odd), odd * 2)
    # Byte-swapped complex is converted.
    bs = cdata(C64, 20, 7).astype(">c8")
    same(nj("bs - 1", bs=bs), bs.astype(C64) - 1)


# --- NEP 50: literals, Python complex numbers, NumPy complex scalars ------


@pytest.mark.parametrize(
    "ex,types,want",
    [
        ("f32 * 1j", {"f32": np.float32}, C64),
        ("f32 + 2.5j", {"f32": np.float32}, C64),
        ("f64 * 1j", {"f64": np.float64}, C128),
        ("f16 - 1j", {"f16": np.float16}, C64),
        ("i8 * 1j", {"i8": np.int8}, C128),
        ("i32 + 1j", {"i32": np.int32}, C128),
        ("b + 1j", {"b": np.bool_}, C128),
        ("z64 * 1j", {"z64": C64}, C64),
        ("z64 * 2.5", {"z64": C64}, C64),
        ("z64 + f64", {"z64": C64, "f64": np.float64}, C128),
        ("z64 + i16", {"z64": C64, "i16": np.int16}, C64),
        ("z64 + i32", {"z64": C64, "i32": np.int32}, C128),
        ("z64 + z128", {"z64": C64, "z128": C128}, C128),
        ("abs(z64)", {"z64": C64}, np.float32),
        ("real(z128) + imag(z64)", {"z64": C64, "z128": C128}, np.float64),
        ("1j", {}, C128),
        ("(1 + 2j) * 3", {}, C128),
        ("complex(f32, f32)", {"f32": np.float32}, C128),
        ("complex(i8, 1)", {"i8": np.int8}, C128),
    ],
)
def test_complex_dtypes_are_numpys(ex, types, want):
    env = {n: cdata(t, 50, i) for i, (n, t) in enumerate(types.items())}
    got = nj(ex, **env)
    assert got.dtype == want, (ex, got.dtype, want)
    if ex.startswith("complex("):
        re, im = (env.get(p.strip(), int(p) if p.strip().isdigit() else None) for p in ex[8:-1].split(","))
        expected = np.empty(np.broadcast_shapes(np.shape(re), np.shape(im)), C128)
        expected.real, expected.imag = re, im
        same(got, expected)
    else:
        same(got, np_eval(ex, env))


def test_python_complex_numbers_are_weak():
    f32 = cdata(np.float32, 40, 1)
    z64 = cdata(C64, 40, 2)
    i32 = cdata(np.int32, 40, 3)
    w = 2 - 3j
    for ex, env in [("f32 * w", {"f32": f32}), ("z64 + w", {"z64": z64}), ("i32 * w", {"i32": i32}),
                    ("w * w + f32", {"f32": f32}), ("where(f32 > 0, w, f32)", {"f32": f32})]:
        env = {**env, "w": w}
        same(nj(ex, **env), np_eval(ex, env))
    # A program of Python numbers only is complex128, 0-d.
    r = nj("w * 2", w=w)
    assert r.shape == () and r.dtype == C128 and r == w * 2
    # Through the caller's frame too (the fast path looks the names up).
    assert numjet.evaluate("f32 * w").dtype == C64
    same(numjet.evaluate("f32 * w"), f32 * w)


def test_changing_python_complex_values_give_their_own_results():
    # Values with the same real part (and the same imaginary part) must not
    # share a compiled program.
    z = cdata(C128, 30, 8)
    for w in (1 + 2j, 1 + 3j, 1 - 3j, 5 - 3j, complex(1, -0.0), complex(1, 0.0), 2j, -2j):
        same(nj("z * w", z=z, w=w), z * w)
        same(nj("z + w", z=z, w=w), z + w)


def test_numpy_complex_scalars_are_strong():
    f32 = cdata(np.float32, 20, 9)
    z64 = cdata(C64, 20, 10)
    for s in (C128(1 + 2j), np.array(1 + 2j), C64(1 + 2j), np.array(1 + 2j, C64)):
        for ex, env in [("f32 * s", {"f32": f32}), ("z64 - s", {"z64": z64}), ("s * 2.5", {}), ("s * s", {})]:
            env = {**env, "s": s}
            # (NumPy's scalar math on two scalars is its array loop's here:
            # the same bits, values with few bits.)
            same(nj(ex, **env), np.asarray(np_eval(ex, env)))


# --- values -------------------------------------------------------------------

ARITH = ["z + w", "z - w", "z * w", "z / w", "-z", "+z", "z * 2", "2 / z", "z / 0", "z * 0.5j", "z ** 2", "z ** 3",
         "z ** -1", "z ** 0", "z ** 1", "conj(z)", "real(z)", "imag(z)", "z * conj(z)", "square(z)", "z + x",
         "x / z", "z * x - w", "where(real(z) > 0, z, w)", "where(x > 0, z, 1j)", "abs(z)", "abs(z * w) - abs(x)"]


@pytest.mark.parametrize("ex", ARITH)
@pytest.mark.parametrize("zt,wt,xt", [(C64, C64, np.float32), (C128, C128, np.float64), (C64, C128, np.int16),
                                      (C128, C64, np.float32), (C64, C64, np.int64)])
def test_arithmetic_is_numpys_bit_for_bit(ex, zt, wt, xt):
    env = {"z": cdata(zt, 200, 11, specials=True), "w": cdata(wt, 200, 12, specials=True), "x": cdata(xt, 200, 13)}
    same(nj(ex, **env), np_eval(ex, env))


FUNCS = ["sqrt", "exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan",
         "arcsinh", "arccosh", "arctanh", "log10", "log2", "expm1", "exp2", "angle"]


@pytest.mark.parametrize("func", FUNCS)
@pytest.mark.parametrize("ct", CTYPES)
def test_functions_are_within_a_few_eps_of_numpys(func, ct):
    z = cdata(ct, 400, 14)
    # Larger and smaller magnitudes too, and zeros, infinities and NaNs.
    # (Positive NaNs: where C99 leaves the sign of an infinite part open,
    # glibc copies a NaN argument's sign bit and numjet gives +inf, as for
    # arcsinh(-nan + inf j) = -inf + nan j in NumPy, inf + nan j in numjet.)
    z[:50] *= ct(1e3)
    z[50:100] *= ct(1e-3)
    z[100:] = cdata(ct, 300, 14, specials=True)
    with np.errstate(all="ignore"):
        want = getattr(np, func)(z)
    close(nj(f"{func}(z)", z=z), want)


@pytest.mark.parametrize("ct", CTYPES)
def test_log1p_is_numpys_away_from_zero_and_accurate_near_it(ct):
    # numjet's one deliberate difference from NumPy's complex functions:
    # NumPy's log1p is log(1 + z) and loses every digit of the real part
    # for small z (log1p(1e-20 + 1e-20j) = 0 + 1e-20j); numjet's is
    # accurate there.
    z = cdata(ct, 300, 15)
    with np.errstate(all="ignore"):
        close(nj("log1p(z)", z=z), np.log1p(z))
    tiny = np.array([1e-20 + 1e-20j, -3e-9 + 4e-9j, 2e-12j], dtype=ct)
    got = nj("log1p(tiny)", tiny=tiny)
    # log1p(z) = z - z^2/2 + ..., the rest below an eps of these.
    want = tiny.astype(C128) - tiny.astype(C128) ** 2 / 2
    close(got, want.astype(ct), eps_units=2)


def test_complex128_log_real_part_near_the_unit_circle():
    t = np.linspace(0.1, 1.5, 50)
    z = np.exp(1j * t) * (1 + 1e-9)
    got, want = nj("log(z)", z=z), np.log(z)
    # Per part: the real part, about 1e-9, within 8 ulp of itself.
    np.testing.assert_array_max_ulp(got.real, want.real, maxulp=8)


def test_python_complex_arithmetic_is_pythons():
    # Arithmetic between Python numbers is Python's (as NumPy evaluating
    # the same text does it): CPython's complex + - * and integer powers.
    a, b = 4.875863365553904 + 4.896226383905603j, -6.0817499208485675 + 6.827535364653869j
    for ex in ("a + b", "a - b", "a * b", "a ** 2", "a ** 3", "-a", "a * 2.5", "a + 1"):
        same(nj(ex, a=a, b=b), np.asarray(eval(ex, {}, {"a": a, "b": b})))


def test_python_complex_division_is_pythons():
    a, b = 4.875863365553904 + 4.896226383905603j, -6.0817499208485675 + 6.827535364653869j
    same(nj("a / b", a=a, b=b), np.asarray(a / b))


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
@pytest.mark.parametrize("ct", CTYPES)
def test_comparisons_are_numpys_lexicographic_order(op, ct):
    z = cdata(ct, 300, 16, specials=True)
    w = z.copy()
    w[::3] = cdata(ct, 100, 17, specials=True)  # equal, and not
    w[1::5] = z[1::5].real + 1j * (z[1::5].imag + 1)  # equal real parts
    for ex in (f"z {op} w", f"z {op} 1 + 1j", f"real(z) {op} w", f"z {op} 0"):
        same(nj(ex, z=z, w=w), np_eval(ex, {"z": z, "w": w}))


@pytest.mark.parametrize("ct", CTYPES)
def test_predicates(ct):
    z = cdata(ct, 300, 18, specials=True)
    for f in ("isnan", "isinf", "isfinite"):
        same(nj(f"{f}(z)", z=z), getattr(np, f)(z))
    same(nj("z != 0", z=z), z != 0)
    same(nj("where(z, 1, 0)", z=z), np.where(z, 1, 0))  # truth: either part non-zero


@pytest.mark.parametrize("ct", CTYPES)
@pytest.mark.parametrize("red", ["sum", "prod", "mean", "any", "all"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_reductions(ct, red, axis):
    z = cdata(ct, (13, 37), 19) * ct(0.4)
    if red == "prod":
        z = (z / np.abs(z) * ct(1.01)).astype(ct)  # near the unit circle: no overflow
    z[2, 3] = 0
    kw = "" if axis is None else f", axis={axis}"
    got = nj(f"{red}(z{kw})", z=z)
    want = np.asarray(getattr(np, red)(z, axis=axis))
    # Bit for bit: NumPy's pairwise complex sums, its plain-formula
    # products and its division of a mean by the count.
    same(got, want)
    # Of an expression: the same sums of the same elements.
    ex = "conj(z) * 1j" if red == "prod" else "z * 2 - 1j"
    same(nj(f"{red}({ex}{kw})", z=z), np.asarray(getattr(np, red)(np_eval(ex, {"z": z}), axis=axis)))


def test_numexprs_complex_reductions():
    # numexpr's test_reductions' complex part (the test itself checks
    # numexpr's virtual-machine listings and is not run).
    x = np.arange(10.0).astype(int) + 0.1j
    np.testing.assert_allclose(numjet.evaluate("sum(x**2+2,axis=0)"), np.sum(x**2 + 2, axis=0))
    np.testing.assert_allclose(numjet.evaluate("prod(x-1,axis=0)"), np.prod(x - 1, axis=0))
    same(numjet.evaluate("sum(x**2+2,axis=0)"), np.sum(x**2 + 2, axis=0))


@pytest.mark.parametrize("ct", CTYPES)
def test_casts(ct):
    z = cdata(ct, 200, 20, specials=True)
    z[:20] = np.arange(20) * 37.3 - 300 + 1j  # in and out of small int ranges
    finite = np.isfinite(z)  # NaN and inf to ints: NumPy's values are its loop's
    for to in ("bool", "int8", "uint8", "int32", "int64", "uint64", "float16", "float32", "float64", "complex64", "complex128"):
        src = z if to in ("bool", "float16", "float32", "float64", "complex64", "complex128") else z[finite]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NumPy's ComplexWarning, overflow
            want = src.astype(to)
        same(nj(f"{to}(src)", src=src), want)
    for rt in (np.bool_, np.int8, np.uint16, np.int64, np.float16, np.float32, np.float64):
        x = cdata(rt, 100, 21)
        for to in ("complex64", "complex128"):
            same(nj(f"{to}(x)", x=x), x.astype(to))


def test_imaginary_literals():
    f32 = cdata(np.float32, 30, 22)
    f64 = cdata(np.float64, 30, 23)
    for ex in ("f32 * 1j", "f32 + 1.5J", "1j * f32 - 2", "f64 * 1j + f32", "f32 * .5j", "f32 * 1e-3j", "f32 * 1_0j",
               "(f32 + 1j) ** 2", "where(f32 > 0, 1j, 2)", "conj(f64 + 1j)"):
        same(nj(ex, f32=f32, f64=f64), np_eval(ex, {"f32": f32, "f64": f64}))
    assert nj("f32 * 1j", f32=f32).dtype == C64
    assert nj("f64 * 1j", f64=f64).dtype == C128
    same(nj("1j * 1j"), np.asarray(-1 + 0j))
    same(nj("(1 + 2j) / (3 - 4j)"), np.asarray((1 + 2j) / (3 - 4j)))


def test_complex_function_of_two_real_parts():
    # numexpr's complex(re, im): complex128 whatever the parts' dtypes.
    a = cdata(np.float32, 40, 24)
    b = cdata(np.int16, 40, 25)
    got = nj("complex(a, b)", a=a, b=b)
    want = np.empty(40, C128)
    want.real, want.imag = a, b
    same(got, want)
    close(nj("sin(complex(a, b)).real + complex(a, b).imag", a=a, b=b), np.asarray(np.sin(want).real + want.imag))
    same(nj("complex(1, 2)"), np.asarray(1 + 2j))


# --- out= -----------------------------------------------------------------


@pytest.mark.parametrize("ct", CTYPES)
def test_out_is_written_in_place(ct):
    z = cdata(ct, 300, 26)
    out = np.empty_like(z)
    r = numjet.evaluate("z * 2j + 1", local_dict={"z": z}, out=out)
    assert r is out
    same(out, z * 2j + 1)
    # out may be an input.
    before = z.copy()
    r = numjet.evaluate("z * z", local_dict={"z": z}, out=z)
    assert r is z
    same(z, before * before)


def test_out_partially_overlapping_a_complex_input():
    # The input is borrowed in place; an out= that overlaps it (here through
    # the same base array) is seen, and the result is NumPy's from the
    # values before the call.
    base = cdata(C128, 101, 43)
    want = base[:-1] * 1j + base[1:]
    r = numjet.evaluate("a * 1j + b", local_dict={"a": base[:-1], "b": base[1:]}, out=base[1:])
    same(r, want)
    same(base[1:], want)
    # Through another base object (a view made from the buffer).
    buf = cdata(C64, 64, 44)
    alias = np.frombuffer(buf, dtype=C64)[::-1]
    want = alias * 2 + np.conj(buf)
    numjet.evaluate("x * 2 + conj(y)", local_dict={"x": alias, "y": buf}, out=buf)
    same(buf, want)


def test_out_of_another_dtype_or_layout():
    z = cdata(C128, (20, 30), 27)
    # complex128 result into complex64 (same_kind) and a strided view.
    out = np.zeros((20, 30), C64)
    numjet.evaluate("z + 1", local_dict={"z": z}, out=out)
    same(out, (z + 1).astype(C64))
    big = np.zeros((20, 60), C128)
    view = big[:, ::2]
    r = numjet.evaluate("z - 1j", local_dict={"z": z}, out=view)
    assert r is view
    same(big[:, ::2], z - 1j)
    assert not big[:, 1::2].any()
    # A real result into a complex out.
    f = cdata(np.float64, (20, 30), 28)
    out = np.zeros((20, 30), C128)
    numjet.evaluate("f * 2", local_dict={"f": f}, out=out)
    same(out, (f * 2).astype(C128))
    # Broadcast into out.
    out = np.zeros((3, 20, 30), C64)
    numjet.evaluate("z * 1", local_dict={"z": z}, out=out, casting="unsafe")
    same(out, np.broadcast_to((z * 1).astype(C64), (3, 20, 30)))


def test_out_refuses_complex_into_real_under_same_kind():
    z = cdata(C128, 10, 29)
    out = np.zeros(10, np.float64)
    with pytest.raises(TypeError):
        numjet.evaluate("z + 1", local_dict={"z": z}, out=out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        numjet.evaluate("z + 1", local_dict={"z": z}, out=out, casting="unsafe")
    same(out, (z + 1).real)


# --- errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    "ex,words",
    [
        ("z // 2", ["//", "complex128"]),
        ("z % 2", ["%", "complex128"]),
        ("z & 1", ["&"]),
        ("z << 1", ["<<"]),
        ("floor(z)", ["floor"]),
        ("ceil(z64)", ["ceil", "complex64"]),
        ("arctan2(z, z)", ["arctan2"]),
        ("fmod(z, 2)", ["fmod"]),
        ("hypot(z, 1)", ["hypot"]),
        ("cbrt(z)", ["cbrt"]),
        ("signbit(z)", ["signbit"]),
        ("~z", ["~"]),
        ("complex(z, 1)", ["complex"]),
        ("f // 1j", ["//"]),
    ],
)
def test_operations_without_a_complex_loop_raise_with_a_caret(ex, words):
    env = {"z": cdata(C128, 5, 30), "z64": cdata(C64, 5, 31), "f": cdata(np.float64, 5, 32)}
    with pytest.raises(TypeError) as info:
        numjet.evaluate(ex, local_dict=env)
    msg = str(info.value)
    for w in words:
        assert w in msg, (ex, msg)
    assert "^" in msg  # the caret under the expression


@pytest.mark.parametrize("ex", ["clip(z, 0, 1)", "clip(z, z, 1j)"])
def test_complex_operations_numjet_has_not_yet(ex):
    # NumPy has complex loops for these; numjet says it has not yet.
    z = cdata(C128, 5, 33)
    with pytest.raises(TypeError, match="not supported by numjet yet"):
        numjet.evaluate(ex, local_dict={"z": z})


@pytest.mark.parametrize("backend", ["jit", "interp"])
def test_complex_round_rint_and_sign_are_numpys(backend):
    z = cdata(C128, 60, 35)
    before = numjet.set_backend(backend)
    try:
        for ex, f in (("round(z)", np.round), ("rint(z)", np.rint)):
            same(numjet.evaluate(ex, local_dict={"z": z}), f(z))
        want = np.sign(z)
        got = numjet.evaluate("sign(z)", local_dict={"z": z})
        assert got.dtype == want.dtype
        np.testing.assert_array_max_ulp(got.real, want.real, maxulp=4)
        np.testing.assert_array_max_ulp(got.imag, want.imag, maxulp=4)
    finally:
        numjet.set_backend(before)


@pytest.mark.parametrize("backend", ["jit", "interp"])
def test_complex_minimum_maximum_and_min_max_follow_numpy(backend):
    z, w = cdata(C128, 40, 36, specials=True), cdata(C128, 40, 37, specials=True)
    before = numjet.set_backend(backend)
    try:
        for ex, want in (("maximum(z, w)", np.maximum(z, w)), ("minimum(z, w)", np.minimum(z, w)),
                         ("fmax(z, w)", np.fmax(z, w)), ("fmin(z, w)", np.fmin(z, w)),
                         ("max(z)", np.max(z)), ("min(w)", np.min(w))):
            same(numjet.evaluate(ex, local_dict={"z": z, "w": w}), np.asarray(want))
    finally:
        numjet.set_backend(before)


def test_unsupported_complex_widths_are_not_implemented():
    with pytest.raises(NotImplementedError, match="complex256|clongdouble"):
        numjet.evaluate("z + 1", local_dict={"z": np.zeros(3, np.clongdouble)})


# --- the numexpr-shaped API -----------------------------------------------


def test_numexpr_objects_validate_and_re_evaluate():
    z = cdata(C128, 50, 34)
    f = cdata(np.float32, 50, 35)
    nex = numjet.NumExpr("z * f + 1j", signature=[("z", np.complex128), ("f", np.float32)])
    same(nex.run(z, f), z * f + 1j)
    same(nex(z.astype(C64), f), z.astype(C64).astype(C128) * f + 1j)  # cast to the signature
    assert numjet.validate("z * f + 1j") is None
    same(numjet.re_evaluate(), z * f + 1j)
    e = E.z * (2 + 3j) - E.f * 1.5j
    same(numjet.evaluate(e), z * (2 + 3j) - f * 1.5j)
    with pytest.raises(ValueError):
        E.z * complex(np.inf, 1)
    ve = numjet.validate("z // 1")
    assert isinstance(ve, TypeError)


# --- backends and threads -------------------------------------------------

AGREE = ["z * w + 1j", "z / w - conj(z)", "z ** 3 + z ** -1", "where(real(z) > imag(w), z, w * 2.5j)", "abs(z) + angle(w)",
         "z < w", "z == conj(w)", "sqrt(z) * exp(w) - log(z)", "sin(z) + cos(w) + tanh(z)", "arcsinh(z) - arctan(w)",
         "sum(z * w)", "mean(z, axis=0)", "prod(z / abs(z), axis=1)", "any(z, axis=0)", "t = z - mean(z); sum(t * conj(t))",
         "float32(z) + complex64(f)", "bool(z) | (f > 0)", "complex(f, real(w))", "z * f - 1j * f", "isnan(z) | isinf(w)"]


@pytest.mark.parametrize("zt,wt", [(C64, C64), (C128, C128), (C64, C128)])
def test_the_jit_and_the_interpreter_agree_on_complex_programs(zt, wt):
    # Complex programs compile in the JIT (as real parts); the reference
    # interpreter evaluates them element by element: the same bits, NaNs
    # aside, whatever the layout and the thread count.
    z = cdata(zt, (60, 40), 40, specials=True)[::-2, ::3]
    w = cdata(wt, (40, 60), 41, specials=True).T[1::2, ::3]
    f = cdata(np.float32, (30, 14), 42)
    env = {"z": z, "w": w, "f": f}
    with np.errstate(all="ignore"):
        jit = [numjet.evaluate(p, local_dict=env) for p in AGREE]
        before = numjet.set_num_threads(2)
        try:
            for p, want in zip(AGREE, jit):
                same(numjet.evaluate(p, local_dict=env), want)
        finally:
            numjet.set_num_threads(before)
        assert numjet.set_backend("interp") == "jit"
        try:
            for p, want in zip(AGREE, jit):
                same(numjet.evaluate(p, local_dict=env), want)
        finally:
            numjet.set_backend("jit")


def test_ctrl_c_stops_a_long_complex_evaluation():
    # A reduction over 1e10 broadcast complex elements (minutes of work) on
    # the JIT is interrupted 0.3 s in. (The reference interpreter, numjet's
    # checking backend, does not look at the cancel flag.)
    n = 100_000
    col = (np.arange(n, dtype=np.float64) * 1j).reshape(n, 1)
    row = np.arange(n, dtype=np.float64).reshape(1, n)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        numjet.evaluate("sum(abs(exp(col + row)))")
    elapsed = time.monotonic() - start
    timer.cancel()
    assert elapsed < 5, elapsed
    same(numjet.evaluate("sum(z)", local_dict={"z": np.array([1j, 2])}), np.asarray(2 + 1j))


@pytest.mark.parametrize(
    "backend",
    [
        "jit",
        "interp",
    ],
)
def test_a_constant_part_of_a_complex_array_keeps_its_shape(backend):
    f32 = np.arange(1, 6, dtype=np.float32)
    d = np.arange(1, 6.0)
    env = {"f32": f32, "d": d, "w": 2 - 1j}
    before = numjet.set_backend(backend)
    try:
        for ex in ("imag(f32 - 1j)", "imag(f32 + w)", "imag(complex(d, 2))", "real(complex(2, d))", "sum(imag(f32 - 1j))",
                   "prod(imag(d + 2.5j))", "float32(complex(2, d))"):
            same(numjet.evaluate(ex, local_dict=env), np.asarray(np_eval(ex.replace("float32(", "np.float32(")
                                                                            .replace("complex(", "_complex("),
                                                                            {**env, "np": np, "_complex": _complex})))
    finally:
        numjet.set_backend(before)


def _complex(re, im):
    """numexpr's complex(re, im): complex128 of the two parts."""
    out = np.empty(np.broadcast_shapes(np.shape(re), np.shape(im)), C128)
    out.real, out.imag = re, im
    return out
