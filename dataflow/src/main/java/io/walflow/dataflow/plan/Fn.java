package io.walflow.dataflow.plan;

/**
 * The scalar operators and functions a view may use, with SQLite's semantics (three-valued logic,
 * affinity rules in comparisons, integer arithmetic with overflow to real, integer division).
 */
public enum Fn {
  /** {@code =}: two arguments. */
  EQ,
  NE,
  LT,
  LE,
  GT,
  GE,
  /** {@code IS} (NULL-safe equality). */
  IS,
  IS_NOT,
  AND,
  OR,
  NOT,
  IS_NULL,
  IS_NOT_NULL,
  PLUS,
  MINUS,
  TIMES,
  DIVIDE,
  MOD,
  NEGATE,
  /** {@code ||}. */
  CONCAT,
  /** {@code a LIKE b}: two arguments (no ESCAPE); ASCII case-insensitive, like SQLite's default. */
  LIKE,
  /** {@code a IN (b, c, …)}: the first argument is the needle, the rest the list. */
  IN,
  /** {@code a NOT IN (b, c, …)}. */
  NOT_IN,
  COALESCE,
  IFNULL,
  NULLIF,
  ABS,
  LOWER,
  UPPER,
  LENGTH,
  /** {@code substr(x, start[, length])}. */
  SUBSTR,
  /** {@code round(x[, digits])}. */
  ROUND,
  /** {@code typeof(x)}. */
  TYPEOF
}
