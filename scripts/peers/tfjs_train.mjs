#!/usr/bin/env node
// tfjs_train.mjs: a model trained and saved by TensorFlow.js itself (a devDependency, in Node), for
// checking our import of what TF.js writes: model.json + weights in the layout of TF.js' own
// file and downloads handlers (or split into shards as tensorflowjs_converter does), and TF.js'
// own test accuracy (model.evaluate) to compare with `model.mjs evaluate`.
//   node scripts/peers/tfjs_train.mjs --out DIR [--arch mlp|convnet] [--hidden 512] [--epochs 1]
//        [--limit N] [--shards N] [--seed 1] [--data DIR] [--json]
// mlp: Dense(HIDDEN, relu), Dense(10, softmax) on the wasm backend; convnet: Conv2D(8, 3, relu),
// MaxPooling2D(2), Flatten, Dense(10, softmax) on the cpu backend (TF.js' wasm backend cannot
// train convolutions); RMSprop(0.001), batch 128, categorical cross-entropy. TF.js draws its
// initial weights and shuffles from Math.random: a seeded generator stands in for it meanwhile,
// so that a seed gives the same model on the same backend.
import { parseArgs } from 'node:util';
import { parseOrExit } from '../lib/cli.mjs';
import { DEFAULT_DATA_DIR, FILES, readIdx } from '../lib/data.mjs';
import { writeModelFiles } from '../lib/model-files.mjs';
import { loadTf } from './runtimes.mjs';

const USAGE = 'usage: node scripts/peers/tfjs_train.mjs --out DIR [--arch mlp|convnet] [--hidden 512] [--epochs 1] [--limit N] [--shards N] [--seed 1] [--data DIR] [--json]';

function parse(argv) {
    const { values } = parseArgs({
        args: argv,
        options: {
            out: { type: 'string' },
            arch: { type: 'string', default: 'mlp' },
            epochs: { type: 'string', default: '1' },
            hidden: { type: 'string', default: '512' },
            limit: { type: 'string', default: '60000' },
            shards: { type: 'string', default: '1' },
            seed: { type: 'string', default: '1' },
            data: { type: 'string', default: DEFAULT_DATA_DIR },
            json: { type: 'boolean', default: false },
            help: { type: 'boolean', short: 'h', default: false },
        },
    });
    if (values.help) return { help: true };
    if (!values.out) throw new Error('--out DIR is required');
    if (!['mlp', 'convnet'].includes(values.arch)) throw new Error('--arch is mlp or convnet');
    const int = (name) => {
        const v = Number(values[name]);
        if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a whole number >= 1`);
        return v;
    };
    return { ...values, epochs: int('epochs'), hidden: int('hidden'), limit: int('limit'), shards: int('shards'), seed: int('seed') };
}

/** model.json and weights files as TF.js' file handler writes them, the weights in `shards` files. */
export function tfjsFiles(artifacts, shards = 1) {
    const data = new Uint8Array(artifacts.weightData);
    const size = Math.ceil(data.length / shards);
    const paths = shards === 1 ? ['model.weights.bin'] : Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
    const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: paths.map((p) => `./${p}`), weights: artifacts.weightSpecs }],
    };
    if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
    return [
        { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(json)) },
        ...paths.map((p, i) => ({ name: p, bytes: data.slice(i * size, (i + 1) * size) })),
    ];
}

/** Trains and saves; returns TF.js' test accuracy and the files. */
/** xorshift32 floats in [0, 1) */
function seeded(seed) {
    let x = seed >>> 0 || 1;
    return () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return (x >>> 0) / 2 ** 32;
    };
}

export async function trainTfjs({ arch = 'mlp', hidden = 512, epochs = 1, limit = 60000, shards = 1, seed = 1, data = DEFAULT_DATA_DIR }, log = () => {}) {
    const random = Math.random;
    Math.random = seeded(seed);
    try {
        return await train({ arch, hidden, epochs, limit, shards, data }, log);
    } finally {
        Math.random = random;
    }
}

async function train({ arch, hidden, epochs, limit, shards, data }, log) {
    const tf = await loadTf(arch === 'mlp' ? 'wasm' : 'cpu');
    const read = async (name, header) => (await readIdx(data, name)).subarray(header);
    const [trainX, trainY, testX, testY] = await Promise.all([
        read(FILES.trainImages, 16),
        read(FILES.trainLabels, 8),
        read(FILES.testImages, 16),
        read(FILES.testLabels, 8),
    ]);
    const shape = arch === 'mlp' ? [784] : [28, 28, 1];
    const tensors = (x, y, n) => [tf.tensor(Float32Array.from(x.subarray(0, n * 784), (v) => v / 255), [n, ...shape]), tf.oneHot(tf.tensor1d(y.subarray(0, n), 'int32'), 10)];
    const model = tf.sequential();
    if (arch === 'mlp') {
        model.add(tf.layers.dense({ units: hidden, activation: 'relu', inputShape: shape }));
    } else {
        model.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: shape }));
        model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
        model.add(tf.layers.flatten());
    }
    model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
    model.compile({ optimizer: tf.train.rmsprop(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const n = Math.min(limit, trainY.length);
    const [x, y] = tensors(trainX, trainY, n);
    await model.fit(x, y, { epochs, batchSize: 128, shuffle: true, verbose: 0, callbacks: { onEpochEnd: (e, l) => log(`epoch ${e + 1}/${epochs}: loss ${l.loss.toFixed(4)} acc ${l.acc.toFixed(4)}`) } });
    const [tx, ty] = tensors(testX, testY, testY.length);
    const [loss, acc] = model.evaluate(tx, ty, { batchSize: 1000 }).map((t) => t.dataSync()[0]);
    let artifacts;
    await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    tf.dispose([x, y, tx, ty]);
    return { testLoss: loss, testAccuracy: acc, files: tfjsFiles(artifacts, shards), model, tf };
}

async function main() {
    const opts = parseOrExit('tfjs_train.mjs', parse, USAGE);
    try {
        const r = await trainTfjs(opts, (l) => !opts.json && console.log(l));
        const written = await writeModelFiles(opts.out, r.files);
        const out = { arch: opts.arch, hidden: opts.arch === 'mlp' ? opts.hidden : null, epochs: opts.epochs, trainSamples: opts.limit, testLoss: r.testLoss, testAccuracy: r.testAccuracy, files: written };
        console.log(opts.json ? JSON.stringify(out) : `TensorFlow.js' own evaluation: test loss ${r.testLoss.toFixed(4)}, accuracy ${(100 * r.testAccuracy).toFixed(2)}%; wrote ${written.join(', ')}`);
    } catch (e) {
        console.error(`tfjs_train.mjs: ${e.message}`);
        process.exit(1);
    }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();
