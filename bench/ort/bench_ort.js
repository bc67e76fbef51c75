#!/usr/bin/env node
// ONNX Runtime side of bench/run_bench.js: one model, one thread count, one fresh process.
//
//   node bench_ort.js MODEL.onnx THREADS N WARMUP [--input NAME=FILE.npy]... [--shape NAME=DIMS]...
//   node bench_ort.js MODEL.onnx --write-inputs DIR [--shape NAME=DIMS]...
//
// The first form prints one JSON object with the fields of `mota run --json --bench`:
// create_ms (InferenceSession.create), first_run_ms, bench {runs, warmup, median_ms, p90_ms,
// p99_ms, min_ms, mean_ms, max_ms} and peak_rss_bytes (this process's maxRSS; the driver
// subtracts a bare Node process's). Inputs come from --input .npy files (what the driver passes,
// so mota and ORT read the same bytes) or else from seeded_inputs.js. The session uses the CPU
// execution provider, graph optimization 'all', intra-op THREADS and inter-op 1 threads.
//
// The second form writes each input's seeded value (seeded_inputs.js, default seed) to
// DIR/<name>.npy and prints a JSON array [{name, dtype, shape, file}].
'use strict';

const fs = require('fs');
const path = require('path');
const { performance } = require('perf_hooks');
const ort = require('onnxruntime-node');
const { seededInput } = require('./seeded_inputs');

const NPY_DESCR = {
  float32: '<f4', float16: '<f2', float64: '<f8', int64: '<i8', int32: '<i4',
  int8: '|i1', uint8: '|u1', bool: '|b1',
};
const TYPED = {
  float32: Float32Array, float16: Uint16Array, float64: Float64Array, int64: BigInt64Array,
  int32: Int32Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
};

function usage(message) {
  throw new Error(`${message}\nusage: bench_ort.js MODEL.onnx THREADS N WARMUP ` +
    '[--input NAME=FILE.npy]... [--shape NAME=DIMS]...\n' +
    '       bench_ort.js MODEL.onnx --write-inputs DIR [--shape NAME=DIMS]...');
}

function parseCount(text, what, min) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) usage(`${what} '${text}' is not an integer >= ${min}`);
  return n;
}

function parseNamed(text, flag) {
  const eq = text === undefined ? -1 : text.indexOf('=');
  if (eq <= 0) usage(`${flag} needs NAME=VALUE, got '${text}'`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

function parseArgs(argv) {
  const args = { inputs: {}, shapes: {}, writeInputs: null, positional: [] };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--input') {
      const [name, file] = parseNamed(argv[++i], a);
      args.inputs[name] = file;
    } else if (a === '--shape') {
      const [name, dims] = parseNamed(argv[++i], a);
      args.shapes[name] = dims.split(',').map((d) => parseCount(d, `--shape ${name} dim`, 0));
    } else if (a === '--write-inputs') {
      if (argv[i + 1] === undefined) usage('--write-inputs needs a directory');
      args.writeInputs = argv[++i];
    } else if (a.startsWith('--')) {
      usage(`unknown option '${a}'`);
    } else {
      args.positional.push(a);
    }
  }
  const want = args.writeInputs === null ? 4 : 1;
  if (args.positional.length !== want) {
    usage(`expected ${want} positional argument(s), got ${args.positional.length}`);
  }
  args.model = args.positional[0];
  if (want === 4) {
    args.threads = parseCount(args.positional[1], 'THREADS', 1);
    args.runs = parseCount(args.positional[2], 'N', 1);
    args.warmup = parseCount(args.positional[3], 'WARMUP', 0);
  }
  return args;
}

// numpy .npy format 1.0: magic, version, u16 header length, a dict padded to 64 bytes, data.
function npyBytes(descr, shape, data) {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(prefix, 0);
  prefix[6] = 1;
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]);
}

// Reads an .npy written by npyBytes (or numpy): little-endian, C order.
function readNpy(file, meta) {
  const bytes = fs.readFileSync(file);
  if (bytes.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not an .npy file`);
  const major = bytes[6];
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (descr !== NPY_DESCR[meta.type]) {
    throw new Error(`${file}: dtype '${descr}', expected '${NPY_DESCR[meta.type]}' ` +
      `(${meta.type}) for input '${meta.name}'`);
  }
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order unsupported`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim())
    .filter((s) => s !== '').map(Number);
  const Typed = TYPED[meta.type];
  const body = bytes.subarray(start + headerLen);
  // Copy into an aligned buffer: typed arrays need offsets that are a multiple of the size.
  const data = new Typed(body.byteLength / Typed.BYTES_PER_ELEMENT);
  Buffer.from(data.buffer).set(body);
  return { data, shape };
}

function inputShape(meta, shapes) {
  if (shapes[meta.name]) return shapes[meta.name];
  if (!meta.shape.every(Number.isInteger)) {
    throw new Error(`input '${meta.name}' has dynamic shape ${JSON.stringify(meta.shape)}: ` +
      `pass --shape ${meta.name}=DIMS`);
  }
  return meta.shape;
}

function modelStem(file) { return path.basename(file).replace(/\.onnx$/, ''); }

function makeFeeds(session, args) {
  const feeds = {};
  session.inputMetadata.forEach((meta, index) => {
    let data;
    let shape;
    if (args.inputs[meta.name]) {
      ({ data, shape } = readNpy(args.inputs[meta.name], meta));
    } else {
      shape = inputShape(meta, args.shapes);
      data = seededInput(modelStem(args.model), index, meta.type, shape);
    }
    feeds[meta.name] = new ort.Tensor(meta.type, data, shape);
  });
  for (const name of Object.keys(args.inputs)) {
    if (!session.inputNames.includes(name)) {
      throw new Error(`--input ${name}: the model has no such input ` +
        `(its inputs: ${session.inputNames})`);
    }
  }
  return feeds;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

function latencyStats(samples, warmup) {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return {
    runs: n, warmup, median_ms: median, p90_ms: percentile(s, 0.9), p99_ms: percentile(s, 0.99),
    min_ms: s[0], mean_ms: s.reduce((a, b) => a + b, 0) / n, max_ms: s[n - 1],
  };
}

function sessionOptions(threads) {
  return {
    executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: threads,
    interOpNumThreads: 1, executionMode: 'sequential',
  };
}

async function writeInputs(args) {
  const session = await ort.InferenceSession.create(args.model, sessionOptions(1));
  fs.mkdirSync(args.writeInputs, { recursive: true });
  const list = session.inputMetadata.map((meta, index) => {
    const shape = inputShape(meta, args.shapes);
    const data = seededInput(modelStem(args.model), index, meta.type, shape);
    const file = path.join(args.writeInputs, `${meta.name.replace(/[^A-Za-z0-9._-]/g, '_')}.npy`);
    fs.writeFileSync(file, npyBytes(NPY_DESCR[meta.type], shape, data));
    return { name: meta.name, dtype: meta.type, shape, file: path.resolve(file) };
  });
  console.log(JSON.stringify(list));
}

async function bench(args) {
  // Timed like `mota run`: from session creation (mota: model load) through the first run;
  // loading Node and the ORT library is outside, as mota's process start is.
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(args.model, sessionOptions(args.threads));
  const createMs = performance.now() - t0;
  const feeds = makeFeeds(session, args);
  const t1 = performance.now();
  await session.run(feeds);
  const firstRunMs = performance.now() - t1;
  for (let i = 0; i < args.warmup; ++i) await session.run(feeds);
  const samples = [];
  for (let i = 0; i < args.runs; ++i) {
    const t = performance.now();
    await session.run(feeds);
    samples.push(performance.now() - t);
  }
  console.log(JSON.stringify({
    model: args.model, runtime: `onnxruntime-node ${ort.env.versions.node}`,
    execution_provider: 'cpu', graph_optimization_level: 'all', threads: args.threads,
    create_ms: createMs, first_run_ms: firstRunMs, bench: latencyStats(samples, args.warmup),
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,  // maxRSS is in kilobytes
  }));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.writeInputs !== null) await writeInputs(args);
  else await bench(args);
}

main().catch((err) => { console.error(`bench_ort: ${err.message}`); process.exit(1); });
