//! numjet's Python face: the compiled core of the `numjet` package.
//!
//! A thin boundary, as `pydantic-core` and `polars` draw it: NumPy arrays
//! in, borrowed zero-copy as [`numjet::View`]s; Python numbers in, as
//! NEP 50 weak numbers; kernels from one shared [`numjet::Engine`]; results
//! out as NumPy arrays that own numjet's buffer (no copy). The GIL is
//! released while a program compiles and runs, and a long evaluation
//! stops at the next block when Python has a signal to handle (Ctrl-C).
//! The numexpr-compatible API (name lookup in the caller's frame,
//! `re_evaluate`, `NumExpr`, ...) is Python, in `numjet/__init__.py`.
//!
//! The `unsafe` of this crate is the one place numjet's safe slices are
//! made from NumPy's raw memory ([`borrow_view`]); its argument is written
//! there.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use numjet::dtype::F16;
use numjet::{Array, ArrayData, ArrayMut, ArrayRef, Backend, Complex, Config, DType, Engine, Error, Input, Kernel, MathMode, Scalar, Signature, View};
use numpy::{
    Element, PyArray, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{
    PyKeyError, PyKeyboardInterrupt, PyMemoryError, PyNotImplementedError, PyOverflowError, PySyntaxError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyComplex, PyComplexMethods, PyFloat, PyInt, PyTuple};

/// The process's engine. Replaced (not mutated) by `set_num_threads`, so
/// an evaluation in flight keeps the engine it started with; the kernel
/// cache goes with the old engine (a new thread count is a new pool).
static ENGINE: OnceLock<RwLock<Arc<Engine>>> = OnceLock::new();

fn engine_cell() -> &'static RwLock<Arc<Engine>> {
    ENGINE.get_or_init(|| RwLock::new(Arc::new(Engine::new(Config::default().threads(1)))))
}

fn engine() -> Arc<Engine> {
    // A poisoned lock only means a panic elsewhere while swapping the Arc:
    // the Arc in it is whole.
    match engine_cell().read() {
        Ok(e) => e.clone(),
        Err(p) => p.into_inner().clone(),
    }
}

/// The engine for a call in math mode `math`: the process's engine, or
/// (for a mode other than its own: Dask's blocks carry the mode of the
/// process that built the graph) a second engine of the same configuration
/// in that mode, kept while the process's configuration stays the same.
fn engine_in(math: Option<MathMode>) -> Arc<Engine> {
    let main = engine();
    let Some(mode) = math.filter(|&m| m != main.config().math) else {
        return main;
    };
    static OTHER: std::sync::Mutex<Option<Arc<Engine>>> = std::sync::Mutex::new(None);
    let want = main.config().clone().math(mode);
    let mut other = match OTHER.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    match &*other {
        Some(e) if e.config() == &want => e.clone(),
        _ => {
            let e = Arc::new(Engine::new(want));
            *other = Some(e.clone());
            e
        }
    }
}

/// Replaces the engine with one of `config(current config)` when that
/// differs from the current one (a new engine: a new pool and kernel
/// cache). Returns `read(current engine)` from before.
fn replace_engine<T>(read: impl FnOnce(&Engine) -> T, config: impl FnOnce(Config) -> Config) -> T {
    let mut guard = match engine_cell().write() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    let before = read(&guard);
    let new = config(guard.config().clone());
    if &new != guard.config() {
        *guard = Arc::new(Engine::new(new));
    }
    before
}

/// Threads of the engine (0 = the machine's cores), replacing the engine
/// when the count changes. Returns the count before.
#[pyfunction]
fn set_threads(n: usize) -> usize {
    replace_engine(Engine::threads, |c| c.threads(n.max(1)))
}

/// The backend evaluations use: "jit" (the default) or "interp", numjet's
/// reference interpreter (slow, obviously correct: for checking the JIT
/// from Python). Replaces the engine (and its kernel cache) when it
/// changes. Returns the backend before.
#[pyfunction]
fn set_backend(name: &str) -> PyResult<&'static str> {
    let Some(backend) = Backend::from_name(name) else {
        return Err(PyValueError::new_err(format!("unknown backend {name:?}: \"jit\" or \"interp\"")));
    };
    Ok(replace_engine(|e| e.config().backend.name(), |c| c.backend(backend)))
}

/// The math functions' accuracy: "accurate" (the default, at most 1 ULP)
/// or "fast" (at most 4 ULP, faster). Replaces the engine (and its kernel
/// cache) when it changes. Returns the mode before.
#[pyfunction]
fn set_math(name: &str) -> PyResult<&'static str> {
    let Some(mode) = MathMode::from_name(name) else {
        return Err(PyValueError::new_err(format!("unknown math mode {name:?}: \"accurate\" or \"fast\"")));
    };
    Ok(replace_engine(|e| e.config().math.name(), |c| c.math(mode)))
}

/// The math functions' accuracy mode evaluations use.
#[pyfunction]
fn get_math() -> &'static str {
    engine().config().math.name()
}

/// The backend evaluations use.
#[pyfunction]
fn get_backend() -> &'static str {
    engine().config().backend.name()
}

/// Threads evaluations use now.
#[pyfunction]
fn get_threads() -> usize {
    engine().threads()
}

/// Kernels in the engine's cache (for tests: a loop over a changing Python
/// number must not compile one kernel per value).
#[pyfunction]
fn cached_kernels() -> usize {
    engine().cached()
}

/// The machine's cores, as numjet counts them (`std::thread::available_parallelism`).
#[pyfunction]
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The free names of a program (read before being assigned), in order,
/// each with whether it is one of numjet's constants (`pi`, `e`, `inf`,
/// `nan`: used when the caller has no variable of that name).
#[pyfunction]
fn names(py: Python<'_>, ex: &str) -> PyResult<Vec<(String, bool)>> {
    Ok(cached_names(py, ex)?.to_vec())
}

/// numjet's error as the Python exception a numexpr user expects, with the
/// rendered message (the caret under the text) intact.
fn to_py(e: Error) -> PyErr {
    let msg = e.to_string();
    match e {
        Error::Syntax(_) | Error::Literal(_) => PySyntaxError::new_err(msg),
        Error::UnknownName(_) => PyKeyError::new_err(msg),
        Error::UnknownFunction(_) | Error::Arity(_) | Error::Type(_) => PyTypeError::new_err(msg),
        // A bad `axis=` (NumPy's AxisError is a ValueError) or keyword value.
        Error::Keyword(_) => PyValueError::new_err(msg),
        Error::Memory(_) => PyMemoryError::new_err(msg),
        Error::Interrupted => PyKeyboardInterrupt::new_err(msg),
        _ => PyValueError::new_err(msg),
    }
}

/// numjet's dtype of a NumPy array's dtype, if it has it: from the kind,
/// the item size and the byte order (two field reads, no dtype objects
/// made: this runs for every input of every call).
fn dtype_of(array: &Bound<'_, PyUntypedArray>) -> Option<DType> {
    let d = array.dtype();
    if d.is_native_byteorder() == Some(false) || d.has_fields() || d.has_subarray() {
        return None;
    }
    match (d.kind(), d.itemsize()) {
        (b'b', 1) => Some(DType::Bool),
        (b'i', n) => DType::signed(n),
        (b'u', n) => DType::unsigned(n),
        (b'f', n) => DType::float(n),
        (b'c', 8) => Some(DType::Complex64),
        (b'c', 16) => Some(DType::Complex128),
        _ => None,
    }
}

/// An argument as the evaluation holds it while the GIL is released.
enum Held<'py> {
    /// A weak Python number (bool, int, float, complex).
    Number(Scalar),
    /// A 0-d array or NumPy scalar: a strong scalar of its dtype.
    Scalar(Scalar),
    /// A NumPy array borrowed through rust-numpy's borrow tracking (which
    /// is what finds an `out=` that overlaps it), or numjet's own copy.
    Array(Borrowed<'py>),
}

/// The element types NumPy and numjet share (float16 aside: numjet's
/// `F16` is not a rust-numpy `Element`, so float16 arrays are borrowed
/// through a `uint16` view of the same memory). numjet's complex elements
/// are `num_complex::Complex` (0.4), the very types rust-numpy's
/// `Complex32`/`Complex64` are: NumPy's layout, a `(re, im)` pair.
macro_rules! numpy_dtypes {
    ($m:ident) => {
        $m! { Bool bool, Int8 i8, Int16 i16, Int32 i32, Int64 i64, UInt8 u8, UInt16 u16, UInt32 u32, UInt64 u64, Float32 f32, Float64 f64, Complex64 Complex<f32>, Complex128 Complex<f64> }
    };
}

macro_rules! borrowed_enum {
    ($($variant:ident $t:ty),*) => {
        enum Borrowed<'py> {
            $($variant(PyReadonlyArrayDyn<'py, $t>),)*
            /// A float16 array, through a `uint16` view of its memory.
            Float16(PyReadonlyArrayDyn<'py, u16>),
        }
    };
}
numpy_dtypes!(borrowed_enum);

/// float16 elements read as numjet's `F16`.
fn f16_slice(s: &[u16]) -> &[F16] {
    // SAFETY: `F16` is `#[repr(transparent)]` over `u16`: the same size,
    // alignment and validity (every bit pattern is a value), so the slice
    // of `u16` is a slice of `F16` of the same length and lifetime.
    unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<F16>(), s.len()) }
}

fn borrow<'py, T: Element>(a: &Bound<'py, PyUntypedArray>) -> PyResult<PyReadonlyArrayDyn<'py, T>> {
    let typed = a.cast::<PyArrayDyn<T>>().map_err(|e| PyTypeError::new_err(e.to_string()))?;
    typed.try_readonly().map_err(|e| PyValueError::new_err(format!("an input array is being written by another evaluation: {e}")))
}

/// Whether numjet can read `a`'s memory as it is: its dtype's alignment,
/// strides that are whole elements, native byte order (checked by the
/// dtype match), and for bool a C-contiguous array (its bytes are then
/// checked to be 0 or 1 under the borrow: [`valid_bools`]).
fn readable_layout(a: &Bound<'_, PyUntypedArray>, dtype: DType) -> bool {
    let size = dtype.size() as isize;
    a.is_aligned() && a.strides().iter().all(|s| s % size == 0) && (dtype != DType::Bool || a.is_c_contiguous())
}

/// Whether every byte of a C-contiguous bool array is 0 or 1 (a NumPy bool
/// array made by `.view(bool)` can hold any byte, and numjet's `&[bool]`
/// must not). Called with the array borrowed, so no numjet evaluation
/// writes it meanwhile.
fn valid_bools(a: &PyReadonlyArrayDyn<'_, bool>) -> bool {
    let n = a.len();
    if n == 0 {
        return true;
    }
    // SAFETY: `a` is a C-contiguous array (checked by `readable_layout`
    // before it was borrowed) of `n` one-byte elements, so the `n` bytes
    // from its data pointer are its own, initialised memory, kept alive by
    // `a`. They are read as `u8`, valid at any value, not as `bool`.
    let bytes = unsafe { std::slice::from_raw_parts(a.data() as *const u8, n) };
    bytes.iter().all(|&b| b <= 1)
}

/// A fresh, aligned, C-ordered copy of `a` that numjet can read in place
/// (bools made 0 or 1 by `!= 0`).
fn readable_copy<'py>(a: &Bound<'py, PyUntypedArray>, dtype: DType) -> PyResult<Bound<'py, PyAny>> {
    let py = a.py();
    let np = py.import("numpy")?;
    // `numpy.array` copies into a new, aligned, C-ordered buffer
    // (`ascontiguousarray` returns an unaligned contiguous array as it is).
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("order", "C")?;
    let mut copy = np.getattr("array")?.call((a,), Some(&kwargs))?;
    if dtype == DType::Bool {
        copy = np.call_method1("not_equal", (copy.call_method1("view", ("u1",))?, 0))?;
    }
    Ok(copy)
}

impl<'py> Held<'py> {
    /// What the Python layer hands over: an exact `bool`, `int`, `float`
    /// or `complex`, or a NumPy array (numpy scalars, lists and the like
    /// were made arrays by `numpy.asarray` there).
    fn of(value: &Bound<'py, PyAny>) -> PyResult<Held<'py>> {
        if value.is_exact_instance_of::<PyBool>() {
            return Ok(Held::Number(Scalar::Bool(value.extract()?)));
        }
        if value.is_exact_instance_of::<PyInt>() {
            return match value.extract::<i64>() {
                Ok(i) => Ok(Held::Number(Scalar::Int64(i))),
                Err(_) => Err(PyOverflowError::new_err(format!(
                    "Python integer {} is outside numjet's range for Python integers (int64)",
                    value.str()?
                ))),
            };
        }
        if value.is_exact_instance_of::<PyFloat>() {
            return Ok(Held::Number(Scalar::Float64(value.extract()?)));
        }
        if let Ok(c) = value.cast_exact::<PyComplex>() {
            return Ok(Held::Number(Scalar::Complex128(Complex::new(c.real(), c.imag()))));
        }
        let Ok(a) = value.cast::<PyUntypedArray>() else {
            // NumPy scalars, lists, array-likes: as NumPy would take them.
            let array = value.py().import("numpy")?.call_method1("asarray", (value,))?;
            if array.cast::<PyUntypedArray>().is_err() {
                return Err(PyTypeError::new_err(format!("numjet cannot use a {} as an input", value.get_type().name()?)));
            }
            return Held::of(&array);
        };
        let Some(dtype) = dtype_of(a) else {
            let d = a.dtype();
            // A supported kind in a foreign byte order is converted; other
            // dtypes are not yet numjet's.
            if d.is_native_byteorder() == Some(false) {
                let native = d.call_method1("newbyteorder", ("=",))?;
                let copy = a.call_method1("astype", (native,))?;
                if dtype_of(copy.cast::<PyUntypedArray>()?).is_some() {
                    return Held::of(&copy);
                }
            }
            return Err(PyNotImplementedError::new_err(format!(
                "numjet does not compute in {} yet: it computes in bool, int8 to int64, uint8 to uint64, float16, float32, float64, complex64 and complex128",
                d.str()?
            )));
        };
        let held = match Held::borrowed(a, dtype)? {
            Some(b) => b,
            None => {
                // Unaligned, odd strides, or bool bytes other than 0 and 1:
                // a copy, which is readable (no second round).
                let copy = readable_copy(a, dtype)?;
                Held::borrowed(copy.cast::<PyUntypedArray>()?, dtype)?
                    .ok_or_else(|| PyValueError::new_err("numjet could not make a readable copy of an input array"))?
            }
        };
        // A 0-d array (a NumPy scalar) is a strong scalar: its element, read
        // from memory as it is (bits intact: a float32 signalling NaN too).
        match held {
            Held::Array(b) if a.ndim() == 0 => {
                let raw = b.raw()?;
                Ok(Held::Scalar(raw.data.get(raw.offset)))
            }
            h => Ok(h),
        }
    }

    /// `a` borrowed for reading in place, or `None` when its memory is not
    /// readable as it is (see [`readable_layout`], [`valid_bools`]).
    fn borrowed(a: &Bound<'py, PyUntypedArray>, dtype: DType) -> PyResult<Option<Held<'py>>> {
        if !readable_layout(a, dtype) {
            return Ok(None);
        }
        Ok(Some(Held::Array(match dtype {
            DType::Bool => {
                let b = borrow::<bool>(a)?;
                if !valid_bools(&b) {
                    return Ok(None);
                }
                Borrowed::Bool(b)
            }
            DType::Int8 => Borrowed::Int8(borrow(a)?),
            DType::Int16 => Borrowed::Int16(borrow(a)?),
            DType::Int32 => Borrowed::Int32(borrow(a)?),
            DType::Int64 => Borrowed::Int64(borrow(a)?),
            DType::UInt8 => Borrowed::UInt8(borrow(a)?),
            DType::UInt16 => Borrowed::UInt16(borrow(a)?),
            DType::UInt32 => Borrowed::UInt32(borrow(a)?),
            DType::UInt64 => Borrowed::UInt64(borrow(a)?),
            DType::Float16 => {
                let bits = a.call_method1("view", ("uint16",))?;
                Borrowed::Float16(borrow(bits.cast::<PyUntypedArray>()?)?)
            }
            DType::Float32 => Borrowed::Float32(borrow(a)?),
            DType::Float64 => Borrowed::Float64(borrow(a)?),
            DType::Complex64 => Borrowed::Complex64(borrow(a)?),
            DType::Complex128 => Borrowed::Complex128(borrow(a)?),
        })))
    }
}

/// An array's elements as numjet sees them: the smallest slice holding
/// every element the array reaches, its shape, element strides and the
/// offset of its first element.
struct Raw<'a> {
    data: ArrayRef<'a>,
    shape: Vec<usize>,
    strides: Vec<isize>,
    offset: usize,
}

/// The span of `a`'s elements, as a borrowed slice.
fn borrow_view<'a, T: Element>(a: &'a PyReadonlyArrayDyn<'_, T>, wrap: fn(&'a [T]) -> ArrayRef<'a>) -> PyResult<Raw<'a>> {
    let size = std::mem::size_of::<T>() as isize;
    let shape = a.shape().to_vec();
    let strides: Vec<isize> = a.strides().iter().map(|s| s / size).collect();
    let empty = shape.contains(&0);
    // The lowest and highest element offsets, checked: a view made with
    // `as_strided` can describe any numbers, and NumPy does not check them.
    let bad = || PyValueError::new_err(format!("an input array's shape {shape:?} and strides reach past the address space"));
    let (mut lo, mut hi) = (0isize, 0isize);
    if !empty {
        for (&d, &s) in shape.iter().zip(&strides) {
            let span = isize::try_from(d).ok().and_then(|d| (d - 1).checked_mul(s)).ok_or_else(bad)?;
            if span < 0 {
                lo = lo.checked_add(span).ok_or_else(bad)?;
            } else {
                hi = hi.checked_add(span).ok_or_else(bad)?;
            }
        }
    }
    let len = if empty { 0 } else { usize::try_from(hi - lo + 1).map_err(|_| bad())? };
    if len.checked_mul(size as usize).is_none_or(|b| b > isize::MAX as usize) {
        return Err(bad());
    }
    let first = a.data() as *const T;
    if len > 0 && !first.is_aligned() {
        return Err(PyValueError::new_err("internal error: an input array is not aligned for its element type"));
    }
    // SAFETY: NumPy guarantees that every element of the array, at
    // `data + sum(i[d] * strides[d])` for indices within its shape, lies in
    // memory the array (or its base) owns and keeps alive; `a` holds a
    // reference to the array, and the borrow guard, for `'a`. The lowest
    // and highest of those elements are `first + lo` and `first + hi`
    // elements away (strides are whole elements: `readable_layout`; the
    // sums are checked above, and the span's bytes fit `isize`), so the
    // slice from `first + lo` of `hi - lo + 1` elements is inside one
    // allocation, aligned (NumPy's ALIGNED flag, checked by
    // `readable_layout`, is for NumPy's alignment of the dtype, which is
    // Rust's of its element type: complex64 4 and complex128 8 included;
    // the pointer is checked against `T`'s above too), and initialised
    // memory of a type
    // every bit pattern of which is valid (numbers), or bytes checked to be
    // 0 or 1 (bool, which is always C-contiguous here, so the slice is its
    // elements exactly). numjet reads only the elements the view reaches
    // (`View::strided` checks them against the slice). An empty array
    // gives an empty slice. (Another Python thread writing the array while
    // numjet reads it is a race, as in NumPy and numexpr; for a bool array
    // it could store a byte other than 0 or 1: do not.)
    let data: &'a [T] = unsafe {
        if len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(first.offset(lo), len)
        }
    };
    Ok(Raw { data: wrap(data), shape, strides, offset: (-lo) as usize })
}

/// The bytes `data` spans, as an address range.
fn byte_range(data: ArrayRef<'_>) -> std::ops::Range<usize> {
    macro_rules! arms {
        ($($variant:ident $t:ty),*) => {
            match data { $(ArrayRef::$variant(v) => v.as_ptr() as usize,)* }
        };
    }
    let p = numjet::dtype::for_each_dtype!(arms);
    p..p + data.len() * data.dtype().size()
}

impl Borrowed<'_> {
    fn raw(&self) -> PyResult<Raw<'_>> {
        macro_rules! arms {
            ($($variant:ident $t:ty),*) => {
                match self {
                    $(Borrowed::$variant(a) => borrow_view(a, ArrayRef::$variant),)*
                    Borrowed::Float16(a) => borrow_view(a, |s| ArrayRef::Float16(f16_slice(s))),
                }
            };
        }
        numpy_dtypes!(arms)
    }
}

/// Results of at least this many bytes go back to [`POOL`] when NumPy
/// drops them (smaller ones are cheap to allocate).
const POOL_MIN_BYTES: usize = 1 << 20;
/// The most bytes one pooled buffer may have, and all of them together:
/// the pool keeps at most this much memory the program no longer uses.
const POOL_MAX_BYTES: usize = 256 << 20;
/// The most buffers the pool keeps.
const POOL_MAX_BUFFERS: usize = 4;

/// Result buffers NumPy has dropped, for the next evaluation of the same
/// dtype and length. A fresh result written into memory that is already
/// mapped costs no page faults: for a memory-bound program on 1e7 float64
/// elements the faults of a new 80 MB result are a third of its time. (A
/// caching allocator, as in PyTorch; numexpr and NumPy fault in every
/// result.)
static POOL: std::sync::Mutex<Vec<ArrayData>> = std::sync::Mutex::new(Vec::new());

/// A buffer of `dtype` and length `n` from the pool, if one is there.
fn pool_take(dtype: DType, n: usize) -> Option<ArrayData> {
    let mut pool = POOL.lock().ok()?;
    let i = pool.iter().position(|d| d.dtype() == dtype && d.len() == n)?;
    Some(pool.swap_remove(i))
}

/// Keeps `data` for a later result, within the pool's bounds (the oldest
/// buffer goes first).
fn pool_put(data: ArrayData) {
    let bytes = data.len() * data.dtype().size();
    if !(POOL_MIN_BYTES..=POOL_MAX_BYTES).contains(&bytes) {
        return;
    }
    let Ok(mut pool) = POOL.lock() else { return };
    pool.push(data);
    while pool.len() > POOL_MAX_BUFFERS || pool.iter().map(|d| d.len() * d.dtype().size()).sum::<usize>() > POOL_MAX_BYTES {
        pool.remove(0);
    }
}

/// Empties the pool of result buffers (its memory goes back to the system).
#[pyfunction]
fn release_memory() {
    if let Ok(mut pool) = POOL.lock() {
        pool.clear();
    }
}

/// The owner of a result's memory, the `base` of the NumPy array over it:
/// when NumPy drops the array (and every view of it), the buffer goes back
/// to [`POOL`].
#[pyclass(frozen, module = "numjet._numjet")]
struct ResultBuffer {
    data: std::sync::Mutex<Option<ArrayData>>,
}

impl Drop for ResultBuffer {
    fn drop(&mut self) {
        if let Some(d) = self.data.get_mut().ok().and_then(Option::take) {
            pool_put(d);
        }
    }
}

/// A NumPy array of `shape` over `data`, owned by a [`ResultBuffer`].
fn pooled_array<'py>(py: Python<'py>, data: ArrayData, shape: &[usize]) -> PyResult<Bound<'py, PyAny>> {
    fn view<'py, T: Element>(v: &[T], shape: &[usize], owner: Bound<'py, ResultBuffer>) -> PyResult<Bound<'py, PyAny>> {
        let view = numpy::ndarray::ArrayViewD::from_shape(numpy::ndarray::IxDyn(shape), v)
            .map_err(|e| PyValueError::new_err(format!("internal error: a result does not fit its shape: {e}")))?;
        // SAFETY: `owner` becomes the array's base, so NumPy keeps it alive
        // as long as the array and its views; it owns the elements `v`
        // points into (a `Vec` inside it that is never touched again while
        // it lives: not resized, moved out or written by numjet; only its
        // `Drop`, after the last array is gone, takes it).
        Ok(unsafe { PyArray::<T, _>::borrow_from_array(&view, owner.into_any()) }.into_any())
    }
    let owner = Bound::new(py, ResultBuffer { data: std::sync::Mutex::new(None) })?;
    let guard_owner = owner.clone();
    let mut slot = guard_owner.get().data.lock().map_err(|_| PyValueError::new_err("internal error: a poisoned result buffer"))?;
    let data = slot.insert(data);
    // The slice borrows the `Vec`'s heap memory, which stays where it is
    // when the guard is released: the `Vec` is not moved or changed again.
    macro_rules! arms {
        ($($variant:ident $t:ty),*) => {
            match &*data {
                $(ArrayData::$variant(v) => view(v, shape, owner),)*
                ArrayData::Float16(_) => Err(PyValueError::new_err("internal error: float16 results are not pooled")),
            }
        };
    }
    let r = numpy_dtypes!(arms);
    drop(slot);
    r
}

/// A result of numjet's as a NumPy array that owns numjet's buffer.
fn to_numpy<'py>(py: Python<'py>, array: Array) -> PyResult<Bound<'py, PyAny>> {
    if array.len() * array.dtype().size() >= POOL_MIN_BYTES && array.dtype() != DType::Float16 {
        let shape = array.shape().to_vec();
        return pooled_array(py, array.into_data(), &shape);
    }
    let shape = array.shape().to_vec();
    fn wrap<'py, T: Element>(py: Python<'py>, v: Vec<T>, shape: &[usize]) -> PyResult<Bound<'py, PyAny>> {
        let flat = PyArray::from_vec(py, v);
        if shape.len() == 1 {
            return Ok(flat.into_any());
        }
        Ok(flat.reshape(shape)?.into_any())
    }
    macro_rules! arms {
        ($($variant:ident $t:ty),*) => {
            match array.into_data() {
                $(ArrayData::$variant(v) => wrap(py, v, &shape),)*
                // float16: its bits as uint16, viewed as float16 (a copy).
                ArrayData::Float16(v) => {
                    let bits: Vec<u16> = v.iter().map(|h| h.to_bits()).collect();
                    wrap(py, bits, &shape)?.call_method1("view", ("float16",))
                }
            }
        };
    }
    numpy_dtypes!(arms)
}

/// The output buffer `out` as numjet writes it, when that can be done in
/// place: the result's dtype, C-contiguous, aligned, writeable and not
/// overlapping any input (rust-numpy's borrow tracking refuses the
/// borrow then). Otherwise `None`: the caller evaluates into a fresh
/// array and NumPy copies it into `out` under the casting rule.
macro_rules! out_enum {
    ($($variant:ident $t:ty),*) => {
        enum OutBuf<'py> {
            $($variant(numpy::PyReadwriteArrayDyn<'py, $t>),)*
        }
    };
}
numpy_dtypes!(out_enum);

fn out_buf<'py>(out: &Bound<'py, PyAny>, dtype: DType, shape: &[usize]) -> Option<OutBuf<'py>> {
    let a = out.cast::<PyUntypedArray>().ok()?;
    if a.shape() != shape || !a.is_c_contiguous() || !a.is_aligned() || dtype_of(a) != Some(dtype) {
        return None;
    }
    fn rw<'py, T: Element>(a: &Bound<'py, PyUntypedArray>) -> Option<numpy::PyReadwriteArrayDyn<'py, T>> {
        a.cast::<PyArrayDyn<T>>().ok()?.try_readwrite().ok()
    }
    macro_rules! arms {
        ($($variant:ident $t:ty),*) => {
            Some(match dtype {
                $(DType::$variant => OutBuf::$variant(rw(a)?),)*
                // float16 is written through a fresh result and copied.
                DType::Float16 => return None,
            })
        };
    }
    numpy_dtypes!(arms)
}

impl OutBuf<'_> {
    fn as_mut(&mut self) -> Option<ArrayMut<'_>> {
        macro_rules! arms {
            ($($variant:ident $t:ty),*) => {
                Some(match self { $(OutBuf::$variant(a) => ArrayMut::$variant(a.as_slice_mut().ok()?),)* })
            };
        }
        numpy_dtypes!(arms)
    }
}

/// Work of at least this many elements (result or largest input) runs
/// on a helper thread while the calling thread watches for signals; less
/// finishes in well under a millisecond, and the watch would cost more
/// than it.
const WATCH_ABOVE: usize = 1 << 18;

/// Work of fewer elements keeps the GIL: it takes about as long as
/// releasing and taking back the GIL (a few hundred nanoseconds), and
/// numjet runs it on the calling thread anyway.
const KEEP_GIL_BELOW: usize = 4096;

/// How often the calling thread looks for a pending signal.
const WATCH_EVERY: Duration = Duration::from_millis(20);

/// Runs `work` with the GIL released. Large work runs on a scoped thread
/// while this thread wakes every [`WATCH_EVERY`] to take the GIL and let
/// Python run its signal handlers; when one raises (Ctrl-C's
/// `KeyboardInterrupt`), `cancel` is set, and numjet stops at its next
/// block. The exception is Python's own.
fn run_watched<T: Send>(py: Python<'_>, work_size: usize, cancel: &AtomicBool, work: impl FnOnce() -> T + Send) -> PyResult<T> {
    if work_size < KEEP_GIL_BELOW {
        return Ok(work());
    }
    if work_size < WATCH_ABOVE {
        return Ok(py.detach(work));
    }
    let (result, interrupt) = py.detach(|| {
        std::thread::scope(|s| {
            // The worker says it is done on a channel, so this thread wakes
            // at once then, not at its next poll.
            let (done, finished) = std::sync::mpsc::sync_channel::<()>(1);
            let handle = s.spawn(move || {
                let r = work();
                // The receiver outlives the scope; a send cannot fail.
                let _ = done.send(());
                r
            });
            let mut interrupt = None;
            loop {
                match finished.recv_timeout(WATCH_EVERY) {
                    Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        if interrupt.is_none()
                            && let Err(e) = Python::attach(|py| py.check_signals())
                        {
                            cancel.store(true, Ordering::Relaxed);
                            interrupt = Some(e);
                        }
                    }
                }
            }
            (handle.join(), interrupt)
        })
    });
    if let Some(e) = interrupt {
        return Err(e);
    }
    result.map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("numjet's evaluation thread panicked"))
}

/// The number of elements of the inputs' broadcast shape (each dimension
/// the largest extent of the inputs there, aligned at the last; saturating).
fn broadcast_size(inputs: &[Input<'_>]) -> usize {
    let ndim = inputs.iter().map(|x| x.ndim()).max().unwrap_or(0);
    let mut dims = vec![1usize; ndim];
    for x in inputs {
        let shape = x.shape();
        let off = ndim - shape.len();
        for (d, &e) in shape.iter().enumerate() {
            dims[off + d] = dims[off + d].max(e);
        }
    }
    dims.iter().fold(1usize, |a, &d| a.saturating_mul(d))
}

/// Compiles `ex` for these values and evaluates it. `names[i]` is bound to
/// `values[i]`. With `out` given, writes there when it can (see
/// [`OutBuf`]) and returns `(out, True)`; otherwise returns the fresh
/// result and `False`, and the Python layer copies it into `out`.
/// `threads` caps this call's threads (at most the engine's), leaving the
/// process setting and the kernel cache alone (Dask's blocks use it);
/// `math` ("accurate" or "fast") evaluates in that math mode instead of the
/// process's (Dask's blocks pass the mode of the process that built the
/// graph).
#[pyfunction]
#[pyo3(signature = (ex, names, values, out=None, threads=None, math=None))]
fn evaluate<'py>(
    py: Python<'py>,
    ex: &str,
    names: Vec<String>,
    values: &Bound<'py, PyTuple>,
    out: Option<Bound<'py, PyAny>>,
    threads: Option<usize>,
    math: Option<&str>,
) -> PyResult<(Bound<'py, PyAny>, bool)> {
    let math = match math {
        None => None,
        Some(m) => Some(MathMode::from_name(m).ok_or_else(|| PyValueError::new_err(format!("unknown math mode {m:?}: \"accurate\" or \"fast\"")))?),
    };
    if names.len() != values.len() {
        return Err(PyValueError::new_err(format!("{} names for {} values", names.len(), values.len())));
    }
    let held: Vec<Held> = values.iter().map(|v| Held::of(&v)).collect::<PyResult<_>>()?;
    run(py, ex, &names, held, out, threads, math)
}

/// A program's free names, each with whether it is a constant.
type FreeNames = Arc<[(String, bool)]>;

/// The free names of `ex`, parsed once per text (bounded: cleared when
/// full).
fn cached_names(py: Python<'_>, ex: &str) -> PyResult<FreeNames> {
    static NAMES: OnceLock<std::sync::Mutex<std::collections::HashMap<String, FreeNames>>> = OnceLock::new();
    let cache = NAMES.get_or_init(Default::default);
    if let Ok(c) = cache.lock()
        && let Some(n) = c.get(ex)
    {
        return Ok(n.clone());
    }
    let ast = py.detach(|| numjet::syntax::parse(ex)).map_err(to_py)?;
    let names: FreeNames = ast.free_names().into_iter().map(|n| (n.to_string(), numjet::syntax::vocab::constant(n).is_some())).collect();
    if let Ok(mut c) = cache.lock() {
        if c.len() >= 1024 {
            c.clear();
        }
        c.insert(ex.to_string(), names.clone());
    }
    Ok(names)
}

/// `name` in `scope` (a dict, or any mapping: a frame's `f_locals` is a
/// proxy from Python 3.13 on); `None` when it is not there.
fn lookup<'py>(scope: &Bound<'py, PyAny>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    if let Ok(d) = scope.cast::<pyo3::types::PyDict>() {
        return d.get_item(name);
    }
    match scope.get_item(name) {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_instance_of::<PyKeyError>(scope.py()) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The values of `ex`'s free names, looked up in `local`, then `global`
/// (constants not found stay constants); an unknown name is a `KeyError`
/// with numjet's message.
fn resolve<'py>(py: Python<'py>, ex: &str, local: &Bound<'py, PyAny>, global: &Bound<'py, PyAny>) -> PyResult<(Found, Vec<Held<'py>>)> {
    let free = cached_names(py, ex)?;
    let mut names = Vec::with_capacity(free.len());
    let mut held = Vec::with_capacity(free.len());
    let mut missing = false;
    for (i, (name, constant)) in free.iter().enumerate() {
        let v = match lookup(local, name)? {
            Some(v) => Some(v),
            None => lookup(global, name)?,
        };
        match v {
            Some(v) => {
                held.push(Held::of(&v)?);
                names.push(i);
            }
            None if *constant => {}
            None => missing = true,
        }
    }
    let found = Found { free, index: names };
    if missing {
        // numjet's own message for it: the caret, and "did you mean".
        let raws = raws(&held)?;
        let names = found.names();
        let (inputs, numbers) = bind(&names, &held, &raws)?;
        let engine = engine();
        return Err(match compile(&engine, ex, &inputs, &numbers) {
            Err(e) => to_py(e),
            Ok(_) => PyKeyError::new_err(format!("a name of `{ex}` is not defined")),
        });
    }
    Ok((found, held))
}

/// The free names a lookup found, as indices into the cached list (no
/// string copies per call).
struct Found {
    free: FreeNames,
    index: Vec<usize>,
}

impl Found {
    fn names(&self) -> Vec<&str> {
        self.index.iter().map(|&i| self.free[i].0.as_str()).collect()
    }
}

/// `evaluate` with the names looked up by numjet: `local`, then `global`
/// (dicts or mappings; the Python layer passes the caller's frame's).
#[pyfunction]
#[pyo3(signature = (ex, local, global, out=None, threads=None))]
fn evaluate_in<'py>(
    py: Python<'py>,
    ex: &str,
    local: &Bound<'py, PyAny>,
    global: &Bound<'py, PyAny>,
    out: Option<Bound<'py, PyAny>>,
    threads: Option<usize>,
) -> PyResult<(Bound<'py, PyAny>, bool)> {
    let (found, held) = resolve(py, ex, local, global)?;
    run(py, ex, &found.names(), held, out, threads, None)
}

/// Objects of the Python layer the fast path needs (looked up once).
struct Layer {
    /// `numjet._evaluate_py`: the whole of `evaluate`, for the calls the
    /// fast path does not take.
    slow: Py<PyAny>,
    /// `numjet._last`: the thread's record for `re_evaluate`.
    last: Py<PyAny>,
    /// `numjet.UnknownNameError`.
    unknown: Py<PyAny>,
}

fn layer(py: Python<'_>) -> PyResult<&'static Layer> {
    static LAYER: pyo3::sync::PyOnceLock<Layer> = pyo3::sync::PyOnceLock::new();
    LAYER.get_or_try_init(py, || {
        let m = py.import("numjet")?;
        Ok(Layer { slow: m.getattr("_evaluate_py")?.unbind(), last: m.getattr("_last")?.unbind(), unknown: m.getattr("UnknownNameError")?.unbind() })
    })
}

/// The caller's locals or globals: `PyEval_GetLocals`/`PyEval_GetGlobals`
/// (a function of this module runs in no frame of its own, so the
/// current frame is its caller's), or an empty dict without a frame.
fn frame_scope<'py>(py: Python<'py>, globals: bool) -> Bound<'py, PyAny> {
    // SAFETY: both return a borrowed reference to the current frame's
    // mapping, or NULL without a frame (then an error may be set, which
    // `PyErr::take` clears); the GIL is held (`py`), and the reference is
    // made an owned one before anything else runs.
    let ptr = unsafe { if globals { pyo3::ffi::PyEval_GetGlobals() } else { pyo3::ffi::PyEval_GetLocals() } };
    // SAFETY: see above: a borrowed, valid object pointer or NULL.
    match unsafe { Bound::from_borrowed_ptr_or_opt(py, ptr) } {
        Some(scope) => scope,
        None => {
            let _ = PyErr::take(py);
            pyo3::types::PyDict::new(py).into_any()
        }
    }
}

/// Evaluates the program `ex` over the arrays named in it (numexpr's
/// `evaluate`).
///
/// Names are looked up in `local_dict`, then `global_dict`; either left as
/// None is the caller's frame's. `out`, if given, receives the result (any
/// writable array the result broadcasts to; cast under `casting`) and is
/// returned. `order`: 'F' returns a Fortran-ordered result; the others
/// give C order. `sanitize` is accepted and ignored: numjet never calls
/// Python's `eval`. `optimization`, `truediv` and `disable_cache` are
/// accepted for numexpr's callers and have no effect.
///
/// (The common call, a program text with names from the caller's frame or
/// the dicts and no `out=`, runs here without a Python frame of its own, a
/// good part of the fixed cost of a small call; any other goes to the
/// Python layer's `_evaluate_py`.)
#[pyfunction]
#[pyo3(signature = (ex, local_dict=None, global_dict=None, out=None, order=None, casting=None, sanitize=None, _frame_depth=0, **kwargs))]
#[allow(clippy::too_many_arguments)]
fn evaluate_fast<'py>(
    py: Python<'py>,
    ex: &Bound<'py, PyAny>,
    local_dict: Option<Bound<'py, PyAny>>,
    global_dict: Option<Bound<'py, PyAny>>,
    out: Option<Bound<'py, PyAny>>,
    order: Option<Bound<'py, PyAny>>,
    casting: Option<Bound<'py, PyAny>>,
    sanitize: Option<Bound<'py, PyAny>>,
    _frame_depth: i64,
    kwargs: Option<Bound<'py, pyo3::types::PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let layer = layer(py)?;
    let is = |v: &Option<Bound<'py, PyAny>>, want: &str| v.as_ref().is_none_or(|v| v.extract::<&str>().is_ok_and(|s| s == want));
    let text = ex.cast::<pyo3::types::PyString>().ok().and_then(|s| s.to_str().ok());
    let (Some(text), None, true, true, 0, true) = (text, &out, is(&order, "K"), is(&casting, "same_kind"), _frame_depth, kwargs.as_ref().is_none_or(|k| k.is_empty())) else {
        let args = (ex, local_dict, global_dict, out, order.unwrap_or_else(|| "K".into_pyobject(py).unwrap().into_any()), casting.unwrap_or_else(|| "same_kind".into_pyobject(py).unwrap().into_any()), sanitize, _frame_depth);
        return layer.slow.bind(py).call(args, kwargs.as_ref());
    };
    let local = match local_dict {
        Some(d) => d,
        None => frame_scope(py, false),
    };
    let global = match global_dict {
        Some(d) => d,
        None => frame_scope(py, true),
    };
    layer.last.bind(py).setattr("state", (ex, py.None(), py.None(), "K", "same_kind"))?;
    let (found, held) = match resolve(py, text, &local, &global) {
        Ok(r) => r,
        Err(e) if e.is_instance_of::<PyKeyError>(py) => return Err(PyErr::from_value(layer.unknown.bind(py).call1(e.value(py).getattr("args")?.cast_into::<PyTuple>()?)?)),
        Err(e) => return Err(e),
    };
    Ok(run(py, text, &found.names(), held, None, None, None)?.0)
}

/// The result dtype of `ex` with the names looked up as by `evaluate_in`,
/// without evaluating (numexpr's `validate`).
#[pyfunction]
fn check_in<'py>(py: Python<'py>, ex: &str, local: &Bound<'py, PyAny>, global: &Bound<'py, PyAny>) -> PyResult<String> {
    let (found, held) = resolve(py, ex, local, global)?;
    let names = found.names();
    let raws = raws(&held)?;
    let (inputs, numbers) = bind(&names, &held, &raws)?;
    let engine = engine();
    let (kernel, values) = py.detach(|| compile(&engine, ex, &inputs, &numbers)).map_err(to_py)?;
    // Shapes too: numexpr's validate reports arrays that do not broadcast.
    kernel.result_shape(&values).map_err(to_py)?;
    Ok(kernel.dtype().name().to_string())
}

/// Compiles and evaluates `ex` over `held` (bound to `names`).
fn run<'py, S: AsRef<str>>(
    py: Python<'py>,
    ex: &str,
    names: &[S],
    held: Vec<Held<'py>>,
    out: Option<Bound<'py, PyAny>>,
    threads: Option<usize>,
    math: Option<MathMode>,
) -> PyResult<(Bound<'py, PyAny>, bool)> {
    let raws = raws(&held)?;
    let (inputs, numbers) = bind(names, &held, &raws)?;
    let engine = engine_in(math);
    let (mut kernel, values) = py.detach(|| compile(&engine, ex, &inputs, &numbers)).map_err(to_py)?;
    if let Some(n) = threads {
        kernel = kernel.with_threads(n);
    }
    // The work is bounded by the inputs' common broadcast shape: every node
    // is a broadcast of inputs or a reduction of one, so a reduction of a
    // broadcast (`sum(col + row)`) counts its whole iteration (and the
    // result is no larger).
    let work_size = broadcast_size(&values);
    let cancel = AtomicBool::new(false);
    if let Some(out) = out
        && let shape = kernel.result_shape(&values).map_err(to_py)?
        && let Some(mut buf) = out_buf(&out, kernel.dtype(), &shape)
    {
        let Some(dst) = buf.as_mut() else {
            return Err(PyValueError::new_err("the output array is not contiguous"));
        };
        // `out` sharing memory with an input through another base object
        // (a memoryview, `frombuffer`, `__array_interface__`) is not seen
        // by rust-numpy's borrow tracking, which keys on the base: compare
        // the addresses. On overlap, a fresh result is copied into `out`.
        macro_rules! arms {
            ($($variant:ident $t:ty),*) => {
                match &dst { $(ArrayMut::$variant(v) => byte_range(ArrayRef::$variant(v)),)* }
            };
        }
        let written = numjet::dtype::for_each_dtype!(arms);
        if raws.iter().flatten().any(|r| {
            let read = byte_range(r.data);
            read.start < written.end && written.start < read.end
        }) {
            drop(buf);
            return fresh(py, &kernel, &values, work_size, &cancel);
        }
        run_watched(py, work_size, &cancel, || kernel.eval_into_cancellable(&values, dst, &cancel))?.map_err(to_py)?;
        drop(buf);
        return Ok((out, true));
    }
    fresh(py, &kernel, &values, work_size, &cancel)
}

/// Evaluates into a new NumPy array.
fn fresh<'py>(py: Python<'py>, kernel: &Kernel, values: &[Input<'_>], work_size: usize, cancel: &AtomicBool) -> PyResult<(Bound<'py, PyAny>, bool)> {
    // A buffer of the result's size from the pool: no allocation, no page
    // faults. Otherwise numjet allocates (checked against its memory limit).
    // (The result is no larger than the work: small work skips the look.)
    if work_size.saturating_mul(kernel.dtype().size()) >= POOL_MIN_BYTES
        && let shape = kernel.result_shape(values).map_err(to_py)?
        && let Some(mut data) = pool_take(kernel.dtype(), numjet::array::elements(&shape))
    {
        let done = run_watched(py, work_size, cancel, || kernel.eval_into_cancellable(values, data.as_mut(), cancel))?;
        match done {
            Ok(()) => return Ok((pooled_array(py, data, &shape)?, false)),
            Err(e) => {
                pool_put(data);
                return Err(to_py(e));
            }
        }
    }
    let result = run_watched(py, work_size, cancel, || kernel.eval_cancellable(values, cancel))?.map_err(to_py)?;
    Ok((to_numpy(py, result)?, false))
}

/// The raw views of the arrays among `held` (`None` for numbers).
fn raws<'a>(held: &'a [Held<'_>]) -> PyResult<Vec<Option<Raw<'a>>>> {
    held.iter().map(|h| if let Held::Array(b) = h { b.raw().map(Some) } else { Ok(None) }).collect()
}

/// The named inputs (arrays as views, strong scalars) and the Python
/// numbers of an evaluation.
#[allow(clippy::type_complexity)]
fn bind<'a, S: AsRef<str>>(names: &'a [S], held: &'a [Held<'_>], raws: &'a [Option<Raw<'a>>]) -> PyResult<(Vec<(&'a str, Input<'a>)>, Vec<(&'a str, Scalar)>)> {
    let mut inputs: Vec<(&str, Input)> = Vec::with_capacity(held.len());
    let mut numbers: Vec<(&str, Scalar)> = Vec::new();
    for ((name, h), raw) in names.iter().map(AsRef::as_ref).zip(held).zip(raws) {
        match (h, raw) {
            (Held::Number(s), _) => numbers.push((name, *s)),
            (Held::Scalar(s), _) => inputs.push((name, Input::Scalar(*s))),
            (Held::Array(_), Some(r)) => {
                let view = View::strided(r.data, &r.shape, &r.strides, r.offset).map_err(to_py)?;
                inputs.push((name, Input::View(view)));
            }
            (Held::Array(_), None) => return Err(PyValueError::new_err("internal error: an array without its view")),
        }
    }
    Ok((inputs, numbers))
}

/// The kernel for `ex` over `inputs` (arrays and strong scalars) and the
/// Python numbers `numbers`, with the values to evaluate it on. Python
/// floats and ints are run-time parameters when the program allows
/// ([`Engine::compile_with_params`]: one kernel for every value);
/// otherwise their values are compiled in, as Python complex numbers
/// always are (one cached kernel per value).
fn compile<'a>(engine: &Engine, ex: &str, inputs: &[(&str, Input<'a>)], numbers: &[(&str, Scalar)]) -> Result<(Kernel, Vec<Input<'a>>), Error> {
    let params: Vec<(&str, Input<'a>)> =
        numbers.iter().filter(|(_, s)| matches!(s, Scalar::Float64(_) | Scalar::Int64(_))).map(|(n, s)| (*n, Input::Scalar(*s))).collect();
    if !params.is_empty() {
        let fixed: Vec<(&str, Scalar)> = numbers.iter().filter(|(_, s)| !matches!(s, Scalar::Float64(_) | Scalar::Int64(_))).copied().collect();
        if fixed.is_empty() {
            let all: Vec<(&str, Input<'a>)> = inputs.iter().chain(&params).copied().collect();
            let signature = Signature::of(&all);
            let names: Vec<&str> = params.iter().map(|(n, _)| *n).collect();
            if let Some(k) = engine.compile_with_params(ex, &signature, &names)? {
                return Ok((k, all.iter().map(|(_, x)| *x).collect()));
            }
        }
    }
    let signature = Signature::of(inputs);
    let kernel = engine.compile_with_numbers(ex, &signature, numbers)?;
    Ok((kernel, inputs.iter().map(|(_, x)| *x).collect()))
}

/// The dtype name of the result of `ex` for these values, without
/// evaluating it (for `NumExpr` objects and Dask's metadata).
#[pyfunction]
fn result_dtype(py: Python<'_>, ex: &str, names: Vec<String>, values: &Bound<'_, PyTuple>) -> PyResult<String> {
    if names.len() != values.len() {
        return Err(PyValueError::new_err(format!("{} names for {} values", names.len(), values.len())));
    }
    let held: Vec<Held> = values.iter().map(|v| Held::of(&v)).collect::<PyResult<_>>()?;
    let raws = raws(&held)?;
    let (inputs, numbers) = bind(&names, &held, &raws)?;
    let engine = engine();
    let kernel = py.detach(|| compile(&engine, ex, &inputs, &numbers)).map_err(to_py)?.0;
    Ok(kernel.dtype().name().to_string())
}

#[pymodule]
fn _numjet(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_in, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_fast, m)?)?;
    m.add_function(wrap_pyfunction!(check_in, m)?)?;
    m.add_function(wrap_pyfunction!(result_dtype, m)?)?;
    m.add_function(wrap_pyfunction!(names, m)?)?;
    m.add_function(wrap_pyfunction!(set_threads, m)?)?;
    m.add_function(wrap_pyfunction!(get_threads, m)?)?;
    m.add_function(wrap_pyfunction!(set_backend, m)?)?;
    m.add_function(wrap_pyfunction!(get_backend, m)?)?;
    m.add_function(wrap_pyfunction!(set_math, m)?)?;
    m.add_function(wrap_pyfunction!(get_math, m)?)?;
    m.add_function(wrap_pyfunction!(cores, m)?)?;
    m.add_function(wrap_pyfunction!(cached_kernels, m)?)?;
    m.add_function(wrap_pyfunction!(release_memory, m)?)?;
    m.add("MAX_NDIM", numjet::array::MAX_NDIM)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
