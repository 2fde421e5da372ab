/* formats-worker.test.mjs: the worker's side of models that travel (web/worker-core.js with the fakes
 * of tests/helpers/fakes.mjs): exportModel in each format, importModel of an .onnx and of a
 * model.json with its weights files, the format kept with the saved model, and bad files refused
 * with their message while the current model stays (exactly one reply per request). */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadNN, Status } from '../web/nn.js';
import { network } from '../web/architectures.js';
import { exportFiles } from '../web/formats/index.js';
import { WASM, harness } from './helpers/fakes.mjs';

describe('worker: model formats', () => {
    let h;
    let nn;
    let ours; // a convnet's .nnmf bytes
    const image = { data: new Uint8Array(28 * 28).map((_, i) => (i % 28 > 10 && i % 28 < 16 ? 0 : 255)), width: 28, height: 28 };

    before(async () => {
        nn = await loadNN(WASM);
        ours = nn.createNetwork({ ...network('conv:4:3,pool:2,flatten,dense:10'), seed: 2 }).save();
        h = harness();
        await h.request('init');
        await h.request('importModel', { bytes: ours, name: 'mine.nnmf' });
    });

    test('exportModel gives the files of each format; importing them back gives the same model, named with its format', async () => {
        const probs = (await h.request('predict', { image })).probabilities;
        const tfjs = await h.request('exportModel', { format: 'tfjs' });
        assert.deepEqual(tfjs.files.map((f) => f.name), ['mnist-model.json', 'mnist-model.weights.bin']);
        assert.equal(tfjs.files[0].type, 'application/json');
        const onnx = await h.request('exportModel', { format: 'onnx' });
        assert.deepEqual(onnx.files.map((f) => f.name), ['mnist-model.onnx']);
        assert.deepEqual((await h.request('exportModel')).bytes, ours, 'our format by default');

        const r1 = await h.request('importModel', { files: tfjs.files });
        assert.equal(r1.model.format, 'tfjs');
        assert.equal(r1.model.name, 'mnist-model.json');
        assert.equal(r1.model.source, 'imported');
        assert.deepEqual((await h.request('exportModel')).bytes, ours, 'the same bits');
        assert.deepEqual((await h.request('predict', { image })).probabilities, probs);
        assert.equal(h.store.record.format, 'tfjs', 'the format is saved with the model');

        const r2 = await h.request('importModel', { files: onnx.files });
        assert.equal(r2.model.format, 'onnx');
        assert.deepEqual((await h.request('exportModel')).bytes, ours);

        const bad = await h.send('exportModel', { format: 'keras' });
        assert.equal(bad.error.code, 'MODEL_FORMAT');
        assert.match(bad.error.message, /unknown format "keras"/);
    });

    test('bad files are refused with their message and the current model stays', async () => {
        const before = (await h.request('exportModel')).bytes;
        const net = nn.loadModel(ours);
        const [json, bin] = exportFiles(net, 'tfjs');
        const cases = [
            [{ files: [json] }, 'MODEL_FORMAT', /the weights file mnist-model\.weights\.bin is missing/],
            [{ files: [bin] }, 'MODEL_FORMAT', /holds only the weights of a TensorFlow\.js model/],
            [{ files: [json, { name: bin.name, bytes: bin.bytes.subarray(8) }] }, 'MODEL_FORMAT', /the file is short/],
            [{ files: [{ name: 'm.onnx', bytes: new Uint8Array([1, 2, 3]) }] }, 'MODEL_FORMAT', /not an ONNX model/],
            [{ files: [] }, Status.ARG, /No model file given/],
            [{ files: [{ name: 'x', bytes: 'text' }] }, Status.ARG, /No model file given/],
        ];
        // a valid model of the wrong input size
        const small = nn.createNetwork({ sizes: [100, 10], seed: 1 });
        cases.push([{ files: exportFiles(small, 'onnx') }, Status.MODEL_LAYERS, /This model takes inputs of shape \(100\) and 10 classes/]);
        for (const [payload, code, re] of cases) {
            const r = await h.send('importModel', payload);
            assert.equal(r.type, 'error');
            assert.equal(r.error.code, code, r.error.message);
            assert.match(r.error.message, re);
        }
        assert.deepEqual((await h.request('exportModel')).bytes, before, 'model untouched');
        small.free();
        net.free();
    });
});
