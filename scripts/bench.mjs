#!/usr/bin/env node
// bench.mjs: `npm run bench` — every speed and memory figure of the project, side by side in one
// run and one machine state: the f32x4 peak of this engine, our matrix kernels at the training
// shapes, epochs of the Keras recipe (sparse and dense paths, one and several threads), epochs of
// chapter 5's convnet with each layer's share, native PyTorch on both networks in the same rounds
// (when /usr/bin/python3 has torch: scripts/peers/torch_epoch.py), a denser dataset, TensorFlow.js'
// wasm backend on the same model, the native build, prediction latency and peak memory. Medians
// of repeated runs; a table, then one JSON object as the last line.
// Options: node scripts/bench.mjs --help.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { loadNN } from '../web/nn.js';
import { network } from '../web/architectures.js';
import { loadIdxFiles, DEFAULT_DATA_DIR, ROOT } from './lib/data.mjs';
import { benchUnderLoad } from './lib/bench-load.mjs';
import { parseOrExit, parseStrict, positiveInt } from './lib/cli.mjs';
import { cores, useAllThreads } from './lib/threads.mjs';

const USAGE = `usage: node scripts/bench.mjs [--quick] [--threads N]
  --quick       partial epochs (extrapolated, and said so): a few minutes
  --threads N   threads of the threaded rows, at least 2 (default: the cores, 2 to 8; at
                most the engine's limit)
  --help        this text`;
const args = parseOrExit(
    'bench.mjs',
    (argv) => {
        const { values } = parseStrict(argv, { quick: { type: 'boolean', default: false }, threads: { type: 'string' }, help: { type: 'boolean' } });
        if (values.threads !== undefined) values.threads = positiveInt('threads', values.threads, { min: 2 });
        return values;
    },
    USAGE,
);
const QUICK = args.quick;
const THREADS = args.threads ?? Math.max(2, Math.min(cores(), 8));
const BATCHES_PER_EPOCH = 469; // 60,000 / 128: 468 full batches and one of 96
const CONV_BATCHES_PER_EPOCH = 938; // 60,000 / 64

const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
function timeIt(fn, runs) {
    const ts = [];
    for (let i = 0; i < runs; i++) {
        const t = performance.now();
        fn();
        ts.push((performance.now() - t) / 1000);
    }
    return median(ts);
}
const fmt = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
const rows = [];
const row = (...cells) => {
    rows.push(cells);
    console.log(cells.map((c, i) => String(c).padEnd(i === 0 ? 68 : 14)).join(''));
};
const section = (title) => console.log(`\n== ${title}`);

const result = { quick: QUICK, node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model };
const data = await loadIdxFiles();

// ---- (a) the peak, (b) the kernels, on the single-threaded module ----
const nn = await loadNN();
// FLOPs of a training sample, as C counts them from the layers (nn_net_train_flops)
const flopsOf = (spec) => {
    const net = nn.createNetwork(network(spec));
    const f = net.trainFlops;
    net.free();
    return f;
};
const EPOCH_GFLOP = (flopsOf('mlp') * 60000) / 1e9;
const CONV_EPOCH_GFLOP = (flopsOf('convnet') * 60000) / 1e9;

// ---- native PyTorch, the peer (scripts/peers/torch_epoch.py), when Debian's python3 has it ----
const PYTHON = '/usr/bin/python3';
const TORCH = (() => {
    try {
        return execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
        return null;
    }
})();
function torchEpoch(arch, threads, batches) {
    try {
        const out = execFileSync(PYTHON, [path.join(ROOT, 'scripts', 'peers', 'torch_epoch.py'), '--arch', arch, '--threads', String(threads), '--batches', String(batches)], {
            env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: String(threads) },
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        return JSON.parse(out.toString().trim().split('\n').pop());
    } catch (e) {
        return { error: e.message.split('\n')[0] };
    }
}
section('(a) f32x4 peak and (b) matrix kernels at the training shapes, in this engine (V8)');
{
    // The machine's clock moves (turbo, other tenants): each kernel is timed in rounds that
    // alternate with the peak, and its share is the median of the per-round ratios.
    const rounds = QUICK ? 5 : 9;
    const iters = QUICK ? 1e6 : 4e6;
    const peakRate = () => (iters * nn.x.nn_bench_peak_flops_per_iter()) / timeIt(() => nn.x.nn_bench_peak(iters), 1) / 1e9;
    nn.x.nn_bench_peak(iters / 10);
    const peaks = [];
    const sideBySide = (rate) => {
        const gs = [], ratios = [];
        for (let r = 0; r < rounds; r++) {
            const p = peakRate(), g = rate();
            peaks.push(p), gs.push(g), ratios.push(g / p);
        }
        return { gflops: median(gs), ofPeak: median(ratios) };
    };
    const shapes = [
        ['X.W1  [128x784].[784x512]', 0, 128, 784, 512],
        ['X^T.dH  [784x128].[128x512]  (dW1)', 2, 784, 128, 512],
        ['H.W2  [128x512].[512x10]', 0, 128, 512, 10],
        ['dY.W2^T  [128x10].[10x512]  (dH)', 1, 128, 10, 512],
        ['H^T.dY  [512x128].[128x10]  (dW2)', 2, 512, 128, 10],
        ['scalar twin of X.W1 (reference)', 3, 128, 784, 512],
    ];
    const measured = [];
    const tileIters = QUICK ? 4000 : 16000;
    nn.x.nn_bench_tile(tileIters / 10);
    const tile = sideBySide(() => (tileIters * nn.x.nn_bench_tile_flops_per_iter()) / timeIt(() => nn.x.nn_bench_tile(tileIters), 1) / 1e9);
    for (const [name, which, m, k, n] of shapes) {
        const flop = 2 * m * k * n;
        const reps = Math.max(1, Math.round((QUICK ? 4e7 : 2e8) / flop / (which >= 3 ? 8 : 1)));
        nn.x.nn_bench_kernel(which, m, k, n, 1);
        measured.push([name, sideBySide(() => (flop * reps) / timeIt(() => nn.x.nn_bench_kernel(which, m, k, n, reps), 1) / 1e9)]);
    }
    const peak = median(peaks);
    result.peakGflops = peak;
    result.tile = tile;
    row('f32x4 multiply-add peak (14 independent chains)', `${fmt(peak, 1)} GFLOP/s`, '100%');
    row('4x8 register tile alone, operands in L1', `${fmt(tile.gflops, 1)} GFLOP/s`, `${fmt(100 * tile.ofPeak, 1)}%`);
    result.kernels = {};
    for (const [name, k] of measured) {
        result.kernels[name.split('  ')[0]] = k;
        row(name, `${fmt(k.gflops, 1)} GFLOP/s`, `${fmt(100 * k.ofPeak, 1)}%`);
    }
}

// ---- (c) epochs of the Keras recipe ----
async function epoch(engine, sets, { sparse, threads, batches }) {
    const net = engine.createNetwork({ seed: 1 });
    const trainer = engine.createTrainer(net, sets.train, { seed: 1, sparse, threads });
    // V8 compiles wasm lazily and tiers up the hot functions: a few untimed batches first (of a
    // throwaway trainer, so that the timed one still trains a whole epoch)
    const warm = engine.createNetwork({ seed: 2 });
    const warmTrainer = engine.createTrainer(warm, sets.train, { seed: 2, sparse, threads });
    warmTrainer.train(8);
    warmTrainer.free();
    warm.free();
    const t0 = performance.now();
    let done = 0;
    let p;
    let sparseBatches = 0;
    while (done < batches) {
        p = trainer.train(Math.min(batches - done, 1000));
        done += p.chunkBatches;
        sparseBatches += p.sparseBatches;
    }
    const secs = (performance.now() - t0) / 1000;
    const timing = trainer.timing();
    const epochSecs = (secs * BATCHES_PER_EPOCH) / done;
    const acc = done === BATCHES_PER_EPOCH ? net.evaluate(sets.test).accuracy : null;
    trainer.free();
    net.free();
    return { epochSecs, batches: done, threads: p.threads, sparseBatches, timing, acc };
}

const mt = await loadNN(undefined, { threads: THREADS });
result.threads = mt.threads;
useAllThreads(mt); // spinning with a core each, as the page's tuner chooses on an idle machine
result.threadsSpin = mt.spinning;
const sets1 = {
    train: nn.createDataset(data.trainImages, data.trainLabels),
    test: nn.createDataset(data.testImages, data.testLabels),
};
const setsT = {
    train: mt.createDataset(data.trainImages, data.trainLabels),
    test: mt.createDataset(data.testImages, data.testLabels),
};
const epochBatches = QUICK ? 120 : BATCHES_PER_EPOCH;
const reps = QUICK ? 1 : 3;
section(
  `(c) one epoch of the Keras recipe (784-512-10, RMSprop, batch 128)${QUICK ? `: ${epochBatches} batches, extrapolated to 469` : `, median of ${reps}`}`,
);
row('configuration', 's/epoch', 'samples/s', 'eff. GFLOP/s', 'update %', 'input %');
console.log(`(${mt.threads} threads: waiting threads ${mt.spinning ? 'spin, one core each' : 'sleep, more threads than cores'}; the same in (c'))`);
const configs = [
    ['ours, sparse path (default), 1 thread', nn, sets1, 'auto', 1],
    ['ours, dense path, 1 thread', nn, sets1, 'off', 1],
    [`ours, sparse path, ${mt.threads} threads`, mt, setsT, 'auto', mt.threads],
    [`ours, dense path, ${mt.threads} threads`, mt, setsT, 'off', mt.threads],
];
result.epochs = {};
// Rounds of all four configurations in turn, so that a slow spell of the machine hits each of them
// alike; the thread speed-ups below are medians of per-round ratios.
const runsOf = Object.fromEntries(configs.map(([name]) => [name, []]));
const torchMlp = { 1: [], [mt.threads]: [] };
for (let r = 0; r < reps; r++) {
    for (const [name, engine, sets, sparse, threads] of configs)
        runsOf[name].push(await epoch(engine, sets, { sparse, threads, batches: epochBatches }));
    if (TORCH) for (const n of Object.keys(torchMlp)) torchMlp[n].push(torchEpoch('mlp', Number(n), epochBatches));
}
for (const [name] of configs) {
    const runs = runsOf[name];
    const mid = runs.find((x) => x.epochSecs === median(runs.map((y) => y.epochSecs))) ?? runs[0];
    const tm = mid.timing;
    const total = tm.input + tm.loss + tm.update + tm.forward.reduce((a, b) => a + b, 0) + tm.backward.reduce((a, b) => a + b, 0);
    const e = {
        seconds: mid.epochSecs,
        samplesPerSecond: 60000 / mid.epochSecs,
        gflops: EPOCH_GFLOP / mid.epochSecs,
        threads: mid.threads,
        sparseBatches: mid.sparseBatches,
        batches: mid.batches,
        updateShare: mid.timing.update / total,
        inputShare: mid.timing.input / total,
        phasesMs: mid.timing,
        testAccuracy: mid.acc,
        roundSeconds: runs.map((x) => x.epochSecs),
    };
    result.epochs[name] = e;
    row(name, fmt(e.seconds), fmt(e.samplesPerSecond, 0), fmt(e.gflops, 1), fmt(100 * e.updateShare, 1), fmt(100 * e.inputShare, 1));
}

// PyTorch in the same rounds: the ratio is the median of the per-round ratios
const peerRows = (ours, torchRuns, label) => {
    const out = {};
    for (const [n, runs] of Object.entries(torchRuns)) {
        const ok = runs.filter((x) => !x.error);
        if (!ok.length) {
            out[n] = { error: runs[0]?.error ?? 'not run' };
            row(`PyTorch ${TORCH}, ${label}, ${n} thread${n === '1' ? '' : 's'}`, `failed: ${out[n].error}`);
            continue;
        }
        const mine = ours(Number(n));
        const ratio = median(ok.map((x, r) => x.epochSeconds / mine[r]));
        out[n] = { seconds: median(ok.map((x) => x.epochSeconds)), roundSeconds: ok.map((x) => x.epochSeconds), oursFasterBy: ratio, extrapolated: ok[0].extrapolated };
        row(`PyTorch ${TORCH} (native, OpenBLAS), ${label}, ${n} thread${n === '1' ? '' : 's'}`, fmt(out[n].seconds), fmt(60000 / out[n].seconds, 0), '', `its time / ours: ${fmt(ratio, 2)}x`);
    }
    return out;
};
if (TORCH) {
    const sparseSecs = (n) => runsOf[n === 1 ? 'ours, sparse path (default), 1 thread' : `ours, sparse path, ${mt.threads} threads`].map((x) => x.epochSecs);
    result.torchMlp = peerRows(sparseSecs, torchMlp, 'Keras recipe');
} else {
    result.torchMlp = { error: 'no torch in /usr/bin/python3 (Debian: apt-get install python3-torch libopenblas0-pthread)' };
    row('PyTorch', 'not measured: /usr/bin/python3 has no torch (apt-get install python3-torch libopenblas0-pthread)');
}

// ---- (c') chapter 5's convnet: epochs on 1 and N threads, each layer's share; PyTorch beside ----
async function convEpoch(engine, sets, { threads, batches }) {
    const warm = engine.createNetwork({ ...network('convnet'), seed: 2 });
    const wt = engine.createTrainer(warm, sets.train, { seed: 2, batchSize: 64, threads });
    wt.train(4);
    wt.free();
    warm.free();
    const net = engine.createNetwork({ ...network('convnet'), seed: 1 });
    const trainer = engine.createTrainer(net, sets.train, { seed: 1, batchSize: 64, threads });
    const t0 = performance.now();
    let done = 0;
    let p;
    while (done < batches) {
        p = trainer.train(Math.min(batches - done, 200));
        done += p.chunkBatches;
    }
    const secs = (performance.now() - t0) / 1000;
    const timing = trainer.timing();
    const acc = done === CONV_BATCHES_PER_EPOCH ? net.evaluate(sets.test).accuracy : null;
    const layers = net.summary().map((l) => `${l.type} ${l.outputShape.join('x')}`);
    trainer.free();
    net.free();
    return { epochSecs: (secs * CONV_BATCHES_PER_EPOCH) / done, batches: done, threads: p.threads, timing, acc, layers };
}
{
    const batches = QUICK ? 60 : CONV_BATCHES_PER_EPOCH;
    const rounds = QUICK ? 1 : 3;
    section(`(c') chapter 5's convnet (93,322 parameters, RMSprop, batch 64)${QUICK ? `: ${batches} batches, extrapolated to 938` : `, median of ${rounds}`}`);
    row('configuration', 's/epoch', 'samples/s', 'eff. GFLOP/s', '');
    const ours = { 1: [], [mt.threads]: [] };
    const torchConv = { 1: [], [mt.threads]: [] };
    for (let r = 0; r < rounds; r++) {
        ours[1].push(await convEpoch(nn, sets1, { threads: 1, batches }));
        ours[mt.threads].push(await convEpoch(mt, setsT, { threads: mt.threads, batches }));
        if (TORCH) for (const n of Object.keys(torchConv)) torchConv[n].push(torchEpoch('convnet', Number(n), QUICK ? 60 : 0));
    }
    result.convnet = { gflopPerEpoch: CONV_EPOCH_GFLOP };
    for (const [n, runs] of Object.entries(ours)) {
        const mid = runs.find((x) => x.epochSecs === median(runs.map((y) => y.epochSecs))) ?? runs[0];
        const t = mid.timing;
        const total = t.input + t.loss + t.update + t.forward.reduce((a, b) => a + b, 0) + t.backward.reduce((a, b) => a + b, 0);
        const shares = mid.layers.map((name, l) => ({ layer: name, forward: t.forward[l] / total, backward: t.backward[l] / total }));
        result.convnet[`ours, ${n} thread${n === '1' ? '' : 's'}`] = {
            seconds: mid.epochSecs,
            roundSeconds: runs.map((x) => x.epochSecs),
            threads: mid.threads,
            testAccuracy: mid.acc,
            shares,
            otherShares: { input: t.input / total, loss: t.loss / total, update: t.update / total },
        };
        row(`ours, ${mid.threads} thread${mid.threads === 1 ? '' : 's'}`, fmt(mid.epochSecs), fmt(60000 / mid.epochSecs, 0), fmt(CONV_EPOCH_GFLOP / mid.epochSecs, 1));
        for (const sh of shares)
            if (sh.forward + sh.backward > 0.005) row(`    ${sh.layer}: forward / backward share`, `${fmt(100 * sh.forward, 1)}% / ${fmt(100 * sh.backward, 1)}%`);
    }
    result.convnet.speedupThreads = median(ours[1].map((x, r) => x.epochSecs / ours[mt.threads][r].epochSecs));
    row(`${mt.threads} threads vs 1 (median of per-round ratios)`, `${fmt(result.convnet.speedupThreads, 2)}x`);
    if (TORCH) result.convnet.torch = peerRows((n) => ours[n].map((x) => x.epochSecs), torchConv, 'convnet');
    else row('PyTorch', 'not measured (see above)');
}

// ---- a denser dataset: MNIST with a constant added to every pixel (no zeros left) ----
section('denser data: MNIST images + 30 on every pixel (0% zeros), 1 thread');
{
    const images = data.trainImages.slice();
    for (let i = 16; i < images.length; i++) images[i] = Math.min(255, images[i] + 30);
    const dense = { train: nn.createDataset(images, data.trainLabels), test: sets1.test };
    const batches = QUICK ? 40 : 120;
    result.denser = {};
    row('configuration', 's/epoch (extrap.)', 'eff. GFLOP/s', 'sparse batches');
    for (const [name, sparse] of [
        ['automatic choice', 'auto'],
        ['sparse path forced', 'on'],
        ['dense path forced', 'off'],
    ]) {
        const e = await epoch(nn, dense, { sparse, threads: 1, batches });
        result.denser[name] = { seconds: e.epochSecs, sparseBatches: e.sparseBatches, batches: e.batches };
        row(name, fmt(e.epochSecs), fmt(EPOCH_GFLOP / e.epochSecs, 1), `${e.sparseBatches}/${e.batches}`);
    }
    result.zeroFraction = { mnist: sets1.train.zeroFraction(), denser: dense.train.zeroFraction() };
    dense.train.free();
}

// ---- (d) TensorFlow.js with its wasm backend (XNNPACK), one thread ----
section('(d) TensorFlow.js 4.22, wasm backend (XNNPACK, SIMD, 1 thread), same model and recipe');
try {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    wasm.setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
    wasm.setThreadsCount(1);
    await tf.setBackend('wasm');
    await tf.ready();
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }));
    model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
    model.compile({ optimizer: tf.train.rmsprop(0.001), loss: 'categoricalCrossentropy' });
    const batches = QUICK ? 12 : 150;
    const xs = [];
    for (let b = 0; b < Math.min(batches, 30); b++) {
        const px = Float32Array.from(data.trainImages.subarray(16 + b * 128 * 784, 16 + (b + 1) * 128 * 784), (v) => v / 255);
        const lb = Array.from(data.trainLabels.subarray(8 + b * 128, 8 + (b + 1) * 128));
        xs.push([tf.tensor2d(px, [128, 784]), tf.oneHot(tf.tensor1d(lb, 'int32'), 10)]);
    }
    for (let i = 0; i < 3; i++) await model.trainOnBatch(...xs[i % xs.length]);
    const t0 = performance.now();
    for (let i = 0; i < batches; i++) await model.trainOnBatch(...xs[i % xs.length]);
    const secs = (((performance.now() - t0) / 1000) * BATCHES_PER_EPOCH) / batches;
    result.tfjs = { backend: tf.getBackend(), batches, epochSeconds: secs, extrapolated: true };
    row(`tfjs-backend-wasm (${batches} batches, extrapolated to an epoch)`, `${fmt(secs)} s/epoch`, `${fmt(60000 / secs, 0)} samples/s`);
} catch (e) {
    result.tfjs = { error: e.message };
    row('tfjs-backend-wasm', `failed: ${e.message}`);
}

// ---- (e) the native build of the same C ----
section('(e) native build of the same C (gcc -O3, scalar twins auto-vectorised), 1 thread');
result.native = {};
for (const [name, flags] of [
    ['native, sparse path', []],
    ['native, dense path', ['--dense']],
]) {
    try {
        const limit = QUICK ? ['--limit', '15360'] : [];
        const out = execFileSync(path.join(ROOT, 'build', 'native', 'nn_train'), [DEFAULT_DATA_DIR, '--epochs', '1', ...limit, ...flags]).toString();
        const json = JSON.parse(out.trim().split('\n').pop());
        const secs = json.epoch_seconds[0] * (QUICK ? 60000 / 15360 : 1);
        result.native[name] = { epochSeconds: secs, extrapolated: QUICK };
        row(`${name}${QUICK ? ' (15,360 samples, extrapolated)' : ''}`, `${fmt(secs)} s/epoch`);
    } catch (e) {
        result.native[name] = { error: e.message };
        row(name, `failed: ${e.message.split('\n')[0]}`);
    }
}

// ---- (f) prediction, (g) memory ----
section('(f) prediction and (g) memory');
{
    const net = nn.createNetwork({ seed: 1 });
    const one = Float32Array.from(data.testImages.subarray(16, 16 + 784), (v) => v / 255);
    for (let i = 0; i < 200; i++) net.predict(one);
    const calls = QUICK ? 2000 : 10000;
    const t = [];
    for (let r = 0; r < 5; r++) {
        const t0 = performance.now();
        for (let i = 0; i < calls; i++) net.predict(one);
        t.push((performance.now() - t0) / calls);
    }
    const images = data.testImages.subarray(16);
    const batchSecs = timeIt(() => net.predict(images, 10000), QUICK ? 3 : 7);
    result.predict = { singleMs: median(t), batchImagesPerSecond: 10000 / batchSecs };
    row('single-image predict (JS call, copy in and out)', `${fmt(median(t), 4)} ms`);
    row('batch inference, 10,000 test images in one call', `${fmt(10000 / batchSecs, 0)} images/s`);
    net.free();
    // a fresh engine for the memory of one full training run: wasm memory only grows, so its
    // size after training is the peak
    const fresh = await loadNN();
    const tr = fresh.createDataset(data.trainImages, data.trainLabels);
    const te = fresh.createDataset(data.testImages, data.testLabels);
    const n2 = fresh.createNetwork({ seed: 1 });
    const trainer = fresh.createTrainer(n2, tr, { seed: 1 });
    let p;
    let b = 0;
    do {
        p = trainer.train(100);
        b += p.chunkBatches;
    } while (!p.epochDone && (!QUICK || b < 100));
    n2.evaluate(te, { details: true });
    result.peakMemoryBytes = fresh.memoryBytes;
    row('peak wasm memory, training on the full MNIST set', `${fmt(fresh.memoryBytes / 2 ** 20, 1)} MiB`);
    // the convnet: every buffer is sized when the trainer is made, and wasm memory only grows
    const cf = await loadNN();
    const ctr = cf.createDataset(data.trainImages, data.trainLabels);
    const cte = cf.createDataset(data.testImages, data.testLabels);
    const cn = cf.createNetwork({ ...network('convnet'), seed: 1 });
    const ct = cf.createTrainer(cn, ctr, { seed: 1, batchSize: 64 });
    ct.train(20);
    cn.evaluate(cte, { details: true });
    result.convnetPeakMemoryBytes = cf.memoryBytes;
    row('peak wasm memory, training the convnet on the full MNIST set', `${fmt(cf.memoryBytes / 2 ** 20, 1)} MiB`);
}

// ---- the goals of the issues, from the figures above ----
section('goals');
const ep = result.epochs;
const sparse1 = ep['ours, sparse path (default), 1 thread'].seconds;
const dense1 = ep['ours, dense path, 1 thread'].seconds;
const tfjs = result.tfjs.epochSeconds;
// median over the rounds of (seconds of a) / (seconds of b), measured in the same round
const roundRatio = (a, b) => median(ep[a].roundSeconds.map((x, r) => x / ep[b].roundSeconds[r]));
const kernelShares = Object.values(result.kernels).slice(0, 4).map((k) => k.ofPeak);
// the sparse first layer in the 1-thread epoch: X.W1 (its forward) and X^T.dH (in its backward,
// with db1, a sum over the batch: about 0.1% of it) do 2 x units FLOPs per non-zero pixel each
const sparseEpoch = ep['ours, sparse path (default), 1 thread'];
const nonZeroPixels = (1 - result.zeroFraction.mnist) * 784 * Math.min(60000, sparseEpoch.batches * 128);
const sparseGflop = (nonZeroPixels * 2 * network('mlp').layers[0].units) / 1e9;
const sparsePhases = sparseEpoch.phasesMs;
const sparseShare = (ms) => sparseGflop / (ms / 1000) / result.peakGflops;
result.goals = {
    kernelsOfPeakMin: Math.min(...kernelShares),
    denseVsTfjs: tfjs / dense1,
    sparseVsTfjs: tfjs / sparse1,
    sparseVsDense: dense1 / sparse1,
    threadsSpeedupSparse: roundRatio('ours, sparse path (default), 1 thread', `ours, sparse path, ${mt.threads} threads`),
    threadsSpeedupDense: roundRatio('ours, dense path, 1 thread', `ours, dense path, ${mt.threads} threads`),
    sparseForwardOfPeak: sparseShare(sparsePhases.forward[0]),
    sparseBackwardOfPeak: sparseShare(sparsePhases.backward[0]),
};
const g = result.goals;
row('slowest of the 4 training kernels, % of peak (goal >= 85%)', `${fmt(100 * g.kernelsOfPeakMin, 1)}%`);
row('  (their 4x8 tile alone, operands in L1: % of peak)', `${fmt(100 * result.tile.ofPeak, 1)}%`);
row('sparse X.W1 / X^T.dH in the 1-thread epoch, % of peak (goal >= 60%)', `${fmt(100 * g.sparseForwardOfPeak, 1)}% / ${fmt(100 * g.sparseBackwardOfPeak, 1)}%`);
row('dense epoch, 1 thread, vs tfjs-backend-wasm (goal >= 12x)', `${fmt(g.denseVsTfjs, 1)}x`);
row(`${mt.threads} threads vs 1, dense path (goal >= 1.7x)`, `${fmt(g.threadsSpeedupDense, 2)}x`);
row(`${mt.threads} threads vs 1, sparse path`, `${fmt(g.threadsSpeedupSparse, 2)}x`);
row('sparse epoch, 1 thread, vs tfjs-backend-wasm (goal >= 40x)', `${fmt(g.sparseVsTfjs, 1)}x`);
row('sparse epoch vs our dense epoch, 1 thread (goal >= 2.5x)', `${fmt(g.sparseVsDense, 2)}x`);
row('peak wasm memory (goal <= 96 MB)', `${fmt(result.peakMemoryBytes / 1e6, 1)} MB`);
row('single-image predict (goal <= 0.1 ms)', `${fmt(result.predict.singleMs, 4)} ms`);
const conv = result.convnet;
const convN = conv[`ours, ${mt.threads} threads`];
row(`convnet epoch, ${mt.threads} threads (goal <= 20 s)`, `${fmt(convN?.seconds)} s`);
if (conv.torch?.[mt.threads]?.oursFasterBy)
    row(`convnet, ${mt.threads} threads: ours vs PyTorch on ${mt.threads} (goal > 1x)`, `${fmt(conv.torch[mt.threads].oursFasterBy, 2)}x`);
if (conv.torch?.[1]?.oursFasterBy) row('convnet, 1 thread: ours vs PyTorch on 1', `${fmt(conv.torch[1].oursFasterBy, 2)}x`);
if (result.torchMlp?.[1]?.oursFasterBy) row('Keras recipe, 1 thread: ours vs PyTorch on 1', `${fmt(result.torchMlp[1].oursFasterBy, 2)}x`);
if (result.torchMlp?.[mt.threads]?.oursFasterBy)
    row(`Keras recipe, ${mt.threads} threads: ours vs PyTorch on ${mt.threads}`, `${fmt(result.torchMlp[mt.threads].oursFasterBy, 2)}x`);
row('peak wasm memory, convnet training (goal <= 256 MB)', `${fmt(result.convnetPeakMemoryBytes / 1e6, 1)} MB`);

mt.terminate();

// ---- threads under load (scripts/lib/bench-load.mjs: a busy core, more threads than cores) ----
result.underLoad = await benchUnderLoad({ quick: QUICK, data });
console.log(JSON.stringify(result));
