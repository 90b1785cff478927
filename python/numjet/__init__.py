"""numjet: NumPy-style array expressions, JIT-compiled, with NumPy 2 semantics.

A drop-in for ``numexpr``::

    import numjet as ne          # or: import numjet; numjet.evaluate(...)
    ne.evaluate("a * b + sin(c)")

Names are looked up in the caller's frame (locals, then globals) unless
``local_dict`` / ``global_dict`` are given, as numexpr does. Results have
NumPy 2's dtypes and values (NEP 50: a Python ``float`` next to a float32
array stays float32), which is where numjet differs from numexpr (see the
README's "Python" section). numjet never calls Python's ``eval``: the
string is parsed by numjet's own grammar, so ``sanitize`` has nothing to
guard against and is accepted and ignored.

The GIL is released while a program compiles and runs; several Python
threads can evaluate at once and share one kernel cache. Ctrl-C stops a
long evaluation at its next block and raises ``KeyboardInterrupt``.
"""

import os
import sys
import threading
import weakref

import numpy as np

from . import _numjet
from .expressions import E

__all__ = [
    "E",
    "NumExpr",
    "detect_number_of_cores",
    "disassemble",
    "evaluate",
    "get_num_threads",
    "get_vml_version",
    "re_evaluate",
    "release_memory",
    "get_backend",
    "get_math",
    "set_backend",
    "set_math",
    "set_num_threads",
    "set_vml_accuracy_mode",
    "set_vml_num_threads",
    "validate",
]

__version__ = _numjet.__version__

#: numjet has no VML backend: its math is its own.
use_vml = False


def _env(*names):
    """The first of these environment variables that is set and not empty."""
    for n in names:
        v = os.environ.get(n, "")
        if v != "":
            return v
    return None


def detect_number_of_cores():
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return _numjet.cores()


def _max_threads():
    v = _env("NUMJET_MAX_THREADS", "NUMEXPR_MAX_THREADS")
    try:
        return max(1, int(v)) if v is not None else 64
    except ValueError:
        return 64


#: The most threads ``set_num_threads`` accepts (``NUMJET_MAX_THREADS``,
#: else ``NUMEXPR_MAX_THREADS``, else 64).
MAX_THREADS = _max_threads()

#: Cores detected at import.
ncores = detect_number_of_cores()


def set_num_threads(nthreads):
    """Sets the threads evaluations use; returns the previous count."""
    n = int(nthreads)
    if n < 1:
        raise ValueError("the number of threads must be at least 1")
    n = min(n, MAX_THREADS)
    old = _numjet.set_threads(n)
    _set_nthreads(n)
    return old


def set_backend(name):
    """Evaluates with numjet's JIT ("jit", the default) or its reference
    interpreter ("interp": element by element, obviously correct, for
    checking the JIT: the two agree bit for bit, NaN payloads aside).
    Returns the backend before. Changing it empties the kernel cache."""
    return _numjet.set_backend(name)


def get_backend():
    """The backend evaluations use: "jit" or "interp"."""
    return _numjet.get_backend()


def set_math(mode):
    """The math functions' accuracy: "accurate" (the default: at most 1
    ULP, numjet's own functions) or "fast" (at most 4 ULP, faster: FMA and
    float32 lanes). Both backends give the same bits in either mode.
    Returns the mode before. Changing it empties the kernel cache."""
    return _numjet.set_math(mode)


def get_math():
    """The math functions' accuracy mode: "accurate" or "fast"."""
    return _numjet.get_math()


def release_memory():
    """Frees the result buffers numjet keeps for reuse: large results go
    back to a small pool (at most 4 buffers, 256 MiB) when NumPy drops
    them, so that the next result of the same dtype and size costs no page
    faults."""
    _numjet.release_memory()


def get_num_threads():
    """The threads evaluations use."""
    return _numjet.get_threads()


def _set_nthreads(n):
    global nthreads
    nthreads = n


def _init_num_threads():
    """Threads from the environment: ``NUMJET_NUM_THREADS``, else
    ``NUMEXPR_NUM_THREADS``, else ``OMP_NUM_THREADS``; else the cores (at
    most 16 unless a maximum was configured, as numexpr). Sets and returns
    the count."""
    cores = detect_number_of_cores()
    configured = _env("NUMJET_MAX_THREADS", "NUMEXPR_MAX_THREADS", "OMP_NUM_THREADS") is not None
    limit = MAX_THREADS if configured else min(cores, 16, MAX_THREADS)
    requested = _env("NUMJET_NUM_THREADS", "NUMEXPR_NUM_THREADS", "OMP_NUM_THREADS")
    n = int(requested) if requested is not None else min(cores, limit)
    set_num_threads(max(1, n))
    return max(1, min(n, MAX_THREADS))


nthreads = 1
_init_num_threads()


# numexpr's VML switches. numjet has no VML: its own math functions are
# vectorised. The accuracy mode maps onto numjet's (``set_math``): "high"
# is the default accuracy, "low" and "fast" numjet's fast mode; the others
# do nothing, as in a numexpr built without VML.
def get_vml_version():
    return None


_vml_mode = "high"


def set_vml_accuracy_mode(mode):
    """numexpr's VML accuracy mode: "high" (numjet's default, at most 1
    ULP), "low" or "fast" (numjet's fast mode, at most 4 ULP), or None (no
    change). Returns the mode before."""
    global _vml_mode
    modes = {"high": "accurate", "low": "fast", "fast": "fast"}
    if mode is not None and mode not in modes:
        raise ValueError("mode argument must be one of: None, 'high', 'low', 'fast'")
    # The mode before, as this function last set it, unless set_math
    # changed it since.
    current = get_math()
    old = _vml_mode if (_vml_mode == "high") == (current == "accurate") else ("high" if current == "accurate" else "fast")
    if mode is not None:
        set_math(modes[mode])
        _vml_mode = mode
    return old


def set_vml_num_threads(nthreads):
    return None


def get_vml_num_threads():
    return None


def disassemble(nex):
    """numexpr's virtual-machine listing. numjet compiles to machine code
    and has no such program (the ``numjet`` command line's ``:clif`` and
    ``:asm`` show its code)."""
    raise NotImplementedError("numjet compiles to machine code: there is no numexpr program to disassemble")


# --- name lookup -----------------------------------------------------------

def _names(ex):
    """The free names of `ex`: ((name, is_constant), ...), parsed once per
    text (the core caches them)."""
    return tuple(_numjet.names(ex))


_ORDERS = ("C", "F", "A", "K")
_CASTINGS = ("no", "equiv", "safe", "same_kind", "unsafe")
_KNOWN_KWARGS = ("optimization", "truediv", "disable_cache")


def _check_options(order, casting, kwargs):
    if order not in _ORDERS:
        raise ValueError(f"order must be one of {_ORDERS}, not {order!r}")
    if casting not in _CASTINGS:
        raise ValueError(f"casting must be one of {_CASTINGS}, not {casting!r}")
    for k in kwargs:
        if k not in _KNOWN_KWARGS:
            raise TypeError(f"evaluate() got an unexpected keyword argument {k!r}")


class UnknownNameError(KeyError):
    """A name of the program that is in neither dict nor the caller's
    frame: a ``KeyError``, as numexpr raises, whose text is numjet's
    message with the caret under the name."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


def _missing(ex, found, values, name):
    """The KeyError for a name found nowhere: numjet's message (caret and
    'did you mean') when it can say it, else the name, as numexpr."""
    try:
        _numjet.result_dtype(ex, found, values)
    except KeyError as e:
        return UnknownNameError(*e.args)
    except Exception:
        pass
    return UnknownNameError(name)


def _check_out(out):
    """`out=` is a writable NumPy array: checked before any work."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, not {type(out).__name__}")
    if not out.flags.writeable:
        raise ValueError("output array is read-only")


def _copy_out(result, out, casting):
    """Puts a fresh `result` into `out` (checked by `_check_out`; numjet
    could not write it in place: another dtype or layout, or overlapping an
    input)."""
    # As a NumPy ufunc's `out=`: the result broadcasts to `out`'s shape (a
    # 0-d result fills it), never the other way.
    try:
        fits = np.broadcast_shapes(result.shape, out.shape) == out.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"output array has shape {out.shape}, the result has shape {result.shape}")
    np.copyto(out, result, casting=casting)
    return out


def _run(ex, found, values, out, order, casting):
    if out is not None:
        _check_out(out)
    result, wrote = _numjet.evaluate(ex, found, values, out)
    if out is not None:
        return out if wrote else _copy_out(result, out, casting)
    if order == "F" and result.ndim > 1:
        return np.asfortranarray(result)
    return result


class _Last(threading.local):
    """The last program this thread validated or evaluated, for
    `re_evaluate` (per thread, as numexpr's context): (text, names, a weak
    reference to `out` or None, order, casting). `out` is not kept alive."""

    state = None


_last = _Last()


def _remember(ex, names, out, order, casting):
    _last.state = (ex, names, weakref.ref(out) if out is not None else None, order, casting)


def _source(ex):
    if isinstance(ex, str):
        return ex
    if hasattr(ex, "text") and isinstance(ex.text, str):
        return ex.text
    raise ValueError(f"must specify expression as a string, not {type(ex).__name__}")


def _scopes(local_dict, global_dict, depth):
    """The dicts to look names up in: those given, else the frame `depth`
    levels above the caller of the public function (not kept)."""
    if local_dict is None or global_dict is None:
        frame = sys._getframe(depth + 2)
        if local_dict is None:
            local_dict = frame.f_locals
        if global_dict is None:
            global_dict = frame.f_globals
        del frame
    return local_dict, global_dict


def validate(ex, local_dict=None, global_dict=None, out=None, order="K", casting="same_kind", _frame_depth=0, sanitize=None, **kwargs):
    """Checks `ex` against the caller's values as `evaluate` would, without
    computing it: returns the exception instead of raising it, or None (and
    `re_evaluate` then evaluates it)."""
    try:
        ex = _source(ex)
        _check_options(order, casting, kwargs)
        local_dict, global_dict = _scopes(local_dict, global_dict, _frame_depth)
        try:
            _numjet.check_in(ex, local_dict, global_dict)
        except KeyError as e:
            raise UnknownNameError(*e.args) from None
        if out is not None:
            _check_out(out)
        _remember(ex, None, out, order, casting)
        return None
    except Exception as e:
        return e


_getframe = sys._getframe
_evaluate_in = _numjet.evaluate_in


def _evaluate_py(ex, local_dict=None, global_dict=None, out=None, order="K", casting="same_kind", sanitize=None, _frame_depth=0, **kwargs):
    """`evaluate` in full. The compiled `evaluate` (`_numjet.evaluate_fast`)
    takes the common calls itself and hands the others here; its caller's
    frame is this function's caller, as a compiled function has no frame.
    """
    if type(ex) is not str:
        ex = _source(ex)
    if order != "K" or casting != "same_kind" or kwargs:
        _check_options(order, casting, kwargs)
    if local_dict is None or global_dict is None:
        frame = _getframe(_frame_depth + 1)
        if local_dict is None:
            local_dict = frame.f_locals
        if global_dict is None:
            global_dict = frame.f_globals
        del frame
    if out is not None:
        _check_out(out)
    _remember(ex, None, out, order, casting)
    return _evaluate_scopes(ex, local_dict, global_dict, out, order, casting)


def _evaluate_scopes(ex, local_dict, global_dict, out, order, casting):
    """`ex` with its names looked up in the two scopes, into `out` if given
    (checked)."""
    try:
        result, wrote = _evaluate_in(ex, local_dict, global_dict, out)
    except KeyError as e:
        raise UnknownNameError(*e.args) from None
    if out is None:
        return result if order != "F" or result.ndim < 2 else np.asfortranarray(result)
    return out if wrote else _copy_out(result, out, casting)


#: Evaluates a program (numexpr's `evaluate`; see its docstring).
evaluate = _numjet.evaluate_fast


def re_evaluate(local_dict=None, global_dict=None, _frame_depth=0):
    """Evaluates the last program this thread validated or evaluated again,
    with the current values of its names (and its `out`, if still alive)."""
    if _last.state is None:
        raise RuntimeError("No previous expression found: call evaluate() or validate() first")
    ex, _, outref, order, casting = _last.state
    local_dict, global_dict = _scopes(local_dict, global_dict, _frame_depth)
    out = outref() if outref is not None else None
    return _evaluate_scopes(ex, local_dict, global_dict, out, order, casting)


class NumExpr:
    """A program compiled for named inputs, called with positional values.

    ``NumExpr("2*a + b", signature=[("a", np.float64), ("b", np.float64)])``
    casts its arguments to the signature's dtypes; without a signature the
    inputs are the program's free names in alphabetical order, as numexpr.
    """

    def __init__(self, ex, signature=(), sanitize=None, **kwargs):
        self.ex = _source(ex)
        _check_options("K", "same_kind", kwargs)
        names = _names(self.ex)
        if signature:
            self.signature = [(n, np.dtype(t)) for n, t in signature]
        else:
            self.signature = [(n, None) for n, c in sorted(names) if not c]
        self.input_names = tuple(n for n, _ in self.signature)
        # Check the text now: a syntax error is the constructor's.
        _numjet.names(self.ex)

    def run(self, *args, out=None, order="K", casting="same_kind", ex_uses_vml=False):
        if len(args) != len(self.signature):
            raise ValueError(f"this program takes {len(self.signature)} inputs ({', '.join(self.input_names)}), got {len(args)}")
        values = []
        for (name, dtype), v in zip(self.signature, args):
            # (The core takes what NumPy's `asarray` takes.)
            values.append(v if dtype is None else np.asarray(v, dtype=dtype))
        _check_options(order, casting, {})
        return _run(self.ex, list(self.input_names), tuple(values), out, order, casting)

    def __call__(self, *args, **kwargs):
        return self.run(*args, **kwargs)

    def __repr__(self):
        return f"NumExpr({self.ex!r}, signature={self.signature!r})"
