"""numjet.dask: numjet programs over dask arrays, against NumPy.

Elementwise results must equal NumPy's exactly (the programs use only
correctly rounded operations); reductions are exact except float sums and
means (and float products), whose order differs from NumPy's pairwise pass,
which are compared to a tolerance. Dtypes must always be NumPy's. The last
tests run on a two-process ``distributed.LocalCluster``.
"""

import sys
import types

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
import dask  # noqa: E402

import numjet  # noqa: E402
import numjet.dask as njd  # noqa: E402

RNG = np.random.default_rng(20240611)


def _compute(x, scheduler="threads"):
    return x.compute(scheduler=scheduler)


def assert_same(got, expected):
    """Equal values, dtype and shape (NaN equal to NaN)."""
    got = np.asarray(got)
    expected = np.asarray(expected)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_array_equal(got, expected, strict=True)


# --- elementwise -------------------------------------------------------------


def test_two_dask_arrays_with_different_chunks():
    A = RNG.standard_normal((40, 30))
    B = RNG.standard_normal((40, 30))
    a = da.from_array(A, chunks=(7, 11))
    b = da.from_array(B, chunks=(13, 6))
    r = njd.evaluate("where(a > b, sqrt(abs(a)) * b, a - 2*b) / 3")
    assert isinstance(r, da.Array)
    assert r.shape == (40, 30) and r.dtype == np.float64
    assert r.numblocks[0] > 1 and r.numblocks[1] > 1
    assert_same(_compute(r), np.where(A > B, np.sqrt(np.abs(A)) * B, A - 2 * B) / 3)


def test_broadcasting_dask_with_numpy_and_length_one_axes():
    M = RNG.standard_normal((25, 12))
    w = RNG.standard_normal(12)  # 1-D NumPy along the last axis
    col = RNG.standard_normal((25, 1))
    m = da.from_array(M, chunks=(6, 5))
    c = da.from_array(col, chunks=(10, 1))
    s = np.float64(0.5)  # a 0-d NumPy value
    with dask.config.set({"array.chunk-size": "64B"}):  # "auto" would cut w in 8s
        r = njd.evaluate("m * w + c - s")
    assert r.shape == (25, 12)
    assert r.chunks[1] == m.chunks[1]  # w is chunked like m: no refinement
    assert_same(_compute(r), M * w + col - s)

    # (n, 1) x (1, k) of two dask arrays: an outer product.
    row = da.from_array(RNG.standard_normal((1, 9)), chunks=(1, 4))
    r = njd.evaluate("c * row")
    assert r.shape == (25, 9)
    assert_same(_compute(r), col * row.compute())


def test_broadcasting_different_ndims_and_chunks():
    X = RNG.standard_normal((4, 10, 8)).astype(np.float32)
    Y = RNG.standard_normal((10, 8)).astype(np.float32)
    x = da.from_array(X, chunks=(2, 3, 8))
    y = da.from_array(Y, chunks=(5, 3))
    r = njd.evaluate("x * y - y")
    assert r.shape == (4, 10, 8) and r.dtype == np.float32
    assert_same(_compute(r), X * Y - Y)


def test_python_scalars_stay_weak():
    F = RNG.standard_normal((30, 7)).astype(np.float32)
    f = da.from_array(F, chunks=(8, 7))
    r = njd.evaluate("f * 2.5")
    assert r.dtype == np.float32
    assert_same(_compute(r), F * 2.5)
    s = 2.5  # a Python float input: weak, as a literal
    r = njd.evaluate("f * s")
    assert r.dtype == np.float32
    assert_same(_compute(r), F * s)
    # A NumPy scalar is strong: float32 * float64 is float64.
    r = njd.evaluate("f * s", {"f": f, "s": np.float64(2.5)})
    assert r.dtype == np.float64
    assert_same(_compute(r), F * np.float64(2.5))
    # A Python int with int32 stays int32.
    I = np.arange(-20, 20, dtype=np.int32).reshape(8, 5)
    i = da.from_array(I, chunks=3)
    k = 7
    r = njd.evaluate("i * k + 1")
    assert r.dtype == np.int32
    assert_same(_compute(r), I * k + 1)


def _complex(shape, dtype=np.complex128, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def test_complex_elementwise():
    Z = _complex((30, 20), seed=1)
    F = RNG.standard_normal((30, 20)).astype(np.float32)
    W = _complex(20, np.complex64, seed=2)
    z = da.from_array(Z, chunks=(7, 6))
    f = da.from_array(F, chunks=(11, 8))
    w = 2 - 1.5j  # a Python complex: weak, with float32 it stays complex64
    r = njd.evaluate("f * w + 1j")
    assert r.dtype == np.complex64
    assert_same(_compute(r), F * w + 1j)
    r = njd.evaluate("where(real(z) > 0, z * conj(z), z / W) - f")
    assert r.dtype == np.complex128 and r.numblocks[0] > 1
    assert_same(_compute(r), np.where(Z.real > 0, Z * np.conj(Z), Z / W) - F)
    r = njd.evaluate("abs(z) + imag(W)")
    assert r.dtype == np.float64
    assert_same(_compute(r), np.abs(Z) + W.imag)
    # A NumPy complex scalar is strong: complex128 with float32.
    r = njd.evaluate("f * s", {"f": f, "s": np.complex128(1 + 1j)})
    assert r.dtype == np.complex128
    assert_same(_compute(r), F * np.complex128(1 + 1j))


def test_complex_reductions_and_stages():
    Z = _complex((40, 12), np.complex64, seed=3)
    z = da.from_array(Z, chunks=(9, 5))
    eps = np.finfo(np.float32).eps
    A = np.abs(Z.astype(np.complex128))
    # (program, NumPy's value, bound: another summation order, so a few eps
    # of the sum of magnitudes, over the count for a mean)
    cases = [
        ("sum(z * 1j)", (Z * 1j).sum(), 8 * eps * A.sum()),
        ("sum(z, axis=0)", Z.sum(axis=0), 8 * eps * A.sum(axis=0)),
        ("mean(z, axis=1)", Z.mean(axis=1), 8 * eps * A.sum(axis=1) / 12),
        ("mean(z)", Z.mean(), 8 * eps * A.sum() / 480),
        ("z - mean(z, axis=0)", Z - Z.mean(axis=0), 8 * eps * (A.sum(axis=0) / 40 + A)),
    ]
    for ex, want, bound in cases:
        r = njd.evaluate(ex)
        assert r.dtype == np.complex64, ex
        got = np.asarray(_compute(r))
        assert got.dtype == np.complex64 and got.shape == np.shape(want)
        assert np.all(np.abs(got.astype(np.complex128) - want) <= bound), (ex, got, want)
    assert_same(_compute(njd.evaluate("any(z == 0)")), np.any(Z == 0))
    assert_same(_compute(njd.evaluate("all(z != 0, axis=1)")), np.all(Z != 0, axis=1))
    U = (Z / np.abs(Z)).astype(np.complex64)
    u = da.from_array(U, chunks=(9, 5))
    got = _compute(njd.evaluate("prod(u, axis=0)"))
    np.testing.assert_allclose(got, U.prod(axis=0), rtol=64 * eps)


def test_int_programs():
    I = RNG.integers(-1000, 1000, (33, 17), dtype=np.int32)
    J = RNG.integers(1, 50, (33, 17), dtype=np.int64)
    i = da.from_array(I, chunks=(10, 9))
    j = da.from_array(J, chunks=(4, 17))
    r = njd.evaluate("i // 7 + j % 5 - (i << 2) * j")
    assert r.dtype == np.int64
    assert_same(_compute(r), I // 7 + J % 5 - (I << 2) * J)
    r = njd.evaluate("where(i > 0, i, -i) & 255")
    assert r.dtype == np.int32
    assert_same(_compute(r), np.where(I > 0, I, -I) & 255)
    r = njd.evaluate("i / j")  # true division of ints: float64
    assert_same(_compute(r), I / J)


def test_multi_statement_elementwise_and_unused_input():
    A = RNG.standard_normal((12, 6))
    a = da.from_array(A, chunks=5)
    b = da.ones(11, chunks=4)  # does not broadcast with a, but only feeds an unused temporary
    r = njd.evaluate("t = b * 2\nu = a*a\nu - a")
    assert r.shape == (12, 6)
    assert_same(_compute(r), A * A - A)


def test_no_dask_inputs_and_constants():
    A = np.arange(10.0)
    r = njd.evaluate("A * pi")  # pi: numjet's constant
    assert isinstance(r, da.Array)
    assert_same(_compute(r), A * np.pi)
    pi = 3  # a variable shadows the constant
    assert_same(_compute(njd.evaluate("A * pi")), A * 3)
    r = njd.evaluate("7 // 2 + 1")
    assert r.shape == ()
    assert_same(_compute(r), np.int64(4))


def test_local_and_global_dicts():
    A = np.arange(6.0)
    a = da.from_array(A, chunks=2)
    r = njd.evaluate("a + b", local_dict={"a": a}, global_dict={"b": 10.0})
    assert_same(_compute(r), A + 10.0)
    # local_dict wins over global_dict.
    r = njd.evaluate("a", local_dict={"a": a}, global_dict={"a": np.zeros(6)})
    assert_same(_compute(r), A)


def test_order_and_options():
    A = RNG.standard_normal((6, 4))
    a = da.from_array(A, chunks=(3, 2))
    r = njd.evaluate("a * 2", order="F")
    fortran = r.map_blocks(lambda b: np.full((1, 1), b.flags.f_contiguous and not b.flags.c_contiguous), chunks=(1, 1), dtype=bool)
    assert _compute(fortran).all()
    assert_same(_compute(r), A * 2)
    with pytest.raises(TypeError, match="out="):
        njd.evaluate("a * 2", out=np.empty((6, 4)))
    with pytest.raises(TypeError):
        njd.evaluate("a * 2", bogus=1)


def test_numjet_re_evaluate_state_is_left_alone():
    x = np.arange(4.0)
    numjet.evaluate("x + 1", {"x": x})
    a = da.from_array(np.arange(6.0), chunks=2)
    _compute(njd.evaluate("sum(a * 3)"), scheduler="sync")
    _compute(njd.evaluate("a * 3"), scheduler="sync")
    assert_same(numjet.re_evaluate({"x": x}), x + 1)


# --- reductions ----------------------------------------------------------------

F64 = RNG.uniform(0.5, 1.5, (24, 18))
F64[::5, ::4] = 0.0  # zeros, so that any/all/prod see them
I32 = RNG.integers(-3, 4, (24, 18), dtype=np.int32)
F32 = RNG.uniform(-2, 2, (24, 18)).astype(np.float32)
F32[3, :] = 0.0

# program -> (NumPy reference of its argument, the inputs)
PROGRAMS = {
    "float64": ("a * b", lambda: F64 * I32),
    "int32": ("b - 1", lambda: I32 - 1),
    "float32": ("g * 2.5", lambda: F32 * np.float32(2.5)),
}
FUNCS = ["sum", "prod", "min", "max", "mean", "any", "all"]


def _inputs():
    return {
        "a": da.from_array(F64, chunks=(5, 7)),
        "b": da.from_array(I32, chunks=(7, 4)),
        "g": da.from_array(F32, chunks=(10, 5)),
    }


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("func", FUNCS)
@pytest.mark.parametrize("kind", list(PROGRAMS))
def test_reductions(kind, func, axis):
    inner, reference = PROGRAMS[kind]
    ex = f"{func}({inner})" if axis is None else f"{func}({inner}, axis={axis})"
    x = reference()
    expected = getattr(np, func)(x, axis=axis)
    r = njd.evaluate(ex, _inputs())
    assert r.dtype == expected.dtype, (ex, r.dtype, expected.dtype)
    assert r.shape == np.shape(expected)
    got = _compute(r, scheduler="sync")
    if x.dtype.kind == "f" and func in ("sum", "mean", "prod"):
        # Another summation order: rounding errors, bounded by a few
        # epsilons of the sum of magnitudes (per result element).
        assert np.asarray(got).dtype == expected.dtype
        eps = np.finfo(x.dtype).eps
        if func == "prod":
            np.testing.assert_allclose(got, expected, rtol=32 * eps, atol=0)
        else:
            bound = 8 * eps * np.abs(x).sum(axis=axis)
            if func == "mean":
                bound = bound / (x.size if axis is None else x.shape[axis])
            assert np.all(np.abs(np.asarray(got, np.float64) - expected) <= bound), (got, expected)
    else:
        assert_same(got, expected)


def test_reductions_use_several_blocks_and_a_tree():
    a = _inputs()["a"]
    r = njd.evaluate("sum(a, axis=0)", split_every=2)
    # 5 row blocks, reduced two at a time: more than one level.
    assert len(r.dask.layers) >= 4
    np.testing.assert_allclose(_compute(r), F64.sum(axis=0), rtol=1e-12)


@pytest.mark.parametrize(
    "dtype, expected",
    [(np.int32, np.float64), (np.int64, np.float64), (np.bool_, np.float64), (np.float32, np.float32), (np.float64, np.float64),
     (np.uint8, np.float64), (np.int16, np.float64), (np.float16, np.float16)],
)
def test_mean_dtype(dtype, expected):
    X = (RNG.integers(0, 3, (20, 9)) * 1.25).astype(dtype)
    x = da.from_array(X, chunks=(6, 4))
    for axis in (None, 0, 1):
        ex = "mean(x)" if axis is None else f"mean(x, axis={axis})"
        r = njd.evaluate(ex)
        want = X.mean(axis=axis)
        assert want.dtype == expected
        assert r.dtype == expected
        got = _compute(r)
        assert np.asarray(got).dtype == expected
        np.testing.assert_allclose(got, want, rtol={np.float16: 1e-3, np.float32: 1e-6}.get(expected, 1e-13))


def test_float16_mean_sums_in_float32_and_does_not_overflow():
    # 400,000 values below 10: a float16 running sum would overflow.
    X = (np.random.default_rng(3).random(400_000) * 10).astype(np.float16)
    x = da.from_array(X, chunks=100_000)
    got = _compute(njd.evaluate("mean(x)"))
    assert np.asarray(got).dtype == np.float16
    np.testing.assert_allclose(float(got), float(X.mean()), rtol=1e-3)


def test_mean_of_large_ints_sums_in_float64():
    # NumPy's mean adds ints in float64; an int64 sum would wrap here.
    X = np.full((8, 6), 2**62 + 12345, dtype=np.int64)
    x = da.from_array(X, chunks=(3, 4))
    for axis in (None, 0):
        ex = "mean(x)" if axis is None else f"mean(x, axis={axis})"
        assert_same(_compute(njd.evaluate(ex)), X.mean(axis=axis))


def test_sum_of_int32_is_int64_and_exact():
    X = RNG.integers(2**30, 2**31 - 1, (50, 40), dtype=np.int32)  # overflows int32 when added
    x = da.from_array(X, chunks=(9, 13))
    r = njd.evaluate("sum(x)")
    assert r.dtype == np.int64 and r.shape == ()
    assert_same(_compute(r), X.sum())
    assert_same(_compute(njd.evaluate("sum(x, axis=1)")), X.sum(axis=1))


def test_reduction_after_statements_and_broadcasting():
    A = RNG.standard_normal((16, 10))
    w = RNG.standard_normal(10)
    a = da.from_array(A, chunks=(5, 3))
    r = njd.evaluate("t = a * w\nu = t + 1\nr = max(u, axis=0)")
    assert_same(_compute(r), (A * w + 1).max(axis=0))
    r = njd.evaluate("t = a * w; (sum(t*t, axis=-1))")
    np.testing.assert_allclose(_compute(r), ((A * w) ** 2).sum(axis=-1), rtol=1e-12)
    k = 1  # a Python int axis
    r = njd.evaluate("min(a + w, axis=k)")
    assert_same(_compute(r), (A + w).min(axis=1))


def test_reduction_of_0d_value():
    s = da.from_array(np.float32(3.5), chunks=())
    r = njd.evaluate("sum(s * 2)")
    assert r.shape == () and r.dtype == np.float32
    assert_same(_compute(r), np.float32(7.0))


def test_reduction_results_compose():
    """The refused `a - mean(a, axis=0)`, written as two calls."""
    A = RNG.standard_normal((14, 6))
    a = da.from_array(A, chunks=(4, 4))
    m = njd.evaluate("mean(a, axis=0)")
    r = njd.evaluate("a - m")
    np.testing.assert_allclose(_compute(r), A - A.mean(axis=0), rtol=0, atol=1e-14)
    total = njd.evaluate("sum(a)")  # a 0-d dask array as an input
    r = njd.evaluate("a / total")
    np.testing.assert_allclose(_compute(r), A / A.sum(), rtol=1e-12)


def test_empty_arrays():
    e = da.zeros((0, 4), chunks=(2, 2))
    assert_same(_compute(njd.evaluate("sum(e, axis=0)")), np.zeros(4))
    assert_same(_compute(njd.evaluate("prod(e)")), np.float64(1.0))
    with pytest.raises(ValueError, match="zero-size array"):
        _compute(njd.evaluate("min(e)"))
    with pytest.raises(ValueError, match="zero-size array"):
        _compute(njd.evaluate("max(e, axis=0)"))


# --- refusals and errors, at evaluate time ---------------------------------------


class _Poisoned:
    """A dask array whose computation fails: evaluate must not compute."""


def _poisoned(shape):
    def boom():
        raise AssertionError("computed")

    return da.from_delayed(dask.delayed(boom)(), shape=shape, dtype=np.float64)


MIXED = [
    "a - mean(a)",
    "sum(a) + 1",
    "sum(a) / sum(b)",
    "max(sum(a, axis=0))",
    "-sum(a)",
    "t = sum(a)\nt * 2",
    "t = sum(a); sum(t)",
    "where(a > 0, sum(a), 0)",
    "sum(a, axis=0).real",
    "a - mean(a, axis=0)",
    "(a - mean(a, axis=1)) / (max(a, axis=1) - min(a, axis=1) + 1)",
    "t = a * b; sum(t) + t",
    "any(a > mean(b))",
    "i + sum(i)",
]


@pytest.mark.parametrize("ex", MIXED)
def test_mixed_programs_are_planned_as_stages(ex):
    """Reductions mixed with elementwise work: each innermost reduction is a
    tree reduction of its own, the rest elementwise. NumPy's dtype; values
    as numjet's on the whole arrays (float sums to rounding)."""
    # Square, so that an axis=1 result (5,) broadcasts against (5, 5).
    env = {"a": RNG.standard_normal((5, 5)), "b": RNG.standard_normal((5, 5)), "i": RNG.integers(-50, 50, (5, 5), dtype=np.int32)}
    want = numjet.evaluate(ex, local_dict=env)
    lazy = {k: da.from_array(v, chunks=(2, 3)) for k, v in env.items()}
    got = _compute(njd.evaluate(ex, lazy))
    assert np.asarray(got).dtype == np.asarray(want).dtype
    assert np.asarray(got).shape == np.asarray(want).shape
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64), rtol=1e-12, atol=1e-12)


def test_mixed_programs_are_lazy():
    """Planning a mixed program computes nothing."""
    env = {"a": _poisoned((5, 4)), "b": _poisoned((5, 4))}
    r = njd.evaluate("a - mean(a) + sum(b) / max(b)", env)
    assert r.shape == (5, 4) and r.dtype == np.float64


def test_unknown_name_is_keyerror():
    a = da.ones(3, chunks=2)  # noqa: F841
    with pytest.raises(KeyError, match="nosuchname"):
        njd.evaluate("a + nosuchname")


def test_program_errors_at_evaluate_time():
    env = {"a": _poisoned((5, 4))}
    with pytest.raises(ValueError, match="out of bounds"):
        njd.evaluate("sum(a, axis=2)", env)
    with pytest.raises(SyntaxError):
        njd.evaluate("a +", env)
    with pytest.raises(TypeError):
        njd.evaluate("a << 1", env)  # shift of a float
    with pytest.raises(ValueError, match="broadcast"):  # shapes that do not broadcast
        njd.evaluate("a + b", {"a": _poisoned((5, 4)), "b": _poisoned((3,))})


def test_variable_named_like_a_reduction():
    sum = da.from_array(np.arange(5.0), chunks=2)  # noqa: A001
    r = njd.evaluate("sum * 2")  # a name, not a call: elementwise
    assert_same(_compute(r), np.arange(5.0) * 2)
    r = njd.evaluate("sum(sum)")
    assert_same(_compute(r), np.float64(10.0))


# --- threads -------------------------------------------------------------------


def _fake_distributed(nthreads):
    worker = types.SimpleNamespace(state=types.SimpleNamespace(nthreads=nthreads))
    return types.SimpleNamespace(get_worker=lambda: worker)


def test_default_threads(monkeypatch):
    for v in ("NUMJET_NUM_THREADS", "NUMEXPR_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setattr(numjet, "detect_number_of_cores", lambda: 8)
    # Not on a worker, in the main process: numjet's setting is left alone.
    monkeypatch.setitem(sys.modules, "distributed", types.SimpleNamespace(get_worker=lambda: (_ for _ in ()).throw(ValueError("No worker found"))))
    assert njd._default_threads() is None
    # On a worker: cores // the worker's threads, at least 1.
    monkeypatch.setitem(sys.modules, "distributed", _fake_distributed(2))
    assert njd._default_threads() == 4
    monkeypatch.setitem(sys.modules, "distributed", _fake_distributed(16))
    assert njd._default_threads() == 1
    # numjet's environment settings (the Nanny sets OMP_NUM_THREADS=1) win.
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setitem(sys.modules, "distributed", _fake_distributed(2))
    assert njd._default_threads() == 1
    monkeypatch.setenv("NUMJET_NUM_THREADS", "3")
    assert njd._default_threads() == 3


def test_threads_argument_caps_blocks_without_changing_the_setting(monkeypatch):
    before = numjet.get_num_threads()
    a = da.from_array(np.arange(8.0), chunks=4)
    caps = []
    real = njd._numjet.evaluate

    def spy(ex, names, values, out=None, threads=None, math=None):
        caps.append(threads)
        return real(ex, names, values, out, threads, math)

    monkeypatch.setattr(njd._numjet, "evaluate", spy)
    # Building the graph probes the program on the client (no cap); the
    # blocks' calls come at compute.
    lazy = njd.evaluate("a + 1", threads=1)
    caps.clear()
    assert_same(_compute(lazy, scheduler="sync"), np.arange(8.0) + 1)
    assert len(caps) == 2 and set(caps) == {1}, caps
    assert numjet.get_num_threads() == before
    # threads=None in this process: no cap.
    lazy = njd.evaluate("a + 2")
    caps.clear()
    _compute(lazy, scheduler="sync")
    assert len(caps) == 2 and set(caps) == {None}, caps
    with pytest.raises(ValueError):
        njd.evaluate("a + 1", {"a": a}, threads=0)


# --- on a distributed cluster -----------------------------------------------------


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster, distributed.Client(cluster) as c:
        yield c


def test_cluster_elementwise(client):
    A = RNG.standard_normal((300, 200))
    w = RNG.standard_normal(200)
    a = da.from_array(A, chunks=(50, 100))
    r = njd.evaluate("where(a > 0, a * w, -a) + 2.5")
    got = client.compute(r).result()
    assert_same(got, np.where(A > 0, A * w, -A) + 2.5)
    # Blocks ran in both worker processes, each of which now has numjet's
    # threads at 1 (the Nanny's OMP_NUM_THREADS=1), and not in this one.
    threads = client.run(numjet.get_num_threads)
    assert len(threads) == 2 and set(threads.values()) == {1}, threads
    pids = client.run(lambda: __import__("os").getpid())
    assert len(set(pids.values())) == 2


def test_math_mode_goes_with_the_graph(client):
    # A graph built in fast mode computes in fast mode in the worker
    # processes (whose own mode is the default), and in this process after
    # it went back to the default mode.
    X = np.linspace(-30, 30, 20000).reshape(200, 100)
    x = da.from_array(X, chunks=(50, 50))
    local = {"x": X}
    numjet.set_math("fast")
    try:
        want = numjet.evaluate("sin(x) * exp(x / 10) + tanh(x)", local_dict=local)
        lazy = njd.evaluate("sin(x) * exp(x / 10) + tanh(x)")
    finally:
        numjet.set_math("accurate")
    accurate = numjet.evaluate("sin(x) * exp(x / 10) + tanh(x)", local_dict=local)
    assert set(client.run(numjet.get_math).values()) == {"accurate"}
    assert_same(client.compute(lazy).result(), want)
    assert_same(_compute(lazy), want)
    # The modes give different results here (else this test shows nothing).
    assert not np.array_equal(want, accurate)


def test_cluster_reductions(client):
    I = RNG.integers(-100, 100, (300, 200), dtype=np.int32)
    F = RNG.standard_normal((300, 200)).astype(np.float32)
    i = da.from_array(I, chunks=(40, 70))
    f = da.from_array(F, chunks=(60, 50))
    s, m, mx = client.compute([njd.evaluate("sum(i * 3, axis=0)"), njd.evaluate("mean(f)"), njd.evaluate("max(f * i, axis=-1)")], sync=True)
    assert_same(s, (I * 3).sum(axis=0))
    assert np.asarray(m).dtype == np.float32
    np.testing.assert_allclose(m, F.mean(), rtol=1e-4, atol=1e-6)
    assert_same(mx, (F * I).max(axis=-1))


def test_cluster_complex(client):
    # Complex blocks and a Python complex number through pickling to the
    # worker processes.
    Z = _complex((120, 80), seed=4)
    z = da.from_array(Z, chunks=(40, 40))
    w = 0.5 + 2j
    e, s = client.compute([njd.evaluate("z * w + conj(z)"), njd.evaluate("sum(z, axis=1)")], sync=True)
    assert_same(e, Z * w + np.conj(Z))
    np.testing.assert_allclose(s, Z.sum(axis=1), rtol=1e-13)
