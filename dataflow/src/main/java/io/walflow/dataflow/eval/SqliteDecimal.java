package io.walflow.dataflow.eval;

import java.math.BigInteger;

/**
 * SQLite's conversion of a double to decimal digits ({@code sqlite3FpDecode} and {@code
 * sqlite3Fp2Convert10} in util.c), reproduced bit for bit: SQLite multiplies by a 96-bit
 * approximation of a power of ten, so for some reals its 17th digit differs from the exactly
 * rounded one, and text made from reals must match SQLite's.
 */
final class SqliteDecimal {

  /** 10^0 … 10^26, normalised to 64 bits. */
  private static final long[] BASE = {
    0x8000000000000000L, 0xa000000000000000L, 0xc800000000000000L, 0xfa00000000000000L,
    0x9c40000000000000L, 0xc350000000000000L, 0xf424000000000000L, 0x9896800000000000L,
    0xbebc200000000000L, 0xee6b280000000000L, 0x9502f90000000000L, 0xba43b74000000000L,
    0xe8d4a51000000000L, 0x9184e72a00000000L, 0xb5e620f480000000L, 0xe35fa931a0000000L,
    0x8e1bc9bf04000000L, 0xb1a2bc2ec5000000L, 0xde0b6b3a76400000L, 0x8ac7230489e80000L,
    0xad78ebc5ac620000L, 0xd8d726b7177a8000L, 0x878678326eac9000L, 0xa968163f0a57b400L,
    0xd3c21bcecceda100L, 0x84595161401484a0L, 0xa56fa5b99019a5c8L,
  };
  /** 10^(27k) for k = -13 … 12, normalised to 64 bits (index k + 13; index 13 is 10^-1). */
  private static final long[] SCALE = {
    0x8049a4ac0c5811aeL, 0xcf42894a5dce35eaL, 0xa76c582338ed2621L, 0x873e4f75e2224e68L,
    0xda7f5bf590966848L, 0xb080392cc4349decL, 0x8e938662882af53eL, 0xe65829b3046b0afaL,
    0xba121a4650e4ddebL, 0x964e858c91ba2655L, 0xf2d56790ab41c2a2L, 0xc428d05aa4751e4cL,
    0x9e74d1b791e07e48L, 0xccccccccccccccccL, 0xcecb8f27f4200f3aL, 0xa70c3c40a64e6c51L,
    0x86f0ac99b4e8dafdL, 0xda01ee641a708de9L, 0xb01ae745b101e9e4L, 0x8e41ade9fbebc27dL,
    0xe5d3ef282a242e81L, 0xb9a74a0637ce2ee1L, 0x95f83d0a1fb69cd9L, 0xf24a01a73cf2dccfL,
    0xc3b8358109e84f07L, 0x9e19db92b4e31ba9L,
  };
  /** The next 32 bits of each {@link #SCALE} entry. */
  private static final long[] SCALE_LO = {
    0x205b896dL, 0x52064cadL, 0xaf2af2b8L, 0x5a7744a7L, 0xaf39a475L, 0xbd8d794eL, 0x547eb47bL,
    0x0cb4a5a3L, 0x92f34d62L, 0x3a6a07f9L, 0xfae27299L, 0xaa97e14cL, 0x775ea265L, 0xccccccccL,
    0x00000000L, 0x999090b6L, 0x69a028bbL, 0xe80e6f48L, 0x5ec05dd0L, 0x14588f14L, 0x8f1668c9L,
    0x6d953e2cL, 0x4abdaf10L, 0xbc633b39L, 0x0a862f81L, 0x6c07a2c2L,
  };
  private static final BigInteger MASK64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private SqliteDecimal() {}

  private static BigInteger u(long x) {
    return BigInteger.valueOf(x).and(MASK64);
  }

  /** The most significant 64 bits of 10^p, and in {@code lo[0]} the next 32. */
  private static long powerOfTen(int p, long[] lo) {
    int g;
    int n;
    if (p < 0) {
      if (p == -1) {
        lo[0] = SCALE_LO[13];
        return SCALE[13];
      }
      g = p / 27;
      n = p % 27;
      if (n != 0) {
        g--;
        n += 27;
      }
    } else if (p < 27) {
      lo[0] = 0;
      return BASE[p];
    } else {
      g = p / 27;
      n = p % 27;
    }
    long s = SCALE[g + 13];
    if (n == 0) {
      lo[0] = SCALE_LO[g + 13];
      return s;
    }
    // sqlite3Multiply160: the upper 96 bits of (s<<32 | sLo) * BASE[n].
    BigInteger r = u(s).multiply(u(BASE[n])).add(BigInteger.valueOf(SCALE_LO[g + 13]).multiply(u(BASE[n])).shiftRight(32));
    long x = r.shiftRight(64).longValue();
    long l = r.shiftRight(32).longValue() & 0xffffffffL;
    if (x >= 0) {
      x = (x << 1) | ((l >>> 31) & 1);
      l = ((l << 1) | 1) & 0xffffffffL;
    }
    lo[0] = l;
    return x;
  }

  private static int pwr10to2(int p) {
    return (p * 108853) >> 15;
  }

  private static int pwr2to10(int p) {
    return (p * 78913) >> 18;
  }

  /** Digits of a decoded real: {@code digits} (no sign), the decimal point after {@code iDP} digits. */
  record Decoded(boolean negative, String digits, int iDP) {}

  /** {@code sqlite3FpDecode} for a finite real, before rounding: about {@code n} significant digits. */
  static Decoded decode(double r, int n) {
    boolean negative = r < 0;
    if (r == 0.0) {
      return new Decoded(false, "0", 1);
    }
    long bits = Double.doubleToRawLongBits(Math.abs(r));
    int e = (int) ((bits >>> 52) & 0x7ff);
    long v = bits & 0x000fffffffffffffL;
    if (e == 0) {
      int nn = Long.numberOfLeadingZeros(v);
      v <<= nn;
      e = -1074 - nn;
    } else {
      v = (v << 11) | 0x8000000000000000L;
      e -= 1086;
    }
    int p = n - 1 - pwr2to10(e + 63);
    long[] lo = new long[1];
    long h = u(v).multiply(u(powerOfTen(p, lo))).shiftRight(64).longValue();
    long d;
    if (n == 18) {
      h >>>= -(e + pwr10to2(p) + 2);
      d = (h + ((h << 1) & 2)) >>> 1;
    } else {
      d = h >>> -(e + pwr10to2(p) + 1);
    }
    String digits = Long.toUnsignedString(d);
    return new Decoded(negative, digits, digits.length() - p);
  }
}
