# Table of 2^(j/128), j = 0..127, as hi + lo doubles (mpmath, 200 bits), and
# the split constant ln2/128 (hi with 35 significant bits so that k*hi is exact
# for |k| < 2^18).
import mpmath as mp, struct
mp.mp.prec = 200
def bits(x): return struct.unpack('<Q', struct.pack('<d', x))[0]
def frombits(b): return struct.unpack('<d', struct.pack('<Q', b))[0]
print("/// 2^(j/128) = EXP_TAB[2j] + EXP_TAB[2j+1] (tools/table.py).")
print("static EXP_TAB: [f64; 256] = [")
for j in range(128):
    v = mp.power(2, mp.mpf(j) / 128)
    hi = float(v); lo = float(v - mp.mpf(hi))
    print(f"    {hi!r}, {lo!r},")
print("];")
L = mp.log(2) / 128
hi = frombits(bits(float(L)) & ~((1 << 18) - 1))
print(f"const LN2_128_HI: f64 = {hi!r};")
print(f"const LN2_128_LO: f64 = {float(L - mp.mpf(hi))!r};")
print(f"const INV_LN2_128: f64 = {float(128 / mp.log(2))!r};")
