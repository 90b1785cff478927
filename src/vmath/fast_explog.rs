//! Fast mode (`MathMode::Fast`): exp, exp2, expm1, log, log2, log10, log1p for `f32` and `f64`,
//! at most 4 ULP.
//!
//! PLACEHOLDER: these delegate to the default functions of `explog.rs`
//! until their fast versions land (work in progress on 2026-12-07).

pub fn exp_fast_f32(x: f32) -> f32 {
    super::explog::exp_f32(x)
}

#[inline(always)]
pub fn exp_fast_f32_block(x: &[f32], out: &mut [f32]) {
    super::explog::exp_f32_block(x, out)
}

pub fn exp_fast_f64(x: f64) -> f64 {
    super::explog::exp_f64(x)
}

#[inline(always)]
pub fn exp_fast_f64_block(x: &[f64], out: &mut [f64]) {
    super::explog::exp_f64_block(x, out)
}

pub fn exp2_fast_f32(x: f32) -> f32 {
    super::explog::exp2_f32(x)
}

#[inline(always)]
pub fn exp2_fast_f32_block(x: &[f32], out: &mut [f32]) {
    super::explog::exp2_f32_block(x, out)
}

pub fn exp2_fast_f64(x: f64) -> f64 {
    super::explog::exp2_f64(x)
}

#[inline(always)]
pub fn exp2_fast_f64_block(x: &[f64], out: &mut [f64]) {
    super::explog::exp2_f64_block(x, out)
}

pub fn expm1_fast_f32(x: f32) -> f32 {
    super::explog::expm1_f32(x)
}

#[inline(always)]
pub fn expm1_fast_f32_block(x: &[f32], out: &mut [f32]) {
    super::explog::expm1_f32_block(x, out)
}

pub fn expm1_fast_f64(x: f64) -> f64 {
    super::explog::expm1_f64(x)
}

#[inline(always)]
pub fn expm1_fast_f64_block(x: &[f64], out: &mut [f64]) {
    super::explog::expm1_f64_block(x, out)
}

pub fn log_fast_f32(x: f32) -> f32 {
    super::explog::log_f32(x)
}

#[inline(always)]
pub fn log_fast_f32_block(x: &[f32], out: &mut [f32]) {
    super::explog::log_f32_block(x, out)
}

pub fn log_fast_f64(x: f64) -> f64 {
    super::explog::log_f64(x)
}

#[inline(always)]
pub fn log_fast_f64_block(x: &[f64], out: &mut [f64]) {
    super::explog::log_f64_block(x, out)
}

pub fn log2_fast_f32(x: f32) -> f32 {
    super::explog::log2_f32(x)
}

#[inline(always)]
pub fn log2_fast_f32_block(x: &[f32], out: &mut [f32]) {
    super::explog::log2_f32_block(x, out)
}

pub fn log2_fast_f64(x: f64) -> f64 {
    super::explog::log2_f64(x)
}

#[inline(always)]
pub fn log2_fast_f64_block(x: &[f64], out: &mut [f64]) {
    super::explog::log2_f64_block(x, out)
}

pub fn log10_fast_f32(x: f32) -> f32 {
    super::explog::log10_f32(x)
}

#[inline(always)]
pub fn log10_fast_f32_block(x: &[f32], out: &mut [f32]) {
    super::explog::log10_f32_block(x, out)
}

pub fn log10_fast_f64(x: f64) -> f64 {
    super::explog::log10_f64(x)
}

#[inline(always)]
pub fn log10_fast_f64_block(x: &[f64], out: &mut [f64]) {
    super::explog::log10_f64_block(x, out)
}

pub fn log1p_fast_f32(x: f32) -> f32 {
    super::explog::log1p_f32(x)
}

#[inline(always)]
pub fn log1p_fast_f32_block(x: &[f32], out: &mut [f32]) {
    super::explog::log1p_f32_block(x, out)
}

pub fn log1p_fast_f64(x: f64) -> f64 {
    super::explog::log1p_f64(x)
}

#[inline(always)]
pub fn log1p_fast_f64_block(x: &[f64], out: &mut [f64]) {
    super::explog::log1p_f64_block(x, out)
}
