/**
 * mulberry32: a small seeded PRNG for property-style tests, so that a failure reproduces (and
 * with usable low bits, unlike a plain LCG's, which are periodic).
 */
function next32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Uniform floats in [0, 1). */
export function rng(seed: number): () => number {
  const n = next32(seed);
  return () => n() / 4294967296;
}

/** Uniform integers in [0, k). */
export function rngInt(seed: number): (k: number) => number {
  const n = next32(seed);
  return (k) => n() % k;
}
