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
    let z = 1.959_963_984_540_054_f64;
    let n = df as f64;
    z + (z.powi(3) + z) / (4.0 * n)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
        + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / (384.0 * n.powi(3))
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
