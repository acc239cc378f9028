#!/usr/bin/env python3
"""Writes the table of src/scenario/exp.rs: for k in 0..128, 2^(k/128) as a
double H and its relative error T (2^(k/128) = H (1 + T)), each rounded to
nearest, from a 300-bit integer 128th root of 2^k. Printed as the Rust
array's lines: the bits of T, then the bits of H less (k << 45).

    python3 docs/exp_table.py
"""
import struct
from fractions import Fraction

BITS = 300  # precision of the roots, far beyond the 106 bits H and T need
N = 128


def iroot(a, n):
    """floor(a ** (1 / n)), by Newton's method on integers."""
    x = 1 << ((a.bit_length() + n - 1) // n)
    while True:
        y = ((n - 1) * x + a // x ** (n - 1)) // n
        if y >= x:
            return x
        x = y


def nearest_double(q):
    """The double nearest to the fraction q (ties to even)."""
    if q == 0:
        return 0.0
    sign, q = (-1.0 if q < 0 else 1.0), abs(q)
    e = q.numerator.bit_length() - q.denominator.bit_length()
    while Fraction(2) ** e > q:
        e -= 1
    while Fraction(2) ** (e + 1) <= q:
        e += 1
    scaled = q / Fraction(2) ** (e - 52)  # in [2^52, 2^53)
    m, rest = divmod(scaled.numerator, scaled.denominator)
    rest = Fraction(rest, scaled.denominator)
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and m % 2 == 1):
        m += 1
    return sign * float(m) * 2.0 ** (e - 52)


def bits(d):
    return struct.unpack("<Q", struct.pack("<d", d))[0]


for k in range(N):
    exact = Fraction(iroot(1 << (k + N * BITS), N), 1 << BITS)
    h = nearest_double(exact)
    t = nearest_double((exact - Fraction(h)) / Fraction(h))
    print(f"    0x{bits(t):016x}, 0x{(bits(h) - (k << 45)) % 2**64:016x},")
