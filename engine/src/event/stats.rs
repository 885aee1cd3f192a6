//! Small statistics the judges share.

/// Whether `hits` successes in `trials` are less likely than `p_value` when each has
/// probability `p`, by the Chernoff bound `P(X >= hits) <= exp(-trials * KL(hits/trials || p))`
/// (an upper bound, so the test errs on the side of silence).
pub fn binomial_surprise(hits: u64, trials: u64, p: f64, p_value: f64) -> bool {
    if trials == 0 || hits == 0 {
        return false;
    }
    let q = hits as f64 / trials as f64;
    if q <= p {
        return false;
    }
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    let kl = |a: f64, b: f64| if a <= 0.0 { 0.0 } else { a * (a / b).ln() };
    let divergence = kl(q, p) + kl(1.0 - q, 1.0 - p);
    trials as f64 * divergence >= -p_value.ln()
}

#[cfg(test)]
mod tests {
    use super::binomial_surprise;

    #[test]
    fn surprise_needs_a_share_far_above_the_rate() {
        // Everything failing where 1 in 1,000 fails: surprising from a handful of calls.
        assert!(binomial_surprise(5, 5, 0.001, 1e-3));
        // 6 of 100 where 5% is the norm: expected.
        assert!(!binomial_surprise(6, 100, 0.05, 1e-3));
        // All of 30 where everyone gets it 99% of the time: expected.
        assert!(!binomial_surprise(30, 30, 0.99, 1e-3));
        // All of 150 where two thirds get it: surprising with that many calls.
        assert!(binomial_surprise(150, 150, 0.68, 1e-3));
        assert!(!binomial_surprise(0, 10, 0.0, 1e-3));
        assert!(!binomial_surprise(3, 0, 0.1, 1e-3));
    }
}
