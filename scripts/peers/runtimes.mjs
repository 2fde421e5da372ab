// runtimes.mjs: TensorFlow.js (@tensorflow/tfjs 4.22) and ONNX Runtime (onnxruntime-web, wasm
// backend, one thread) in Node, loading model files the way they themselves do, for the checks
// of our exports and imports (tests/formats.test.mjs, scripts/peers/evaluate.mjs). Both are
// devDependencies: nothing the page loads comes from here. Inputs are pixels scaled to [0, 1].
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
let tfPromise = null;

/**
 * TensorFlow.js on its wasm backend (XNNPACK, one thread), or on 'cpu' (slower, but it can train
 * convolutions). Each call switches to the backend asked for.
 */
export async function loadTf(backend = 'wasm') {
    tfPromise ??= (async () => {
        const tf = await import('@tensorflow/tfjs');
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        wasm.setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
        wasm.setThreadsCount(1);
        return tf;
    })();
    const tf = await tfPromise;
    if (tf.getBackend() !== backend) await tf.setBackend(backend);
    await tf.ready();
    return tf;
}

/**
 * tf.loadLayersModel on model files [{name, bytes}] (model.json and its weights files, named as
 * its manifest names them), through tf.io.getModelArtifactsForJSON as TF.js' own loaders go.
 */
export async function tfjsLoad(tf, files) {
    const json = JSON.parse(new TextDecoder().decode(files.find((f) => f.name.endsWith('.json')).bytes));
    const byName = new Map(files.map((f) => [path.posix.normalize(f.name), f.bytes]));
    const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const buffers = manifest.flatMap((g) =>
            g.paths.map((p) => {
                const b = byName.get(path.posix.normalize(p));
                if (!b) throw new Error(`no weights file ${p}`);
                return b.slice().buffer;
            }),
        );
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
    });
    return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}

/** Probabilities (n x classes) of a TF.js model for n inputs of 784 floats. */
export function tfjsPredict(tf, model, x, n) {
    const shape = [n, ...model.inputs[0].shape.slice(1)];
    return tf.tidy(() => model.predict(tf.tensor(x, shape)).dataSync());
}

let ortPromise = null;
export function loadOrt() {
    ortPromise ??= import('onnxruntime-web').then((ort) => {
        ort.env.wasm.numThreads = 1;
        return ort;
    });
    return ortPromise;
}

/** Probabilities of an ONNX Runtime session for n inputs (shaped as its input says, or dims). */
export async function ortPredict(ort, session, x, n, dims = null) {
    const meta = session.inputMetadata?.[0];
    dims ??= meta?.shape?.slice(1).map(Number);
    const shape = dims && dims.every((d) => d > 0) ? [n, ...dims] : [n, x.length / n];
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, shape) });
    return out[session.outputNames[0]].data;
}

/** Keras' loss and accuracy from probabilities and labels. */
export function score(probs, labels, classes = 10) {
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < labels.length; i++) {
        const row = probs.subarray(i * classes, (i + 1) * classes);
        let best = 0;
        for (let k = 1; k < classes; k++) if (row[k] > row[best]) best = k;
        if (best === labels[i]) correct++;
        loss -= Math.log(Math.min(Math.max(row[labels[i]], 1e-7), 1 - 1e-7));
    }
    return { loss: loss / labels.length, accuracy: correct / labels.length, correct, count: labels.length };
}
