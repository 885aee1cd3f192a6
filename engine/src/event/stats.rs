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
