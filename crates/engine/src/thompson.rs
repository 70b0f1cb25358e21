//! Thompson sampling over the variations' feedback posteriors: one draw from each
//! eligible variation's Beta(α, β); the highest runs. Draws come from the injected
//! [`Random`] port, so tests can seed them.
//!
//! Beta(α, β) = X / (X + Y) with X ~ Gamma(α), Y ~ Gamma(β) (Marsaglia and Tsang's
//! method for the gammas, Box–Muller for its normals).

use ports::Random;

/// A uniform float in (0, 1): 53 random bits, never exactly 0.
fn unit(random: &dyn Random) -> f64 {
    ((random.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

fn normal(random: &dyn Random) -> f64 {
    let (u1, u2) = (unit(random), unit(random));
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// One draw from Gamma(shape, 1); `shape` > 0.
fn gamma(random: &dyn Random, shape: f64) -> f64 {
    if shape < 1.0 {
        // Gamma(a) = Gamma(a + 1) · U^(1/a)
        return gamma(random, shape + 1.0) * unit(random).powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(random);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = unit(random);
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// One draw from Beta(alpha, beta); both > 0 (non-positive values count as 1, the prior).
pub fn beta(random: &dyn Random, alpha: f64, beta: f64) -> f64 {
    let a = if alpha > 0.0 { alpha } else { 1.0 };
    let b = if beta > 0.0 { beta } else { 1.0 };
    let x = gamma(random, a);
    let y = gamma(random, b);
    x / (x + y)
}

/// The index of the candidate with the highest draw; candidates are (α, β).
pub fn choose(random: &dyn Random, candidates: &[(f64, f64)]) -> Option<usize> {
    candidates
        .iter()
        .map(|(a, b)| beta(random, *a, *b))
        .enumerate()
        .max_by(|x, y| x.1.total_cmp(&y.1))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use host::native::SeededRandom;

    fn mean_and_variance(a: f64, b: f64, n: usize) -> (f64, f64) {
        let random = SeededRandom::new(11);
        let draws: Vec<f64> = (0..n).map(|_| beta(&random, a, b)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(draws.iter().all(|d| (0.0..=1.0).contains(d)));
        (mean, var)
    }

    #[test]
    fn draws_have_the_beta_distributions_mean_and_variance() {
        for (a, b) in [(1.0, 1.0), (41.0, 1.0), (1.0, 41.0), (3.0, 7.0), (0.5, 0.5)] {
            let (mean, var) = mean_and_variance(a, b, 20_000);
            let want_mean = a / (a + b);
            let want_var = a * b / ((a + b).powi(2) * (a + b + 1.0));
            assert!(
                (mean - want_mean).abs() < 0.01,
                "Beta({a}, {b}) mean {mean} vs {want_mean}"
            );
            assert!(
                (var - want_var).abs() < 0.01,
                "Beta({a}, {b}) variance {var} vs {want_var}"
            );
        }
    }

    #[test]
    fn the_well_rated_variation_wins_most_draws_and_equals_split() {
        let random = SeededRandom::new(5);
        let wins = (0..1000)
            .filter(|_| choose(&random, &[(41.0, 1.0), (1.0, 41.0)]) == Some(0))
            .count();
        assert!(wins >= 990, "{wins}");
        let wins = (0..2000)
            .filter(|_| choose(&random, &[(5.0, 5.0), (5.0, 5.0)]) == Some(0))
            .count();
        assert!((900..1100).contains(&wins), "{wins}");
        assert_eq!(choose(&random, &[]), None);
    }
}
