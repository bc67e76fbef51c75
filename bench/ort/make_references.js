#!/usr/bin/env node
// Writes ONNX Runtime reference outputs for the models in <shared>/models, which
// tests/models/models_test.cc compares mota against (so CI needs neither Node nor ORT).
//
//   cd bench/ort && ONNXRUNTIME_NODE_INSTALL=skip npm ci && node make_references.js
//
// Options: --models DIR (default ../../../shared/models), --out DIR (default
// ../../tests/models/reference), --seed N (default 0x6d6f74612d726566), --only NAME[,NAME].
// For each model it writes <out>/<model>/<output name>.npy and <out>/<model>/inputs.json.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');
const { DEFAULT_SEED, DEFAULT_INT_RANGE, seededInput } = require('./seeded_inputs');

// Every model the test covers. `shapes` fixes dynamic input dims (the test passes the same
// shapes to the converter as InputShapeOverride).
const MODELS = [
  { name: 'mobilenet_v2' },
  { name: 'resnet18' },
  { name: 'squeezenet1_1' },
  { name: 'mlp_784_256_10' },
  { name: 'transformer_block_t128_d256' },
  { name: 'ch_ppocr_mobile_v2.0_cls_infer', shapes: { x: [1, 3, 48, 192] } },
];

// ORT tensor type -> numpy descr.
const NPY_DESCR = {
  float32: '<f4', float16: '<f2', float64: '<f8', int64: '<i8', int32: '<i4',
  int8: '|i1', uint8: '|u1', bool: '|b1',
};

function parseArgs(argv) {
  const args = {
    models: path.resolve(__dirname, '../../../shared/models'),
    out: path.resolve(__dirname, '../../tests/models/reference'),
    seed: DEFAULT_SEED,
    only: null,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`option ${key} needs a value`);
    if (key === '--models') args.models = path.resolve(value);
    else if (key === '--out') args.out = path.resolve(value);
    else if (key === '--seed') args.seed = BigInt(value);
    else if (key === '--only') args.only = value.split(',');
    else throw new Error(`unknown option '${key}' (expected --models, --out, --seed or --only)`);
  }
  return args;
}

// numpy .npy format 1.0: magic, version, u16 header length, a dict padded to 64 bytes, data.
function npyBytes(descr, shape, data) {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(prefix, 0);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]);
}

function sha256(bytes) { return crypto.createHash('sha256').update(bytes).digest('hex'); }
function typedBytes(a) { return Buffer.from(a.buffer, a.byteOffset, a.byteLength); }

function inputShape(model, meta) {
  const fixed = model.shapes && model.shapes[meta.name];
  if (fixed) return fixed;
  if (!meta.shape.every(Number.isInteger)) {
    throw new Error(`${model.name}: input '${meta.name}' has dynamic shape ` +
      `${JSON.stringify(meta.shape)}; add fixed dims to MODELS[].shapes`);
  }
  return meta.shape;
}

async function makeReference(model, args) {
  const file = path.join(args.models, `${model.name}.onnx`);
  const modelSha = sha256(fs.readFileSync(file));
  // CPU EP, default graph optimizations ('all'); one thread so reruns are bit-identical.
  const session = await ort.InferenceSession.create(file, {
    executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const feeds = {};
  const inputs = session.inputMetadata.map((meta, index) => {
    const shape = inputShape(model, meta);
    const data = seededInput(model.name, index, meta.type, shape, { seed: args.seed });
    feeds[meta.name] = new ort.Tensor(meta.type, data, shape);
    return { name: meta.name, dtype: meta.type, shape, sha256: sha256(typedBytes(data)) };
  });
  const results = await session.run(feeds);
  const dir = path.join(args.out, model.name);
  fs.mkdirSync(dir, { recursive: true });
  const outputs = session.outputNames.map((name) => {
    const t = results[name];
    const descr = NPY_DESCR[t.type];
    if (!descr) throw new Error(`${model.name}: output '${name}' has type ${t.type}, no npy mapping`);
    const bytes = npyBytes(descr, t.dims, t.data);
    const fileName = `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.npy`;
    fs.writeFileSync(path.join(dir, fileName), bytes);
    return { name, file: fileName, dtype: t.type, shape: Array.from(t.dims), npy_sha256: sha256(bytes) };
  });
  await session.release();
  const record = {
    model: `${model.name}.onnx`, model_sha256: modelSha,
    generator: 'bench/ort/make_references.js', onnxruntime: `onnxruntime-node ${ort.env.versions.node}`,
    execution_provider: 'cpu', graph_optimization_level: 'all', intra_op_threads: 1,
    seed: `0x${args.seed.toString(16)}`, int_range: DEFAULT_INT_RANGE, inputs, outputs,
  };
  // Keeps number arrays (shapes) on one line.
  const json = JSON.stringify(record, null, 2).replace(/\[\s+([\d,\s]+?)\s+\]/g,
    (m, list) => `[${list.split(/,\s*/).join(', ')}]`);
  fs.writeFileSync(path.join(dir, 'inputs.json'), json + '\n');
  const sizes = outputs.map((o) => `${o.name} ${JSON.stringify(o.shape)}`).join(', ');
  console.log(`${model.name}: ${sizes}`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const models = args.only ? MODELS.filter((m) => args.only.includes(m.name)) : MODELS;
  if (args.only && models.length !== args.only.length) {
    throw new Error(`--only ${args.only} names an unknown model (known: ${MODELS.map((m) => m.name)})`);
  }
  for (const model of models) await makeReference(model, args);
}

main().catch((err) => { console.error(`make_references: ${err.message}`); process.exit(1); });
