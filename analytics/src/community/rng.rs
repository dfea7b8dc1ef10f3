//! A small seeded generator for Leiden's node orders (SplitMix64): the same seed, the same sequence everywhere.

/// A small, fast, seedable generator (SplitMix64); the same seed gives the same sequence on every platform.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (> 0); slightly biased for huge `n`, which does not matter for shuffling or tests.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Fisher–Yates shuffle.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// A random visiting order of `0..n` that keeps nearby ids together: blocks of `block` consecutive ids in random
    /// order, each block's ids shuffled. On a graph numbered community by community, consecutive visits then read
    /// nearby rows and labels.
    pub(crate) fn block_order(&mut self, n: usize, block: usize) -> Vec<u32> {
        let block = block.max(1);
        let mut blocks: Vec<u32> = (0..n.div_ceil(block) as u32).collect();
        self.shuffle(&mut blocks);
        let mut order = Vec::with_capacity(n);
        for b in blocks {
            let first = b as usize * block;
            let start = order.len();
            order.extend(first as u32..(first + block).min(n) as u32);
            self.shuffle(&mut order[start..]);
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_order_is_a_permutation_of_shuffled_blocks() {
        let order = SplitMix64::new(3).block_order(1000, 64);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<u32>>());
        // Each block's ids come together: the block changes 15 times for 16 blocks (the last one is short).
        let changes = order.windows(2).filter(|w| w[0] / 64 != w[1] / 64).count();
        assert_eq!(changes, 15);
        assert_ne!(order, SplitMix64::new(4).block_order(1000, 64));
        assert_ne!(&order[..64], &(order[0] / 64 * 64..order[0] / 64 * 64 + 64).collect::<Vec<u32>>()[..]);
    }

    #[test]
    fn shuffle_is_a_seeded_permutation() {
        let shuffled = |seed| {
            let mut v: Vec<u32> = (0..50).collect();
            SplitMix64::new(seed).shuffle(&mut v);
            v
        };
        assert_eq!(shuffled(3), shuffled(3));
        assert_ne!(shuffled(3), shuffled(4));
        let mut sorted = shuffled(3);
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<u32>>());
    }
}
