//! Fast mode (`MathMode::Fast`): sin, cos, tan for `f32` and `f64`,
//! at most 4 ULP.
//!
//! PLACEHOLDER: these delegate to the default functions of `trig.rs`
//! until their fast versions land (work in progress on 2026-12-07).

pub fn sin_fast_f32(x: f32) -> f32 {
    super::trig::sin_f32(x)
}

#[inline(always)]
pub fn sin_fast_f32_block(x: &[f32], out: &mut [f32]) {
    super::trig::sin_f32_block(x, out)
}

pub fn sin_fast_f64(x: f64) -> f64 {
    super::trig::sin_f64(x)
}

#[inline(always)]
pub fn sin_fast_f64_block(x: &[f64], out: &mut [f64]) {
    super::trig::sin_f64_block(x, out)
}

pub fn cos_fast_f32(x: f32) -> f32 {
    super::trig::cos_f32(x)
}

#[inline(always)]
pub fn cos_fast_f32_block(x: &[f32], out: &mut [f32]) {
    super::trig::cos_f32_block(x, out)
}

pub fn cos_fast_f64(x: f64) -> f64 {
    super::trig::cos_f64(x)
}

#[inline(always)]
pub fn cos_fast_f64_block(x: &[f64], out: &mut [f64]) {
    super::trig::cos_f64_block(x, out)
}

pub fn tan_fast_f32(x: f32) -> f32 {
    super::trig::tan_f32(x)
}

#[inline(always)]
pub fn tan_fast_f32_block(x: &[f32], out: &mut [f32]) {
    super::trig::tan_f32_block(x, out)
}

pub fn tan_fast_f64(x: f64) -> f64 {
    super::trig::tan_f64(x)
}

#[inline(always)]
pub fn tan_fast_f64_block(x: &[f64], out: &mut [f64]) {
    super::trig::tan_f64_block(x, out)
}
