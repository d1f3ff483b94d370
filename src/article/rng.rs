//! The small part of numpy's legacy `RandomState` that scikit-learn's splitters draw from.
//!
//! scikit-learn turns `random_state=3` into `np.random.RandomState(3)`: a Mersenne Twister seeded
//! with `init_genrand(3)`. To pick the same rows we replay the same draws: bounded integers by
//! masked rejection (`random_interval`), Fisher–Yates `shuffle`, `permutation` and `choice`
//! without replacement. The generator itself comes from `rand_mt`; only the few numpy algorithms
//! on top of it are written here, because no crate reproduces numpy's legacy draws.

use rand_mt::Mt;

/// numpy's legacy `RandomState`, limited to the draws scikit-learn's splitters make.
///
/// ```
/// use model_persistence::article::rng::RandomState;
///
/// // np.random.RandomState(3).permutation(5) is [3, 4, 1, 0, 2].
/// let mut rng = RandomState::new(3);
/// assert_eq!(rng.permutation(5), vec![3, 4, 1, 0, 2]);
/// ```
#[derive(Debug, Clone)]
pub struct RandomState {
    mt: Mt,
}

impl RandomState {
    /// Seeds the generator as `np.random.RandomState(seed)` does for an integer seed.
    ///
    /// ```
    /// # use model_persistence::article::rng::RandomState;
    /// let a = RandomState::new(42).permutation(10);
    /// assert_eq!(a, RandomState::new(42).permutation(10));
    /// ```
    pub fn new(seed: u32) -> Self {
        RandomState { mt: Mt::new(seed) }
    }

    /// A uniform integer in `0..=max`, drawn as numpy's `random_interval`: mask the next output
    /// to the bits of `max` and reject values above it.
    ///
    /// ```
    /// # use model_persistence::article::rng::RandomState;
    /// let mut rng = RandomState::new(0);
    /// assert!((0..100).all(|_| rng.interval(6) <= 6));
    /// assert_eq!(rng.interval(0), 0);
    /// ```
    pub fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mask = u64::MAX >> max.leading_zeros();
        loop {
            let value = if max <= u64::from(u32::MAX) {
                u64::from(self.mt.next_u32()) & mask
            } else {
                self.mt.next_u64() & mask
            };
            if value <= max {
                return value;
            }
        }
    }

    /// Shuffles `items` in place as numpy's `shuffle` does for a one-dimensional array.
    ///
    /// ```
    /// # use model_persistence::article::rng::RandomState;
    /// let mut items = ['a', 'b', 'c', 'd', 'e'];
    /// RandomState::new(3).shuffle(&mut items);
    /// assert_eq!(items, ['d', 'e', 'b', 'a', 'c']); // numpy gives the same
    /// ```
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            // `interval(i)` is at most `i`, which is a valid index.
            let j = self.interval(i as u64) as usize;
            items.swap(i, j);
        }
    }

    /// `0..n` in random order, as `RandomState.permutation(n)`.
    ///
    /// ```
    /// # use model_persistence::article::rng::RandomState;
    /// let mut p = RandomState::new(7).permutation(6);
    /// p.sort();
    /// assert_eq!(p, vec![0, 1, 2, 3, 4, 5]);
    /// ```
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut items: Vec<usize> = (0..n).collect();
        self.shuffle(&mut items);
        items
    }

    /// `k` distinct items of `population`, as `RandomState.choice(population, k, replace=False)`,
    /// which takes the first `k` entries of a permutation of the positions.
    ///
    /// ```
    /// # use model_persistence::article::rng::RandomState;
    /// // np.random.RandomState(1).choice([10, 20, 30, 40], 2, replace=False) is [40, 30].
    /// assert_eq!(RandomState::new(1).choice(&[10, 20, 30, 40], 2), vec![40, 30]);
    /// ```
    pub fn choice<T: Copy>(&mut self, population: &[T], k: usize) -> Vec<T> {
        self.permutation(population.len())
            .into_iter()
            .take(k)
            .map(|i| population[i])
            .collect()
    }
}
