"""numjet over dask arrays: ``numjet.dask.evaluate(ex, ...)`` returns a lazy
dask array whose blocks numjet computes.

    import dask.array as da
    import numjet.dask

    x = da.random.random((20_000, 5_000), chunks=(2_000, 5_000))
    y = numjet.dask.evaluate("where(x > 0.5, sqrt(x), 0) * w")   # w: NumPy (5000,)
    m = numjet.dask.evaluate("mean(x*x, axis=0)")                  # (5000,)
    y.compute(), m.compute()

Needs ``dask[array]`` (and ``distributed`` to run on a cluster); the rest of
numjet does not import this module.

Inputs
    Names are looked up as ``numjet.evaluate`` does: ``local_dict``, then
    ``global_dict``, either left as None being the caller's frame's (the
    frame is not kept). Constants (``pi e inf nan``) not found stay
    constants; any other name not found is a ``KeyError``. Values may be
    dask arrays (any number of dimensions, 0-d too, e.g. the result of an
    earlier reduction) of any of numjet's dtypes (complex64 and complex128
    too), NumPy arrays and scalars, or Python ``bool``/``int``/``float``/
    ``complex``. Python numbers stay weak (NEP 50): they are handed to
    numjet inside every block as Python numbers, so ``f32 * 2.5`` is
    float32 and ``f32 * 1j`` complex64. NumPy arrays are wrapped with
    ``da.from_array``, chunked like the dask inputs they line up with.

Elementwise programs (no reduction)
    One ``da.blockwise`` call. Inputs are lined up at their last dimension
    (NumPy broadcasting); blockwise unifies their chunks (rechunking to the
    common refinement where they differ), and a length-1 axis broadcasts
    without being materialised: each block gets the inputs' matching
    blocks, unbroadcast, and numjet broadcasts them. An input that does not
    reach the result (only used in an unused assignment: ``t = b; a``) is
    not broadcast, as in numjet: a tiny probe evaluation on 1-element arrays
    finds which inputs shape the result; such inputs get a 1-element
    stand-in of their dtype in each block. The dtype comes from
    ``numjet._numjet.result_dtype`` on 1-element samples (errors in the
    program, its types or its ``axis=`` are raised by ``evaluate``, not at
    compute time). ``order='F'`` is passed on to each block.

Reductions
    A program whose value is one reduction ``R(expr)`` or ``R(expr,
    axis=k)`` (R one of ``sum prod min max mean any all``; ``expr`` free of
    reductions), optionally after assignments free of reductions (``t =
    a*b; sum(t, axis=-1)``; the last statement may be ``r = R(...)``), runs
    as a tree reduction: a blockwise step in which numjet evaluates
    ``R(expr, axis=k)`` on each block (fused: the block's ``expr`` is never
    stored), giving one partial per block along the reduced axes, then
    ``da.reduction``'s tree (``split_every``) combines the partials with
    NumPy: sum, prod, min, max, any, all of the partials. ``mean`` is the
    sum (in float64 for int and bool arguments, as NumPy sums them) divided
    by the count, which is static (the product of the reduced lengths: no
    element is skipped), the division done in float64 (complex128 for a
    complex mean) and rounded to the result dtype, as NumPy does. Dtypes
    are numjet's, that is NumPy's: sum of int32 is int64, mean of ints
    float64, mean of float32 float32, mean of complex64 complex64. A full
    reduction is a 0-d dask array. Float sums and means add in a different
    order than NumPy's single pairwise pass (per block, then across blocks),
    so they agree to rounding, not bit for bit; integer, min/max and
    any/all results are exact. ``min``/``max`` of an empty array raise
    numjet's ``ValueError`` at compute time.

Programs that mix reductions with elementwise work
    ``a - mean(a)``, ``sum(a) / sum(b)``, ``max(sum(a, axis=0))``, ``t =
    a*b; sum(t) + t``: planned as stages. The innermost reduction (with the
    statements before its own, which it may read) becomes a tree reduction
    of its own, bound to a fresh name; the program with the call replaced
    by that name is planned again, until what is left is elementwise or one
    reduction. A reduction's result is a dask array of the reduction's
    dtype, strong as it is inside numjet (NEP 50), so the stages type as
    the whole program; the result's dtype is checked against numjet's for
    the whole program. At most ``MAX_STAGES`` (256) reductions; an
    ``axis=`` that is not a constant or a Python int is refused
    (``NotImplementedError``). ``mean`` over inputs of unknown chunk sizes
    is a ``ValueError`` (its count must be known). ``out=`` is a
    ``TypeError`` (dask arrays are immutable; use ``da.store``).

Compilation and threads
    numjet's kernel cache is per process: each worker compiles the program
    (once per input dtypes and dimensions, and Python-number values) into
    its own cache the first time it runs a block, and reuses it for the
    other blocks. The client compiles it too, for the dtype and the probe.

    A block caps the threads of its own evaluation (the core's per-call
    ``threads``, numjet's ``Kernel::with_threads``): the process's setting
    and kernel cache stay as they are, and a cap cannot raise the count
    above the process's ``numjet.get_num_threads()`` (which a worker takes
    from ``NUMJET_NUM_THREADS`` / ``NUMEXPR_NUM_THREADS`` /
    ``OMP_NUM_THREADS`` when numjet is imported). ``threads=k`` caps every
    block at k. With ``threads=None`` (the default):

    - on a ``distributed`` worker: ``NUMJET_NUM_THREADS``,
      ``NUMEXPR_NUM_THREADS`` or ``OMP_NUM_THREADS`` if set in the worker's
      environment (numjet's own settings, in that order), else cores //
      the worker's threads (at least 1). A Nanny-started worker (the
      default, also for ``LocalCluster(processes=True)``) has
      ``OMP_NUM_THREADS=1`` from ``distributed.nanny.pre-spawn-environ``,
      dask's rule that each worker thread runs one single-threaded task,
      so such workers run numjet on 1 thread and do not oversubscribe the
      machine however many workers share it. Set ``NUMJET_NUM_THREADS`` in
      that config to give numjet more.
    - in a child process that is not a distributed worker (dask's
      ``processes`` scheduler, which runs one task per core in as many
      processes): 1.
    - otherwise (the threaded or synchronous scheduler in this process): no
      cap. numjet's thread pool is shared by all threads of a process, so
      blocks that dask's threads evaluate at once queue into one pool of
      ``numjet.get_num_threads()`` threads instead of multiplying it.
"""

import functools
import multiprocessing
import re
import sys

import numpy as np

import dask.array as da
from dask.base import is_dask_collection, tokenize

import numjet

from . import _numjet

__all__ = ["evaluate"]

REDUCTIONS = ("sum", "prod", "min", "max", "mean", "any", "all")

_SCALARS = (bool, int, float, complex)


# --- planning: a small tokenizer for numjet's grammar ----------------------
#
# Only programs numjet has already parsed reach it (see `evaluate`), so it
# needs to tell apart names, numbers, operators, brackets and separators,
# not to reject anything.

_TOKEN = re.compile(
    r"""
    (?P<skip>[ \t\f]+ | \\(?:\r\n|\r|\n) | \#[^\r\n]*)
  | (?P<nl>\r\n|\r|\n)
  | (?P<num>(?:\d[\d_]*)?\.\d[\d_]*(?:[eE][+-]?\d[\d_]*)?[jJ]? | \d[\d_]*\.?(?:[eE][+-]?\d[\d_]*)?[jJ]?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|//|<<|>>|==|!=|<=|>=|[-+*/%~&|^<>=(),.;])
    """,
    re.VERBOSE,
)


class _Tok:
    __slots__ = ("kind", "text", "start", "end")

    def __init__(self, kind, text, start, end):
        self.kind, self.text, self.start, self.end = kind, text, start, end

    def __repr__(self):
        return f"{self.kind}:{self.text}"


def _statements(ex):
    """The program's statements, each a list of tokens (separators, and
    line breaks inside brackets, dropped)."""
    stmts, cur, depth, pos = [], [], 0, 0
    while pos < len(ex):
        m = _TOKEN.match(ex, pos)
        if m is None:  # not numjet's: it would have refused the text
            raise ValueError(f"numjet.dask cannot read the program at offset {pos}")
        pos = m.end()
        kind = m.lastgroup
        if kind == "skip":
            continue
        text = m.group()
        if kind == "nl" and depth > 0:
            continue
        if kind == "nl" or text == ";":
            if cur:
                stmts.append(cur)
            cur = []
            continue
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        cur.append(_Tok(kind, text, m.start(), m.end()))
    if cur:
        stmts.append(cur)
    return stmts


def _is_reduction(toks, i):
    # Functions are found by call syntax: `sum` not followed by `(` is a name.
    return toks[i].kind == "name" and toks[i].text in REDUCTIONS and i + 1 < len(toks) and toks[i + 1].text == "("


def _has_reduction(toks):
    return any(_is_reduction(toks, i) for i in range(len(toks)))


def _closing(toks, i):
    """The index of the `)` matching the `(` at `i`."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == "(":
            depth += 1
        elif toks[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced parentheses")


def _split_arguments(toks):
    """Top-level comma-separated parts (a trailing comma allowed)."""
    parts, cur, depth = [], [], 0
    for t in toks:
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        if t.text == "," and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        parts.append(cur)
    return parts


class _Reduction:
    """A program whose value is one reduction: `prefix` is the text of the
    statements before it, `call` the reduction's text, `func` its name,
    `inner` the text of its argument and `axis_text` that of its axis (or
    None)."""

    def __init__(self, prefix, call, func, inner, axis_text):
        self.prefix, self.call, self.func, self.inner, self.axis_text = prefix, call, func, inner, axis_text


def _refuse(ex, why):
    return NotImplementedError(
        f"numjet.dask cannot plan {ex!r}: {why}. It runs elementwise programs, and programs whose "
        "value is one reduction (sum, prod, min, max, mean, any, all; whole or with axis=k) of an "
        "elementwise expression, optionally after assignments without reductions "
        "(`t = a*b; sum(t, axis=0)`). Compose the rest: a reduction's result is a dask array that "
        "can be an input of the next call (m = evaluate('mean(a)'); evaluate('a - m'))"
    )


def _plan(ex):
    """None for a program without reductions; else its `_Reduction`; else
    (a plan it does not support) the NotImplementedError to raise."""
    stmts = _statements(ex)
    if not any(_has_reduction(s) for s in stmts):
        return None
    *before, last = stmts
    if any(_has_reduction(s) for s in before):
        return _refuse(ex, "a reduction in a statement before the last")
    body = last
    if len(body) >= 2 and body[0].kind == "name" and body[1].text == "=":
        body = body[2:]
    while len(body) >= 2 and body[0].text == "(" and _closing(body, 0) == len(body) - 1:
        body = body[1:-1]
    if not (_is_reduction(body, 0) and _closing(body, 1) == len(body) - 1):
        return _refuse(ex, "it mixes reductions with elementwise work (the value must be the reduction itself)")
    args = _split_arguments(body[2:-1])
    if not args or (len(args[0]) >= 2 and args[0][0].kind == "name" and args[0][1].text == "="):
        return _refuse(ex, "the reduction has no positional argument")
    inner = args[0]
    if _has_reduction(inner):
        return _refuse(ex, "nested reductions")
    axis_text = None
    for kw in args[1:]:
        if not (len(kw) >= 3 and kw[0].text == "axis" and kw[1].text == "="):
            return _refuse(ex, "an argument other than axis=")
        axis_text = ex[kw[2].start : kw[-1].end]
    return _Reduction(ex[: last[0].start], ex[body[0].start : body[-1].end], body[0].text, ex[inner[0].start : inner[-1].end], axis_text)


def _axis(ex, plan, names, values):
    """The value of the reduction's `axis=` (None without one): a constant,
    or made of Python numbers among the inputs; else NotImplementedError."""
    if plan.axis_text is None:
        return None
    env = dict(zip(names, values))
    used = [n for n, _ in _numjet.names(plan.axis_text)]
    if all(n not in env or type(env[n]) in _SCALARS for n in used):
        try:
            a = _run(plan.axis_text, {n: env[n] for n in used if n in env})
            if a.dtype.kind in "iu":
                return int(a)
        except Exception:
            pass
    raise _refuse(ex, "axis= must be an integer constant (or a Python int input)")


# --- threads ----------------------------------------------------------------


def _worker_threads():
    """The threads of the distributed worker running this task, or None
    when not on one."""
    dist = sys.modules.get("distributed")
    if dist is None:
        return None
    try:
        w = dist.get_worker()
    except Exception:
        return None
    state = getattr(w, "state", None)
    n = getattr(state, "nthreads", None) or getattr(w, "nthreads", None)
    return int(n) if n else 1


def _default_threads():
    """numjet's threads for a block run here when the caller did not say
    (see the module's docstring), or None to leave the setting alone."""
    nthreads = _worker_threads()
    if nthreads is not None:
        v = numjet._env("NUMJET_NUM_THREADS", "NUMEXPR_NUM_THREADS", "OMP_NUM_THREADS")
        if v is not None:
            try:
                return max(1, int(v))
            except ValueError:
                pass
        return max(1, numjet.detect_number_of_cores() // nthreads)
    if multiprocessing.parent_process() is not None:
        return 1
    return None


def _block_threads(threads):
    """The thread cap for a block's evaluation (None: the process's
    setting). A cap is per call (``Kernel::with_threads``): it neither
    replaces the process's engine nor drops its kernel cache, and it cannot
    raise the count above the process's ``numjet.get_num_threads()``."""
    n = threads if threads is not None else _default_threads()
    return None if n is None else max(1, int(n))


# --- what runs in each block ------------------------------------------------


class _Block:
    """Evaluates `ex` on one block: `names` are bound to the block
    arguments in order, `fixed` to values every block shares (Python
    numbers, 0-d NumPy arrays, stand-ins of inputs that do not reach the
    result). `keep` (for a reduction's partials): the result gets length-1
    axes back, at `keep[1]` (or all `keep[0]` axes when None)."""

    def __init__(self, ex, names, fixed, threads, order="K", keep=None):
        self.ex, self.names, self.fixed = ex, tuple(names), dict(fixed)
        self.threads, self.order, self.keep = threads, order, keep
        # The math mode of the process building the graph, which workers
        # (other processes under distributed) use too.
        self.math = numjet.get_math()

    def __call__(self, *blocks):
        local = dict(self.fixed)
        local.update(zip(self.names, map(_block_value, blocks)))
        r = _run(self.ex, local, _block_threads(self.threads), self.math)
        if self.order == "F" and r.ndim > 1:
            r = np.asfortranarray(r)
        if self.keep is not None:
            ndim, axis = self.keep
            r = r.reshape((1,) * ndim) if axis is None else np.expand_dims(r, axis)
        return r

    def __dask_tokenize__(self):
        fixed = sorted((k, type(v).__name__, v) for k, v in self.fixed.items())
        return ("numjet.dask._Block", self.ex, self.names, tokenize(fixed), self.threads, self.order, self.keep, self.math)

    def __repr__(self):
        return f"numjet({self.ex!r})"


def _block_value(v):
    """What numjet's core takes: an ndarray (a 0-d block may come as a
    NumPy scalar) or an exact Python number."""
    return v if type(v) is np.ndarray or type(v) in _SCALARS else np.asarray(v)


def _run(ex, env, threads=None, math=None):
    """`ex` over the values of `env` (name -> ndarray or Python number),
    through numjet's core, in math mode `math` (None: the process's):
    ``numjet.evaluate`` would also record the program for
    ``numjet.re_evaluate`` in the calling thread."""
    return _numjet.evaluate(ex, list(env), tuple(env.values()), None, threads, math)[0]


def _keep_partials(x, axis=None, keepdims=True, **kwargs):
    """`da.reduction`'s chunk step: the blocks already are partials."""
    return x


_COMBINE = {"sum": np.sum, "prod": np.prod, "min": np.min, "max": np.max, "any": np.any, "all": np.all, "mean": np.sum}


def _combine(x, axis=None, keepdims=False, op="sum", **kwargs):
    return _COMBINE[op](x, axis=axis, keepdims=keepdims)


def _aggregate(x, axis=None, keepdims=False, op="sum", count=None, out_dtype=None, **kwargs):
    r = _COMBINE[op](x, axis=axis, keepdims=keepdims)
    if op == "mean" and np.dtype(out_dtype) == np.float16:
        # NumPy's float16 mean: a float32 sum divided in float32, rounded once.
        r = np.asarray(r, dtype=np.float32) / np.float32(count)
    elif op == "mean":
        # NumPy divides by the count (an intp) in float64 (complex128 for a
        # complex sum) and rounds.
        wide = np.complex128 if np.dtype(out_dtype).kind == "c" else np.float64
        r = np.asarray(r, dtype=wide) / count
    return np.asarray(r).astype(out_dtype, copy=False)


# --- evaluate ---------------------------------------------------------------


def _is_dask_array(v):
    return is_dask_collection(v) and hasattr(v, "chunks") and hasattr(v, "dtype") and hasattr(v, "ndim")


def _input(v):
    """A dask array, an ndarray, or an exact Python bool/int/float/complex."""
    if _is_dask_array(v):
        return v
    if type(v) is np.ndarray or type(v) in _SCALARS:
        return v
    return np.asarray(v)


def _sample(v, size=1):
    """A small array of `v`'s dtype and dimensions (Python numbers as is)."""
    if type(v) in _SCALARS:
        return v
    return np.ones((size,) * v.ndim, dtype=v.dtype)


def _resolve(ex, local_dict, global_dict, depth):
    # `_scopes` counts from its caller's caller: here, `evaluate`'s caller.
    local_dict, global_dict = numjet._scopes(local_dict, global_dict, depth + 1)
    names, values, missing = [], [], None
    for name, constant in numjet._names(ex):
        if name in local_dict:
            v = local_dict[name]
        elif name in global_dict:
            v = global_dict[name]
        elif constant:
            continue
        else:
            missing = missing or name
            continue
        names.append(name)
        values.append(_input(v))
    return names, values, missing


def _reaching(ex, names, values):
    """(ndim of the result, which inputs shape it) for a program without
    reductions, from evaluations on 1- and 2-element arrays: an input
    reaches the result when making it 2 long makes the result longer. 0-d
    inputs and Python numbers are never 'reaching' (they cannot shape it)."""
    base = [_sample(v) for v in values]
    try:
        ndim = _run(ex, dict(zip(names, base))).ndim
        reach = []
        for i, v in enumerate(values):
            if type(v) in _SCALARS or v.ndim == 0:
                reach.append(False)
                continue
            probe = list(base)
            probe[i] = _sample(v, 2)
            r = _run(ex, dict(zip(names, probe)))
            reach.append(2 in r.shape)
        return ndim, reach
    except Exception:
        # A value-dependent failure of the probe: every array input shapes
        # the result (NumPy's broadcasting of all inputs).
        reach = [type(v) not in _SCALARS and v.ndim > 0 for v in values]
        return max([v.ndim for v, r in zip(values, reach) if r], default=0), reach


def _numpy_chunks(x, offset, dask_inputs):
    """Chunks for wrapping the ndarray `x` (its axis j is the result's
    `offset + j`): those of a dask input of the same length there."""
    chunks = []
    for j, n in enumerate(x.shape):
        c = "auto"
        if n == 1:
            c = 1
        elif n > 1:
            for y, yoff in dask_inputs:
                k = offset + j - yoff
                if 0 <= k < y.ndim and y.shape[k] == n:
                    c = y.chunks[k]
                    break
        chunks.append(c)
    return tuple(chunks)


def _blockwise(ex, names, values, reach, ndim, dtype, threads, order="K", keep=None, adjust=None):
    """A blockwise array of `ex` over the inputs; `keep`/`adjust`: for a
    reduction's partials (see `_Block`)."""
    out_ind = tuple(range(ndim))
    shapes = [v.shape for v, r in zip(values, reach) if r]
    if not any(n != n for s in shapes for n in s):  # known sizes: NumPy's message
        np.broadcast_shapes(*shapes)
    fixed, arg_names, args = {}, [], []
    dask_inputs = [(v, ndim - v.ndim) for v, r in zip(values, reach) if r and _is_dask_array(v)]
    for name, v, r in zip(names, values, reach):
        if type(v) in _SCALARS:
            fixed[name] = v
        elif v.ndim == 0:
            if _is_dask_array(v):
                arg_names.append(name)
                args += [v, ()]
            else:
                fixed[name] = v
        elif not r:
            fixed[name] = _sample(v)  # does not reach the result
        else:
            if not _is_dask_array(v):
                v = da.from_array(v, chunks=_numpy_chunks(v, ndim - v.ndim, dask_inputs))
            arg_names.append(name)
            args += [v, out_ind[ndim - v.ndim :]]
    func = _Block(ex, arg_names, fixed, threads, order, keep)
    return da.blockwise(
        func,
        out_ind,
        *args,
        token="numjet",
        dtype=dtype,
        meta=np.empty((0,) * ndim, dtype=dtype),
        adjust_chunks=adjust,
        concatenate=True,
    )


def evaluate(
    ex,
    local_dict=None,
    global_dict=None,
    out=None,
    order="K",
    casting="same_kind",
    sanitize=None,
    _frame_depth=0,
    *,
    threads=None,
    split_every=None,
    **kwargs,
):
    """Evaluates the numjet program `ex` over dask arrays, lazily: returns a
    dask array with NumPy's (numjet's) shape and dtype for the program.

    Names are looked up in `local_dict`, then `global_dict`; either left as
    None is the caller's frame's. Values may be dask arrays, NumPy arrays
    and scalars, and Python numbers (weak, as in ``numjet.evaluate``).
    `threads`: numjet's threads in the processes that run the blocks (None:
    see the module's docstring). `split_every`: for reductions, the fan-in
    of dask's tree (dask's default when None). `order='F'` gives
    Fortran-ordered blocks. `out=` is not supported (dask arrays are
    immutable); `sanitize` and numexpr's `optimization`, `truediv`,
    `disable_cache` are accepted and ignored, as by ``numjet.evaluate``.

    Raises, before anything is computed: numjet's errors for the program
    (``SyntaxError``, ``TypeError``, ``ValueError``), ``KeyError`` for a
    name found nowhere, ``NotImplementedError`` for what it cannot plan (see
    the module's docstring).
    """
    ex = numjet._source(ex)
    numjet._check_options(order, casting, kwargs)
    if out is not None:
        raise TypeError("numjet.dask.evaluate does not take out=: dask arrays are immutable (use dask.array.store)")
    if threads is not None:
        threads = int(threads)
        if threads < 1:
            raise ValueError("the number of threads must be at least 1")
    names, values, missing = _resolve(ex, local_dict, global_dict, _frame_depth)
    samples = tuple(_sample(v) for v in values)
    if missing is not None:
        raise numjet._missing(ex, names, samples, missing)
    # The program's errors (types, axis=, syntax) now, not at compute time.
    dtype = np.dtype(_numjet.result_dtype(ex, names, samples))
    plan = _plan(ex)
    if isinstance(plan, Exception):
        return _decompose(ex, dict(zip(names, values)), dtype, threads, split_every, order, plan)
    if plan is None:
        ndim, reach = _reaching(ex, names, values)
        return _blockwise(ex, names, values, reach, ndim, dtype, threads, order)
    return _reduce(ex, plan, names, values, dtype, threads, split_every)


def _innermost(stmts):
    """(statement, first token, last token) of the first reduction call
    whose argument holds no other reduction, in the first statement that
    has a reduction; None when there is none."""
    for si, toks in enumerate(stmts):
        for i in range(len(toks)):
            if _is_reduction(toks, i):
                j = _closing(toks, i + 1)
                if not _has_reduction(toks[i + 2 : j]):
                    return si, i, j
    return None


#: Most reductions one program may be split into.
MAX_STAGES = 256


def _decompose(ex, env, dtype, threads, split_every, order, refusal):
    """A program that mixes reductions with elementwise work, as several
    dask stages: the innermost reduction (with the statements before its
    own, which it may read) becomes a tree reduction of its own, bound to a
    fresh name; the program with the call replaced by that name is planned
    again, until what is left is elementwise or one reduction.

    A reduction's result is a 0-d (or, with ``axis=``, an (n-1)-d) dask
    array of the reduction's dtype: a strong value, as the reduction is in
    numjet (NEP 50), so the stages type as the whole program does; the
    dtype is checked against the whole program's."""
    text = ex
    for k in range(MAX_STAGES + 1):
        plan = _plan(text)
        if not isinstance(plan, Exception):
            r = evaluate(text, local_dict=env, global_dict={}, order=order, threads=threads, split_every=split_every)
            if r.dtype != dtype:
                raise AssertionError(f"internal error: numjet.dask planned {ex!r} as {r.dtype}, numjet types it {dtype}")
            return r
        stmts = _statements(text)
        found = _innermost(stmts)
        if found is None or k == MAX_STAGES:
            raise refusal
        si, i, j = found
        toks = stmts[si]
        # The statements before this one (as text, separators included):
        # what the reduction's argument may read.
        sub = text[: stmts[si][0].start] + text[toks[i].start : toks[j].end]
        name = f"_numjet_stage{k}"
        while name in env or name in text:
            name = "_" + name
        env[name] = evaluate(sub, local_dict=env, global_dict={}, threads=threads, split_every=split_every)
        text = text[: toks[i].start] + name + text[toks[j].end :]
    raise refusal


def _reduce(ex, plan, names, values, dtype, threads, split_every):
    inner = f"{plan.prefix}({plan.inner})"
    # The free names of `inner` are those of `ex` (the reduction adds none
    # but those of a Python-number axis, which it ignores).
    ndim, reach = _reaching(inner, names, values)
    if ndim == 0:
        # A reduction of a 0-d value is that value: one block.
        return _blockwise(ex, names, values, reach, 0, dtype, threads)
    axis = _axis(ex, plan, names, values)
    axes = tuple(range(ndim)) if axis is None else (axis % ndim,)
    count = None
    # Each block computes the program itself (its value: the reduction of
    # the block), or for mean the sum; numjet reads `axis=` on the block as
    # on the whole, both having `ndim` dimensions.
    part = f"{plan.prefix}{plan.call}"
    if plan.func == "mean":
        shapes = [v.shape for v, r in zip(values, reach) if r]
        if any(n != n for s in shapes for n in s):  # NaN: unknown chunk sizes
            raise ValueError(f"numjet.dask: mean needs known chunk sizes (call compute_chunk_sizes() on the inputs of {ex!r})")
        shape = np.broadcast_shapes(*shapes)
        count = int(np.prod([shape[a] for a in axes], dtype=np.int64))
        inner_dtype = np.dtype(_numjet.result_dtype(inner, names, tuple(_sample(v) for v in values)))
        # NumPy sums ints in float64 and float16 in float32 for a mean.
        arg = f"float64({plan.inner})" if inner_dtype.kind in "biu" else f"float32({plan.inner})" if inner_dtype == np.float16 else plan.inner
        part = f"{plan.prefix}sum({arg}{'' if plan.axis_text is None else ', axis=' + plan.axis_text})"
    part_dtype = np.dtype(_numjet.result_dtype(part, names, tuple(_sample(v) for v in values)))
    keep = (ndim, None if axis is None else axes[0])
    partials = _blockwise(part, names, values, reach, ndim, part_dtype, threads, keep=keep, adjust={a: 1 for a in axes})
    op = plan.func
    return da.reduction(
        partials,
        _keep_partials,
        functools.partial(_aggregate, op=op, count=count, out_dtype=dtype),
        combine=functools.partial(_combine, op=op),
        axis=axes,
        keepdims=False,
        dtype=dtype,
        split_every=split_every,
        concatenate=True,
        meta=np.empty((0,) * (ndim - len(axes)), dtype=dtype),
        name=f"numjet-{op}-{tokenize(ex, names, partials.name, split_every)}",
    )
