# Splits the constants used by explog.rs into high parts with trailing zero
# bits (so products with small integers or 26-bit numbers are exact) and low parts.
import mpmath as mp, struct
mp.mp.prec = 200
def bits(x): return struct.unpack('<Q', struct.pack('<d', x))[0]
def frombits(b): return struct.unpack('<d', struct.pack('<Q', b))[0]
def split(name, v, zero_bits):
    hi = frombits(bits(float(v)) & ~((1 << zero_bits) - 1) & 0xFFFFFFFFFFFFFFFF)
    lo = float(v - mp.mpf(hi))
    print(f"const {name}_HI: f64 = {hi!r}; // {53-zero_bits} significant bits")
    print(f"const {name}_LO: f64 = {lo!r};")
split("LN2", mp.log(2), 11)
split("LOG10_2", mp.log10(2), 11)
split("INV_LN2_26", 1/mp.log(2), 27)
split("LOG10_E_26", 1/mp.log(10), 27)
split("LN2_26", mp.log(2), 27)
print("const LN2: f64 = %r;" % float(mp.log(2)))
print("const INV_LN2: f64 = %r;" % float(1/mp.log(2)))
print("const LOG10_E: f64 = %r;" % float(1/mp.log(10)))
print("const LOG10_2: f64 = %r;" % float(mp.log10(2)))
