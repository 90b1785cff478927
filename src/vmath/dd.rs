//! Exact double-length primitives the families share (no FMA): Veltkamp's
//! split, Dekker's product, Knuth's and Dekker's sums. Each result is the
//! unique exact answer under its precondition, so any correct
//! implementation gives the same bits.

/// Veltkamp's splitting constant, 2^27 + 1.
pub(super) const SPLIT: f64 = 134217729.0;

/// `a = hi + lo` with halves of at most 26 significant bits (|a| < 2^995).
#[inline(always)]
pub(super) fn split(a: f64) -> (f64, f64) {
    let c = SPLIT * a;
    let hi = c - (c - a);
    (hi, a - hi)
}

/// Exact product `a * b = p + e` (Dekker), for |a|, |b| < 2^995 and no
/// underflow in the partial products.
#[inline(always)]
pub(super) fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

/// Exact sum `a + b = s + e`, given |a| >= |b| (or a == 0).
#[inline(always)]
pub(super) fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, (a - s) + b)
}

/// Exact sum `a + b = s + e`, any order of magnitude.
#[inline(always)]
pub(super) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}
