package io.walflow.ingest.change;

/**
 * One SQLite value, in one of SQLite's five storage classes.
 *
 * <p>Values keep the storage class SQLite reports for them ({@code typeof()}), not the column's
 * declared type: a column declared {@code TEXT} may hold an integer, and a consumer that converts
 * would not reproduce {@code SELECT *}. The one conversion SQLite itself applies on read — an
 * integer stored in a REAL-affinity column is read as a real — is applied by the decoder, so values
 * here are what SQLite returns.
 *
 * <p>Equality is by storage class and content: {@code IntegerValue(1)} differs from {@code
 * RealValue(1.0)}; reals compare with {@link Double#compare} semantics (so {@code NaN} equals
 * itself and {@code 0.0} differs from {@code -0.0}).
 */
public sealed interface Value permits IntegerValue, RealValue, TextValue, BlobValue, NullValue {

  /** SQLite's name for this value's storage class, as {@code typeof()} returns it. */
  String storageClass();

  /** An integer value. */
  static Value of(long v) {
    return new IntegerValue(v);
  }

  /** A real value. */
  static Value of(double v) {
    return new RealValue(v);
  }

  /** A text value; {@code v} must not be null (use {@link #ofNull()}). */
  static Value of(String v) {
    return new TextValue(v);
  }

  /** A blob value holding a copy of {@code v}. */
  static Value of(byte[] v) {
    return new BlobValue(v);
  }

  /** The SQL NULL. */
  static Value ofNull() {
    return NullValue.INSTANCE;
  }
}
