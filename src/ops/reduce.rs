//! The reduction reference both backends share: NumPy's pairwise
//! summation and the element-by-element definition of every reduction.
//!
//! The interpreter reduces whole columns with [`reduce`]; the executor
//! ([`crate::exec`]) uses the same functions on the buffers a JIT stage
//! fills, so both compute NumPy's bits by one definition. Float sums are
//! NumPy's pairwise summation (8 accumulators, blocks of 128), products and
//! min/max run left to right, and the `mean` of integers sums in float64 in
//! buffers of [`NUMPY_BUFSIZE`] elements as NumPy's casting reduction does.

use crate::dtype::{Complex, DType, F16, Scalar};
use crate::vmath::complex as C;
use crate::mem;
use super::{Op, Reduce};

/// NumPy's pairwise summation (`@TYPE@_pairwise_sum` in NumPy's
/// `loops_utils.h.src`): exact same association, so sums match NumPy bit
/// for bit.
pub fn pairwise_sum<T: Copy + std::ops::Add<Output = T> + std::ops::AddAssign>(a: &[T], zero: T) -> T {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        let mut res = zero;
        for &x in a {
            res += x;
        }
        res
    } else if n <= BLOCK {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let mut i = 8;
        while i < n - n % 8 {
            for k in 0..8 {
                r[k] += a[i + k];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2], zero) + pairwise_sum(&a[n2..], zero)
    }
}

/// NumPy's pairwise summation of complex numbers (`@TYPE@_pairwise_sum`
/// for `CFLOAT`/`CDOUBLE`): it counts parts, not elements, so a block is
/// 64 elements with 4 accumulators per part, and a range splits at a
/// multiple of 4 elements (below 4 elements the parts add in order).
pub fn pairwise_sum_complex<T: Copy + std::ops::Add<Output = T> + std::ops::AddAssign>(a: &[Complex<T>], zero: T) -> (T, T) {
    let m = a.len();
    if m < 4 {
        let (mut rr, mut ri) = (zero, zero);
        for x in a {
            rr += x.re;
            ri += x.im;
        }
        (rr, ri)
    } else if m <= 64 {
        let mut r = [a[0].re, a[1].re, a[2].re, a[3].re];
        let mut q = [a[0].im, a[1].im, a[2].im, a[3].im];
        let mut i = 4;
        while i < m - m % 4 {
            for k in 0..4 {
                r[k] += a[i + k].re;
                q[k] += a[i + k].im;
            }
            i += 4;
        }
        let (mut rr, mut ri) = ((r[0] + r[1]) + (r[2] + r[3]), (q[0] + q[1]) + (q[2] + q[3]));
        while i < m {
            rr += a[i].re;
            ri += a[i].im;
            i += 1;
        }
        (rr, ri)
    } else {
        // NumPy halves the count of parts (2m) and rounds down to a
        // multiple of 8 parts.
        let half = m - m % 8;
        let (r1, i1) = pairwise_sum_complex(&a[..half / 2], zero);
        let (r2, i2) = pairwise_sum_complex(&a[half / 2..], zero);
        (r1 + r2, i1 + i2)
    }
}

/// NumPy's buffer size for casting reductions (`np.getbufsize()`).
pub const NUMPY_BUFSIZE: usize = 8192;

/// Reduces `n` elements (given by `get`) to one value of `out` dtype.
pub fn reduce(r: Reduce, out: DType, n: usize, get: impl Fn(usize) -> Scalar) -> Result<Scalar, &'static str> {
    let conv = |j: usize| get(j).cast(out);
    match r {
        Reduce::Sum => sum(out, n, &conv),
        Reduce::Mean => {
            if n == 0 {
                // 0 / 0 in each part for complex (NumPy's division by a
                // zero complex number).
                return Ok(match out {
                    DType::Complex64 => Scalar::Complex64(Complex::new(f32::NAN, f32::NAN)),
                    DType::Complex128 => Scalar::Complex128(Complex::new(f64::NAN, f64::NAN)),
                    _ => Scalar::Float64(f64::NAN).cast(out),
                });
            }
            let s = if out == DType::Float16 {
                // NumPy sums float16 in float32 (a casting reduction, a
                // buffer at a time), divides in float32, rounds once.
                let mut total = 0.0f32;
                let mut start = 0;
                while start < n {
                    let end = (start + NUMPY_BUFSIZE).min(n);
                    let buf: Vec<f32> = (start..end).map(|j| get(j).to_f64() as f32).collect();
                    total += pairwise_sum(&buf, 0.0);
                    start = end;
                }
                return Ok(Scalar::Float16(F16::from_f32(total / n as f32)));
            } else if get(0).dtype() == out {
                sum(out, n, &conv)?
            } else {
                // Integers: NumPy converts a buffer at a time and adds each
                // buffer's pairwise sum to the running total.
                let mut total = 0.0f64;
                let mut start = 0;
                while start < n {
                    let end = (start + NUMPY_BUFSIZE).min(n);
                    let buf: Vec<f64> = (start..end).map(|j| get(j).to_f64()).collect();
                    total += pairwise_sum(&buf, 0.0);
                    start = end;
                }
                Scalar::Float64(total)
            };
            Ok(divide_by_count(s, n))
        }
        Reduce::Prod if out == DType::Float16 => {
            // NumPy's float16 product runs in float32 and rounds once.
            let mut acc = 1.0f32;
            for j in 0..n {
                acc *= conv(j).to_f64() as f32;
            }
            Ok(Scalar::Float16(F16::from_f32(acc)))
        }
        // NumPy's complex product reduction multiplies in its scalar loop:
        // the plain formula, not the fused one of its array loop.
        Reduce::Prod if out.is_complex() => {
            let mut acc = Scalar::Bool(true).cast(out);
            for j in 0..n {
                acc = complex_product(acc, conv(j));
            }
            Ok(acc)
        }
        Reduce::Prod => {
            let mut acc = Scalar::Bool(true).cast(out);
            for j in 0..n {
                acc = Op::Mul.eval(&[acc, conv(j)]).map_err(|_| "internal error in prod")?;
            }
            Ok(acc)
        }
        Reduce::Min | Reduce::Max => {
            if n == 0 {
                return Err(if r == Reduce::Min {
                    "zero-size array to reduction operation minimum which has no identity"
                } else {
                    "zero-size array to reduction operation maximum which has no identity"
                });
            }
            let op = if r == Reduce::Min { Op::Minimum } else { Op::Maximum };
            let mut acc = conv(0);
            for j in 1..n {
                acc = op.eval(&[acc, conv(j)]).map_err(|_| "internal error in min/max")?;
            }
            Ok(acc)
        }
        Reduce::Any => Ok(Scalar::Bool((0..n).any(|j| get(j).truthy()))),
        Reduce::All => Ok(Scalar::Bool((0..n).all(|j| get(j).truthy()))),
    }
}

/// `a * b` of two complex values of one dtype by the plain formula (NumPy's
/// `prod` of complex values); anything else is NaN.
pub fn complex_product(a: Scalar, b: Scalar) -> Scalar {
    match (a, b) {
        (Scalar::Complex128(x), Scalar::Complex128(y)) => {
            let (re, im) = C::mul_plain_c64(x.re, x.im, y.re, y.im);
            Scalar::Complex128(Complex::new(re, im))
        }
        (Scalar::Complex64(x), Scalar::Complex64(y)) => {
            let (re, im) = C::mul_plain_c32(x.re, x.im, y.re, y.im);
            Scalar::Complex64(Complex::new(re, im))
        }
        _ => Scalar::Float64(f64::NAN),
    }
}

/// A mean's sum divided by the element count `n`, as NumPy's `mean` does
/// it: a float division; for complex, NumPy's complex division by
/// `n + 0j` (its scalar division: Smith's algorithm, so an infinite part
/// makes the other NaN; complex64 through float64).
pub fn divide_by_count(s: Scalar, n: usize) -> Scalar {
    match s {
        Scalar::Float32(v) => Scalar::Float32(v / n as f32),
        Scalar::Float64(v) => Scalar::Float64(v / n as f64),
        // NumPy's complex64 scalar division computes in float64 and rounds
        // each part (checked against NumPy 2.4's `mean`).
        Scalar::Complex64(c) => {
            let (re, im) = C::div_c64(c.re as f64, c.im as f64, n as f64, 0.0);
            Scalar::Complex64(Complex::new(re as f32, im as f32))
        }
        Scalar::Complex128(c) => {
            let (re, im) = C::div_c64(c.re, c.im, n as f64, 0.0);
            Scalar::Complex128(Complex::new(re, im))
        }
        s => s,
    }
}

/// The sum of `n` elements of dtype `out`; a float sum copies them into
/// one buffer for [`pairwise_sum`] (which the interpreter's memory plan
/// counts), an error if the allocator refuses it.
fn sum(out: DType, n: usize, conv: &dyn Fn(usize) -> Scalar) -> Result<Scalar, &'static str> {
    const REFUSED: &str = "out of memory for the buffer of a sum";
    Ok(match out {
        DType::Float64 => {
            let mut v: Vec<f64> = mem::try_vec(n).map_err(|_| REFUSED)?;
            v.extend((0..n).map(|j| if let Scalar::Float64(x) = conv(j) { x } else { 0.0 }));
            Scalar::Float64(0.0 + pairwise_sum(&v, 0.0))
        }
        DType::Float32 => {
            let mut v: Vec<f32> = mem::try_vec(n).map_err(|_| REFUSED)?;
            v.extend((0..n).map(|j| if let Scalar::Float32(x) = conv(j) { x } else { 0.0 }));
            Scalar::Float32(0.0 + pairwise_sum(&v, 0.0))
        }
        DType::Float16 => {
            // NumPy's float16 sum: pairwise in float32, rounded once.
            let mut v: Vec<f32> = mem::try_vec(n).map_err(|_| REFUSED)?;
            v.extend((0..n).map(|j| conv(j).to_f64() as f32));
            Scalar::Float16(F16::from_f32(0.0 + pairwise_sum(&v, 0.0)))
        }
        DType::Complex128 => {
            let mut v: Vec<Complex<f64>> = mem::try_vec(n).map_err(|_| REFUSED)?;
            v.extend((0..n).map(|j| if let Scalar::Complex128(x) = conv(j) { x } else { Complex::new(0.0, 0.0) }));
            let (re, im) = pairwise_sum_complex(&v, 0.0);
            Scalar::Complex128(Complex::new(0.0 + re, 0.0 + im))
        }
        DType::Complex64 => {
            let mut v: Vec<Complex<f32>> = mem::try_vec(n).map_err(|_| REFUSED)?;
            v.extend((0..n).map(|j| if let Scalar::Complex64(x) = conv(j) { x } else { Complex::new(0.0, 0.0) }));
            let (re, im) = pairwise_sum_complex(&v, 0.0);
            Scalar::Complex64(Complex::new(0.0 + re, 0.0 + im))
        }
        DType::Bool => Scalar::Bool((0..n).any(|j| conv(j) == Scalar::Bool(true))),
        // Integers wrap at their width: sum in i128 (wrapping), truncate.
        d => Scalar::int(d, (0..n).fold(0i128, |a, j| a.wrapping_add(conv(j).to_i128().unwrap_or(0)))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_matches_a_hand_computed_block() {
        let v: Vec<f64> = (0..20).map(|i| i as f64 * 0.1).collect();
        let r: Vec<f64> = (0..8).map(|k| v[k] + v[k + 8]).collect();
        let mut expect = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for x in &v[16..] {
            expect += x;
        }
        assert_eq!(pairwise_sum(&v, 0.0).to_bits(), expect.to_bits());
    }

    #[test]
    fn float32_sum_of_many_tenths_stays_accurate() {
        let v = vec![0.1f32; 10_000_000];
        let s = pairwise_sum(&v, 0.0);
        assert!((s - 1_000_000.0).abs() < 1.0, "{s}");
    }
}
