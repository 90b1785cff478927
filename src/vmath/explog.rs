//! Exponentials and logarithms: exp, exp2, expm1, log, log2, log10, log1p
//! for `f32` and `f64`.
//!
//! ## How the functions are built
//!
//! Every function is `if rare(x) { slow(x) } else { fast(x) }`. The fast
//! path is straight-line arithmetic (IEEE `+ - * /`, integer and bit
//! operations on the representation, selects, and for exp/exp2 f64 loads
//! from one constant table), so the block functions vectorise: their first loop computes the fast path for every
//! element (and notes whether any element was rare), and only if one was, a
//! second scalar loop patches those elements with the slow path. The slow
//! paths handle NaN, infinities, zeros, domain errors, overflow, results in
//! the subnormal range and subnormal inputs.
//!
//! No fused multiply-add is used: every level (SSE2, AVX2, AVX-512)
//! computes the same bits.
//!
//! ### exp, exp2 (f64)
//! Table-driven: `x = (128*n + j)*ln2/128 + r` with `k = 128*n + j =
//! round(128*x/ln2)` (rounded with the 1.5*2^52 shifter, which also yields
//! `k` as an integer in the low bits), `|r| <= ln2/256`. `ln2/128` is split
//! into a 35-bit high part (so `k*hi` and `x - k*hi` are exact) and a low
//! part. For exp2, `k = round(128*x)`, `f = x - k/128` is exact and
//! `r = f*ln2`. `2^(j/128)` comes from a 128-entry table of double-doubles
//! `T_hi + T_lo` (tools/vmath/table_explog.py, mpmath); `exp(r) - 1 = p = r + r^2*P(r)`,
//! `P` of degree 3 (Chebyshev fit in 200-bit precision with mpmath,
//! tools/vmath/fit_explog.py, error 2^-63.6). `exp = 2^n * (T_hi + (T_hi*p + T_lo))`:
//! one final rounding, error about 0.5 ULP. Integers give exactly `2^n` in
//! exp2. The table loads become gathers (or per-lane loads) in the
//! vectorised loop. The scaling by `2^n` is exact in the fast range
//! (|x| < 708, resp. 1020); the slow path splits it into two factors
//! `2^n1 * 2^n2` so that results in the subnormal range are rounded only
//! twice (error below 0.75 ULP of the subnormal spacing) and overflow gives inf.
//!
//! ### expm1 (f64)
//! No table: `x = n*ln2 + r`, `|r| <= ln2/2`, with `r` kept as a
//! double-double `r + rl` (`ln2` split into 42 + 53 bits). Then
//! `expm1(r + rl) = r + h + rest` with `h + rest = rl + r*rl + r^2/2 +
//! r^3*P(r)`, where `h` is an exact leading part of `r^2/2` (from `r` cut
//! to 26 bits); `P` of degree 9 (tools/vmath/fit_explog.py, relative error 2^-58.7).
//! `expm1 = (2^n - 1) + 2^n*r + 2^n*h + 2^n*rest`, where `2^n - 1` is exact
//! for `|n| <= 53` (for x > 20 the -1 joins the small tail instead) and the
//! first three terms are added exactly (TwoSum, Fast2Sum), so there is one
//! final rounding. For x < -20, `exp(x) - 1` is used (exp(x) is then tiny).
//!
//! ### log, log2, log10, log1p (f64)
//! `x = 2^k * m` with `m` in `[sqrt(2)/2, sqrt(2))` taken from the bits,
//! `f = m - 1` (exact). With `s = f/(2+f)`, `z = s^2`:
//! `log(1+f) = 2s + s*z*Q(z) = f - hfsq + s*(hfsq + z*Q(z))`,
//! `hfsq = f^2/2`; `Q` is of degree 6 (Chebyshev fit on `z` in
//! `[0, 0.0295]`, tools/vmath/fit_explog.py, error about 2^-59). `g = f - hfsq` is
//! formed with its exact error (Fast2Sum), so `log(1+f) = g + t` where only
//! the small `t` and the rounding of `hfsq` (at most 2^-57, about 1/8 ULP of
//! the result) carry errors. log adds `k*ln2` (split `ln2`) with Fast2Sum;
//! log2 and log10 cut `g` into 26-bit halves and multiply the high half by
//! a 26-bit high part of the constant (exact), add `k` (log2) or
//! `k*log10(2)` (split, log10) exactly with Fast2Sum, and round once at the
//! end, so exact powers of two (log2) and of ten (log10) come out exact. log1p forms `u = 1 + x` with its rounding error `cc`
//! (TwoSum) and adds `cc/u` to the tail.
//!
//! ### f32
//! The f32 functions compute in f64 with shorter polynomials (fitted the
//! same way: `EXPF_P` degree 6, relative error 2^-38; `LOGF_Q` degree 3,
//! error 2^-37) and round once to f32 at the end; the double rounding costs
//! at most about 2^-14 ULP beyond half an ULP. Their slow paths are the f64
//! functions, rounded to f32.
//!
//! ### Special values (as NumPy 2.4 gives them)
//! NaN inputs are returned as `x + x` (payload kept), except float32 `exp`
//! and `log`, which give the default NaN as NumPy's do. log, log2, log10 of a
//! negative number and log1p below -1 give a NaN with the sign bit set
//! (NumPy gives -nan there, for f32 and f64, scalar and array loops); log of
//! +-0 and log1p(-1) give -inf; exp(-inf) = 0, expm1(-inf) = -1;
//! expm1(+-0) and log1p(+-0) keep the sign of zero.

// The rare-lane tests are written `!(x < limit)` on purpose: NaN must test true.
#![allow(clippy::neg_cmp_op_on_partial_ord, clippy::manual_range_contains)]

// ---------------------------------------------------------------------------
// Constants (tools/vmath/consts_explog.py splits them).

/// 1.5 * 2^52: adding it rounds a double of magnitude below 2^51 to an
/// integer, which can then be read from the low bits.
const SHIFT: f64 = 6755399441055744.0;
const LN2_HI: f64 = 0.6931471805598903; // 42 significant bits
const LN2_LO: f64 = 5.497923018708371e-14;
const LOG10_2_HI: f64 = 0.30102999566395283; // 42 significant bits
const LOG10_2_LO: f64 = 2.8363394551044964e-14;
const INV_LN2_26_HI: f64 = 1.4426950216293335; // 26 significant bits
const INV_LN2_26_LO: f64 = 1.9259629911266175e-08;
const LOG10_E_26_HI: f64 = 0.4342944771051407; // 26 significant bits
const LOG10_E_26_LO: f64 = 4.798111141615973e-09;
const LN2: f64 = std::f64::consts::LN_2;
const INV_LN2: f64 = std::f64::consts::LOG2_E;
const LOG10_E: f64 = std::f64::consts::LOG10_E;
const LOG10_2: f64 = std::f64::consts::LOG10_2;
/// Clears the low 27 bits of a double's significand (leaves 26 bits).
const MASK26: u64 = 0xFFFF_FFFF_F800_0000;
/// Bits of sqrt(2)/2 (rounded down): the mantissa range of log's reduction
/// starts there.
const SQRT_HALF_BITS: i64 = 0x3FE6_A09E_667F_3BCD;
/// (1023 << 52) - SQRT_HALF_BITS.
const SQRT_HALF_OFFSET: u64 = 0x3FF0_0000_0000_0000 - 0x3FE6_A09E_667F_3BCD;
/// NaN with the sign bit set, NumPy's result for domain errors of the logs.
const NEG_NAN: f64 = f64::from_bits(0xFFF8_0000_0000_0000);

// expm1(r) = r + r^2/2 + r^3*P(r) on |r| <= ln2/2 (tools/vmath/fit_explog.py, degree 9).
const EXP_P0: f64 = 0.16666666666666669;
const EXP_P1: f64 = 0.041666666666666664;
const EXP_P2: f64 = 0.008333333333330056;
const EXP_P3: f64 = 0.001388888888888655;
const EXP_P4: f64 = 0.0001984126986307978;
const EXP_P5: f64 = 2.4801587317163184e-05;
const EXP_P6: f64 = 2.7557268419352836e-06;
const EXP_P7: f64 = 2.7557282940525033e-07;
const EXP_P8: f64 = 2.5100404824318008e-08;
const EXP_P9: f64 = 2.091125043334429e-09;

// exp(r) = 1 + r + r^2*P(r) on |r| <= ln2/2, for the f32 functions (degree 6).
const EXPF_P0: f64 = 0.5;
const EXPF_P1: f64 = 0.16666666719091836;
const EXPF_P2: f64 = 0.04166666671907513;
const EXPF_P3: f64 = 0.008333298441879414;
const EXPF_P4: f64 = 0.0013888854007757918;
const EXPF_P5: f64 = 0.00019899308813894158;
const EXPF_P6: f64 = 2.485961306201584e-05;

// log(1+f) = 2s + s*z*Q(z), s = f/(2+f), z = s^2 in [0, 0.0295] (degree 6).
const LOG_Q0: f64 = 0.666666666666667;
const LOG_Q1: f64 = 0.3999999999989819;
const LOG_Q2: f64 = 0.28571428626570206;
const LOG_Q3: f64 = 0.2222221103781659;
const LOG_Q4: f64 = 0.18182896183483085;
const LOG_Q5: f64 = 0.15331487235865734;
const LOG_Q6: f64 = 0.14619343453512615;

// The same for the f32 functions (degree 3).
const LOGF_Q0: f64 = 0.6666666655352537;
const LOGF_Q1: f64 = 0.4000012263369878;
const LOGF_Q2: f64 = 0.2855073084477381;
const LOGF_Q3: f64 = 0.2333291280436864;


// exp(r) = 1 + r + r^2*P(r) on |r| <= ln2/256 (tools/vmath/fit_explog.py exptab, degree 3,
// weighted error 2^-63.6), for the table-driven exp and exp2.
const EXPT_P0: f64 = 0.4999999999999906;
const EXPT_P1: f64 = 0.16666666666666533;
const EXPT_P2: f64 = 0.041666676889563735;
const EXPT_P3: f64 = 0.008333334793747163;

/// `2^(j/128) = EXP_TAB[2j] + EXP_TAB[2j+1]` (tools/vmath/table_explog.py).
static EXP_TAB: [f64; 256] = [
    1.0, 0.0,
    1.0054299011128027, 9.499186535455032e-17,
    1.0108892860517005, -1.5234778603368577e-17,
    1.016378314910953, -5.77217007319966e-17,
    1.0218971486541166, 5.109225028973444e-17,
    1.0274459491187637, -4.9560741746453704e-17,
    1.0330248790212284, 7.600838874027088e-18,
    1.0386341019613787, 5.996273788852511e-17,
    1.0442737824274138, 8.551889705537965e-17,
    1.0499440858006872, 5.592937848127003e-17,
    1.0556451783605572, 1.759325738772092e-18,
    1.061377227289262, -1.1973537085365658e-17,
    1.0671404006768237, -7.899853966841582e-17,
    1.0729348675259756, -3.839668843358824e-18,
    1.0787607977571199, -6.656660436056593e-17,
    1.0846183622133092, 3.166152845816346e-17,
    1.0905077326652577, -3.046782079812471e-17,
    1.0964290818163769, -5.919933484449316e-17,
    1.102382583307841, 5.2660368715706944e-17,
    1.1083684117236787, -8.786813845180527e-17,
    1.1143867425958924, 1.0410278456845571e-16,
    1.1204377524096067, -6.201085906554179e-17,
    1.1265216186082418, 5.165856758795457e-17,
    1.1326385195987192, 3.237356166738e-17,
    1.1387886347566916, 8.912812676025408e-17,
    1.1449721444318042, 4.6412898921700107e-17,
    1.1511892299529827, 3.250710218863827e-17,
    1.1574400736337511, -9.1238712311344e-17,
    1.1637248587775775, 3.8292048369240935e-17,
    1.1700437696832502, -1.8477442017900047e-18,
    1.1763969916502812, 5.554203254218079e-17,
    1.182784710984341, 1.542975430079076e-17,
    1.189207115002721, 3.982015231465646e-17,
    1.1956643920398273, 4.6166036704814814e-17,
    1.202156731452703, 6.644981499252301e-17,
    1.2086843236265816, -4.746725945228984e-17,
    1.215247359980469, -7.712630692681488e-17,
    1.2218460329727576, -1.0611021211402691e-16,
    1.22848053610687, -1.89878163130253e-17,
    1.2351510639369334, -1.0755244344307841e-16,
    1.241857812073484, 4.658027591836937e-17,
    1.2486009771892048, -8.261810999021964e-17,
    1.255380757024691, -6.7113898212968784e-18,
    1.2621973503942507, -3.0844648874738465e-17,
    1.2690509571917332, 2.667932131342186e-18,
    1.275941778396392, 9.91543024421429e-17,
    1.2828700160787783, 1.713594918243561e-17,
    1.2898358734066657, 8.949257530897592e-17,
    1.2968395546510096, 2.5382502794888315e-17,
    1.3038812651919358, 8.647675598267871e-17,
    1.3109612115247644, -7.181536135519454e-17,
    1.318079601266064, -5.4579558271491535e-17,
    1.3252366431597413, -2.8587312100388614e-17,
    1.3324325470831615, -5.101586630916744e-17,
    1.339667524053303, 8.927282594831732e-17,
    1.3469417862329458, 3.224065101254679e-17,
    1.3542555469368927, 7.70094837980299e-17,
    1.3616090206382248, 1.533787661270668e-18,
    1.3690024229745905, 9.593797919118849e-17,
    1.3764359707545302, -6.898588935871801e-17,
    1.383909881963832, -6.770511658794786e-17,
    1.3914243757719262, -4.9061748652889893e-17,
    1.3989796725383112, -9.614213209051323e-17,
    1.4065759938190154, 7.034914812136422e-18,
    std::f64::consts::SQRT_2, -9.667293313452913e-17,
    1.4218926021691656, -1.6077828915890244e-17,
    1.42961333839197, -1.2031642489053655e-17,
    1.4373759974489824, -4.2040340164675566e-17,
    1.4451808069770467, -3.0237581349939873e-17,
    1.4530279958490526, -5.779948609396106e-17,
    1.460917794180647, -5.600377186075216e-17,
    1.4688504333369818, 8.465882756533628e-17,
    1.4768261459394993, -3.483994556892796e-17,
    1.4848451658727524, 1.0780086764407481e-16,
    1.4929077282912648, 1.4192920154284036e-17,
    1.5010140696264256, -6.413767275790235e-17,
    1.5091644275934228, -1.016455327754295e-16,
    1.5173590411982147, -4.308699472043341e-17,
    1.5255981507445384, -1.1024941712342561e-16,
    1.533881997840956, 8.875226844438446e-17,
    1.5422108254079407, 7.949834809697621e-17,
    1.550584877685, -1.4600706590689385e-17,
    1.559004400237837, 3.7812070533575275e-17,
    1.567469639965553, -1.0352061768849722e-16,
    1.5759808451078865, -1.0136916471278304e-17,
    1.5845382652524937, -1.9337717034585703e-17,
    1.593142151342267, -1.0094406542311964e-16,
    1.6017927556826934, -6.054917453527784e-17,
    1.6104903319492543, 2.4707192569797888e-17,
    1.6192351351948637, 2.0941334154229092e-17,
    1.6280274218573478, -6.712955084707084e-17,
    1.6368674497669644, 7.698325071319876e-17,
    1.645755478153965, -1.0125679913674773e-16,
    1.6546917676561943, 9.643294303196029e-17,
    1.6636765803267364, 5.8909926967131e-17,
    1.6727101796415966, -5.476715964599563e-17,
    1.681792830507429, 8.199010020581497e-17,
    1.6909247992693053, -9.66967147439488e-17,
    1.7001063537185235, -8.0237193703977e-18,
    1.709337763100463, -9.868779456632931e-17,
    1.718619298122478, -1.851380418263111e-17,
    1.7279512309618377, -1.0750981861204642e-16,
    1.7373338352737062, 3.164389299292957e-17,
    1.746767386199169, -1.0752290483507515e-16,
    1.7562521603732995, 2.960140695448873e-17,
    1.7657884359332727, 9.461315018083268e-17,
    1.7753764925265212, 6.429731796556572e-17,
    1.785016611318935, 1.5330400121031314e-17,
    1.7947090750031072, 1.8227458427912087e-17,
    1.804454167806624, -5.177222408793318e-17,
    1.8142521755003989, -9.969531538920349e-17,
    1.8241033854070534, -1.0159627862277083e-16,
    1.8340080864093424, 3.283107224245627e-17,
    1.843966568958626, -5.939742026949965e-17,
    1.8539791250833855, 9.761887490727594e-17,
    1.864046048397789, 6.540912680620572e-17,
    1.8741676341103, -6.122763413004143e-17,
    1.8843441790323345, -8.226593125533711e-17,
    1.8945759815869656, 3.4034035352165297e-17,
    1.9048633418176741, 6.533857514718279e-17,
    1.9152065613971474, -1.0619946056195963e-16,
    1.925605943636125, -9.914963769693741e-17,
    1.9360617934922943, 1.0332385960676326e-16,
    1.9465744175792332, 6.811022349533877e-17,
    1.9571441241754002, 8.960767791036668e-17,
    1.9677712232331759, -1.0314928011531132e-16,
    1.978456026387951, 4.0388753109278167e-17,
    1.9891988469672663, 8.2051326383692e-18,
];
const LN2_128_HI: f64 = 0.005415212347998022;
const LN2_128_LO: f64 = 1.2655086083325438e-13;
const INV_LN2_128: f64 = 184.6649652337873;

// ---------------------------------------------------------------------------
// Shared pieces.

/// 2^n for n in [-1022, 1023] (built from the bits).
#[inline(always)]
fn pow2i(n: i64) -> f64 {
    f64::from_bits((n.wrapping_add(1023) as u64) << 52)
}

/// Rounds `v` (|v| < 2^51) to the nearest integer: (as double, as integer).
#[inline(always)]
fn round_shift(v: f64) -> (f64, i64) {
    let t = v + SHIFT;
    (t - SHIFT, (t.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64))
}

/// exp reduction: x = n*ln2 + (r + rl), |r| <= ln2/2 (slightly more).
#[inline(always)]
fn exp_reduce(x: f64) -> (f64, f64, i64) {
    let (nf, n) = round_shift(x * INV_LN2);
    let a = x - nf * LN2_HI; // exact: n*LN2_HI is exact and close to x
    let b = nf * LN2_LO;
    let r = a - b;
    let rl = (a - r) - b; // Fast2Sum error, |a| >= |b|
    (r, rl, n)
}

/// The tail of expm1(r + rl) = r + h + rest (|r| <= ln2/2, |rl| tiny):
/// h = r1^2/2 is exact (r1 = r cut to 26 bits), rest is small.
#[inline(always)]
fn expm1_tail(r: f64, rl: f64) -> (f64, f64) {
    let r2 = r * r;
    let r4 = r2 * r2;
    let p01 = EXP_P0 + EXP_P1 * r;
    let p23 = EXP_P2 + EXP_P3 * r;
    let p45 = EXP_P4 + EXP_P5 * r;
    let p67 = EXP_P6 + EXP_P7 * r;
    let p89 = EXP_P8 + EXP_P9 * r;
    let p03 = p01 + r2 * p23;
    let p47 = p45 + r2 * p67;
    let p = p03 + r4 * (p47 + r4 * p89);
    // r^2/2 = h + h2: r = r1 + rr, r^2 = r1^2 + rr*(r + r1).
    let r1 = f64::from_bits(r.to_bits() & MASK26);
    let rr = r - r1;
    let h = 0.5 * (r1 * r1);
    let h2 = 0.5 * (rr * (r + r1));
    (h, rl + (r * rl + (h2 + r2 * r * p)))
}

/// exp(r + rl) as y in [0.7, 1.42], rounded once.
#[inline(always)]
fn exp_core(r: f64, rl: f64) -> f64 {
    let (h, rest) = expm1_tail(r, rl);
    let s = 1.0 + r;
    let e = (1.0 - s) + r; // Fast2Sum error of 1 + r
    let s2 = s + h;
    let e2 = h - (s2 - s); // Fast2Sum: s >= 0.65 > h
    s2 + ((e + e2) + rest)
}


/// Table-driven exp core: for x = (128*n + j)*ln2/128 + r (computed by the
/// caller as k = 128*n + j and r, |r| <= ln2/256), returns
/// y = 2^(j/128) * exp(r) in [0.99, 2), rounded once: T_hi + (T_hi*p + T_lo)
/// with p = expm1(r) = r + r^2*P(r).
#[inline(always)]
fn exp_tab_core(r: f64, k: i64) -> f64 {
    let j = (k & 127) as usize;
    let t_hi = EXP_TAB[2 * j];
    let t_lo = EXP_TAB[2 * j + 1];
    let r2 = r * r;
    let p = r + r2 * ((EXPT_P0 + EXPT_P1 * r) + r2 * (EXPT_P2 + EXPT_P3 * r));
    t_hi + (t_hi * p + t_lo)
}

/// exp reduction for the table: x = k*ln2/128 + r; ln2/128 is split so that
/// k*LN2_128_HI is exact (|k| < 2^18) and x - k*LN2_128_HI is exact.
#[inline(always)]
fn exp_tab_reduce(x: f64) -> (f64, i64) {
    let (kf, k) = round_shift(x * INV_LN2_128);
    ((x - kf * LN2_128_HI) - kf * LN2_128_LO, k)
}

/// exp2 reduction for the table: x = k/128 + f, f exact, r = f*ln2 (its
/// rounding error is below 2^-61 in absolute terms).
#[inline(always)]
fn exp2_tab_reduce(x: f64) -> (f64, i64) {
    let (kf, k) = round_shift(x * 128.0);
    ((x - kf * 0.0078125) * LN2, k)
}

/// y * 2^n in two exact-or-once-rounded steps (n in [-2200, 2200]).
#[inline(always)]
fn scale2(y: f64, n: i64) -> f64 {
    let n1 = n / 2;
    y * pow2i(n1) * pow2i(n - n1)
}

/// Result of exp for the f32 functions, in f64: exp(r) with r a plain double.
#[inline(always)]
fn expf_core(r: f64) -> f64 {
    let r2 = r * r;
    let p = (EXPF_P0 + EXPF_P1 * r)
        + r2 * ((EXPF_P2 + EXPF_P3 * r) + r2 * ((EXPF_P4 + EXPF_P5 * r) + r2 * EXPF_P6));
    1.0 + (r + r2 * p)
}

/// Splits a positive normal x into 2^k * m, m in [sqrt(2)/2, sqrt(2)),
/// from the bits, returning (k as a double, m). Adding SQRT_HALF_OFFSET to
/// the bits moves the exponent boundary to sqrt(2)/2 and keeps the sum
/// positive, so a logical shift gives k + 1023 (AVX2 has no 64-bit
/// arithmetic shift); the mantissa bits plus the bits of sqrt(2)/2 give m.
#[inline(always)]
fn log_split(x: f64) -> (f64, f64) {
    let t = x.to_bits().wrapping_add(SQRT_HALF_OFFSET);
    let kb = t >> 52; // k + 1023
    let m = f64::from_bits((t & 0x000F_FFFF_FFFF_FFFF).wrapping_add(SQRT_HALF_BITS as u64));
    let kf = f64::from_bits(SHIFT.to_bits().wrapping_add(kb)) - (SHIFT + 1023.0);
    (kf, m)
}

/// log decomposition of a positive normal x: returns (k, g, t) with
/// log(x) = k*ln2 + g + t, where g = f - f^2/2 rounded and t is the small
/// rest: the exact rounding error of g (Fast2Sum) plus the series term
/// s*(hfsq + R).
#[inline(always)]
fn log_parts(x: f64) -> (f64, f64, f64) {
    let (kf, m) = log_split(x);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let z2 = z * z;
    let q = (LOG_Q0 + LOG_Q1 * z)
        + z2 * ((LOG_Q2 + LOG_Q3 * z) + z2 * ((LOG_Q4 + LOG_Q5 * z) + z2 * LOG_Q6));
    let hfsq = 0.5 * (f * f);
    let g = f - hfsq;
    let eg = (f - g) - hfsq; // Fast2Sum: |f| >= f^2/2
    let t = eg + s * (hfsq + z * q);
    (kf, g, t)
}

/// The same with the short polynomial (f32 functions); returns (k, log(1+f)).
#[inline(always)]
fn logf_parts(x: f64) -> (f64, f64) {
    let (kf, m) = log_split(x);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let q = (LOGF_Q0 + LOGF_Q1 * z) + (z * z) * (LOGF_Q2 + LOGF_Q3 * z);
    let hfsq = 0.5 * f * f;
    (kf, f - (hfsq - s * (hfsq + z * q)))
}

/// log from its parts: k*ln2 + g + t (+ extra, a tiny correction), rounded once.
#[inline(always)]
fn log_finish(kf: f64, g: f64, t: f64, extra: f64) -> f64 {
    let hi = kf * LN2_HI; // exact
    let a = hi + g;
    let e = g - (a - hi); // Fast2Sum: |hi| >= 0.69 > |g| or hi = 0
    a + (e + ((kf * LN2_LO + extra) + t))
}

/// log_finish without the extra term (one addition fewer).
#[inline(always)]
fn log_finish0(kf: f64, g: f64, t: f64) -> f64 {
    let hi = kf * LN2_HI; // exact
    let a = hi + g;
    let e = g - (a - hi); // Fast2Sum: |hi| >= 0.69 > |g| or hi = 0
    a + (e + (kf * LN2_LO + t))
}

/// log2 from its parts: k + (g + t)/ln2, with g cut into 26-bit halves so
/// that the leading product g1 * INV_LN2_26_HI is exact.
#[inline(always)]
fn log2_finish(kf: f64, g: f64, t: f64) -> f64 {
    let g1 = f64::from_bits(g.to_bits() & MASK26);
    let g2 = g - g1;
    let p = g1 * INV_LN2_26_HI; // exact
    let a = kf + p;
    let e = p - (a - kf); // Fast2Sum: |k| >= 1 > |p| or k = 0
    a + (e + (g1 * INV_LN2_26_LO + (g2 + t) * INV_LN2))
}

/// log10 from its parts: k*log10(2) + (g + t)*log10(e).
#[inline(always)]
fn log10_finish(kf: f64, g: f64, t: f64) -> f64 {
    let g1 = f64::from_bits(g.to_bits() & MASK26);
    let g2 = g - g1;
    let hi = kf * LOG10_2_HI; // exact
    let p = g1 * LOG10_E_26_HI; // exact
    let a = hi + p;
    let e = p - (a - hi); // Fast2Sum: |hi| >= 0.30 > |p| or hi = 0
    a + (e + (kf * LOG10_2_LO + (g1 * LOG10_E_26_LO + (g2 + t) * LOG10_E)))
}

/// Shared shape of the logs' slow path: NaN, negative, zero, +inf, or a
/// subnormal (scaled by 2^54 into the normal range, k adjusted).
#[inline(always)]
fn log_slow_common(x: f64, finish: fn(f64, f64, f64) -> f64) -> f64 {
    if x.is_nan() {
        x + x
    } else if x < 0.0 {
        NEG_NAN
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x == f64::INFINITY {
        x
    } else {
        // Positive subnormal.
        let (kf, g, t) = log_parts(x * 18014398509481984.0); // 2^54
        finish(kf - 54.0, g, t)
    }
}

/// The block-function skeleton: the fast path over every element (branch
/// free, vectorised), then a patch pass if any element was rare.
macro_rules! block {
    ($t:ty, $x:ident, $out:ident, $rare:ident, $fast:ident, $slow:ident) => {{
        let mut any = false;
        for (o, &v) in $out.iter_mut().zip($x) {
            *o = $fast(v);
            any |= $rare(v);
        }
        if any {
            for (o, &v) in $out.iter_mut().zip($x) {
                if $rare(v) {
                    *o = $slow(v);
                }
            }
        }
    }};
}

// ---------------------------------------------------------------------------
// exp f64

#[inline(always)]
fn exp64_rare(x: f64) -> bool {
    !(x.abs() < 708.0)
}
#[inline(always)]
fn exp64_fast(x: f64) -> f64 {
    let (r, k) = exp_tab_reduce(x);
    exp_tab_core(r, k) * pow2i(k >> 7)
}
#[inline(never)]
fn exp64_slow(x: f64) -> f64 {
    if x.is_nan() {
        x + x
    } else if x > 710.0 {
        f64::INFINITY
    } else if x < -746.0 {
        0.0
    } else {
        let (r, k) = exp_tab_reduce(x);
        scale2(exp_tab_core(r, k), k >> 7)
    }
}
pub fn exp_f64(x: f64) -> f64 {
    if exp64_rare(x) { exp64_slow(x) } else { exp64_fast(x) }
}
#[inline(always)]
pub fn exp_f64_block(x: &[f64], out: &mut [f64]) {
    block!(f64, x, out, exp64_rare, exp64_fast, exp64_slow)
}

// exp2 f64

#[inline(always)]
fn exp2_64_rare(x: f64) -> bool {
    !(x.abs() < 1020.0)
}
#[inline(always)]
fn exp2_64_fast(x: f64) -> f64 {
    let (r, k) = exp2_tab_reduce(x);
    exp_tab_core(r, k) * pow2i(k >> 7)
}
#[inline(never)]
fn exp2_64_slow(x: f64) -> f64 {
    if x.is_nan() {
        x + x
    } else if x > 1025.0 {
        f64::INFINITY
    } else if x < -1080.0 {
        0.0
    } else {
        let (r, k) = exp2_tab_reduce(x);
        scale2(exp_tab_core(r, k), k >> 7)
    }
}
pub fn exp2_f64(x: f64) -> f64 {
    if exp2_64_rare(x) { exp2_64_slow(x) } else { exp2_64_fast(x) }
}
#[inline(always)]
pub fn exp2_f64_block(x: &[f64], out: &mut [f64]) {
    block!(f64, x, out, exp2_64_rare, exp2_64_fast, exp2_64_slow)
}

// expm1 f64

#[inline(always)]
fn expm1_64_rare(x: f64) -> bool {
    !(x > -708.0 && x < 709.0)
}
#[inline(always)]
fn expm1_64_fast(x: f64) -> f64 {
    let (r, rl, n) = exp_reduce(x);
    let (h, rest) = expm1_tail(r, rl);
    let sc = pow2i(n);
    // 2^n - 1 is exact for -53 <= n <= 53; for x > 20 (n >= 29) the -1 goes
    // to the tail instead, where its rounding is below 2^-80 relative.
    // (Float compares on x: SSE2 has no 64-bit integer compare.)
    let a = if x > 20.0 { sc } else { sc - 1.0 };
    let b = sc * r; // exact
    let hs = sc * h; // exact
    let c = if x > 20.0 { sc * rest - 1.0 } else { sc * rest }; // sc * rest exact
    // TwoSum(a, b), then Fast2Sum with hs (|s| >= 0.3 |sc| > |hs| or n = 0, s = r)
    let s = a + b;
    let bb = s - a;
    let err = (a - (s - bb)) + (b - bb);
    let s2 = s + hs;
    let e2 = hs - (s2 - s);
    let y = s2 + ((err + e2) + c);
    // For x < -20 (n <= -29), exp(x) < 2^-28 and exp(x) - 1 rounds once
    // with a negligible error from exp(x).
    let y_neg = sc * exp_core(r, rl) - 1.0;
    let y = if x < -20.0 { y_neg } else { y };
    // expm1(+-0) = +-0 (the sum above would lose the sign of -0).
    if x == 0.0 { x } else { y }
}
#[inline(never)]
fn expm1_64_slow(x: f64) -> f64 {
    if x.is_nan() {
        x + x
    } else {
        // x <= -708: exp(x) < 2^-1000, exp(x) - 1 rounds to -1; x >= 709:
        // exp(x) >> 1, so exp(x) - 1 rounds as exp(x) does (or overflows).
        exp_f64(x) - 1.0
    }
}
pub fn expm1_f64(x: f64) -> f64 {
    if expm1_64_rare(x) { expm1_64_slow(x) } else { expm1_64_fast(x) }
}
#[inline(always)]
pub fn expm1_f64_block(x: &[f64], out: &mut [f64]) {
    block!(f64, x, out, expm1_64_rare, expm1_64_fast, expm1_64_slow)
}

// log, log2, log10 f64

#[inline(always)]
fn log64_rare(x: f64) -> bool {
    !(x >= f64::MIN_POSITIVE && x <= f64::MAX)
}
#[inline(always)]
fn log64_fast(x: f64) -> f64 {
    let (kf, g, t) = log_parts(x);
    log_finish0(kf, g, t)
}
#[inline(never)]
fn log64_slow(x: f64) -> f64 {
    log_slow_common(x, log_finish0)
}
pub fn log_f64(x: f64) -> f64 {
    if log64_rare(x) { log64_slow(x) } else { log64_fast(x) }
}
#[inline(always)]
pub fn log_f64_block(x: &[f64], out: &mut [f64]) {
    block!(f64, x, out, log64_rare, log64_fast, log64_slow)
}

#[inline(always)]
fn log2_64_fast(x: f64) -> f64 {
    let (kf, g, t) = log_parts(x);
    log2_finish(kf, g, t)
}
#[inline(never)]
fn log2_64_slow(x: f64) -> f64 {
    log_slow_common(x, log2_finish)
}
pub fn log2_f64(x: f64) -> f64 {
    if log64_rare(x) { log2_64_slow(x) } else { log2_64_fast(x) }
}
#[inline(always)]
pub fn log2_f64_block(x: &[f64], out: &mut [f64]) {
    block!(f64, x, out, log64_rare, log2_64_fast, log2_64_slow)
}

#[inline(always)]
fn log10_64_fast(x: f64) -> f64 {
    let (kf, g, t) = log_parts(x);
    log10_finish(kf, g, t)
}
#[inline(never)]
fn log10_64_slow(x: f64) -> f64 {
    log_slow_common(x, log10_finish)
}
pub fn log10_f64(x: f64) -> f64 {
    if log64_rare(x) { log10_64_slow(x) } else { log10_64_fast(x) }
}
#[inline(always)]
pub fn log10_f64_block(x: &[f64], out: &mut [f64]) {
    block!(f64, x, out, log64_rare, log10_64_fast, log10_64_slow)
}

// log1p f64

#[inline(always)]
fn log1p_64_rare(x: f64) -> bool {
    !(x > -1.0 && x <= f64::MAX)
}
#[inline(always)]
fn log1p_64_fast(x: f64) -> f64 {
    // u + cc = 1 + x exactly (TwoSum); u >= 2^-53 is normal.
    let u = 1.0 + x;
    let bb = u - 1.0;
    let cc = (1.0 - (u - bb)) + (x - bb);
    let (kf, g, t) = log_parts(u);
    // log(u + cc) = log(u) + cc/u, |cc/u| <= 2^-53.
    let y = log_finish(kf, g, t, cc / u);
    // log1p(+-0) = +-0 (the sums above would give +0 for -0).
    if x == 0.0 { x } else { y }
}
#[inline(never)]
fn log1p_64_slow(x: f64) -> f64 {
    if x.is_nan() {
        x + x
    } else if x == -1.0 {
        f64::NEG_INFINITY
    } else if x < -1.0 {
        NEG_NAN
    } else {
        x // +inf
    }
}
pub fn log1p_f64(x: f64) -> f64 {
    if log1p_64_rare(x) { log1p_64_slow(x) } else { log1p_64_fast(x) }
}
#[inline(always)]
pub fn log1p_f64_block(x: &[f64], out: &mut [f64]) {
    block!(f64, x, out, log1p_64_rare, log1p_64_fast, log1p_64_slow)
}

// ---------------------------------------------------------------------------
// f32: computed in f64, rounded once; the slow paths are the f64 functions.

#[inline(always)]
fn exp32_rare(x: f32) -> bool {
    !(x.abs() < 104.0)
}
#[inline(always)]
fn exp32_fast(x: f32) -> f32 {
    let xd = x as f64;
    let (nf, n) = round_shift(xd * INV_LN2);
    let r = xd - nf * LN2; // error below 2^-46 relative to the result
    (expf_core(r) * pow2i(n)) as f32
}
#[inline(never)]
fn exp32_slow(x: f32) -> f32 {
    // NumPy's float32 `exp` gives the default (positive, quiet) NaN for
    // every NaN input, dropping its sign and payload.
    if x.is_nan() { f32::NAN } else { exp_f64(x as f64) as f32 }
}
pub fn exp_f32(x: f32) -> f32 {
    if exp32_rare(x) { exp32_slow(x) } else { exp32_fast(x) }
}
#[inline(always)]
pub fn exp_f32_block(x: &[f32], out: &mut [f32]) {
    block!(f32, x, out, exp32_rare, exp32_fast, exp32_slow)
}

#[inline(always)]
fn exp2_32_rare(x: f32) -> bool {
    !(x.abs() < 150.0)
}
#[inline(always)]
fn exp2_32_fast(x: f32) -> f32 {
    let xd = x as f64;
    let (nf, n) = round_shift(xd);
    let r = (xd - nf) * LN2; // xd - nf exact; integers give exactly 1 * 2^n
    (expf_core(r) * pow2i(n)) as f32
}
#[inline(never)]
fn exp2_32_slow(x: f32) -> f32 {
    exp2_f64(x as f64) as f32
}
pub fn exp2_f32(x: f32) -> f32 {
    if exp2_32_rare(x) { exp2_32_slow(x) } else { exp2_32_fast(x) }
}
#[inline(always)]
pub fn exp2_f32_block(x: &[f32], out: &mut [f32]) {
    block!(f32, x, out, exp2_32_rare, exp2_32_fast, exp2_32_slow)
}

#[inline(always)]
fn expm1_32_rare(x: f32) -> bool {
    !(x.abs() < 150.0)
}
#[inline(always)]
fn expm1_32_fast(x: f32) -> f32 {
    let xd = x as f64;
    let (nf, n) = round_shift(xd * INV_LN2);
    let r = xd - nf * LN2;
    let r2 = r * r;
    let p = (EXPF_P0 + EXPF_P1 * r)
        + r2 * ((EXPF_P2 + EXPF_P3 * r) + r2 * ((EXPF_P4 + EXPF_P5 * r) + r2 * EXPF_P6));
    let q = r + r2 * p; // expm1(r), relative error ~2^-38
    let sc = pow2i(n);
    // (2^n - 1) + 2^n*q: 2^n - 1 is exact for |n| <= 53 and otherwise off
    // by far less than an f32 ULP of the result; no cancellation below 0.29
    // in magnitude unless n = 0, where it is q alone.
    let y = ((sc - 1.0) + sc * q) as f32;
    if x == 0.0 { x } else { y }
}
#[inline(never)]
fn expm1_32_slow(x: f32) -> f32 {
    expm1_f64(x as f64) as f32
}
pub fn expm1_f32(x: f32) -> f32 {
    if expm1_32_rare(x) { expm1_32_slow(x) } else { expm1_32_fast(x) }
}
#[inline(always)]
pub fn expm1_f32_block(x: &[f32], out: &mut [f32]) {
    block!(f32, x, out, expm1_32_rare, expm1_32_fast, expm1_32_slow)
}

#[inline(always)]
fn log32_rare(x: f32) -> bool {
    // Subnormal f32 are normal f64: only zero, negatives, inf and NaN.
    !(x > 0.0 && x <= f32::MAX)
}
#[inline(always)]
fn log32_fast(x: f32) -> f32 {
    let (kf, l) = logf_parts(x as f64);
    (kf * LN2 + l) as f32
}
#[inline(never)]
fn log32_slow(x: f32) -> f32 {
    // NumPy's float32 `log` gives the default NaN for every NaN input.
    if x.is_nan() { f32::NAN } else { log_f64(x as f64) as f32 }
}
pub fn log_f32(x: f32) -> f32 {
    if log32_rare(x) { log32_slow(x) } else { log32_fast(x) }
}
#[inline(always)]
pub fn log_f32_block(x: &[f32], out: &mut [f32]) {
    block!(f32, x, out, log32_rare, log32_fast, log32_slow)
}

#[inline(always)]
fn log2_32_fast(x: f32) -> f32 {
    let (kf, l) = logf_parts(x as f64);
    (kf + l * INV_LN2) as f32
}
#[inline(never)]
fn log2_32_slow(x: f32) -> f32 {
    log2_f64(x as f64) as f32
}
pub fn log2_f32(x: f32) -> f32 {
    if log32_rare(x) { log2_32_slow(x) } else { log2_32_fast(x) }
}
#[inline(always)]
pub fn log2_f32_block(x: &[f32], out: &mut [f32]) {
    block!(f32, x, out, log32_rare, log2_32_fast, log2_32_slow)
}

#[inline(always)]
fn log10_32_fast(x: f32) -> f32 {
    let (kf, l) = logf_parts(x as f64);
    (kf * LOG10_2 + l * LOG10_E) as f32
}
#[inline(never)]
fn log10_32_slow(x: f32) -> f32 {
    log10_f64(x as f64) as f32
}
pub fn log10_f32(x: f32) -> f32 {
    if log32_rare(x) { log10_32_slow(x) } else { log10_32_fast(x) }
}
#[inline(always)]
pub fn log10_f32_block(x: &[f32], out: &mut [f32]) {
    block!(f32, x, out, log32_rare, log10_32_fast, log10_32_slow)
}

#[inline(always)]
fn log1p_32_rare(x: f32) -> bool {
    !(x > -1.0 && x <= f32::MAX)
}
#[inline(always)]
fn log1p_32_fast(x: f32) -> f32 {
    let xd = x as f64;
    // For |x| >= 2^-13 (and below 2^29), 1 + x is exact in f64; above, its
    // rounding is harmless. Below 2^-13, the series x - x^2/2 + x^3/3 - x^4/4
    // is accurate to 2^-60 relative.
    let (kf, l) = logf_parts(1.0 + xd);
    let big = kf * LN2 + l;
    let small = xd - xd * (xd * (0.5 - xd * (1.0 / 3.0 - xd * 0.25)));
    let y = if xd.abs() < 1.220703125e-4 { small } else { big };
    y as f32
}
#[inline(never)]
fn log1p_32_slow(x: f32) -> f32 {
    log1p_f64(x as f64) as f32
}
pub fn log1p_f32(x: f32) -> f32 {
    if log1p_32_rare(x) { log1p_32_slow(x) } else { log1p_32_fast(x) }
}
#[inline(always)]
pub fn log1p_f32_block(x: &[f32], out: &mut [f32]) {
    block!(f32, x, out, log1p_32_rare, log1p_32_fast, log1p_32_slow)
}
