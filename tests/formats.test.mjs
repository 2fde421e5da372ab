/* formats.test.mjs: models that travel (web/formats/), checked against the peers themselves:
 * our model -> TensorFlow.js or ONNX -> ours gives the same bits; tf.loadLayersModel and ONNX
 * Runtime (onnxruntime-web, wasm) run our exports to our probabilities within 1e-5 on 1,000 test
 * images, dense and convolutional; models trained and saved by TensorFlow.js, and ONNX graphs as
 * other exporters write them, import and predict what their own runtime predicts; every refusal
 * says why; scripts/model.mjs. Networks are trained briefly here, with fixed seeds. */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadNN, NNError, Status } from '../web/nn.js';
import { network } from '../web/architectures.js';
import { FormatError, buildNetwork, exportFiles, importFiles } from '../web/formats/index.js';
import { encodeOnnx, parseOnnx } from '../web/formats/onnx.js';
import { Writer } from '../web/formats/protobuf.js';
import { parseTfjs } from '../web/formats/tfjs.js';
import { WASM_PATH, ROOT } from '../scripts/lib/data.mjs';
import { loadOrt, loadTf, ortPredict, tfjsLoad, tfjsPredict } from '../scripts/peers/runtimes.mjs';
import { trainTfjs, tfjsFiles } from '../scripts/peers/tfjs_train.mjs';
import { mnistFiles } from './helpers/page-actions.mjs';

const N = 1000; // test images compared
let nn;
let test1000; // Float32Array of N test images in [0, 1]

/** The largest difference between two arrays of probabilities. */
function maxDiff(a, b) {
    assert.equal(a.length, b.length);
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
    return d;
}

const same = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
const text = (files, name) => JSON.parse(new TextDecoder().decode(files.find((f) => f.name === name).bytes));
const jsonFile = (name, doc) => ({ name, bytes: new TextEncoder().encode(JSON.stringify(doc)) });

/** A seeded generator of floats in [-s, s) for weights of hand-made graphs. */
function uniform(seed) {
    let x = seed >>> 0 || 1;
    return (n, s = 0.3) =>
        Float32Array.from({ length: n }, () => {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            return ((x >>> 0) / 2 ** 32 - 0.5) * 2 * s;
        });
}

before(async () => {
    nn = await loadNN(WASM_PATH);
    test1000 = Float32Array.from(mnistFiles().testImages.subarray(16, 16 + 784 * N), (v) => v / 255);
});

let trainedNets = null;
/** Our networks, trained briefly once (on first use, so that a filtered run skips it). */
function ourNets() {
    if (trainedNets) return trainedNets;
    const m = mnistFiles();
    const train = nn.createDataset(m.trainImages, m.trainLabels);
    const plan = {
        mlp: { batches: 200, batchSize: 128 },
        convnet: { batches: 60, batchSize: 64 },
        odd: { spec: 'conv:8:3:s2:same,pool:3:s2:same,conv:6:2x3:tanh,flatten,dense:16:sigmoid,dense:10', batches: 60, batchSize: 64 },
    };
    trainedNets = {};
    for (const [name, p] of Object.entries(plan)) {
        const net = nn.createNetwork({ ...network(p.spec ?? name), seed: 7 });
        const tr = nn.createTrainer(net, train, { batchSize: p.batchSize, seed: 7 });
        tr.train(p.batches);
        tr.free();
        trainedNets[name] = net;
    }
    train.free();
    return trainedNets;
}

describe('our exports', () => {
    test('our model -> TensorFlow.js -> ours, and -> ONNX -> ours, gives the same bits (dense, convnet, strides and same padding)', () => {
        for (const [name, net] of Object.entries(ourNets()))
            for (const format of ['tfjs', 'onnx']) {
                const files = exportFiles(net, format);
                const back = importFiles(nn, files);
                assert.equal(back.format, format);
                assert.ok(same(back.network.save(), net.save()), `${name} through ${format}`);
                back.network.free();
            }
        const files = exportFiles(ourNets().convnet, 'tfjs');
        assert.deepEqual(files.map((f) => f.name), ['mnist-model.json', 'mnist-model.weights.bin']);
        const doc = text(files, 'mnist-model.json');
        assert.equal(doc.format, 'layers-model');
        assert.equal(doc.modelTopology.class_name, 'Sequential');
        assert.deepEqual(doc.modelTopology.config.layers.map((l) => l.class_name), ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'Flatten', 'Dense', 'Dense']);
        assert.deepEqual(doc.modelTopology.config.layers[0].config.batch_input_shape, [null, 28, 28, 1]);
        assert.deepEqual(doc.weightsManifest[0].weights[0], { name: 'conv2d_1/kernel', shape: [3, 3, 1, 32], dtype: 'float32' });
        assert.deepEqual(doc.weightsManifest[0].paths, ['mnist-model.weights.bin']);
    });

    test('tf.loadLayersModel on our export predicts our probabilities within 1e-5 on 1,000 test images: dense and convnet', async (t) => {
        const tf = await loadTf('wasm');
        for (const [name, net] of Object.entries(ourNets())) {
            const model = await tfjsLoad(tf, exportFiles(net, 'tfjs'));
            const d = maxDiff(tfjsPredict(tf, model, test1000, N), net.predict(test1000));
            t.diagnostic(`${name}: largest difference ${d.toExponential(2)}`);
            assert.ok(d < 1e-5, `${name}: ${d}`);
            model.dispose();
        }
    });

    test('ONNX Runtime on our export predicts our probabilities within 1e-5 on 1,000 test images: dense and convnet', async (t) => {
        const ort = await loadOrt();
        for (const [name, net] of Object.entries(ourNets())) {
            const session = await ort.InferenceSession.create(exportFiles(net, 'onnx')[0].bytes);
            assert.deepEqual(session.inputNames, ['input']);
            assert.deepEqual(session.outputNames, ['probabilities']);
            const d = maxDiff(await ortPredict(ort, session, test1000, N), net.predict(test1000));
            t.diagnostic(`${name}: largest difference ${d.toExponential(2)}`);
            assert.ok(d < 1e-5, `${name}: ${d}`);
            await session.release();
        }
    });
});

describe('models from elsewhere', () => {
    let trainedPromise = null; // {mlp, convnet}: trainTfjs results, made on first use
    const trainedByTfjs = async () =>
        (trainedPromise ??= (async () => ({
            mlp: await trainTfjs({ arch: 'mlp', limit: 2560, shards: 1 }),
            convnet: await trainTfjs({ arch: 'convnet', limit: 1280, shards: 3 }),
        }))());

    test('models trained and saved by TensorFlow.js (one file, or three shards) import and predict what TensorFlow.js predicts', async (t) => {
        for (const [name, r] of Object.entries(await trainedByTfjs())) {
            const tf = await loadTf(name === 'mlp' ? 'wasm' : 'cpu');
            const { network: net, format } = importFiles(nn, r.files);
            assert.equal(format, 'tfjs');
            const d = maxDiff(net.predict(test1000), tfjsPredict(tf, r.model, test1000, N));
            t.diagnostic(`${name}: largest difference ${d.toExponential(2)}`);
            assert.ok(d < 1e-5, `${name}: ${d}`);
            net.free();
        }
    });

    test('what tensorflowjs_converter and functional models write imports too: model_config, InputLayer, Dropout, Activation, ReLU, prefixed names, extra keys', async (t) => {
        const tf = await loadTf('cpu');
        const r = (await trainedByTfjs()).convnet;
        const doc = text(r.files, 'model.json');
        const layers = doc.modelTopology.config.layers.map((l) => structuredClone(l));
        const rename = new Map(layers.map((l, i) => [l.config.name, ['conv2d', 'max_pooling2d', 'flatten', 'dense'][i]]));
        for (const l of layers) l.config.name = rename.get(l.config.name);
        const input = { class_name: 'InputLayer', config: { batch_input_shape: layers[0].config.batch_input_shape, dtype: 'float32', sparse: false, name: 'input_1' } };
        delete layers[0].config.batch_input_shape;
        layers[0].config.activation = 'linear';
        layers[3].config.activation = 'linear';
        const converted = {
            format: 'layers-model',
            generatedBy: 'keras v2.15.0',
            convertedBy: 'TensorFlow.js Converter v4.22.0',
            modelTopology: {
                keras_version: '2.15.0',
                backend: 'tensorflow',
                model_config: {
                    class_name: 'Sequential',
                    config: {
                        name: 'sequential',
                        layers: [
                            input,
                            layers[0],
                            { class_name: 'ReLU', config: { name: 're_lu', trainable: true, dtype: 'float32', max_value: null, negative_slope: 0, threshold: 0 } },
                            layers[1],
                            { class_name: 'Dropout', config: { name: 'dropout', trainable: true, rate: 0.5, noise_shape: null, seed: null } },
                            layers[2],
                            layers[3],
                            { class_name: 'Activation', config: { name: 'activation', trainable: true, activation: 'softmax' } },
                        ],
                    },
                },
                training_config: { loss: 'categorical_crossentropy', metrics: ['accuracy'], optimizer_config: { class_name: 'RMSprop', config: { learning_rate: 0.001 } } },
            },
            weightsManifest: doc.weightsManifest.map((g) => ({
                ...g,
                weights: g.weights.map((w) => ({ ...w, name: `sequential/${rename.get(w.name.split('/')[0])}/${w.name.split('/')[1]}` })),
            })),
        };
        const files = [jsonFile('model.json', converted), ...r.files.filter((f) => f.name.endsWith('.bin'))];
        const { network: net } = importFiles(nn, files);
        assert.deepEqual(net.layers.map((l) => `${l.type}:${l.activation}`), ['conv2d:relu', 'maxpool2d:linear', 'flatten:linear', 'dense:softmax']);
        const d = maxDiff(net.predict(test1000), tfjsPredict(tf, r.model, test1000, N));
        t.diagnostic(`converter layout: largest difference ${d.toExponential(2)}`);
        assert.ok(d < 1e-5, String(d));
        net.free();

        // a functional model (tf.model) that is a chain
        const x = tf.input({ shape: [28, 28, 1] });
        let y = tf.layers.conv2d({ filters: 3, kernelSize: 5, strides: 2, padding: 'same', activation: 'tanh' }).apply(x);
        y = tf.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(y);
        y = tf.layers.flatten().apply(y);
        y = tf.layers.dense({ units: 10, activation: 'softmax', useBias: false }).apply(y);
        const functional = tf.model({ inputs: x, outputs: y });
        let artifacts;
        await functional.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), {})));
        const f = importFiles(nn, tfjsFiles(artifacts, 2)).network;
        const d2 = maxDiff(f.predict(test1000), tfjsPredict(tf, functional, test1000, N));
        t.diagnostic(`functional model: largest difference ${d2.toExponential(2)}`);
        assert.ok(d2 < 1e-5, String(d2));
        f.free();
    });

    test('ONNX graphs as other exporters write them import and predict what ONNX Runtime predicts', async (t) => {
        const ort = await loadOrt();
        const w = uniform(3);
        const graphs = {
            // PyTorch's way: NCHW, Conv with bias, MaxPool then Relu, view(-1, n) as a Reshape of a
            // Constant, Linear as Gemm with transB; the flatten of 16 channels reorders dense rows.
            pytorch: {
                input: { name: 'x', dims: ['batch', 1, 28, 28] },
                output: { name: 'y', dims: ['batch', 10] },
                initializers: [
                    { name: 'c1.w', dims: [6, 1, 5, 5], values: w(150) },
                    { name: 'c1.b', dims: [6], values: w(6) },
                    { name: 'c2.w', dims: [16, 6, 3, 3], values: w(864) },
                    { name: 'c2.b', dims: [16], values: w(16) },
                    { name: 'f1.w', dims: [32, 576], values: w(32 * 576, 0.1) },
                    { name: 'f1.b', dims: [32], values: w(32) },
                    { name: 'f2.w', dims: [10, 32], values: w(320) },
                    { name: 'f2.b', dims: [10], values: w(10) },
                ],
                nodes: [
                    { opType: 'Conv', inputs: ['x', 'c1.w', 'c1.b'], output: 'a', attrs: { kernel_shape: [5, 5], pads: [2, 2, 2, 2], strides: [1, 1], dilations: [1, 1], group: 1 } },
                    { opType: 'MaxPool', inputs: ['a'], output: 'b', attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
                    { opType: 'Relu', inputs: ['b'], output: 'c' },
                    { opType: 'Conv', inputs: ['c', 'c2.w', 'c2.b'], output: 'd', attrs: { kernel_shape: [3, 3] } },
                    { opType: 'Relu', inputs: ['d'], output: 'e' },
                    { opType: 'MaxPool', inputs: ['e'], output: 'f', attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
                    { opType: 'Constant', inputs: [], output: 'shape', attrs: { value: { tensor: { dims: [2], values: [-1, 576], type: 'int64' } } } },
                    { opType: 'Reshape', inputs: ['f', 'shape'], output: 'g' },
                    { opType: 'Gemm', inputs: ['g', 'f1.w', 'f1.b'], output: 'h', attrs: { transB: 1, alpha: { f: 1 }, beta: { f: 1 } } },
                    { opType: 'Relu', inputs: ['h'], output: 'i' },
                    { opType: 'Dropout', inputs: ['i'], output: 'j' },
                    { opType: 'Gemm', inputs: ['j', 'f2.w', 'f2.b'], output: 'k', attrs: { transB: 1 } },
                    { opType: 'Softmax', inputs: ['k'], output: 'y', attrs: { axis: 1 } },
                ],
            },
            // tf2onnx's way: an NHWC input and its Transpose, a Conv's bias as an Add, the Transpose
            // back before the Reshape, MatMul + Add.
            tf2onnx: {
                input: { name: 'input_1', dims: ['unk__6', 28, 28, 1] },
                output: { name: 'dense', dims: ['unk__7', 10] },
                initializers: [
                    { name: 'k', dims: [8, 1, 3, 3], values: w(72) },
                    { name: 'kb', dims: [1, 8, 1, 1], values: w(8) },
                    { name: 'shape', dims: [2], values: [-1, 1352], type: 'int64' },
                    { name: 'd', dims: [1352, 10], values: w(13520, 0.1) },
                    { name: 'db', dims: [10], values: w(10) },
                ],
                nodes: [
                    { opType: 'Transpose', inputs: ['input_1'], output: 't', attrs: { perm: [0, 3, 1, 2] } },
                    { opType: 'Conv', inputs: ['t', 'k'], output: 'c', attrs: { kernel_shape: [3, 3], strides: [1, 1], auto_pad: 'VALID' } },
                    { opType: 'Add', inputs: ['kb', 'c'], output: 'cb' },
                    { opType: 'Relu', inputs: ['cb'], output: 'r' },
                    { opType: 'MaxPool', inputs: ['r'], output: 'p', attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
                    { opType: 'Transpose', inputs: ['p'], output: 'pt', attrs: { perm: [0, 2, 3, 1] } },
                    { opType: 'Reshape', inputs: ['pt', 'shape'], output: 'flat' },
                    { opType: 'MatMul', inputs: ['flat', 'd'], output: 'm' },
                    { opType: 'Add', inputs: ['m', 'db'], output: 'ma' },
                    { opType: 'Softmax', inputs: ['ma'], output: 'dense' },
                ],
            },
            // dense only: Flatten of (N, 28, 28), MatMul + Add, Gemm with alpha, beta and a (1, n) C
            dense: {
                input: { name: 'pixels', dims: ['N', 28, 28] },
                output: { name: 'p', dims: ['N', 10] },
                initializers: [
                    { name: 'w1', dims: [784, 32], values: w(784 * 32, 0.1) },
                    { name: 'b1', dims: [32], values: w(32) },
                    { name: 'w2', dims: [32, 10], values: w(320) },
                    { name: 'b2', dims: [1, 10], values: w(10) },
                ],
                nodes: [
                    { opType: 'Flatten', inputs: ['pixels'], output: 'f', attrs: { axis: 1 } },
                    { opType: 'MatMul', inputs: ['f', 'w1'], output: 'm' },
                    { opType: 'Add', inputs: ['m', 'b1'], output: 'a' },
                    { opType: 'Tanh', inputs: ['a'], output: 't' },
                    { opType: 'Identity', inputs: ['t'], output: 'ti' },
                    { opType: 'Gemm', inputs: ['ti', 'w2', 'b2'], output: 'g', attrs: { alpha: { f: 0.5 }, beta: { f: 2 } } },
                    { opType: 'Softmax', inputs: ['g'], output: 'p' },
                ],
            },
        };
        for (const [name, g] of Object.entries(graphs)) {
            const bytes = encodeOnnx({ ...g, producer: name });
            const session = await ort.InferenceSession.create(bytes);
            const theirs = await ortPredict(ort, session, test1000, N, g.input.dims.slice(1));
            const { network: net } = importFiles(nn, [{ name: `${name}.onnx`, bytes }]);
            const d = maxDiff(net.predict(test1000), theirs);
            t.diagnostic(`${name}: ${net.layers.map((l) => l.type).join(', ')}; largest difference ${d.toExponential(2)}`);
            assert.ok(d < 1e-5, `${name}: ${d}`);
            net.free();
            await session.release();
        }
    });
});

describe('refusals', () => {
    /** Expects importFiles to refuse files with a message matching re (and a code, for C's). */
    const refused = (files, re, code) =>
        assert.throws(
            () => importFiles(nn, files),
            (e) => {
                assert.ok(e instanceof FormatError || e instanceof NNError, `${e.name}: ${e.message}`);
                assert.match(e.message, re);
                assert.ok(!e.message.includes('\n'), 'one line');
                if (code !== undefined) assert.equal(e.code, code);
                return true;
            },
        );

    test('TensorFlow.js files that cannot be run are refused, each with its message', () => {
        const net = nn.createNetwork({ ...network('conv:2:3,pool:2,flatten,dense:10'), seed: 1 });
        const base = exportFiles(net, 'tfjs');
        const bin = base[1];
        const doc = () => text(base, 'mnist-model.json');
        const layers = (d) => d.modelTopology.config.layers;
        const files = (d, bins = [bin]) => [jsonFile('model.json', d), ...bins];
        const edit = (fn) => {
            const d = doc();
            fn(d);
            return files(d);
        };
        refused([{ name: 'model.json', bytes: new TextEncoder().encode('{"format": ') }], /^model\.json is not valid JSON/);
        refused([jsonFile('model.json', { format: 'graph-model', modelTopology: { node: [], versions: {} }, weightsManifest: [] })], /graph model \(tf\.loadGraphModel\); only layers models/);
        refused([jsonFile('model.json', { format: 'tfjs-graph' })], /of format "tfjs-graph"; only "layers-model"/);
        refused([jsonFile('model.json', [1, 2])], /not a TensorFlow\.js model\.json/);
        refused(edit((d) => layers(d).splice(1, 0, { class_name: 'BatchNormalization', config: { name: 'bn', axis: -1 } })), /layer "bn" \(BatchNormalization\): the layer class "BatchNormalization" is not one this page runs/);
        refused(edit((d) => (layers(d)[0].config.activation = 'elu')), /activation "elu" is not one this page runs \(linear, relu, sigmoid, tanh, softmax\)/);
        refused(edit((d) => (layers(d)[0].config.data_format = 'channels_first')), /data_format channels_first; only channels_last is read/);
        refused(edit((d) => delete layers(d)[0].config.batch_input_shape), /the first layer gives no input shape/);
        refused(edit((d) => (layers(d)[0].config.dilation_rate = [2, 2])), /dilated convolutions are not read/);
        refused(edit((d) => (d.weightsManifest[0].weights[0].dtype = 'int32')), /conv2d_1\/kernel is int32; only float32 weights are read/);
        refused(edit((d) => (d.weightsManifest[0].weights[2].name = 'dense_9/kernel')), /the weights manifest has no dense_1\/kernel/);
        refused(files(doc(), []), /the weights file mnist-model\.weights\.bin is missing: choose it together with model\.json/);
        const size = bin.bytes.length; // 4 x (3 x 3 x 2 + 2 + 338 x 10 + 10)
        assert.equal(size, 13640);
        refused(files(doc(), [{ name: bin.name, bytes: bin.bytes.subarray(4) }]), /holds 13636 bytes; the manifest describes 13640: the file is short or not this model's/);
        refused(files(doc(), [{ name: bin.name, bytes: new Uint8Array(20000) }]), /holds 20000 bytes; the manifest describes 13640: not this model's weights/);
        // quantised weights: the converter's uint8 quantisation of the dense kernel (1 byte each)
        const q = doc();
        q.weightsManifest[0].weights[2].quantization = { dtype: 'uint8', scale: 0.01, min: -1 };
        const kernelBytes = 338 * 10;
        const qbin = new Uint8Array(bin.bytes.length - 3 * kernelBytes);
        refused(files(q, [{ name: bin.name, bytes: qbin }]), /dense_1\/kernel is quantised to uint8; only float32 weights are read/);
        // shapes that do not fit the topology: the manifest's kernel is (338, 10), the layer has 11 units
        refused(edit((d) => (layers(d)[3].config.units = 11)), /dense_1\/kernel has shape \[338, 10\], but the layers before it make it \[338, 11\]/);
        // what C refuses: a dense layer on an image, a missing softmax, NaN weights
        refused(edit((d) => layers(d).splice(2, 1)), /^its layers: layers that do not fit together: a dense layer needs a flat input/, Status.SHAPE);
        refused(edit((d) => (layers(d)[3].config.activation = 'linear')), /softmax is only allowed, and required, on the last layer/, Status.ACTIVATION);
        const nan = bin.bytes.slice();
        new DataView(nan.buffer).setFloat32(8, NaN, true);
        refused(files(doc(), [{ name: bin.name, bytes: nan }]), /a weight is NaN or infinite/, Status.MODEL_VALUES);
        // a functional model that is not a chain
        const fn = doc();
        const chain = layers(fn).map((l, i, all) => ({ ...l, name: l.config.name, inbound_nodes: i ? [[[all[i - 1].config.name, 0, 0, {}]]] : [] }));
        chain[3].inbound_nodes = [[[chain[1].name, 0, 0, {}], [chain[2].name, 0, 0, {}]]];
        fn.modelTopology = { class_name: 'Model', config: { name: 'm', layers: chain, input_layers: [[chain[0].name, 0, 0]], output_layers: [[chain[3].name, 0, 0]] } };
        refused(files(fn), /does not take the layer before it alone: only a chain of layers is read/);
        // the files chosen
        refused([bin], /a \.bin file holds only the weights of a TensorFlow\.js model: choose its model\.json together with it/);
        refused([...files(doc()), jsonFile('other.json', doc())], /several model\.json files/);
        refused([], /no model file given/);
        net.free();
    });

    test('ONNX files that cannot be run are refused, each with its message', () => {
        const w = uniform(5);
        const dense = (patch = {}) => ({
            input: { name: 'x', dims: ['N', 784] },
            output: { name: 'y', dims: ['N', 10] },
            initializers: [
                { name: 'w', dims: [784, 10], values: w(7840) },
                { name: 'b', dims: [10], values: w(10) },
            ],
            nodes: [
                { opType: 'Gemm', inputs: ['x', 'w', 'b'], output: 'g' },
                { opType: 'Softmax', inputs: ['g'], output: 'y' },
            ],
            ...patch,
        });
        const conv = (convAttrs, extra = []) => ({
            input: { name: 'x', dims: ['N', 1, 28, 28] },
            output: { name: 'y', dims: ['N', 10] },
            initializers: [
                { name: 'k', dims: [2, 1, 2, 2], values: w(8) },
                { name: 'kb', dims: [2], values: w(2) },
                { name: 'w', dims: [28 * 28 * 2, 10], values: w(15680, 0.05) },
            ],
            nodes: [
                { opType: 'Conv', inputs: ['x', 'k'], output: 'c', attrs: convAttrs },
                ...extra,
                { opType: 'Flatten', inputs: [extra.length ? extra[extra.length - 1].output : 'c'], output: 'f' },
                { opType: 'MatMul', inputs: ['f', 'w'], output: 'm' },
                { opType: 'Softmax', inputs: ['m'], output: 'y' },
            ],
        });
        const onnx = (g, name = 'model.onnx') => [{ name, bytes: encodeOnnx(g) }];
        assert.doesNotThrow(() => importFiles(nn, onnx(dense())).network.free(), 'the base graph imports');
        assert.doesNotThrow(() => importFiles(nn, onnx(conv({ pads: [0, 0, 1, 1] }))).network.free(), "Keras' same padding of a 2x2 kernel");
        refused([{ name: 'x.onnx', bytes: new TextEncoder().encode('definitely not protobuf at all') }], /^not an ONNX model: /);
        refused([{ name: 'x.onnx', bytes: encodeOnnx({ ...dense(), opset: 6 }) }], /ONNX opset 6: opsets 7 and later are read/);
        refused(onnx(dense({ nodes: [{ opType: 'BatchNormalization', inputs: ['x', 'w'], output: 'g' }, { opType: 'Softmax', inputs: ['g'], output: 'y' }] })), /node 1 \(BatchNormalization\): the operator BatchNormalization is not one this page runs/);
        refused(onnx(dense({ nodes: [{ opType: 'Gemm', inputs: ['x', 'w', 'b'], output: 'g' }, { opType: 'Softmax', inputs: ['x'], output: 'y' }] })), /node 2 \(Softmax\): it takes "x" instead of the previous layer's output; only a chain of layers is read/);
        refused(onnx(dense({ nodes: [{ opType: 'Gemm', inputs: ['x', 'w', 'b'], output: 'y' }] })), /softmax is only allowed, and required, on the last layer/, Status.ACTIVATION);
        refused(onnx(dense({ nodes: [{ opType: 'Gemm', inputs: ['x', 'w', 'b'], output: 'g', attrs: { transA: 1 } }, { opType: 'Softmax', inputs: ['g'], output: 'y' }] })), /transA is not read/);
        refused(onnx(dense({ input: { name: 'x', dims: ['N', 'features'] } })), /input "x" has shape \[\?, \?\]: .*known sizes/);
        refused(onnx(dense({ output: { name: 'z', dims: ['N', 10] } })), /the graph's output "z" is not the last layer's/);
        const nan = dense();
        nan.initializers[0].values[3] = NaN;
        refused(onnx(nan), /a weight is NaN or infinite/, Status.MODEL_VALUES);
        refused(onnx(conv({ dilations: [2, 2] })), /dilations other than 1 are not read/);
        refused(onnx(conv({ group: 2 })), /grouped convolutions are not read/);
        refused(onnx(conv({ pads: [1, 1, 1, 1] })), /pads \[1, 1, 1, 1\] are not Keras' 'same' padding of \[28, 28, 1\], which is \[0, 0, 1, 1\]/);
        refused(onnx(conv({ pads: [1, 0, 0, 0] })), /pads \[1, 0, 0, 0\] are not Keras' 'same' padding \(the odd pixel after\)/);
        refused(onnx(conv({ auto_pad: 'SAME_LOWER' })), /auto_pad SAME_LOWER is not Keras' 'valid' or 'same'/);
        refused(onnx(conv({}, [{ opType: 'Add', inputs: ['c', 'kb'], output: 'cb' }])), /a bias of shape \[2\] does not add one value per channel/);
        // tensors written by hand: weights in an external file, float16 weights, raw data cut short
        const handMade = (tensor) => {
            const m = new Writer();
            m.int(1, 7);
            m.message(7, (g) => {
                g.message(1, (n) => n.string(1, 'x').string(1, 'w').string(2, 'g').string(4, 'MatMul'));
                g.message(1, (n) => n.string(1, 'g').string(2, 'y').string(4, 'Softmax'));
                g.message(5, (t) => tensor(t.int(1, 784).int(1, 10).string(8, 'w')));
                const info = (v, name, dims) =>
                    v.string(1, name).message(2, (ty) => ty.message(1, (tt) => tt.int(1, 1).message(2, (s) => dims.forEach((d) => s.message(1, (dd) => dd.int(1, d))))));
                g.message(11, (v) => info(v, 'x', [1, 784]));
                g.message(12, (v) => info(v, 'y', [1, 10]));
            });
            m.message(8, (o) => o.int(2, 13));
            return [{ name: 'hand.onnx', bytes: m.finish() }];
        };
        refused(handMade((t) => t.int(2, 1).int(14, 1)), /node 1 \(MatMul\): weights "w": its values are in an external file/);
        refused(handMade((t) => t.int(2, 10).bytes(9, new Uint8Array(2 * 7840))), /its values are float16; only float32 weights are read/);
        refused(handMade((t) => t.int(2, 1).bytes(9, new Uint8Array(100))), /shape \[784, 10\] needs 31360 bytes, its data holds 100/);
        // a field this reader does not know is skipped
        assert.doesNotThrow(() => importFiles(nn, handMade((t) => t.int(2, 1).bytes(9, new Uint8Array(31360)).int(200000, 1))).network.free());
    });

    test('the protobuf reader refuses what is not a message: lengths past the end, runaway varints, groups, bad UTF-8', () => {
        const cases = [
            [Uint8Array.from([0x3a, 0x05, 0x01]), /longer than the bytes that hold it/],
            [Uint8Array.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), /more than ten bytes/],
            [Uint8Array.from([0x9b, 0x06]), /wire type 3/],
            [Uint8Array.from([0x12, 0x02, 0xc3, 0x28]), /not UTF-8/],
            [Uint8Array.from([0x08]), /runs past the end/],
            [Uint8Array.from([0x00]), /field number out of range/],
        ];
        for (const [bytes, re] of cases) assert.throws(() => parseOnnx(bytes), (e) => e instanceof FormatError && re.test(e.message), String(re));
        assert.throws(() => parseTfjs('{"format":"layers-model","modelTopology":{"class_name":"Sequential","config":{"layers":[]}},"weightsManifest":[]}', () => null), /no weightsManifest/);
    });

    test('a refused import creates nothing: the networks C plans are freed', () => {
        let live = 0;
        const counting = new Proxy(nn, {
            get(target, key) {
                const v = Reflect.get(target, key);
                if (key !== 'createNetwork' && key !== 'loadModel') return typeof v === 'function' ? v.bind(target) : v;
                return (...args) => {
                    const net = v.apply(target, args);
                    live++;
                    const free = net.free.bind(net);
                    net.free = () => (live--, free());
                    return net;
                };
            },
        });
        const files = exportFiles(ourNets().odd, 'tfjs');
        const bad = JSON.parse(new TextDecoder().decode(files[0].bytes));
        bad.modelTopology.config.layers[5].config.units = 11;
        assert.throws(() => importFiles(counting, [jsonFile('m.json', bad), files[1]]), FormatError);
        assert.equal(live, 0, 'the planned network was freed');
        const ok = importFiles(counting, files);
        assert.equal(live, 1, 'only the imported network is left');
        ok.network.free();
        assert.throws(() => buildNetwork(counting, { inputShape: [4], layers: [{ type: 'dense', units: 1, activation: 'softmax' }], weights: [null] }), NNError);
        assert.equal(live, 0);
    });
});

describe('scripts/model.mjs', () => {
    const run = promisify(execFile);
    const tool = path.join(ROOT, 'scripts', 'model.mjs');
    const model = (...args) => run(process.execPath, [tool, ...args], { cwd: ROOT });
    const fails = async (args, re, status) => {
        const e = await model(...args).then(() => null, (err) => err);
        assert.ok(e, `${args.join(' ')} should fail`);
        assert.equal(e.code, status);
        assert.match(e.stderr, re);
        assert.equal(e.stderr.trim().split('\n')[0].startsWith('model.mjs: '), true);
    };

    test('info, convert between the three formats and back to the same bytes, evaluate; bad files end in one line and exit 1', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nn-model-'));
        try {
            const ours = path.join(dir, 'c.nnmf');
            fs.writeFileSync(ours, ourNets().odd.save());
            const info = JSON.parse((await model('info', ours, '--json')).stdout);
            assert.equal(info.format, 'nnmf');
            assert.deepEqual(info.layers.map((l) => l.className), ['Conv2D', 'MaxPooling2D', 'Conv2D', 'Flatten', 'Dense', 'Dense']);
            assert.equal(info.params, ourNets().odd.paramCount);
            await model('convert', ours, path.join(dir, 'c.onnx'));
            await model('convert', path.join(dir, 'c.onnx'), path.join(dir, 'tfjs') + path.sep);
            assert.deepEqual(fs.readdirSync(path.join(dir, 'tfjs')).sort(), ['model.json', 'model.weights.bin']);
            await model('convert', path.join(dir, 'tfjs'), path.join(dir, 'back.nnmf'));
            assert.ok(same(fs.readFileSync(path.join(dir, 'back.nnmf')), fs.readFileSync(ours)), 'ours -> ONNX -> TF.js -> ours');
            const text1 = (await model('info', path.join(dir, 'tfjs', 'model.json'))).stdout;
            assert.match(text1, /TensorFlow\.js, input \(None, 28, 28, 1\)/);
            assert.match(text1, /conv2d_1 \(Conv2D\) +\(None, 14, 14, 8\) +relu +80/);
            const r = JSON.parse((await model('evaluate', path.join(dir, 'c.onnx'), '--json')).stdout);
            const test = nn.createDataset(mnistFiles().testImages, mnistFiles().testLabels);
            assert.equal(r.testAccuracy, ourNets().odd.evaluate(test).accuracy);
            assert.equal(r.count, 10000);
            test.free();

            fs.writeFileSync(path.join(dir, 'bad.onnx'), 'nonsense');
            await fails(['evaluate', path.join(dir, 'bad.onnx')], /bad\.onnx: not an ONNX model: /, 1);
            fs.rmSync(path.join(dir, 'tfjs', 'model.weights.bin'));
            await fails(['info', path.join(dir, 'tfjs')], /tfjs: the weights file model\.weights\.bin is missing: choose it together with model\.json/, 1);
            await fails(['info', path.join(dir, 'none.nnmf')], /none\.nnmf: no such file/, 1);
            await fails(['convert', ours, path.join(dir, 'out.txt')], /the output must end in \.nnmf, \.onnx or \.json, or be a directory/, 2);
            await fails(['frobnicate', ours], /unknown command "frobnicate"/, 2);
            await fails(['info'], /info takes one file/, 2);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
