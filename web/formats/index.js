// formats/index.js: models in and out of the three formats the page speaks: ours (.nnmf),
// TensorFlow.js Layers (model.json + .bin) and ONNX (.onnx). The same in the worker, the page's
// tools and Node; no DOM. Every import ends in C: the layers are planned by C (which refuses
// layers it cannot build and says what each layer's weights are), the weights checked against
// those shapes here, and the network written as our model file and loaded back by C, whose loader
// checks every value. So one rule set refuses bad models, and a refusal creates nothing.
import { NNError } from '../nn.js';
import { FormatError, describeNetwork, shapeText, windowPads } from './common.js';
import { exportOnnx, parseOnnx } from './onnx.js';
import { exportTfjs, parseTfjs } from './tfjs.js';

export { FormatError, describeNetwork };

/** The formats, with the names the page and the tools show. */
export const FORMATS = Object.freeze({
    nnmf: { name: 'this page\'s model file', short: '.nnmf' },
    tfjs: { name: 'TensorFlow.js', short: 'TensorFlow.js' },
    onnx: { name: 'ONNX', short: 'ONNX' },
});

const MAGIC = [0x4e, 0x4e, 0x4d, 0x46]; // "NNMF"
const baseName = (p) => String(p).split(/[\\/]/).pop();
const extension = (name) => (/\.([a-z0-9]+)$/i.exec(name)?.[1] ?? '').toLowerCase();

/** 'nnmf', 'json', 'onnx', 'bin' or null: what a file looks like, by content first, then name. */
function kindOf({ name, bytes }) {
    if (MAGIC.every((b, i) => bytes[i] === b)) return 'nnmf';
    let i = 0;
    while (i < bytes.length && i < 64 && [0x20, 0x09, 0x0a, 0x0d, 0xef, 0xbb, 0xbf].includes(bytes[i])) i++;
    if (bytes[i] === 0x7b) return 'json'; // '{'
    const ext = extension(name ?? '');
    if (ext === 'json') return 'json';
    if (ext === 'onnx' || ext === 'nnmf' || ext === 'bin') return ext;
    return bytes[0] === 0x08 ? 'onnx' : null; // a ModelProto starts with its ir_version (field 1)
}

/**
 * What files hold: {format, main, others} or a FormatError. files: [{name, bytes: Uint8Array}];
 * a TensorFlow.js model is its model.json with the weights files it names.
 */
export function detectFormat(files) {
    if (!Array.isArray(files) || !files.length) throw new FormatError('no model file given');
    const kinds = files.map(kindOf);
    const jsons = files.filter((_, i) => kinds[i] === 'json');
    if (jsons.length > 1) throw new FormatError('several model.json files: choose one TensorFlow.js model at a time');
    if (jsons.length === 1) return { format: 'tfjs', main: jsons[0], others: files.filter((f) => f !== jsons[0]) };
    if (files.length > 1)
        throw new FormatError('several files but no model.json: choose one .nnmf or .onnx file, or a model.json with its .bin files');
    const kind = kinds[0];
    if (kind === 'bin') throw new FormatError('a .bin file holds only the weights of a TensorFlow.js model: choose its model.json together with it');
    return { format: kind === 'onnx' ? 'onnx' : 'nnmf', main: files[0], others: [] };
}

const product = (dims) => dims.reduce((a, b) => a * b, 1);

/**
 * A Network of an imported model (see common.js), through C: the layers are planned by C, the
 * weights checked against what C says each layer takes, and the result loaded as our model file
 * (every value checked). Throws FormatError or NNError; creates nothing then.
 */
export function buildNetwork(engine, model) {
    let net;
    try {
        net = engine.createNetwork({ inputShape: model.inputShape, layers: model.layers, seed: 0 });
    } catch (e) {
        if (e instanceof NNError) e.message = `its layers: ${e.message.replace(/^network: /, '')}`;
        throw e;
    }
    let bytes;
    try {
        const params = new Float32Array(net.paramCount);
        net.layers.forEach((info, i) => {
            const want = model.layers[i];
            const where = `layer ${i + 1} (${info.type})`;
            if (want.expectOutput !== undefined && product(info.outputShape) !== want.expectOutput)
                throw new FormatError(`${where}: a reshape to ${want.expectOutput} values of an input of ${product(info.inputShape)}`);
            if (want.onnxPads && want.onnxPads.join() !== windowPads(info).join())
                throw new FormatError(`${where}: pads ${shapeText(want.onnxPads)} are not Keras' 'same' padding of ${shapeText(info.inputShape)}, which is ${shapeText(windowPads(info))}`);
            const w = model.weights[i];
            if (!info.params) return;
            if (!w?.kernel) throw new FormatError(`${where}: no weights`);
            const kernelShape = info.type === 'dense' ? [info.inputShape[0], info.units] : [...info.kernelSize, info.inputShape[2], info.units];
            if (w.kernel.shape.join() !== kernelShape.join())
                throw new FormatError(`${w.kernel.name} has shape ${shapeText(w.kernel.shape)}, but the layers before it make it ${shapeText(kernelShape)}`);
            let data = w.kernel.data;
            const before = net.layers[i - 1];
            if (w.rows === 'chw' && before?.type === 'flatten' && before.inputShape.length === 3) {
                // the rows are in (c, h, w) order; ours are (h, w, c)
                const [h, ww, c] = before.inputShape;
                const units = info.units;
                const hwc = new Float32Array(data.length);
                for (let ch = 0; ch < c; ch++)
                    for (let y = 0; y < h; y++)
                        for (let x = 0; x < ww; x++) {
                            const from = ((ch * h + y) * ww + x) * units;
                            hwc.set(data.subarray(from, from + units), ((y * ww + x) * c + ch) * units);
                        }
                data = hwc;
            }
            params.set(data, info.paramOffset);
            if (!w.bias) return; // none: zeros
            if (w.bias.shape.join() !== String(info.units))
                throw new FormatError(`${w.bias.name} has shape ${shapeText(w.bias.shape)}, but the layer has ${info.units} ${info.type === 'dense' ? 'units' : 'filters'}`);
            params.set(w.bias.data, info.paramOffset + info.weights);
        });
        net.setParams(params);
        bytes = net.save();
    } finally {
        net.free();
    }
    return engine.loadModel(bytes);
}

/**
 * A Network from model files, whichever of the three formats they are in:
 * {network, format, name} (name: the main file's). Throws FormatError or NNError (C's refusal).
 */
export function importFiles(engine, files) {
    const { format, main, others } = detectFormat(files);
    if (format === 'nnmf') return { network: engine.loadModel(main.bytes), format, name: main.name };
    let model;
    if (format === 'onnx') model = parseOnnx(main.bytes);
    else {
        const byName = new Map(others.map((f) => [baseName(f.name), f.bytes]));
        const byPath = new Map(others.map((f) => [String(f.name).replace(/^\.\//, ''), f.bytes]));
        model = parseTfjs(main.bytes, (p) => byPath.get(String(p).replace(/^\.\//, '')) ?? byName.get(baseName(p)) ?? null);
    }
    return { network: buildNetwork(engine, model), format, name: main.name };
}

/**
 * The files of a network in a format: [{name, bytes, type}], named from base ('mnist-model':
 * mnist-model.nnmf; mnist-model.json + mnist-model.weights.bin; mnist-model.onnx).
 */
export function exportFiles(net, format, base = 'mnist-model') {
    if (format === 'nnmf') return [{ name: `${base}.nnmf`, bytes: net.save(), type: 'application/octet-stream' }];
    if (format === 'onnx') return [{ name: `${base}.onnx`, bytes: exportOnnx(describeNetwork(net)), type: 'application/octet-stream' }];
    if (format === 'tfjs') {
        const weightsPath = `${base}.weights.bin`;
        const { modelJson, weights } = exportTfjs(describeNetwork(net), { weightsPath });
        return [
            { name: `${base}.json`, bytes: new TextEncoder().encode(JSON.stringify(modelJson, null, 1)), type: 'application/json' },
            { name: weightsPath, bytes: weights, type: 'application/octet-stream' },
        ];
    }
    throw new FormatError(`unknown format "${format}" (${Object.keys(FORMATS).join(', ')})`);
}
