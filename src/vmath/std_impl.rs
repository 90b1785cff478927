//! PLACEHOLDER, being replaced family by family: the functions through
//! Rust's `std` (the platform's libm), as numjet computed them before this
//! module. Not vectorised (one libm call per element) and not yet held to
//! the accuracy bounds of `tests/vmath_accuracy.rs`.

macro_rules! via_std {
    (unary { $( $f32:ident, $f32b:ident, $f64:ident, $f64b:ident => |$a:ident| $e:expr; )* }
     binary { $( $g32:ident, $g32b:ident, $g64:ident, $g64b:ident => |$x:ident, $y:ident| $ge:expr; )* }) => {
        $(
            pub fn $f32($a: f32) -> f32 { $e }
            pub fn $f64($a: f64) -> f64 { $e }
            #[inline(always)]
            pub fn $f32b(x: &[f32], out: &mut [f32]) { for (o, &v) in out.iter_mut().zip(x) { *o = $f32(v) } }
            #[inline(always)]
            pub fn $f64b(x: &[f64], out: &mut [f64]) { for (o, &v) in out.iter_mut().zip(x) { *o = $f64(v) } }
        )*
        $(
            pub fn $g32($x: f32, $y: f32) -> f32 { $ge }
            pub fn $g64($x: f64, $y: f64) -> f64 { $ge }
            #[inline(always)]
            pub fn $g32b(x: &[f32], y: &[f32], out: &mut [f32]) { for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) { *o = $g32(a, b) } }
            #[inline(always)]
            pub fn $g64b(x: &[f64], y: &[f64], out: &mut [f64]) { for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) { *o = $g64(a, b) } }
        )*
    };
}

via_std! {
    unary {
        sin_f32, sin_f32_block, sin_f64, sin_f64_block => |a| a.sin();
        cos_f32, cos_f32_block, cos_f64, cos_f64_block => |a| a.cos();
        tan_f32, tan_f32_block, tan_f64, tan_f64_block => |a| a.tan();
        arcsin_f32, arcsin_f32_block, arcsin_f64, arcsin_f64_block => |a| a.asin();
        arccos_f32, arccos_f32_block, arccos_f64, arccos_f64_block => |a| a.acos();
        arctan_f32, arctan_f32_block, arctan_f64, arctan_f64_block => |a| a.atan();
    }
    binary {
        arctan2_f32, arctan2_f32_block, arctan2_f64, arctan2_f64_block => |x, y| x.atan2(y);
    }
}
