//! What the benchmarks that time one action many times share.

use std::time::Instant;

/// Median wall time of `action` over `runs` runs, after one warm-up run.
pub fn median(runs: usize, mut action: impl FnMut()) -> f64 {
    action();
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            action();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
