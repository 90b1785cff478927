//! Reductions over an argument that is never materialised: a `fill`
//! callback computes any range of it (the JIT's stage kernel over a block),
//! and the reduction consumes it a buffer at a time, in a fixed order that
//! does not depend on the thread count:
//!
//! - float `sum`/`mean`: NumPy's pairwise recursion (`n2 = n/2 - (n/2)%8`
//!   for ranges over 128 elements) walked over index ranges; a range of at
//!   most [`FLOAT_STREAM`] elements is computed into a buffer and summed
//!   there by [`reduce::pairwise_sum`] itself, so every bit is NumPy's. The
//!   two halves of a long range are independent, so the top of the
//!   recursion runs on several threads and the association, hence the
//!   result, stays the same.
//! - integer `sum` (wrapping, so any grouping is exact), `any`/`all`,
//!   `min`/`max` (associative: the first NaN wins, and among equal values
//!   the later one, whatever the grouping) and the integer `mean` (NumPy's
//!   float64 casting buffers of 8192 elements, each pairwise-summed, added
//!   to the total in order): pieces of [`STREAM`] elements from element 0
//!   reduced in parallel, partial results combined in piece order.
//! - `prod` runs left to right on one thread (float products are not
//!   associative, and NumPy multiplies in order).
//!
//! When the JIT fused the reduction into the stage ([`LeafSums`]), the
//! stage reduces each leaf itself: a float sum's leaves are the pairwise
//! recursion's blocks of at most 128 elements (ranges of up to
//! `LEAF_SPAN` elements are one call; their leaf sums are combined here in
//! the recursion's order), and the associative reductions' leaves are the
//! pieces above. The order of operations, hence every bit, is the same.
//!
//! Axis reductions ([`axis`]) follow NumPy's order for a C-contiguous
//! argument: along the last axis each row is reduced as above (pairwise
//! float sums); along another axis each output element accumulates its
//! inputs in order from the identity (or, for `min`/`max`, the first).
//! Output rows run in parallel.
//!
//! The reference interpreter computes the same results independently
//! (from whole columns, with [`reduce::reduce`] and its own axis
//! reduction), and the tests compare the two bit for bit.

use rayon::prelude::*;

use crate::array::{ArrayData, ArrayMut, ArrayRef};
use crate::dtype::{Complex, DType, F16, Scalar};
use crate::ops::{Op, Reduce, reduce};
use crate::mem;

/// Fills a buffer with elements `start..start + buf.len()` of a
/// reduction's argument (C order over its shape).
pub type Fill<'f> = dyn Fn(usize, &mut ArrayMut<'_>) + Sync + 'f;

/// A reduction fused into a JIT stage: `(start, sizes, out)` writes to
/// `out[k]` (of the reduction's dtype) the reduction of the `sizes[k]`
/// elements following the earlier leaves, the first leaf starting at
/// element `start`. For a float `sum`/`mean` a leaf is one of NumPy's
/// pairwise blocks (at most 128 elements), summed as
/// `reduce::pairwise_sum` sums it; the associative reductions take any
/// leaf (a [`STREAM`] piece here).
pub type LeafSums<'f> = dyn Fn(usize, &[u32], &mut ArrayMut<'_>) + Sync + 'f;

/// Whether the evaluation was cancelled (see `Kernel::eval_cancellable`).
pub type Stop<'f> = dyn Fn() -> bool + Sync + 'f;

/// The error a reduction returns when [`Arg::stop`] says so; the
/// evaluation reports `Error::Interrupted` instead of it.
pub const STOPPED: &str = "the evaluation was interrupted";

/// How a reduction gets its argument.
#[derive(Clone, Copy)]
pub struct Arg<'f> {
    /// Computes any range of the argument into a buffer.
    pub fill: &'f Fill<'f>,
    /// True once the evaluation is cancelled: the loops below stop at
    /// their next piece (`fill` then no longer computes anything, so the
    /// rest would be a walk over stale buffers).
    pub stop: &'f Stop<'f>,
    /// The argument's leaf sums, when the JIT fused a float `sum`/`mean`
    /// into its stage; float sums then do not call `fill`.
    pub leaves: Option<&'f LeafSums<'f>>,
}

/// Elements per call of a [`LeafSums`] (at most): under [`PAR_MIN`], so
/// the threads split the recursion above it; the leaf sizes and sums of
/// such a range are a few hundred values.
const LEAF_SPAN: usize = PAR_MIN;

/// Elements per piece of a streamed reduction: NumPy's buffer size, which
/// the integer mean's float64 buffers must match exactly.
pub const STREAM: usize = 8192;

/// [`STREAM`]-element pieces per task of a fused associative reduction.
const FUSED_LEAVES: usize = 8;

/// Elements per leaf of a streamed float `sum`/`mean`: any size of at
/// least 128 gives the same association; 2048 keeps the buffer (16 KB of
/// float64) in L1 next to the inputs streaming through.
pub const FLOAT_STREAM: usize = 2048;
const _: () = assert!(FLOAT_STREAM >= 128 && STREAM >= 128);

/// Ranges shorter than this are summed on one thread.
const PAR_MIN: usize = 1 << 16;

/// Typed versions of the common cases of [`reduce::reduce`], computing
/// exactly what it computes; `None` for the other cases.
pub(crate) fn fast_reduce(r: Reduce, out: DType, col: ArrayRef<'_>) -> Option<Scalar> {
    Some(match (r, col) {
        (Reduce::Sum, ArrayRef::Float64(v)) if out == DType::Float64 => Scalar::Float64(0.0 + reduce::pairwise_sum(v, 0.0)),
        (Reduce::Sum, ArrayRef::Float32(v)) if out == DType::Float32 => Scalar::Float32(0.0 + reduce::pairwise_sum(v, 0.0)),
        (Reduce::Mean, ArrayRef::Float64(v)) if out == DType::Float64 && !v.is_empty() => {
            Scalar::Float64((0.0 + reduce::pairwise_sum(v, 0.0)) / v.len() as f64)
        }
        (Reduce::Mean, ArrayRef::Float32(v)) if out == DType::Float32 && !v.is_empty() => {
            Scalar::Float32((0.0 + reduce::pairwise_sum(v, 0.0)) / v.len() as f32)
        }
        // Integer sums wrap in their accumulator (int64 for signed,
        // uint64 for unsigned integers).
        (Reduce::Sum, c) if c.dtype().is_int() && out == reduce_accumulator(c.dtype()) => int_sum(c)?,
        (Reduce::Sum, ArrayRef::Bool(v)) if out == DType::Int64 => Scalar::Int64(v.iter().fold(0i64, |a, &x| a + x as i64)),
        (Reduce::Any, ArrayRef::Bool(v)) => Scalar::Bool(v.iter().any(|&x| x)),
        (Reduce::All, ArrayRef::Bool(v)) => Scalar::Bool(v.iter().all(|&x| x)),
        (Reduce::Min | Reduce::Max, c) if out == c.dtype() && !c.is_empty() && !out.is_complex() => min_max(r == Reduce::Min, None, c),
        _ => return None,
    })
}

/// The accumulator dtype of an integer `sum`.
fn reduce_accumulator(d: DType) -> DType {
    if d.is_unsigned() { DType::UInt64 } else { DType::Int64 }
}

/// Calls `$m!(v, T)` with an integer column's slice and element type.
macro_rules! int_column {
    ($c:expr, $m:ident) => {
        match $c {
            ArrayRef::Int8(v) => Some($m!(v, i64)),
            ArrayRef::Int16(v) => Some($m!(v, i64)),
            ArrayRef::Int32(v) => Some($m!(v, i64)),
            ArrayRef::Int64(v) => Some($m!(v, i64)),
            ArrayRef::UInt8(v) => Some($m!(v, u64)),
            ArrayRef::UInt16(v) => Some($m!(v, u64)),
            ArrayRef::UInt32(v) => Some($m!(v, u64)),
            ArrayRef::UInt64(v) => Some($m!(v, u64)),
            _ => None,
        }
    };
}

/// The wrapping sum of an integer column in its accumulator (typed, so
/// the compiler vectorises it).
fn int_sum(c: ArrayRef<'_>) -> Option<Scalar> {
    macro_rules! sum {
        ($v:expr, $acc:ty) => {
            Scalar::int(reduce_accumulator(c.dtype()), $v.iter().fold(0 as $acc, |a, &x| a.wrapping_add(x as $acc)) as i128)
        };
    }
    int_column!(c, sum)
}

/// An integer column as float64 values (NumPy's casting buffer of a mean).
fn as_f64s(c: ArrayRef<'_>) -> Option<Vec<f64>> {
    macro_rules! conv {
        ($v:expr, $acc:ty) => {
            $v.iter().map(|&x| x as f64).collect()
        };
    }
    int_column!(c, conv)
}

/// `a` (if any) folded left to right with the elements of `c` by the
/// table's `minimum` (`min`) or `maximum`, typed: the same bodies as the
/// `Minimum`/`Maximum` rows of `ops` (bool `&`/`|`, integer `min`/`max`,
/// float comparisons that propagate the first NaN).
pub(crate) fn min_max(min: bool, a: Option<Scalar>, c: ArrayRef<'_>) -> Scalar {
    fn fold<T: Copy>(a: Option<T>, v: &[T], f: impl Fn(T, T) -> T) -> T {
        let (first, rest) = match a {
            Some(a) => (a, v),
            None => (v[0], &v[1..]),
        };
        rest.iter().fold(first, |acc, &x| f(acc, x))
    }
    macro_rules! typed {
        ($v:expr, $variant:ident, $min:expr, $max:expr) => {{
            let a = a.map(|s| match s {
                Scalar::$variant(x) => x,
                _ => unreachable!("accumulator of the argument's dtype"),
            });
            Scalar::$variant(if min { fold(a, $v, $min) } else { fold(a, $v, $max) })
        }};
    }
    match c {
        ArrayRef::Bool(v) => typed!(v, Bool, |a: bool, b: bool| a & b, |a: bool, b: bool| a | b),
        ArrayRef::Int8(v) => typed!(v, Int8, |a: i8, b: i8| a.min(b), |a: i8, b: i8| a.max(b)),
        ArrayRef::Int16(v) => typed!(v, Int16, |a: i16, b: i16| a.min(b), |a: i16, b: i16| a.max(b)),
        ArrayRef::Int32(v) => typed!(v, Int32, |a: i32, b: i32| a.min(b), |a: i32, b: i32| a.max(b)),
        ArrayRef::Int64(v) => typed!(v, Int64, |a: i64, b: i64| a.min(b), |a: i64, b: i64| a.max(b)),
        ArrayRef::UInt8(v) => typed!(v, UInt8, |a: u8, b: u8| a.min(b), |a: u8, b: u8| a.max(b)),
        ArrayRef::UInt16(v) => typed!(v, UInt16, |a: u16, b: u16| a.min(b), |a: u16, b: u16| a.max(b)),
        ArrayRef::UInt32(v) => typed!(v, UInt32, |a: u32, b: u32| a.min(b), |a: u32, b: u32| a.max(b)),
        ArrayRef::UInt64(v) => typed!(v, UInt64, |a: u64, b: u64| a.min(b), |a: u64, b: u64| a.max(b)),
        ArrayRef::Float16(v) => typed!(
            v,
            Float16,
            |a: F16, b: F16| if a <= b || a.is_nan() { a } else { b },
            |a: F16, b: F16| if a >= b || a.is_nan() { a } else { b }
        ),
        ArrayRef::Float32(v) => typed!(
            v,
            Float32,
            |a: f32, b: f32| if a < b || a.is_nan() { a } else { b },
            |a: f32, b: f32| if a > b || a.is_nan() { a } else { b }
        ),
        ArrayRef::Float64(v) => typed!(
            v,
            Float64,
            |a: f64, b: f64| if a < b || a.is_nan() { a } else { b },
            |a: f64, b: f64| if a > b || a.is_nan() { a } else { b }
        ),
        ArrayRef::Complex64(_) | ArrayRef::Complex128(_) => unreachable!("the JIT refuses complex programs, and min/max of complex are type errors"),
    }
}

/// The first `len` elements of `d`.
fn prefix(d: &ArrayData, len: usize) -> ArrayRef<'_> {
    d.as_ref().slice(0, len).expect("a prefix of the buffer")
}

fn prefix_mut(d: &mut ArrayData, len: usize) -> ArrayMut<'_> {
    macro_rules! arms {
        ($($variant:ident $t:ty),*) => {
            match d { $(ArrayData::$variant(v) => ArrayMut::$variant(&mut v[..len]),)* }
        };
    }
    crate::dtype::for_each_dtype!(arms)
}

/// A float type the pairwise sum runs on.
trait Float: Copy + Send + std::ops::Add<Output = Self> + std::ops::AddAssign {
    const ZERO: Self;
    fn slice(d: &mut [Self]) -> ArrayMut<'_>;
}

/// Where NumPy's pairwise recursion splits a range of `n > 128` elements:
/// the first part's length (`reduce::pairwise_sum` writes the same rule
/// independently, as the reference).
fn split(n: usize) -> usize {
    let n2 = n / 2;
    n2 - n2 % 8
}

/// The sizes of the leaves (ranges of at most 128 elements) NumPy's
/// pairwise recursion splits `n` elements into, in order.
fn leaf_sizes(n: usize, out: &mut Vec<u32>) {
    if n <= 128 {
        out.push(n as u32);
    } else {
        let n2 = split(n);
        leaf_sizes(n2, out);
        leaf_sizes(n - n2, out);
    }
}

/// The pairwise sum of `n` elements from the sums of its leaves (in
/// order, from `sums[*at]`): the recursion of [`leaf_sizes`] with the
/// additions of `reduce::pairwise_sum`.
fn combine_leaves<T: Float>(n: usize, sums: &[T], at: &mut usize) -> T {
    if n <= 128 {
        let s = sums[*at];
        *at += 1;
        s
    } else {
        let n2 = split(n);
        let l = combine_leaves(n2, sums, at);
        l + combine_leaves(n - n2, sums, at)
    }
}
impl Float for f64 {
    const ZERO: f64 = 0.0;
    fn slice(d: &mut [f64]) -> ArrayMut<'_> {
        ArrayMut::Float64(d)
    }
}
impl Float for f32 {
    const ZERO: f32 = 0.0;
    fn slice(d: &mut [f32]) -> ArrayMut<'_> {
        ArrayMut::Float32(d)
    }
}

/// [`reduce::pairwise_sum`] of elements `start..start + n`, split where
/// `pairwise_sum` splits; the top levels (ranges of at least `PAR_MIN`,
/// while `par` allows) run their halves on two threads.
///
/// With `leaves` (a fused sum), ranges of at most [`LEAF_SPAN`] elements
/// are summed by one call computing their leaves' sums, combined here in
/// the recursion's order; `fill` is not called.
fn pairwise<T: Float>(start: usize, n: usize, src: Arg<'_>, par: bool, buf: &mut Vec<T>) -> T {
    // Cancelled: the value is thrown away (`full` reports STOPPED).
    if (src.stop)() {
        return T::ZERO;
    }
    if let Some(leaves) = src.leaves
        && n <= LEAF_SPAN
    {
        let mut sizes = Vec::with_capacity(n.div_ceil(64));
        leaf_sizes(n, &mut sizes);
        let mut sums = vec![T::ZERO; sizes.len()];
        leaves(start, &sizes, &mut T::slice(&mut sums));
        return combine_leaves(n, &sums, &mut 0);
    }
    if n <= FLOAT_STREAM {
        if buf.len() < n {
            buf.resize(n.max(FLOAT_STREAM.min(buf.len() * 2)), T::ZERO);
        }
        let b = &mut buf[..n];
        (src.fill)(start, &mut T::slice(b));
        return reduce::pairwise_sum(b, T::ZERO);
    }
    let n2 = split(n);
    if par && n >= PAR_MIN {
        let (l, r) = rayon::join(
            || pairwise::<T>(start, n2, src, true, &mut Vec::new()),
            || pairwise::<T>(start + n2, n - n2, src, true, &mut Vec::new()),
        );
        l + r
    } else {
        let l = pairwise(start, n2, src, false, buf);
        l + pairwise(start + n2, n - n2, src, false, buf)
    }
}

/// A part type of the complex dtypes, for [`pairwise_complex`].
trait Part: Copy + Send + std::ops::Add<Output = Self> + std::ops::AddAssign {
    const ZERO: Self;
    fn slice(d: &mut [Complex<Self>]) -> ArrayMut<'_>;
}
impl Part for f64 {
    const ZERO: f64 = 0.0;
    fn slice(d: &mut [Complex<f64>]) -> ArrayMut<'_> {
        ArrayMut::Complex128(d)
    }
}
impl Part for f32 {
    const ZERO: f32 = 0.0;
    fn slice(d: &mut [Complex<f32>]) -> ArrayMut<'_> {
        ArrayMut::Complex64(d)
    }
}

/// [`reduce::pairwise_sum_complex`] of elements `start..start + n`, split
/// where it splits (ranges over 64 elements at half the count, rounded
/// down to a multiple of 4), ranges of at most [`FLOAT_STREAM`] computed
/// into a buffer and summed by it; the top levels on two threads, as
/// [`pairwise`].
fn pairwise_complex<T: Part>(start: usize, n: usize, src: Arg<'_>, par: bool, buf: &mut Vec<Complex<T>>) -> (T, T) {
    if (src.stop)() {
        return (T::ZERO, T::ZERO);
    }
    if n <= FLOAT_STREAM {
        if buf.len() < n {
            buf.resize(FLOAT_STREAM, Complex::new(T::ZERO, T::ZERO));
        }
        let b = &mut buf[..n];
        (src.fill)(start, &mut T::slice(b));
        return reduce::pairwise_sum_complex(b, T::ZERO);
    }
    let n2 = (n - n % 8) / 2;
    let ((lr, li), (rr, ri)) = if par && n >= PAR_MIN {
        rayon::join(
            || pairwise_complex::<T>(start, n2, src, true, &mut Vec::new()),
            || pairwise_complex::<T>(start + n2, n - n2, src, true, &mut Vec::new()),
        )
    } else {
        let l = pairwise_complex(start, n2, src, false, buf);
        (l, pairwise_complex(start + n2, n - n2, src, false, buf))
    };
    (lr + rr, li + ri)
}

/// Reduces the `n` elements of `src` to one value of dtype `out`
/// (`arg` is the argument's dtype). `par`: run on the current rayon pool's
/// threads (the result is the same either way). Errors are the
/// interpreter's messages (the `min` of nothing).
pub fn full(r: Reduce, out: DType, arg: DType, n: usize, src: Arg<'_>, par: bool) -> Result<Scalar, &'static str> {
    let fill = src.fill;
    // Float sums: the pairwise recursion. (`0.0 +`: NumPy's reduction adds
    // the sum to its initial 0.0, so a -0.0 sum is 0.0.)
    match (r, arg, out) {
        (Reduce::Sum | Reduce::Mean, DType::Float64, DType::Float64) if n > 0 => {
            let s = 0.0 + pairwise::<f64>(0, n, src, par, &mut Vec::new());
            if (src.stop)() {
                return Err(STOPPED);
            }
            return Ok(Scalar::Float64(if r == Reduce::Mean { s / n as f64 } else { s }));
        }
        (Reduce::Sum | Reduce::Mean, DType::Float32, DType::Float32) if n > 0 => {
            let s = 0.0 + pairwise::<f32>(0, n, src, par, &mut Vec::new());
            if (src.stop)() {
                return Err(STOPPED);
            }
            return Ok(Scalar::Float32(if r == Reduce::Mean { s / n as f32 } else { s }));
        }
        // Complex sums: NumPy's complex pairwise recursion (the mean
        // divides as `reduce::divide_by_count`).
        (Reduce::Sum | Reduce::Mean, DType::Complex128, DType::Complex128) if n > 0 => {
            let (re, im) = pairwise_complex::<f64>(0, n, src, par, &mut Vec::new());
            if (src.stop)() {
                return Err(STOPPED);
            }
            let s = Scalar::Complex128(Complex::new(0.0 + re, 0.0 + im));
            return Ok(if r == Reduce::Mean { reduce::divide_by_count(s, n) } else { s });
        }
        (Reduce::Sum | Reduce::Mean, DType::Complex64, DType::Complex64) if n > 0 => {
            let (re, im) = pairwise_complex::<f32>(0, n, src, par, &mut Vec::new());
            if (src.stop)() {
                return Err(STOPPED);
            }
            let s = Scalar::Complex64(Complex::new(0.0 + re, 0.0 + im));
            return Ok(if r == Reduce::Mean { reduce::divide_by_count(s, n) } else { s });
        }
        (Reduce::Sum, DType::Float16, DType::Float16) if n > 0 => {
            // Pairwise in float32 over the whole argument, rounded once.
            let s = 0.0 + pairwise::<f32>(0, n, Arg { fill: &widen_half(fill), leaves: None, stop: src.stop }, par, &mut Vec::new());
            if (src.stop)() {
                return Err(STOPPED);
            }
            return Ok(Scalar::Float16(F16::from_f32(s)));
        }
        (Reduce::Mean | Reduce::Prod, DType::Float16, DType::Float16) if n > 0 => {
            // NumPy's float16 mean is a float32 casting reduction (a
            // buffer's pairwise sum at a time, added in order), divided in
            // float32; its product multiplies in float32. Both round once.
            let mut acc = if r == Reduce::Prod { 1.0f32 } else { 0.0f32 };
            let mut buf = vec![F16::default(); STREAM.min(n)];
            let mut wide = vec![0.0f32; STREAM.min(n)];
            let mut start = 0;
            while start < n {
                if (src.stop)() {
                    return Err(STOPPED);
                }
                let len = STREAM.min(n - start);
                fill(start, &mut ArrayMut::Float16(&mut buf[..len]));
                for (w, h) in wide.iter_mut().zip(&buf[..len]) {
                    *w = h.to_f32();
                }
                if r == Reduce::Prod {
                    acc = wide[..len].iter().fold(acc, |a, &x| a * x);
                } else {
                    acc += reduce::pairwise_sum(&wide[..len], 0.0);
                }
                start += len;
            }
            return Ok(Scalar::Float16(F16::from_f32(if r == Reduce::Mean { acc / n as f32 } else { acc })));
        }
        _ => {}
    }
    if n == 0 || r == Reduce::Prod || (r == Reduce::Mean && arg.is_float()) {
        // Sequential: computed a piece at a time with `reduce::reduce`'s
        // left-to-right fold, carrying the accumulator.
        return sequential(r, out, arg, n, src);
    }
    // A fused associative reduction hands the stage FUSED_LEAVES pieces
    // per task (one leaf each: the executor still calls the kernel on
    // blocks of at most its chunk, so no buffer grows) and combines their
    // results here: fewer tasks and partial results, the same bits (any
    // grouping of these reductions gives the same result).
    let fused = src.leaves.is_some() && r != Reduce::Mean;
    let step = if fused { STREAM * FUSED_LEAVES } else { STREAM };
    let pieces = n.div_ceil(step);
    let piece = |k: usize| -> Result<Scalar, &'static str> {
        if (src.stop)() {
            return Err(STOPPED);
        }
        let start = k * step;
        let len = step.min(n - start);
        if let Some(leaves) = src.leaves
            && fused
        {
            let sizes: Vec<u32> = (0..len.div_ceil(STREAM)).map(|j| STREAM.min(len - j * STREAM) as u32).collect();
            let mut sums = ArrayData::zeros(out, sizes.len());
            leaves(start, &sizes, &mut sums.as_mut());
            let sums = sums.as_ref();
            let mut acc = sums.get(0);
            for j in 1..sums.len() {
                acc = combine(r, acc, sums.get(j))?;
            }
            return Ok(acc);
        }
        let mut buf = ArrayData::zeros(arg, len);
        fill(start, &mut buf.as_mut());
        let c = buf.as_ref();
        if r == Reduce::Mean {
            // NumPy's casting buffer: convert to float64, sum pairwise.
            let v: Vec<f64> = match c {
                ArrayRef::Bool(v) => v.iter().map(|&x| x as u8 as f64).collect(),
                c => as_f64s(c).unwrap_or_else(|| (0..len).map(|j| c.get(j).to_f64()).collect()),
            };
            return Ok(Scalar::Float64(reduce::pairwise_sum(&v, 0.0)));
        }
        match fast_reduce(r, out, c) {
            Some(v) => Ok(v),
            None => reduce::reduce(r, out, len, |j| c.get(j)),
        }
    };
    let parts: Vec<Result<Scalar, &'static str>> =
        if par && n >= PAR_MIN { (0..pieces).into_par_iter().map(piece).collect() } else { (0..pieces).map(piece).collect() };
    let mut acc: Option<Scalar> = None;
    for p in parts {
        let p = p?;
        acc = Some(match acc {
            None => p,
            Some(a) => combine(r, a, p)?,
        });
    }
    let acc = acc.ok_or("internal error: reduction of no pieces")?;
    Ok(match (r, acc) {
        (Reduce::Mean, Scalar::Float64(total)) => Scalar::Float64(total / n as f64),
        _ => acc,
    })
}

/// A fill of float32 buffers from a fill of float16 ones (exact).
fn widen_half<'a>(fill: &'a Fill<'a>) -> impl Fn(usize, &mut ArrayMut<'_>) + Sync + 'a {
    move |start: usize, dst: &mut ArrayMut<'_>| {
        if let ArrayMut::Float32(dst) = dst {
            let mut half = vec![F16::default(); dst.len()];
            fill(start, &mut ArrayMut::Float16(&mut half));
            for (d, h) in dst.iter_mut().zip(&half) {
                *d = h.to_f32();
            }
        }
    }
}

/// Combines two partial results of consecutive pieces.
fn combine(r: Reduce, a: Scalar, b: Scalar) -> Result<Scalar, &'static str> {
    Ok(match (r, a, b) {
        (Reduce::Sum, x, y) if x.dtype().is_int() && x.dtype() == y.dtype() => {
            // Integer sums wrap at their width.
            Scalar::int(x.dtype(), x.to_i128().unwrap_or(0).wrapping_add(y.to_i128().unwrap_or(0)))
        }
        (Reduce::Sum | Reduce::Any | Reduce::Max, Scalar::Bool(x), Scalar::Bool(y)) => Scalar::Bool(x || y),
        (Reduce::All | Reduce::Min, Scalar::Bool(x), Scalar::Bool(y)) => Scalar::Bool(x && y),
        (Reduce::Mean, Scalar::Float64(x), Scalar::Float64(y)) => Scalar::Float64(x + y),
        (Reduce::Min | Reduce::Max, a, b) => {
            let op = if r == Reduce::Min { Op::Minimum } else { Op::Maximum };
            op.eval(&[a, b]).map_err(|_| "internal error in min/max")?
        }
        _ => return Err("internal error: no way to combine these partial results"),
    })
}

/// `reduce::reduce`'s left-to-right fold, a piece at a time.
fn sequential(r: Reduce, out: DType, arg: DType, n: usize, src: Arg<'_>) -> Result<Scalar, &'static str> {
    let fill = src.fill;
    if n == 0 {
        return reduce::reduce(r, out, 0, |_| Scalar::Bool(false).cast(arg));
    }
    let mut acc: Option<Scalar> = None;
    let mut buf = ArrayData::zeros(arg, STREAM.min(n));
    let mut start = 0;
    while start < n {
        if (src.stop)() {
            return Err(STOPPED);
        }
        let len = STREAM.min(n - start);
        fill(start, &mut prefix_mut(&mut buf, len));
        let c = prefix(&buf, len);
        acc = Some(match (r, acc) {
            // NumPy's complex product: the plain formula, in order.
            (Reduce::Prod, a) if out.is_complex() => {
                let mut a = a.unwrap_or(Scalar::Bool(true).cast(out));
                for j in 0..len {
                    a = reduce::complex_product(a, c.get(j).cast(out));
                }
                a
            }
            (Reduce::Prod, a) => {
                let mul = Op::Mul.def().eval;
                let mut a = a.unwrap_or(Scalar::Bool(true).cast(out));
                for j in 0..len {
                    a = mul(&[a, c.get(j).cast(out)]).map_err(|_| "internal error in prod")?;
                }
                a
            }
            (_, None) => reduce::reduce(r, out, len, |j| c.get(j))?,
            (_, Some(a)) => {
                let part = reduce::reduce(r, out, len, |j| c.get(j))?;
                combine(r, a, part)?
            }
        });
        start += len;
    }
    acc.ok_or("internal error: empty fold")
}

/// Reduces an argument of `shape` along `axis` (`src` gives its
/// elements in C order); the result has `shape` without `axis`, in C
/// order. See the module docs for the order of operations.
pub fn axis(r: Reduce, out: DType, arg: DType, shape: &[usize], axis: usize, src: Arg<'_>, par: bool) -> Result<ArrayData, &'static str> {
    let fill = src.fill;
    let outer: usize = crate::array::elements(&shape[..axis]);
    let len = shape[axis];
    let inner: usize = crate::array::elements(&shape[axis + 1..]);
    let mut result = ArrayData::try_zeros(out, outer * inner).map_err(|_| OUT_OF_MEMORY)?;
    // `min`/`max` along an empty axis fail even when the result is empty
    // too (NumPy: "zero-size array to reduction operation ...").
    if len == 0 && matches!(r, Reduce::Min | Reduce::Max) {
        return reduce::reduce(r, out, 0, |_| Scalar::Bool(false)).map(|_| result);
    }
    if outer * inner == 0 {
        return Ok(result);
    }
    // One output row (the `inner` results of one `outer` index) at a time.
    let row = |o: usize, dst: &mut ArrayMut<'_>| -> Result<(), &'static str> {
        if inner == 1 {
            let base = o * len;
            let sub = move |s: usize, b: &mut ArrayMut<'_>| fill(base + s, b);
            let sub_leaves = src.leaves.map(|l| move |s: usize, sizes: &[u32], b: &mut ArrayMut<'_>| l(base + s, sizes, b));
            let leaves = sub_leaves.as_ref().map(|l| l as &LeafSums<'_>);
            let v = full(r, out, arg, len, Arg { fill: &sub, leaves, stop: src.stop }, false)?;
            set(dst, 0, v);
            return Ok(());
        }
        if let Some(done) = typed_row(r, out, arg, len, inner, o, src, dst) {
            return done;
        }
        let start = match r {
            Reduce::Min | Reduce::Max => None,
            Reduce::Mean if !arg.is_float() && !arg.is_complex() => Some(Scalar::Float64(0.0)),
            // float16's mean accumulates in float32 (NumPy's `dtype=float32` sum).
            Reduce::Mean if arg == DType::Float16 => Some(Scalar::Float32(0.0)),
            Reduce::Sum | Reduce::Mean => Some(Scalar::Bool(false).cast(out)),
            Reduce::Prod => Some(Scalar::Bool(true).cast(out)),
            Reduce::Any => Some(Scalar::Bool(false)),
            Reduce::All => Some(Scalar::Bool(true)),
        };
        let mut acc: Vec<Scalar> = match start {
            None => Vec::new(),
            Some(s) => mem::try_filled(inner, s).map_err(|_| OUT_OF_MEMORY)?,
        };
        let mut buf = ArrayData::try_zeros(arg, inner).map_err(|_| OUT_OF_MEMORY)?;
        for i in 0..len {
            if (src.stop)() {
                return Err(STOPPED);
            }
            fill((o * len + i) * inner, &mut buf.as_mut());
            let c = buf.as_ref();
            if acc.is_empty() {
                acc = mem::try_vec(inner).map_err(|_| OUT_OF_MEMORY)?;
                acc.extend((0..inner).map(|j| c.get(j)));
                continue;
            }
            for (j, a) in acc.iter_mut().enumerate() {
                *a = step(r, *a, c.get(j))?;
            }
        }
        for (j, a) in acc.into_iter().enumerate() {
            let v = match (r, a) {
                (Reduce::Mean, Scalar::Float64(x)) => Scalar::Float64(x / len as f64).cast(out),
                (Reduce::Mean, Scalar::Float32(x)) => Scalar::Float32(x / len as f32).cast(out),
                (Reduce::Mean, Scalar::Complex64(_) | Scalar::Complex128(_)) => reduce::divide_by_count(a, len),
                _ => a,
            };
            set(dst, j, v);
        }
        Ok(())
    };
    // The rows, in parallel where it pays; the error of the first failing
    // row (in row order, whatever the threads), as the interpreter's.
    let par = par && outer > 1 && outer * inner * len >= PAR_MIN;
    macro_rules! rows {
        ($v:expr, $variant:ident) => {
            if par {
                $v.par_chunks_mut(inner).enumerate().find_map_first(|(o, d)| row(o, &mut ArrayMut::$variant(d)).err())
            } else {
                $v.chunks_mut(inner).enumerate().find_map(|(o, d)| row(o, &mut ArrayMut::$variant(d)).err())
            }
        };
    }
    macro_rules! all_rows {
        ($($variant:ident $t:ty),*) => {
            match &mut result { $(ArrayData::$variant(v) => rows!(v, $variant),)* }
        };
    }
    let error = crate::dtype::for_each_dtype!(all_rows);
    match error {
        Some(e) => Err(e),
        None => Ok(result),
    }
}

/// The error of an axis reduction whose buffers the allocator refused
/// (under the memory limit, which the executor checked).
const OUT_OF_MEMORY: &str = "out of memory in an axis reduction";

/// One step of a fold along a non-last axis: `a op x` with the table's
/// semantics (`x` converted to the accumulator's dtype first).
fn step(r: Reduce, a: Scalar, x: Scalar) -> Result<Scalar, &'static str> {
    let op = match r {
        Reduce::Sum | Reduce::Mean => Op::Add,
        Reduce::Prod => Op::Mul,
        Reduce::Min => Op::Minimum,
        Reduce::Max => Op::Maximum,
        Reduce::Any => return Ok(Scalar::Bool(a.truthy() || x.truthy())),
        Reduce::All => return Ok(Scalar::Bool(a.truthy() && x.truthy())),
    };
    let x = x.cast(a.dtype());
    op.eval(&[a, x]).map_err(|_| "internal error in an axis reduction")
}

/// The common row reductions (`sum`, `prod`, `mean` of every numeric
/// argument into its NumPy accumulator) on typed accumulators: the same
/// operations in the same order as [`step`]'s `Scalar` fold (the op table's
/// `+`/`*`: wrapping for integers, IEEE for floats; the argument converted
/// to the accumulator's dtype first, as `Scalar::cast` does), without its
/// per-element dispatch. `None` for the other cases, which take [`step`].
#[allow(clippy::too_many_arguments)]
fn typed_row(r: Reduce, out: DType, arg: DType, len: usize, inner: usize, o: usize, src: Arg<'_>, dst: &mut ArrayMut<'_>) -> Option<Result<(), &'static str>> {
    /// Folds the rows into `acc` with `f(acc, element as A)`, from `init`,
    /// or (`None`: min and max) from the first row.
    #[allow(clippy::too_many_arguments)]
    fn fold<A: Copy + Default>(
        len: usize,
        inner: usize,
        o: usize,
        src: Arg<'_>,
        arg: DType,
        init: Option<A>,
        conv: fn(ArrayRef<'_>, usize) -> A,
        f: fn(A, A) -> A,
    ) -> Result<Vec<A>, &'static str> {
        let mut acc: Vec<A> = mem::try_filled(inner, init.unwrap_or_default()).map_err(|_| OUT_OF_MEMORY)?;
        let mut buf = ArrayData::try_zeros(arg, inner).map_err(|_| OUT_OF_MEMORY)?;
        for i in 0..len {
            if (src.stop)() {
                return Err(STOPPED);
            }
            (src.fill)((o * len + i) * inner, &mut buf.as_mut());
            let c = buf.as_ref();
            if i == 0 && init.is_none() {
                for (j, a) in acc.iter_mut().enumerate() {
                    *a = conv(c, j);
                }
                continue;
            }
            for (j, a) in acc.iter_mut().enumerate() {
                *a = f(*a, conv(c, j));
            }
        }
        Ok(acc)
    }
    // The op table's `maximum`/`minimum` on floats (NaN propagates, the
    // first of equal values is kept).
    fn fmax<T: PartialOrd + Copy>(a: T, b: T) -> T {
        #[allow(clippy::eq_op)]
        if a > b || a != a { a } else { b }
    }
    fn fmin<T: PartialOrd + Copy>(a: T, b: T) -> T {
        #[allow(clippy::eq_op)]
        if a < b || a != a { a } else { b }
    }
    fn i32_of(c: ArrayRef<'_>, j: usize) -> i32 {
        match c {
            ArrayRef::Int32(v) => v[j],
            _ => 0,
        }
    }
    fn bool_of(c: ArrayRef<'_>, j: usize) -> bool {
        match c {
            ArrayRef::Bool(v) => v[j],
            _ => false,
        }
    }
    macro_rules! store {
        ($acc:expr, $variant:ident) => {
            $acc.map(|acc| acc.into_iter().enumerate().for_each(|(j, a)| set(dst, j, Scalar::$variant(a))))
        };
    }
    fn f64_of(c: ArrayRef<'_>, j: usize) -> f64 {
        match c {
            ArrayRef::Float64(v) => v[j],
            ArrayRef::Int64(v) => v[j] as f64,
            ArrayRef::Int32(v) => v[j] as f64,
            ArrayRef::Bool(v) => v[j] as u8 as f64,
            ArrayRef::Float32(v) => v[j] as f64,
            c => c.get(j).to_f64(),
        }
    }
    fn f32_of(c: ArrayRef<'_>, j: usize) -> f32 {
        match c {
            ArrayRef::Float32(v) => v[j],
            other => f64_of(other, j) as f32,
        }
    }
    fn i64_of(c: ArrayRef<'_>, j: usize) -> i64 {
        match c {
            ArrayRef::Int64(v) => v[j],
            ArrayRef::Int32(v) => v[j] as i64,
            ArrayRef::Bool(v) => v[j] as i64,
            // Not reached: other arguments have no typed row.
            c => c.get(j).to_i128().unwrap_or(0) as i64,
        }
    }
    let n = len as f64;
    let done = match (r, out, arg) {
        (Reduce::Sum, DType::Float64, DType::Float64) => fold(len, inner, o, src, arg, Some(0.0f64), f64_of, |a, x| a + x).map(|acc| {
            acc.into_iter().enumerate().for_each(|(j, a)| set(dst, j, Scalar::Float64(a)));
        }),
        (Reduce::Mean, DType::Float64, DType::Float64 | DType::Int64 | DType::Int32 | DType::Bool) => {
            fold(len, inner, o, src, arg, Some(0.0f64), f64_of, |a, x| a + x).map(|acc| {
                acc.into_iter().enumerate().for_each(|(j, a)| set(dst, j, Scalar::Float64(a / n)));
            })
        }
        (Reduce::Sum, DType::Float32, DType::Float32) => fold(len, inner, o, src, arg, Some(0.0f32), f32_of, |a, x| a + x).map(|acc| {
            acc.into_iter().enumerate().for_each(|(j, a)| set(dst, j, Scalar::Float32(a)));
        }),
        (Reduce::Mean, DType::Float32, DType::Float32) => fold(len, inner, o, src, arg, Some(0.0f32), f32_of, |a, x| a + x).map(|acc| {
            acc.into_iter().enumerate().for_each(|(j, a)| set(dst, j, Scalar::Float32(a / len as f32)));
        }),
        (Reduce::Sum, DType::Int64, DType::Int64 | DType::Int32 | DType::Bool) => {
            fold(len, inner, o, src, arg, Some(0i64), i64_of, i64::wrapping_add).map(|acc| {
                acc.into_iter().enumerate().for_each(|(j, a)| set(dst, j, Scalar::Int64(a)));
            })
        }
        (Reduce::Prod, DType::Float64, DType::Float64) => fold(len, inner, o, src, arg, Some(1.0f64), f64_of, |a, x| a * x).map(|acc| {
            acc.into_iter().enumerate().for_each(|(j, a)| set(dst, j, Scalar::Float64(a)));
        }),
        (Reduce::Prod, DType::Float32, DType::Float32) => fold(len, inner, o, src, arg, Some(1.0f32), f32_of, |a, x| a * x).map(|acc| {
            acc.into_iter().enumerate().for_each(|(j, a)| set(dst, j, Scalar::Float32(a)));
        }),
        (Reduce::Prod, DType::Int64, DType::Int64 | DType::Int32 | DType::Bool) => {
            fold(len, inner, o, src, arg, Some(1i64), i64_of, i64::wrapping_mul).map(|acc| {
                acc.into_iter().enumerate().for_each(|(j, a)| set(dst, j, Scalar::Int64(a)));
            })
        }
        (Reduce::Max, DType::Float64, DType::Float64) => store!(fold(len, inner, o, src, arg, None, f64_of, fmax), Float64),
        (Reduce::Min, DType::Float64, DType::Float64) => store!(fold(len, inner, o, src, arg, None, f64_of, fmin), Float64),
        (Reduce::Max, DType::Float32, DType::Float32) => store!(fold(len, inner, o, src, arg, None, f32_of, fmax), Float32),
        (Reduce::Min, DType::Float32, DType::Float32) => store!(fold(len, inner, o, src, arg, None, f32_of, fmin), Float32),
        (Reduce::Max, DType::Int64, DType::Int64) => store!(fold(len, inner, o, src, arg, None, i64_of, i64::max), Int64),
        (Reduce::Min, DType::Int64, DType::Int64) => store!(fold(len, inner, o, src, arg, None, i64_of, i64::min), Int64),
        (Reduce::Max, DType::Int32, DType::Int32) => store!(fold(len, inner, o, src, arg, None, i32_of, i32::max), Int32),
        (Reduce::Min, DType::Int32, DType::Int32) => store!(fold(len, inner, o, src, arg, None, i32_of, i32::min), Int32),
        (Reduce::Max, DType::Bool, DType::Bool) => store!(fold(len, inner, o, src, arg, None, bool_of, |a, b| a | b), Bool),
        (Reduce::Min, DType::Bool, DType::Bool) => store!(fold(len, inner, o, src, arg, None, bool_of, |a, b| a & b), Bool),
        (Reduce::Any, DType::Bool, DType::Bool) => store!(fold(len, inner, o, src, arg, Some(false), bool_of, |a, b| a | b), Bool),
        (Reduce::All, DType::Bool, DType::Bool) => store!(fold(len, inner, o, src, arg, Some(true), bool_of, |a, b| a & b), Bool),
        _ => return None,
    };
    Some(done)
}

/// Element `j` of a buffer set to `v` (of the buffer's dtype).
fn set(d: &mut ArrayMut<'_>, j: usize, v: Scalar) {
    macro_rules! arms {
        ($($variant:ident $t:ty),*) => {
            match (d, v) {
                $((ArrayMut::$variant(d), Scalar::$variant(x)) => d[j] = x,)*
                (d, v) => unreachable!("storing {v:?} into a {} buffer", d.dtype()),
            }
        };
    }
    crate::dtype::for_each_dtype!(arms)
}

