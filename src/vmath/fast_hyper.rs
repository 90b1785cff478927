//! Fast mode (`MathMode::Fast`): sinh, cosh, tanh for `f32` and `f64`,
//! at most 4 ULP.
//!
//! PLACEHOLDER: these delegate to the default functions of `hyper.rs`
//! until their fast versions land (work in progress on 2026-12-07).

pub fn sinh_fast_f32(x: f32) -> f32 {
    super::hyper::sinh_f32(x)
}

#[inline(always)]
pub fn sinh_fast_f32_block(x: &[f32], out: &mut [f32]) {
    super::hyper::sinh_f32_block(x, out)
}

pub fn sinh_fast_f64(x: f64) -> f64 {
    super::hyper::sinh_f64(x)
}

#[inline(always)]
pub fn sinh_fast_f64_block(x: &[f64], out: &mut [f64]) {
    super::hyper::sinh_f64_block(x, out)
}

pub fn cosh_fast_f32(x: f32) -> f32 {
    super::hyper::cosh_f32(x)
}

#[inline(always)]
pub fn cosh_fast_f32_block(x: &[f32], out: &mut [f32]) {
    super::hyper::cosh_f32_block(x, out)
}

pub fn cosh_fast_f64(x: f64) -> f64 {
    super::hyper::cosh_f64(x)
}

#[inline(always)]
pub fn cosh_fast_f64_block(x: &[f64], out: &mut [f64]) {
    super::hyper::cosh_f64_block(x, out)
}

pub fn tanh_fast_f32(x: f32) -> f32 {
    super::hyper::tanh_f32(x)
}

#[inline(always)]
pub fn tanh_fast_f32_block(x: &[f32], out: &mut [f32]) {
    super::hyper::tanh_f32_block(x, out)
}

pub fn tanh_fast_f64(x: f64) -> f64 {
    super::hyper::tanh_f64(x)
}

#[inline(always)]
pub fn tanh_fast_f64_block(x: &[f64], out: &mut [f64]) {
    super::hyper::tanh_f64_block(x, out)
}
