//! MT19937 with numpy's `init_genrand` seeding, generated a whole block of 624 outputs at a time,
//! and the `init_genrand` states of several seeds computed side by side.

/// MT19937's state size `N` (one block of outputs).
pub(super) const MT_N: usize = 624;
/// MT19937's middle offset `M`.
pub(super) const MT_M: usize = 397;

/// MT19937 (`init_genrand` seeding) producing whole tempered blocks of 624 outputs: the same
/// stream as [`Mt`](rand_mt::Mt) / numpy's `mt19937_gen`, generated with vectorisable loops.
pub(super) struct MtBlocks {
    pub(super) key: [u32; MT_N],
}

impl MtBlocks {
    /// `init_genrand(seed)` (numpy's `mt19937_seed`), one seed at a time: the reference for
    /// [`MtBlocks::seeded`].
    #[cfg(test)]
    pub(super) fn new(seed: u32) -> Self {
        let mut key = [0u32; MT_N];
        key[0] = seed;
        for i in 1..MT_N {
            let prev = key[i - 1];
            key[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        MtBlocks { key }
    }

    /// `MtBlocks::new(seed)`, from this thread's seeds computed ahead ([`SEEDS_AHEAD`] at a
    /// time): a worker taking consecutive images takes consecutive seeds.
    pub(super) fn seeded(seed: u32) -> Self {
        thread_local! {
            static AHEAD: std::cell::RefCell<Option<Box<SeedsAhead>>> =
                const { std::cell::RefCell::new(None) };
        }
        AHEAD.with_borrow_mut(|ahead| {
            let a = ahead.get_or_insert_with(|| {
                Box::new(SeedsAhead {
                    first: 0,
                    n: 0,
                    keys: [[0; MT_N]; SEEDS_AHEAD],
                })
            });
            let mut lane = seed.wrapping_sub(a.first) as usize;
            if lane >= a.n {
                a.first = seed;
                // Seeds past u32::MAX are not numpy seeds; their lanes wrap and go unused.
                a.n = SEEDS_AHEAD.min((u32::MAX - seed) as usize + 1);
                init_genrand_ahead(seed, &mut a.keys);
                lane = 0;
            }
            MtBlocks { key: a.keys[lane] }
        })
    }

    /// The next 624 tempered outputs (numpy's `mt19937_gen` followed by 624 `next_u32`).
    #[inline(always)]
    pub(super) fn next_block(&mut self, out: &mut [u32; MT_N]) {
        #[inline(always)]
        fn mix(a: u32, b: u32) -> u32 {
            let y = (a & 0x8000_0000) | (b & 0x7fff_ffff);
            (y >> 1) ^ ((y & 1).wrapping_neg() & 0x9908_b0df)
        }
        // The sequential twist `key[i] = key[(i + M) % N] ^ mix(key[i], key[(i + 1) % N])`
        // for i = 0 .. N, split where `key[(i + M) % N]` switches from old to new values.
        let old = self.key;
        let key = &mut self.key;
        const D: usize = MT_N - MT_M; // 227
        for i in 0..D {
            key[i] = old[i + MT_M] ^ mix(old[i], old[i + 1]);
        }
        for i in D..2 * D {
            key[i] = key[i - D] ^ mix(old[i], old[i + 1]);
        }
        for i in 2 * D..MT_N - 1 {
            key[i] = key[i - D] ^ mix(old[i], old[i + 1]);
        }
        key[MT_N - 1] = key[MT_M - 1] ^ mix(old[MT_N - 1], key[0]);
        for (o, &k) in out.iter_mut().zip(key.iter()) {
            let mut y = k;
            y ^= y >> 11;
            y ^= (y << 7) & 0x9d2c_5680;
            y ^= (y << 15) & 0xefc6_0000;
            y ^= y >> 18;
            *o = y;
        }
    }
}

/// Seeds initialised together by [`init_genrand_ahead`].
const SEEDS_AHEAD: usize = 16;

/// `init_genrand` states of seeds `first ..= first + n - 1` (see [`MtBlocks::seeded`]).
struct SeedsAhead {
    first: u32,
    n: usize,
    keys: [[u32; MT_N]; SEEDS_AHEAD],
}

/// `keys[l] = MtBlocks::new(first + l).key` (wrapping) for every lane `l`. `init_genrand` is 623
/// dependent steps of a multiply and a shift (about 1 µs, a quarter of the noise of a 32 × 32
/// image); side by side in vector lanes, 16 seeds take about as long as one.
#[multiversion::multiversion(targets = "simd")]
fn init_genrand_ahead(first: u32, keys: &mut [[u32; MT_N]; SEEDS_AHEAD]) {
    let mut cur: [u32; SEEDS_AHEAD] = std::array::from_fn(|l| first.wrapping_add(l as u32));
    for i in 0..MT_N {
        if i > 0 {
            for c in cur.iter_mut() {
                *c = 1_812_433_253u32
                    .wrapping_mul(*c ^ (*c >> 30))
                    .wrapping_add(i as u32);
            }
        }
        for (key, &c) in keys.iter_mut().zip(&cur) {
            key[i] = c;
        }
    }
}
