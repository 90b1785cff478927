"""numjet's Python module: NumPy 2's dtypes and values, zero-copy inputs of
any layout, `out=`, errors, threads and Ctrl-C. Run against the installed
package (``pip install ./python``): ``pytest python/tests``."""

import os
import random
import subprocess
import sys
import threading
import time
import _thread

import numpy as np
import pytest

import numjet

DTYPES = [np.bool_, np.int32, np.int64, np.float32, np.float64]


def data(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    if dtype is np.bool_:
        return rng.random(shape) < 0.5
    if np.issubdtype(dtype, np.integer):
        return rng.integers(-1000, 1000, shape).astype(dtype)
    x = rng.standard_normal(shape).astype(dtype)
    return x


def same(got, want):
    """Same dtype, shape and values (NaNs equal; -0.0 and 0.0 apart)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if got.dtype.kind == "f":
        assert np.array_equal(got.view(f"u{got.itemsize}"), want.view(f"u{want.itemsize}")) or np.array_equal(got, want, equal_nan=True), (got, want)
    else:
        assert np.array_equal(got, want), (got, want)


# --- dtypes and NEP 50 ------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_round_trips(dtype):
    a = data(dtype, 1000)
    same(numjet.evaluate("a", local_dict={"a": a}), a)
    same(numjet.evaluate("where(a == a, a, a)", local_dict={"a": a}), a)


@pytest.mark.parametrize(
    "ex",
    ["a * 2.5", "a + 1", "a // 3", "a % 3", "a * b", "a / b", "a < b", "sqrt(abs(a))", "sum(a)", "mean(a)", "max(a)", "a ** 2", "-a", "a - b * 2"],
)
@pytest.mark.parametrize("da,db", [(np.float32, np.float32), (np.float32, np.float64), (np.int32, np.float32), (np.int32, np.int64), (np.int64, np.int64)])
def test_dtypes_and_values_are_numpys(ex, da, db):
    a = data(da, 257, 1)
    b = data(db, 257, 2)
    if np.issubdtype(db, np.integer):
        b[b == 0] = 7
    with np.errstate(all="ignore"):
        want = eval(ex.replace("sqrt", "np.sqrt").replace("abs", "np.abs").replace("sum(a)", "np.sum(a)").replace("mean(a)", "np.mean(a)").replace("max(a)", "np.max(a)"), {"np": np}, {"a": a, "b": b})
    got = numjet.evaluate(ex, local_dict={"a": a, "b": b})
    if ex in ("sum(a)", "mean(a)") and a.dtype.kind == "f":
        # Float reductions: NumPy's pairwise order, not bit-identical for
        # every layout; dtype exact, value close.
        assert np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_allclose(got, want, rtol=1e-5)
    else:
        same(got, want)


def test_python_numbers_are_weak_numpy_scalars_are_not():
    a32 = np.arange(5, dtype=np.float32)
    x = 2.5
    assert numjet.evaluate("a32 * x").dtype == np.float32
    assert numjet.evaluate("a32 * np64", local_dict={"a32": a32, "np64": np.float64(2.5)}).dtype == np.float64
    assert numjet.evaluate("a32 * s", local_dict={"a32": a32, "s": np.float32(2.5)}).dtype == np.float32
    i32 = np.arange(5, dtype=np.int32)
    assert numjet.evaluate("i32 + 7").dtype == np.int32
    assert numjet.evaluate("i32 + k", local_dict={"i32": i32, "k": 7}).dtype == np.int32
    assert numjet.evaluate("i32 + k", local_dict={"i32": i32, "k": 7.0}).dtype == np.float64
    assert numjet.evaluate("i32 + k", local_dict={"i32": i32, "k": np.int64(7)}).dtype == np.int64
    # A 0-d array is strong, as in NumPy 2.
    assert numjet.evaluate("a32 + z", local_dict={"a32": a32, "z": np.array(1.0)}).dtype == np.float64


def test_program_of_numbers_only():
    r = numjet.evaluate("2 * 3 + 1")
    assert r.shape == () and r.dtype == np.int64 and r == 7
    r = numjet.evaluate("x * 2", local_dict={"x": 1.5})
    assert r.shape == () and r.dtype == np.float64 and r == 3.0


def test_python_int_outside_int64_is_an_overflow_error():
    a = np.arange(3)
    with pytest.raises(OverflowError):
        numjet.evaluate("a + k", local_dict={"a": a, "k": 2**70})


@pytest.mark.parametrize("value", [np.arange(3, dtype=np.clongdouble), np.array([b"ab", b"c"]), np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[s]"), np.clongdouble(1j)])
def test_unsupported_dtypes_are_not_implemented(value):
    with pytest.raises(NotImplementedError):
        numjet.evaluate("a + 1", local_dict={"a": value})


SMALL_DTYPES = ["int8", "int16", "uint8", "uint16", "uint32", "uint64", "float16"]


@pytest.mark.parametrize("dtype", SMALL_DTYPES)
@pytest.mark.parametrize("expr", ["a + b", "a * b - 1", "(a + b) // 2", "a % 7", "-a", "abs(a)", "a < b",
                                  "where(a > b, a, b)", "sqrt(a)", "a + 1.5", "sum(a)", "mean(b)", "max(a)"])
def test_every_real_dtype_gives_numpys_dtype_and_values(dtype, expr):
    rng = np.random.default_rng(7)
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    # Values across the dtype's range (ints) or small floats with halves.
    if info is not None:
        a = rng.integers(info.min, info.max, size=(3, 50), dtype=dtype, endpoint=True)
        b = rng.integers(info.min, info.max, size=(3, 50), dtype=dtype, endpoint=True)
    else:
        a = (rng.standard_normal((3, 50)) * 20).astype(dtype)
        b = (rng.standard_normal((3, 50)) * 20).astype(dtype)
    want = eval(expr.replace("where", "np.where").replace("sqrt", "np.sqrt").replace("abs", "np.abs")
                .replace("sum", "np.sum").replace("mean", "np.mean").replace("max", "np.max"),
                {"np": np, "a": a, "b": b})
    want = np.asarray(want)
    got = numjet.evaluate(expr, local_dict={"a": a, "b": b})
    assert got.dtype == want.dtype, (expr, dtype, got.dtype, want.dtype)
    if want.dtype == np.float16 and expr in ("sqrt(a)", "mean(b)"):
        # Within one float16 ulp (float32 math, rounded once).
        np.testing.assert_array_max_ulp(got, want, maxulp=1)
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", SMALL_DTYPES)
def test_small_dtypes_read_any_layout_and_write_out(dtype):
    a = np.arange(120).reshape(8, 15).astype(dtype)[::-2, 1::3]
    got = numjet.evaluate("a + a", local_dict={"a": a})
    np.testing.assert_array_equal(got, a + a)
    out = np.empty_like(a + a)
    numjet.evaluate("a + a", local_dict={"a": a}, out=out)
    np.testing.assert_array_equal(out, a + a)
    # A 0-d array of the dtype is a strong scalar of it.
    s = np.array(3, dtype=dtype)
    assert numjet.evaluate("a * s", local_dict={"a": a, "s": s}).dtype == (a * s).dtype


def test_python_ints_out_of_a_small_dtypes_range_raise_as_numpy():
    a = np.arange(5, dtype=np.uint8)
    with pytest.raises(OverflowError):
        a + 300
    with pytest.raises((OverflowError, TypeError)):
        numjet.evaluate("a + 300", local_dict={"a": a})
    np.testing.assert_array_equal(numjet.evaluate("a < 300", local_dict={"a": a}), a < 300)


# --- layouts: zero-copy views of any strides ---------------------------------


def layouts(dtype):
    base = data(dtype, (40, 30), 3)
    yield "contiguous", base
    yield "step", base[::3, ::2]
    yield "reversed", base[::-1, ::-2]
    yield "transposed", base.T
    yield "broadcast", np.broadcast_to(base[0], (5, 30))
    yield "fortran", np.asfortranarray(base)
    yield "empty", base[:0]
    yield "offset", base[7:, 3:]


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_layout_gives_numpys_values(dtype):
    for name, x in layouts(dtype):
        want = (x == x) if dtype is np.bool_ else x + x
        got = numjet.evaluate("x == x" if dtype is np.bool_ else "x + x", local_dict={"x": x})
        same(got, want)
        if x.size:
            same(numjet.evaluate("max(x, axis=0)"), np.max(x, axis=0))


def test_unaligned_and_byte_swapped_inputs():
    buf = np.zeros(8 * 101 + 1, dtype=np.uint8)
    un = buf[1:].view(np.float64)
    un[:] = np.arange(101)
    assert not un.flags.aligned
    same(numjet.evaluate("un * 2"), un * 2)
    big = np.arange(10, dtype=">i4")
    same(numjet.evaluate("big + 1"), (big + 1).astype(np.int32))


def test_bool_arrays_holding_other_bytes_are_read_as_numpy_does():
    raw = np.array([0, 1, 2, 255, 0], dtype=np.uint8)
    b = raw.view(np.bool_)
    same(numjet.evaluate("b & True"), np.array([False, True, True, True, False]))
    same(numjet.evaluate("b[::2]" if False else "c | False", local_dict={"c": b[::2]}), np.array([False, True, False]))


def test_broadcasting_mixed_dimensions():
    m = data(np.float64, (4, 1, 3))
    v = data(np.float64, (5, 1))
    same(numjet.evaluate("m * v + 1"), m * v + 1)
    with pytest.raises(ValueError):
        numjet.evaluate("a + b", local_dict={"a": np.zeros(3), "b": np.zeros(4)})


def test_zero_dimensional_and_reductions_are_0d_arrays():
    a = data(np.float64, 100)
    r = numjet.evaluate("max(a)")
    assert isinstance(r, np.ndarray) and r.shape == () and r == a.max()
    z = np.array(3.0)
    same(numjet.evaluate("z * 2"), np.array(6.0))
    same(numjet.evaluate("sum(m, axis=1)", local_dict={"m": np.arange(6).reshape(2, 3)}), np.array([3, 12]))


def test_inputs_of_many_kinds_never_crash():
    bad = [None, object(), "text", {"a": 1}, [[1, 2], [3]], memoryview(b"abc").cast("c"), np.array([object()]), lambda: 1, np.datetime64("2020-01-01")]
    for v in bad:
        with pytest.raises(Exception) as info:
            numjet.evaluate("a + 1", local_dict={"a": v})
        assert not isinstance(info.value, (SystemError,)), v
    same(numjet.evaluate("a + 1", local_dict={"a": [1, 2, 3]}), np.array([2, 3, 4]))


def test_random_program_text_never_crashes():
    rng = random.Random(7)
    alphabet = "ab+-*/%()<>=!&|~^ ,.;0123456789eijx_\n\tsumaxwhere" + "\u00e9\u20ac\x00"
    a = np.arange(4.0)
    b = np.arange(4)
    for _ in range(3000):
        ex = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        try:
            numjet.evaluate(ex, local_dict={"a": a, "b": b}, global_dict={})
        except (SyntaxError, KeyError, TypeError, ValueError, OverflowError, NotImplementedError, ZeroDivisionError):
            pass


# --- out= --------------------------------------------------------------------


def test_out_is_written_in_place_and_returned():
    a = data(np.float64, 1000)
    out = np.empty_like(a)
    r = numjet.evaluate("a * 2 + 1", out=out)
    assert r is out
    same(out, a * 2 + 1)


def test_out_may_be_an_input():
    a0 = data(np.float64, 10000)
    b = data(np.float64, 10000, 1)
    a = a0.copy()
    r = numjet.evaluate("a*2 + b", out=a)
    assert r is a
    same(a, a0 * 2 + b)


def test_out_partially_overlapping_an_input():
    x0 = data(np.float64, 5001)
    x = x0.copy()
    numjet.evaluate("y * 2 + 1", local_dict={"y": x[:-1]}, out=x[1:])
    want = x0.copy()
    want[1:] = x0[:-1] * 2 + 1
    same(x, want)
    # A reversed view of the same memory.
    x = x0.copy()
    numjet.evaluate("y - 1", local_dict={"y": x[::-1]}, out=x)
    same(x, x0[::-1] - 1)


def test_out_of_other_layout_and_dtype_under_casting():
    a = data(np.float64, (20, 10))
    out = np.zeros((10, 20)).T
    numjet.evaluate("a + 1", out=out)
    same(out, a + 1)
    out32 = np.zeros((20, 10), dtype=np.float32)
    numjet.evaluate("a + 1", out=out32)
    same(out32, (a + 1).astype(np.float32))
    with pytest.raises(TypeError):
        numjet.evaluate("a + 1", out=np.zeros((20, 10), dtype=np.float32), casting="safe")
    with pytest.raises(TypeError):
        numjet.evaluate("a + 1", out=np.zeros((20, 10), dtype=np.int64))


def test_out_errors():
    a = np.arange(10.0)
    ro = np.zeros(10)
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        numjet.evaluate("a + 1", out=ro)
    assert (ro == 0).all()
    with pytest.raises(ValueError):
        numjet.evaluate("a + 1", out=np.zeros(11))
    # A 0-d result fills any out, as a NumPy ufunc's out.
    out = np.zeros(3, dtype=np.int32)
    numjet.evaluate("3", out=out)
    same(out, np.array([3, 3, 3], dtype=np.int32))


# --- errors -----------------------------------------------------------------


def test_errors_are_the_python_exceptions_with_numjets_caret():
    a = np.arange(3.0)
    with pytest.raises(SyntaxError) as e:
        numjet.evaluate("a + * 2")
    assert "^" in str(e.value) and "a + * 2" in str(e.value)
    with pytest.raises(KeyError) as e:
        numjet.evaluate("a + bb")
    assert "unknown name `bb`" in str(e.value) and "^^" in str(e.value)
    with pytest.raises(TypeError) as e:
        numjet.evaluate("~a")
    assert "^" in str(e.value)
    with pytest.raises(ValueError):
        numjet.evaluate("sum(m, axis=2)", local_dict={"m": np.zeros((2, 2))})
    with pytest.raises(ValueError):
        numjet.evaluate("i ** -1", local_dict={"i": np.arange(3)})
    assert isinstance(numjet.validate("a +"), SyntaxError)
    assert isinstance(numjet.validate("a + nope"), KeyError)
    assert numjet.validate("a + 1") is None


def test_options_are_checked():
    a = np.arange(3.0)
    with pytest.raises(ValueError):
        numjet.evaluate("a", order="X")
    with pytest.raises(ValueError):
        numjet.evaluate("a", out=np.zeros(3), casting="bogus")
    with pytest.raises(TypeError):
        numjet.evaluate("a", bogus=1)
    f = numjet.evaluate("m + 1", local_dict={"m": np.zeros((3, 4))}, order="F")
    assert f.flags.f_contiguous


# --- numexpr's API ------------------------------------------------------------


def test_frames_locals_then_globals_and_constants():
    a = np.arange(3.0)
    pi = np.ones(3)  # a variable shadows the constant
    same(numjet.evaluate("a + pi"), a + 1)
    same(numjet.evaluate("a * e", local_dict={"a": a}, global_dict={}), a * np.e)


def test_re_evaluate_and_numexpr_objects():
    a = np.arange(4.0)
    numjet.evaluate("a * 3")
    a = np.arange(4.0) + 1
    same(numjet.re_evaluate(), a * 3)
    f = numjet.NumExpr("2*a + b", signature=[("a", np.float64), ("b", np.float64)])
    same(f(np.arange(3), np.ones(3)), 2 * np.arange(3.0) + 1)
    g = numjet.NumExpr(numjet.E.b - numjet.E.a)
    assert g.input_names == ("a", "b")
    same(g.run(np.ones(2), np.arange(2.0)), np.arange(2.0) - 1)


def test_thread_settings():
    old = numjet.set_num_threads(1)
    try:
        assert numjet.get_num_threads() == 1
        assert numjet.set_num_threads(2) == 1
    finally:
        numjet.set_num_threads(old)
    assert numjet.ncores >= 1 and numjet.MAX_THREADS >= 1 and numjet.use_vml is False


@pytest.mark.parametrize(
    "env,want",
    [({"NUMJET_NUM_THREADS": "3", "NUMEXPR_NUM_THREADS": "2"}, 3), ({"NUMEXPR_NUM_THREADS": "2", "OMP_NUM_THREADS": "5"}, 2), ({"OMP_NUM_THREADS": "1"}, 1)],
)
def test_thread_environment_numjets_name_first(env, want):
    clean = {k: v for k, v in os.environ.items() if k not in ("NUMJET_NUM_THREADS", "NUMEXPR_NUM_THREADS", "OMP_NUM_THREADS")}
    out = subprocess.check_output([sys.executable, "-c", "import numjet; print(numjet.get_num_threads(), numjet.nthreads)"], env={**clean, **env}, text=True)
    assert out.split() == [str(want), str(want)]


# --- the GIL and Ctrl-C --------------------------------------------------------


def test_the_gil_is_released_while_evaluating():
    """While one thread evaluates (GIL released), this thread runs Python
    code: it counts loop iterations made while the other thread is inside
    `evaluate`. Holding the GIL there would leave the count near 0."""
    old = numjet.set_num_threads(1)
    a = data(np.float64, 4_000_000)
    numjet.evaluate("sum(sin(a) * cos(a))")  # compiled before timing starts
    inside = threading.Event()
    done = threading.Event()

    def work():
        inside.set()
        for _ in range(5):
            numjet.evaluate("sum(sin(a) * cos(a))", local_dict={"a": a})
        done.set()

    try:
        t = threading.Thread(target=work)
        t.start()
        inside.wait()
        count = 0
        while not done.is_set():
            count += 1
        t.join()
    finally:
        numjet.set_num_threads(old)
    assert count > 10_000, count


def test_threads_share_kernels_and_get_their_own_answers():
    results = {}

    def work(i):
        x = np.full(200_000, float(i))
        for _ in range(5):
            r = numjet.evaluate("x * 2 + k", local_dict={"x": x, "k": i})
        results[i] = r

    ts = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for i in range(16):
        same(results[i], np.full(200_000, 3.0 * i))


def test_ctrl_c_stops_a_long_evaluation():
    """A streamed reduction over 1e10 broadcast elements (minutes of work)
    is interrupted 0.3 s in: KeyboardInterrupt, within a few blocks."""
    n = 100_000
    col = np.arange(n, dtype=np.float64).reshape(n, 1)
    row = np.arange(n, dtype=np.float64).reshape(1, n)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        numjet.evaluate("sum(sin(col + row))")
    elapsed = time.monotonic() - start
    timer.cancel()
    # The full evaluation takes minutes; stopping "within a block" is
    # milliseconds after the watcher's 20 ms poll. 5 s leaves room for a
    # loaded machine without letting a run-to-the-end pass.
    assert elapsed < 5, elapsed
    # The module is usable after the interrupt.
    same(numjet.evaluate("sum(c)", local_dict={"c": np.arange(4)}), np.array(6))


def test_changing_python_numbers_reuse_one_kernel():
    """A Python float or int is a run-time parameter where NumPy's typing
    does not depend on its value: a loop over it compiles once."""
    from numjet import _numjet

    a = data(np.float32, 100)
    numjet.evaluate("a * alpha + k", local_dict={"a": a, "alpha": 0.5, "k": 1})
    before = _numjet.cached_kernels()
    for i in range(50):
        alpha, k = i * 0.37 - 3.0, i - 20
        got = numjet.evaluate("a * alpha + k", local_dict={"a": a, "alpha": alpha, "k": k})
        same(got, a * alpha + k)
    assert _numjet.cached_kernels() == before
    # Where the value matters to NumPy (an exponent), each value is
    # compiled in, and the results are still NumPy's.
    # (float `**` is within 1 ULP of NumPy's, as in the golden fixtures.)
    for e in (2.0, 0.5, 3.0):
        got = numjet.evaluate("a ** e", local_dict={"a": np.abs(a), "e": e})
        want = np.abs(a) ** e
        assert got.dtype == want.dtype == np.float32
        np.testing.assert_array_max_ulp(got, want, maxulp=1)


def test_result_buffers_are_reused_only_when_no_array_uses_them():
    """Large results go back to a pool when NumPy drops them (and every view
    of them); a later result of the same dtype and size reuses the memory.
    An array that is alive keeps its values."""
    from numjet import _numjet

    _numjet.release_memory()
    a = np.arange(300_000.0)  # 2.4 MB results: pooled
    r1 = numjet.evaluate("a * 2")
    view = r1[::2]
    address = r1.__array_interface__["data"][0]
    del r1
    r2 = numjet.evaluate("a * 3")  # r1's memory is still the view's
    assert r2.__array_interface__["data"][0] != address
    same(view, (a * 2)[::2])
    del view
    r3 = numjet.evaluate("a * 4")  # now it is free, and reused
    assert r3.__array_interface__["data"][0] == address
    same(r2, a * 3)
    same(r3, a * 4)
    r3[:] = 1  # results are ordinary writeable arrays
    assert r3.flags.writeable and (r3 == 1).all()
    # Other sizes and dtypes do not take it.
    del r3
    r4 = numjet.evaluate("b * 2", local_dict={"b": np.arange(300_001.0)})
    assert r4.__array_interface__["data"][0] != address
    _numjet.release_memory()


def test_out_overlapping_an_input_through_another_base_object():
    """Memory shared through a memoryview or frombuffer has another base
    object: found by address, and computed as NumPy would."""
    a = np.arange(10.0)
    x = a[:8]
    o = np.asarray(memoryview(a)[2:])
    want = x.copy() + 1.0
    numjet.evaluate("x + 1.0", local_dict={"x": x}, out=o)
    same(o, want)
    buf = bytearray(np.arange(12.0).tobytes())
    src = np.frombuffer(buf, count=10)
    dst = np.frombuffer(buf, offset=16, count=10)
    want = src * 2
    numjet.evaluate("src * 2", local_dict={"src": src}, out=dst)
    same(dst, want)


def test_out_that_is_not_a_writable_array_is_refused_first():
    a = np.arange(3.0)
    with pytest.raises(TypeError):
        numjet.evaluate("a + 1", out=[0, 0, 0])
    ro = np.zeros(3)
    ro.flags.writeable = False
    assert isinstance(numjet.validate("a + 1", out=ro), ValueError)


def test_numpy_scalars_keep_their_bits():
    snan = np.array([0x7F800001], dtype=np.uint32).view(np.float32)[0]
    r = numjet.evaluate("s * one", local_dict={"s": snan, "one": np.ones(1, dtype=np.float32)[0]})
    assert r.dtype == np.float32 and np.isnan(r)
    same(numjet.evaluate("where(True, s, s)", local_dict={"s": np.float32(-0.0)}), np.float32(-0.0))
    # A 0-d input is read from memory as it is.
    z = np.array(0x7F800001, dtype=np.uint32).view(np.float32)
    got = numjet.evaluate("where(c, z, z)", local_dict={"z": z, "c": np.array([True])})
    assert got.view(np.uint32)[0] == 0x7F800001


def test_strides_past_the_address_space_are_an_error():
    base = np.zeros(4)
    # NumPy checks the size, not the strides: a span of 2^67 elements.
    bad = np.lib.stride_tricks.as_strided(base, shape=(2**20,), strides=(2**50,))
    with pytest.raises(ValueError):
        numjet.evaluate("x + 1", local_dict={"x": bad})


@pytest.mark.parametrize("ex", ["sum(col + row, axis=0)", "max(col * row)", "mean(i + j)"])
def test_ctrl_c_stops_long_reductions(ex):
    n = 100_000
    env = {
        "col": np.arange(n, dtype=np.float64).reshape(n, 1),
        "row": np.arange(n, dtype=np.float64).reshape(1, n),
        "i": np.arange(n).reshape(n, 1),
        "j": np.arange(n).reshape(1, n),
    }
    timer = threading.Timer(0.3, _thread.interrupt_main)
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        numjet.evaluate(ex, local_dict=env)
    elapsed = time.monotonic() - start
    timer.cancel()
    assert elapsed < 5, elapsed


def test_the_reference_interpreter_agrees_with_the_jit():
    a, b = data(np.float64, (30, 20), 1), data(np.int32, 20, 2)
    programs = ["a * b + 1", "where(a > 0, sqrt(a), -a) // 3", "sum(a * b, axis=0)", "t = a - mean(a); t * t", "max(b) + (b % 7)"]
    env = {"a": a, "b": b}
    jit = [numjet.evaluate(p, local_dict=env) for p in programs]
    assert numjet.set_backend("interp") == "jit"
    try:
        assert numjet.get_backend() == "interp"
        for p, want in zip(programs, jit):
            same(numjet.evaluate(p, local_dict=env), want)
    finally:
        numjet.set_backend("jit")
    with pytest.raises(ValueError):
        numjet.set_backend("gpu")


def test_fast_math_mode():
    # numexpr's VML accuracy switch maps onto numjet's math mode; the fast
    # mode keeps dtypes, stays within 4 ULP and both backends agree in it.
    x = np.linspace(-20, 20, 10001)
    x32 = x.astype(np.float32)
    env = {"x": x, "y": x32}
    programs = ["sin(x) * exp(x / 8)", "tanh(x) + log1p(abs(x))", "cos(y) + exp(y / 4)", "sin(y)"]
    accurate = [numjet.evaluate(p, local_dict=env) for p in programs]
    assert numjet.get_math() == "accurate"
    assert numjet.set_vml_accuracy_mode("low") == "high"
    try:
        assert numjet.get_math() == "fast"
        assert numjet.set_vml_accuracy_mode(None) == "low"
        fast = [numjet.evaluate(p, local_dict=env) for p in programs]
        for p, f, a in zip(programs, fast, accurate):
            assert f.dtype == a.dtype, p
            tol = 8 * np.finfo(a.dtype).eps  # each within 4 (fast) and 1 (accurate) ULP of exact
            np.testing.assert_allclose(f, a, rtol=tol, atol=tol, err_msg=p)
        assert numjet.set_backend("interp") == "jit"
        try:
            for p, f in zip(programs, fast):
                same(numjet.evaluate(p, local_dict=env), f)
        finally:
            numjet.set_backend("jit")
    finally:
        assert numjet.set_vml_accuracy_mode("high") == "low"
    assert numjet.get_math() == "accurate"
    assert numjet.set_math("fast") == "accurate"
    assert numjet.set_vml_accuracy_mode("high") == "fast"
    with pytest.raises(ValueError):
        numjet.set_vml_accuracy_mode("medium")
    with pytest.raises(ValueError):
        numjet.set_math("sloppy")
