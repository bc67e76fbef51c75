// Deterministic model inputs, defined bit for bit like tests/models/seeded_inputs.cc (the C++
// twin); tests/models/README.md is the specification. Both sides must change together.
'use strict';

const MASK64 = (1n << 64n) - 1n;

// The documented default seed: ASCII "mota-ref" as a big-endian u64.
const DEFAULT_SEED = 0x6d6f74612d726566n;
// Integer inputs draw from [0, INT_RANGE) unless a spec says otherwise.
const DEFAULT_INT_RANGE = 16;

// FNV-1a 64 over the UTF-8 bytes of `text`.
function fnv1a64(text) {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & MASK64;
  }
  return h;
}

// splitmix64 (Steele, Lea, Flood 2014), the generator used by java.util.SplittableRandom.
class SplitMix64 {
  constructor(state) { this.state = state & MASK64; }
  next() {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  }
}

// The stream for input `index` (0-based, in the model's input order) of model `model`.
function streamSeed(seed, model, index) {
  return (BigInt(seed) ^ fnv1a64(`${model}/${index}`)) & MASK64;
}

const TYPED = {
  float32: Float32Array, float16: Uint16Array, int64: BigInt64Array, int32: Int32Array,
  int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
};

// One element from one 64-bit draw `x`. Every float result is exact in its type.
function element(dtype, x, intRange) {
  switch (dtype) {
    case 'float32': return Number(x >> 40n) / 2 ** 24 * 2 - 1;  // k/2^23 - 1, k < 2^24
    case 'float16': return halfBits(Number(x >> 53n) / 2 ** 11 * 2 - 1);  // k/2^10 - 1, k < 2^11
    case 'int64': return BigInt.asIntN(64, (x >> 32n) % BigInt(intRange));
    case 'int32': return Number((x >> 32n) % BigInt(intRange));
    case 'int8': return Number(BigInt.asIntN(8, x >> 56n));
    case 'uint8': return Number(x >> 56n);
    case 'bool': return Number(x >> 63n);
    default: throw new Error(`seeded input: dtype '${dtype}' is not supported (expected one of ${Object.keys(TYPED)})`);
  }
}

// IEEE half bits of a value that is exactly representable as a half (all values above are).
function halfBits(value) {
  const f = new Float32Array([value]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  const mant = u & 0x7fffff;
  if (value === 0) return sign;
  if (exp <= 0) return sign | ((mant | 0x800000) >>> (14 - exp));  // subnormal half
  return sign | (exp << 10) | (mant >>> 13);
}

function numel(shape) { return shape.reduce((a, b) => a * b, 1); }

// Returns a typed array of numel(shape) elements of `dtype` for input `index` of `model`.
function seededInput(model, index, dtype, shape, { seed = DEFAULT_SEED, intRange = DEFAULT_INT_RANGE } = {}) {
  const Typed = TYPED[dtype];
  if (!Typed) element(dtype, 0n, intRange);  // throws the descriptive error
  const out = new Typed(numel(shape));
  const rng = new SplitMix64(streamSeed(seed, model, index));
  for (let i = 0; i < out.length; ++i) out[i] = element(dtype, rng.next(), intRange);
  return out;
}

module.exports = { DEFAULT_SEED, DEFAULT_INT_RANGE, fnv1a64, SplitMix64, streamSeed, seededInput };
