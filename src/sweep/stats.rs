//! Means and 95 % confidence half-widths over replications.
//!
//! The half-width is `t(0.975, n - 1) * s / sqrt(n)` with `s` the sample
//! standard deviation and `t` Student's quantile: replications are
//! independent runs (different seeds), so their results are independent
//! samples, but there are few of them, so the normal quantile 1.96 would be
//! too narrow.

/// Student's t quantile at 0.975 for `df` degrees of freedom (df >= 1).
/// Exact table values (to four decimals) up to 30, then the Cornish-Fisher
/// expansion, accurate to better than 1e-4 beyond.
pub fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010, 2.1788,
        2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639,
        2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ];
    if (1..=30).contains(&df) {
        return TABLE[df - 1];
    }
    cornish_fisher(1.959_963_984_540_054, df as f64)
}

/// Student's t quantile at `(1 + level) / 2` for `df` degrees of freedom
/// (df >= 1), for the two-sided confidence levels 0.9, 0.95 and 0.99
/// (other levels: 0.95). Table values to four decimals up to 30, then the
/// Cornish-Fisher expansion around the normal quantile.
pub fn t_two_sided(level: f64, df: usize) -> f64 {
    const T95: [f64; 30] = [
        6.3138, 2.9200, 2.3534, 2.1318, 2.0150, 1.9432, 1.8946, 1.8595, 1.8331, 1.8125, 1.7959, 1.7823,
        1.7709, 1.7613, 1.7531, 1.7459, 1.7396, 1.7341, 1.7291, 1.7247, 1.7207, 1.7171, 1.7139, 1.7109,
        1.7081, 1.7056, 1.7033, 1.7011, 1.6991, 1.6973,
    ];
    const T995: [f64; 30] = [
        63.6567, 9.9248, 5.8409, 4.6041, 4.0321, 3.7074, 3.4995, 3.3554, 3.2498, 3.1693, 3.1058, 3.0545,
        3.0123, 2.9768, 2.9467, 2.9208, 2.8982, 2.8784, 2.8609, 2.8453, 2.8314, 2.8188, 2.8073, 2.7969,
        2.7874, 2.7787, 2.7707, 2.7633, 2.7564, 2.7500,
    ];
    let (table, z) = if level == 0.9 {
        (&T95, 1.644_853_626_951_472_2)
    } else if level == 0.99 {
        (&T995, 2.575_829_303_548_900_4)
    } else {
        return t975(df);
    };
    if (1..=30).contains(&df) {
        return table[df - 1];
    }
    cornish_fisher(z, df as f64)
}

fn cornish_fisher(z: f64, n: f64) -> f64 {
    z + (z.powi(3) + z) / (4.0 * n)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
        + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / (384.0 * n.powi(3))
}

/// Mean and confidence half-width at `level` (see [`t_two_sided`]) of
/// `xs`; the half-width is `None` with fewer than two values.
pub fn mean_ci(xs: &[f64], level: f64) -> Option<(f64, Option<f64>)> {
    let (mean, h) = mean_ci95(xs)?;
    let scale = if xs.len() >= 2 { t_two_sided(level, xs.len() - 1) / t975(xs.len() - 1) } else { 1.0 };
    Some((mean, h.map(|h| h * scale)))
}

/// Mean and 95 % confidence half-width of `xs`; the half-width is `None`
/// with fewer than two values.
pub fn mean_ci95(xs: &[f64]) -> Option<(f64, Option<f64>)> {
    if xs.is_empty() {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return Some((mean, None));
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some((mean, Some(t975(xs.len() - 1) * (var / n).sqrt())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles() {
        assert_eq!(t975(1), 12.7062);
        assert_eq!(t975(4), 2.7764);
        // Reference values: t(0.975, 40) = 2.0211, 60: 2.0003, 120: 1.9799.
        assert!((t975(40) - 2.0211).abs() < 2e-4, "{}", t975(40));
        assert!((t975(60) - 2.0003).abs() < 2e-4);
        assert!((t975(120) - 1.9799).abs() < 2e-4);
        assert!((t975(100_000) - 1.96).abs() < 1e-3);
    }

    /// The t distribution's upper tail beyond `t`, by Simpson's rule on its
    /// density (the reference the tables are checked against).
    fn upper_tail(t: f64, df: usize) -> f64 {
        let nu = df as f64;
        let ln_gamma = |x: f64| {
            // Lanczos (g = 7, n = 9), accurate to about 1e-15 for x > 0.5.
            const C: [f64; 9] = [
                0.999_999_999_999_809_9,
                676.520_368_121_885_1,
                -1_259.139_216_722_402_8,
                771.323_428_777_653_1,
                -176.615_029_162_140_6,
                12.507_343_278_686_905,
                -0.138_571_095_265_720_12,
                9.984_369_578_019_572e-6,
                1.505_632_735_149_311_6e-7,
            ];
            let x = x - 1.0;
            let t = x + 7.5;
            let s: f64 = C[0] + (1..9).map(|i| C[i] / (x + i as f64)).sum::<f64>();
            0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + s.ln()
        };
        let c = (ln_gamma((nu + 1.0) / 2.0) - ln_gamma(nu / 2.0)).exp() / (nu * std::f64::consts::PI).sqrt();
        let density = |x: f64| c * (1.0 + x * x / nu).powf(-(nu + 1.0) / 2.0);
        // Substituting x = t / u maps (t, inf) to (0, 1].
        let f = |u: f64| if u == 0.0 { 0.0 } else { density(t / u) * t / (u * u) };
        let n = 20_000;
        let h = 1.0 / n as f64;
        let sum: f64 = (0..=n)
            .map(|i| {
                f(i as f64 * h)
                    * if i == 0 || i == n {
                        1.0
                    } else if i % 2 == 1 {
                        4.0
                    } else {
                        2.0
                    }
            })
            .sum();
        sum * h / 3.0
    }

    #[test]
    fn t_quantiles_at_every_level_match_the_distribution() {
        for level in [0.9, 0.95, 0.99] {
            for df in [1, 2, 3, 5, 10, 29, 30, 31, 60, 200] {
                let t = t_two_sided(level, df);
                let tail = upper_tail(t, df);
                let want = (1.0 - level) / 2.0;
                assert!(
                    (tail - want).abs() < want * 2e-3,
                    "level {level}, df {df}: tail {tail}, want {want}"
                );
            }
        }
        let (m, h) = mean_ci(&[1.0, 2.0, 3.0], 0.99).unwrap();
        assert_eq!(m, 2.0);
        assert!((h.unwrap() - 9.9248 / 3f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn mean_and_half_width() {
        assert_eq!(mean_ci95(&[]), None);
        assert_eq!(mean_ci95(&[3.0]), Some((3.0, None)));
        let (m, h) = mean_ci95(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(m, 3.0);
        // s = sqrt(2.5), n = 5: 2.7764 * sqrt(2.5 / 5).
        assert!((h.unwrap() - 2.7764 * 0.5f64.sqrt()).abs() < 1e-12);
    }
}
