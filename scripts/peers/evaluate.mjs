#!/usr/bin/env node
// evaluate.mjs: the test accuracy of a model file as TensorFlow.js or ONNX Runtime compute it, not
// us: a TensorFlow.js model (model.json, or a directory holding one) by tf.loadLayersModel on
// TF.js' wasm backend, an .onnx by onnxruntime-web (wasm, one thread), over the IDX test set with
// pixels scaled to [0, 1]. The peers' side of `model.mjs evaluate` (README, "Models that travel").
//   node scripts/peers/evaluate.mjs FILE [--data DIR] [--json] [--backend wasm|cpu]
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { parseOrExit } from '../lib/cli.mjs';
import { DEFAULT_DATA_DIR, FILES, readIdx } from '../lib/data.mjs';
import { readModelFiles } from '../lib/model-files.mjs';
import { loadOrt, loadTf, ortPredict, score, tfjsLoad, tfjsPredict } from './runtimes.mjs';

const USAGE = 'usage: node scripts/peers/evaluate.mjs FILE [--data DIR] [--json] [--backend wasm|cpu]';
const BATCH = 1000;

function parse(argv) {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            data: { type: 'string', default: DEFAULT_DATA_DIR },
            json: { type: 'boolean', default: false },
            backend: { type: 'string', default: 'wasm' },
            help: { type: 'boolean', short: 'h', default: false },
        },
    });
    if (values.help) return { help: true };
    if (positionals.length !== 1) throw new Error('give one model file');
    if (!['wasm', 'cpu'].includes(values.backend)) throw new Error('--backend is wasm or cpu');
    return { file: positionals[0], ...values };
}

const opts = parseOrExit('evaluate.mjs', parse, USAGE);
try {
    const images = await readIdx(opts.data, FILES.testImages);
    const labels = (await readIdx(opts.data, FILES.testLabels)).subarray(8);
    const n = labels.length;
    const x = Float32Array.from(images.subarray(16), (v) => v / 255);
    const probs = new Float32Array(n * 10);
    let runtime;
    if (/\.onnx$/i.test(opts.file)) {
        const ort = await loadOrt();
        const session = await ort.InferenceSession.create(new Uint8Array(await readFile(opts.file)));
        for (let i = 0; i < n; i += BATCH) {
            const m = Math.min(BATCH, n - i);
            probs.set(await ortPredict(ort, session, x.subarray(i * 784, (i + m) * 784), m), i * 10);
        }
        runtime = `onnxruntime-web ${ort.env.versions.web} (wasm, 1 thread)`;
    } else {
        const tf = await loadTf(opts.backend);
        const model = await tfjsLoad(tf, await readModelFiles(opts.file));
        for (let i = 0; i < n; i += BATCH) {
            const m = Math.min(BATCH, n - i);
            probs.set(tfjsPredict(tf, model, x.subarray(i * 784, (i + m) * 784), m), i * 10);
        }
        runtime = `TensorFlow.js ${tf.version.tfjs} (${tf.getBackend()} backend)`;
    }
    const r = score(probs, labels);
    const result = { file: opts.file, runtime, testLoss: r.loss, testAccuracy: r.accuracy, correct: r.correct, count: r.count };
    console.log(opts.json ? JSON.stringify(result) : `${opts.file} by ${runtime}: test loss ${r.loss.toFixed(4)}, accuracy ${(100 * r.accuracy).toFixed(2)}% (${r.correct} of ${r.count})`);
} catch (e) {
    console.error(`evaluate.mjs: ${opts.file}: ${e.message}`);
    process.exit(1);
}
