#!/usr/bin/env node
// mota vs ONNX Runtime 1.30, side by side in one run: for each model and thread count, R rounds
// of one fresh `mota run` process and one fresh bench/ort/bench_ort.js process in alternating
// order (ABBA), on the same seeded input bytes. Prints a Markdown table of medians over rounds,
// mota/ORT ratios and their spread, and writes it to bench/RESULTS.md. See bench/README.md.
//
//   node bench/run_bench.js [--models a,b] [--threads 1,2] [--rounds 5] [--runs 50] [--warmup 10]
//                           [--mota PATH] [--backend auto] [--models-dir DIR] [--cache DIR]
//                           [--out FILE | --no-write] [--note TEXT]
'use strict';

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const ORT_SCRIPT = path.join(__dirname, 'ort', 'bench_ort.js');

// Every model in <shared>/models. `shapes` fixes dynamic input dims for both runtimes (the .mota
// keeps them dynamic, like the .onnx ORT loads: the shape comes with the input .npy).
const MODELS = [
  { name: 'mobilenet_v2' },
  { name: 'resnet18' },
  { name: 'squeezenet1_1' },
  { name: 'mlp_784_256_10' },
  { name: 'transformer_block_t128_d256' },
  { name: 'ch_ppocr_mobile_v2.0_cls_infer', shapes: { x: [1, 3, 48, 192] } },
];

const DEFAULTS = {
  models: MODELS.map((m) => m.name), threads: [1, 2], rounds: 5, runs: 50, warmup: 10,
  mota: path.join(REPO, 'build/tools/mota/mota'), backend: 'auto',
  modelsDir: path.resolve(REPO, '../shared/models'), cache: path.join(REPO, 'build/bench'),
  out: path.join(__dirname, 'RESULTS.md'), note: '',
};

const HELP = `usage: node bench/run_bench.js [options]
  --models a,b      models (default: all: ${DEFAULTS.models.join(', ')})
  --threads 1,2     thread counts (default 1,2)
  --rounds R        mota/ORT process pairs per model and thread count, ABBA order (default 5)
  --runs N          timed runs per process (default 50)
  --warmup W        untimed runs per process after the first run (default 10)
  --mota PATH       the mota CLI (default build/tools/mota/mota)
  --backend NAME    mota backend (default auto)
  --models-dir DIR  the .onnx files (default ../shared/models)
  --cache DIR       converted .mota files and input .npy files (default build/bench)
  --out FILE        where to write the results (default bench/RESULTS.md); --no-write: don't
  --note TEXT       a note for RESULTS.md (e.g. what else was running)`;

function parseList(text, flag, isInt) {
  const items = String(text).split(',').filter((s) => s !== '');
  if (items.length === 0) throw new Error(`${flag} needs a comma-separated list, got '${text}'`);
  return isInt ? items.map((s) => parseInt_(s, flag, 1)) : items;
}

function parseInt_(text, flag, min) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`${flag} '${text}' is not an integer >= ${min}`);
  }
  return n;
}

// Quotes `text` for a POSIX shell when it needs it, so RESULTS.md's command can be pasted.
function shellQuote(text) {
  return /^[A-Za-z0-9_.,\/=:+-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

function parseArgs(argv) {
  const command = ['node', 'bench/run_bench.js', ...argv].map(shellQuote).join(' ');
  const a = { ...DEFAULTS, command };
  for (let i = 0; i < argv.length; ++i) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') { console.log(HELP); process.exit(0); }
    if (flag === '--no-write') { a.out = null; continue; }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value\n${HELP}`);
    switch (flag) {
      case '--models': a.models = parseList(value, flag, false); break;
      case '--threads': a.threads = parseList(value, flag, true); break;
      case '--rounds': a.rounds = parseInt_(value, flag, 1); break;
      case '--runs': a.runs = parseInt_(value, flag, 1); break;
      case '--warmup': a.warmup = parseInt_(value, flag, 0); break;
      case '--mota': a.mota = path.resolve(value); break;
      case '--backend': a.backend = value; break;
      case '--models-dir': a.modelsDir = path.resolve(value); break;
      case '--cache': a.cache = path.resolve(value); break;
      case '--out': a.out = path.resolve(value); break;
      case '--note': a.note = value; break;
      default: throw new Error(`unknown option '${flag}'\n${HELP}`);
    }
  }
  for (const name of a.models) {
    if (!MODELS.some((m) => m.name === name)) {
      throw new Error(`--models: unknown model '${name}' (known: ${MODELS.map((m) => m.name)})`);
    }
  }
  return a;
}

// Runs a command to completion; returns stdout, or throws with the command and its stderr.
function run(cmd, args, { timeoutS = 600 } = {}) {
  const r = spawnSync(cmd, args,
    { encoding: 'utf8', maxBuffer: 64 << 20, timeout: timeoutS * 1000 });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `exit status ${r.status}`;
    throw new Error(`${cmd} ${args.join(' ')} failed (${why}):\n${(r.stderr || '').trim()}`);
  }
  return r.stdout;
}

function runJson(cmd, args) {
  const out = run(cmd, args);
  try {
    return JSON.parse(out);
  } catch (err) {
    throw new Error(`${cmd} ${args.join(' ')} printed no JSON (${err.message}):\n` +
      out.slice(0, 500));
  }
}

function mtime(file) { return fs.existsSync(file) ? fs.statSync(file).mtimeMs : -1; }

// Converts MODEL.onnx once into the cache; again when the .onnx or the mota binary is newer.
function convert(args, model) {
  const onnx = path.join(args.modelsDir, `${model.name}.onnx`);
  const mota = path.join(args.cache, `${model.name}.mota`);
  if (!fs.existsSync(onnx)) throw new Error(`model file ${onnx} does not exist (see --models-dir)`);
  if (mtime(mota) < Math.max(mtime(onnx), mtime(args.mota))) {
    run(args.mota, ['convert', onnx, '-o', mota]);
  }
  return { onnx, mota };
}

// Writes the seeded inputs (bench/ort/seeded_inputs.js) as .npy files that both runtimes read.
function writeInputs(args, model, onnx) {
  const dir = path.join(args.cache, 'inputs', model.name);
  const shapeArgs = Object.entries(model.shapes || {})
    .flatMap(([n, d]) => ['--shape', `${n}=${d}`]);
  return runJson(process.execPath, [ORT_SCRIPT, onnx, '--write-inputs', dir, ...shapeArgs]);
}

function runMota(args, files, inputs, threads) {
  const j = runJson(args.mota, ['run', files.mota, '--backend', args.backend, '--threads',
    String(threads), '--bench', String(args.runs), '--warmup', String(args.warmup), '--json',
    ...inputs.flatMap((i) => ['--input', `${i.name}=${i.file}`])]);
  return { median: j.bench.median_ms, p90: j.bench.p90_ms, loadFirst: j.load_ms + j.first_run_ms,
    rss: j.peak_rss_bytes };
}

function runOrt(args, files, inputs, threads, nodeBaseline) {
  const j = runJson(process.execPath, [ORT_SCRIPT, files.onnx, String(threads), String(args.runs),
    String(args.warmup), ...inputs.flatMap((i) => ['--input', `${i.name}=${i.file}`])]);
  return { median: j.bench.median_ms, p90: j.bench.p90_ms, loadFirst: j.create_ms + j.first_run_ms,
    rss: j.peak_rss_bytes - nodeBaseline, runtime: j.runtime };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

// Peak RSS of a Node process that loads nothing: subtracted from ORT's so the table shows what
// ORT itself costs, not the JavaScript engine that hosts it here.
function nodeBaselineBytes(samples) {
  const code = 'console.log(process.resourceUsage().maxRSS * 1024)';
  const xs = [];
  for (let i = 0; i < samples; ++i) xs.push(Number(run(process.execPath, ['-e', code])));
  return median(xs);
}

function benchPair(args, model, files, inputs, threads, nodeBaseline) {
  const rounds = [];
  for (let r = 0; r < args.rounds; ++r) {
    // ABBA: even rounds start with mota, odd rounds with ORT, so drift hits both alike.
    const round = {};
    const order = r % 2 === 0 ? ['mota', 'ort'] : ['ort', 'mota'];
    for (const who of order) {
      round[who] = who === 'mota' ? runMota(args, files, inputs, threads)
        : runOrt(args, files, inputs, threads, nodeBaseline);
    }
    rounds.push(round);
    process.stderr.write(`  ${model.name} t${threads} round ${r + 1}/${args.rounds}: ` +
      `mota ${round.mota.median.toFixed(3)} ms, ORT ${round.ort.median.toFixed(3)} ms\n`);
  }
  return rounds;
}

// Peak RSS of the mota CLI doing nothing (`mota --version`), for context only: mota's numbers
// keep it (the library in an app would not pay for the CLI). Needs GNU time; '' without it.
function motaBaselineMiB(args) {
  if (!fs.existsSync('/usr/bin/time')) return '';
  const r = spawnSync('/usr/bin/time', ['-f', '%M', args.mota, '--version'], { encoding: 'utf8' });
  const kb = Number(r.stderr.trim().split('\n').pop());
  return r.status === 0 && kb > 0 ? (kb / 1024).toFixed(1) : '';
}

function moreBackends(args) {
  const help = run(args.mota, ['run', '--help']);
  const m = /--backend TEXT:\{([^}]*)\}/.exec(help);
  return m ? m[1].split(',') : ['?'];
}

function gitInfo() {
  try {
    const commit = run('git', ['-C', REPO, 'rev-parse', '--short=12', 'HEAD']).trim();
    const subject = run('git', ['-C', REPO, 'log', '-1', '--format=%s']).trim();
    const dirty = run('git', ['-C', REPO, 'status', '--porcelain', '--untracked-files=no']).trim();
    return `${commit}${dirty ? ' (with uncommitted changes)' : ''} "${subject}"`;
  } catch (err) {
    return `unknown (${err.message.split('\n')[0]})`;
  }
}

// The /proc/cpuinfo model name and the SIMD extensions that matter for the kernels.
function cpuModel() {
  const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const m = /^model name\s*:\s*(.*)$/m.exec(info);
  const flags = (/^flags\s*:\s*(.*)$/m.exec(info) || ['', ''])[1].split(' ');
  const simd = ['avx2', 'fma', 'avx512f', 'avx512_bf16', 'avx512_vnni']
    .filter((f) => flags.includes(f));
  return `${m ? m[1] : os.cpus()[0].model} (${simd.join(' ') || 'no AVX2'})`;
}

function loadAvg() { return os.loadavg().map((x) => x.toFixed(2)).join(' '); }

function environment(args) {
  const backends = moreBackends(args);
  const others = backends.filter((b) => b !== 'auto' && b !== 'reference');
  // `auto` is whatever registered itself as "auto", else the reference backend (backend.cc);
  // the CLI lists only names, so the other backends built in say which case this is.
  const autoMeans = others.length ? `the build's fast backend: ${others.join(', ')} built in`
    : 'reference: nothing faster built in';
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: `${cpuModel()}, ${os.cpus().length} logical CPUs, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    // The binary can lag the checkout: its build time says which commits it can contain.
    mota: `${run(args.mota, ['--version']).trim()} (${path.relative(REPO, args.mota)}, built ` +
      `${fs.statSync(args.mota).mtime.toISOString().replace(/\.\d+Z$/, 'Z')})`,
    backend: `--backend ${args.backend}; backends in this build: ${backends.join(', ')}` +
      (args.backend === 'auto' ? ` (auto = ${autoMeans})` : ''),
    commit: gitInfo(),
    loadStart: loadAvg(),
    motaBaselineMiB: motaBaselineMiB(args),
  };
}

// The targets for mota/ORT: latency per model (1.00 for the rest), load+first, peak RSS.
const LATENCY_TARGET = { mobilenet_v2: 0.85, resnet18: 0.66 };
const LOAD_TARGET = 0.5;
const RSS_TARGET = 0.7;

// Median over rounds of each side, the ratio of those medians, and the min-max of the per-round
// ratios (the spread says how far one round alone could mislead).
function summarize(rounds, key) {
  const mota = median(rounds.map((r) => r.mota[key]));
  const ort = median(rounds.map((r) => r.ort[key]));
  const perRound = rounds.map((r) => r.mota[key] / r.ort[key]);
  return { mota, ort, ratio: mota / ort, lo: Math.min(...perRound), hi: Math.max(...perRound) };
}

function fmtMs(ms) { return ms < 1 ? ms.toFixed(3) : ms < 10 ? ms.toFixed(2) : ms.toFixed(1); }
function fmtMiB(bytes) { return (bytes / 2 ** 20).toFixed(1); }
function fmtRatio(s) { return `${s.ratio.toFixed(2)} (${s.lo.toFixed(2)}-${s.hi.toFixed(2)})`; }
function mark(ratio, target) { return ratio <= target ? 'ok' : `**>${target.toFixed(2)}**`; }

function markdownTable(results) {
  const head = ['model', 'thr', 'mota ms', 'ORT ms', 'ratio (spread)', 'mota load+1st ms',
    'ORT create+1st ms', 'ratio (spread)', 'mota peak MiB', 'ORT peak MiB', 'ratio (spread)',
    'targets lat/load/rss'];
  const rows = [head, head.map((h, i) => (i < 2 ? '---' : '---:'))];
  for (const { model, threads, rounds } of results) {
    const lat = summarize(rounds, 'median');
    const load = summarize(rounds, 'loadFirst');
    const rss = summarize(rounds, 'rss');
    const targets = [mark(lat.ratio, LATENCY_TARGET[model] || 1.0), mark(load.ratio, LOAD_TARGET),
      mark(rss.ratio, RSS_TARGET)].join(' / ');
    rows.push([model, String(threads), fmtMs(lat.mota), fmtMs(lat.ort), fmtRatio(lat),
      fmtMs(load.mota), fmtMs(load.ort), fmtRatio(load), fmtMiB(rss.mota), fmtMiB(rss.ort),
      fmtRatio(rss), targets]);
  }
  const cells = rows.slice(2).flatMap((r) => r[r.length - 1].split(' / '));
  const met = cells.filter((c) => c === 'ok').length;
  return rows.map((r) => `| ${r.join(' | ')} |`).join('\n') +
    `\n\nTargets met: ${met} of ${cells.length} (on the ratio of medians).`;
}

function resultsFile(args, env, md) {
  const lines = [
    '# mota vs ONNX Runtime: latest results',
    '',
    'Written by `bench/run_bench.js` (see bench/README.md for what each column means and the',
    'targets). Ratios are mota / ORT: below 1.00 means mota is faster or smaller.',
    '',
    `- Date: ${env.date}`,
    `- Command: \`${args.command}\` (${args.rounds} rounds, ${args.runs} timed runs after ` +
      `${args.warmup} warmup per process; took ${env.minutes} min)`,
    `- Machine: ${env.cpu}; ${env.kernel}`,
    `- Load average (1/5/15 min) at start: ${env.loadStart}; at end: ${env.loadEnd}`,
    `- mota: ${env.mota}, commit ${env.commit}; ${env.backend}`,
    `- ORT: ${env.ort}, CPU execution provider, graph optimization 'all', intra-op = threads, ` +
      `inter-op 1; Node ${env.node}, bare Node peak RSS ${env.nodeBaselineMiB} MiB (subtracted)`,
  ];
  if (env.motaBaselineMiB) {
    lines.push(`- mota peak RSS includes the CLI's own ${env.motaBaselineMiB} MiB ` +
      '(`mota --version`; not subtracted)');
  }
  if (args.note) lines.push(`- Note: ${args.note}`);
  lines.push('', md, '');
  return lines.join('\n');
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(__dirname, 'ort/node_modules/onnxruntime-node'))) {
    throw new Error('onnxruntime-node is not installed: run ' +
      '`cd bench/ort && ONNXRUNTIME_NODE_INSTALL=skip npm ci` first');
  }
  if (!fs.existsSync(args.mota)) {
    throw new Error(`mota CLI ${args.mota} does not exist: build it ` +
      '(`ninja -C build mota`) or pass --mota PATH');
  }
  fs.mkdirSync(args.cache, { recursive: true });
  const env = environment(args);
  const started = Date.now();
  const nodeBaseline = nodeBaselineBytes(args.rounds);
  process.stderr.write(`bare Node peak RSS ${(nodeBaseline / 2 ** 20).toFixed(1)} MiB; ` +
    `${env.mota}, ${env.backend}\n`);
  const results = [];
  for (const name of args.models) {
    const model = MODELS.find((m) => m.name === name);
    const files = convert(args, model);
    const inputs = writeInputs(args, model, files.onnx);
    for (const threads of args.threads) {
      const rounds = benchPair(args, model, files, inputs, threads, nodeBaseline);
      results.push({ model: name, threads, rounds });
      env.ort = rounds[0].ort.runtime;
    }
  }
  env.loadEnd = loadAvg();
  env.minutes = ((Date.now() - started) / 60000).toFixed(1);
  env.nodeBaselineMiB = (nodeBaseline / 2 ** 20).toFixed(1);
  const md = markdownTable(results);
  console.log(md);
  fs.writeFileSync(path.join(args.cache, 'last_run.json'),
    JSON.stringify({ args, env, results }, null, 1) + '\n');
  if (args.out) {
    fs.writeFileSync(args.out, resultsFile(args, env, md));
    process.stderr.write(`wrote ${path.relative(process.cwd(), args.out)}\n`);
  }
}

try {
  main();
} catch (err) {
  console.error(`run_bench: ${err.message}`);
  process.exit(1);
}
