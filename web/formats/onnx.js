// onnx.js: ONNX models (a ModelProto, opset 13) to and from our layers. No DOM, no wasm.
// Export: NCHW as ONNX has it (Conv with OIHW kernels, MaxPool), a Transpose to NHWC before each
// Flatten so that the first dense layer sees its inputs in our (h, w, c) order, Gemm for dense
// layers, the weights as float32 initializers in raw_data. Import: a chain of those operators
// and of what other exporters write for them (MatMul + Add, Reshape for Flatten, Relu after
// MaxPool, Dropout, Identity, an NHWC input with its Transpose), each checked, anything else
// refused with a sentence naming the node.
import { Writer, decode, ProtoError } from './protobuf.js';
import { FormatError, float32Bytes, layerNames, readFloat32, shapeText, windowPads } from './common.js';

export const OPSET = 13;
const IR_VERSION = 7; // the IR of opset 13 (ONNX 1.8)
const MIN_OPSET = 7; // Gemm, Softmax and the rest as here since ONNX 1.2
const FLOAT = 1;
const MAX_DIM = 0x7fffffff; // what C's int sizes take
const INT64 = 7;
const DATA_TYPES = { 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'double', 12: 'uint32', 13: 'uint64', 16: 'bfloat16' };
const ACTIVATION_OPS = { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid', softmax: 'Softmax' };
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 };

// ---- the messages (field numbers of onnx/onnx.proto) ----
const TENSOR = {
    1: ['dims', 'int64', true],
    2: ['dataType', 'int32'],
    3: ['segment', 'bytes'],
    4: ['floatData', 'float', true],
    7: ['int64Data', 'int64', true],
    8: ['name', 'string'],
    9: ['rawData', 'bytes'],
    13: ['externalData', 'bytes', true],
    14: ['dataLocation', 'int32'],
};
const ATTRIBUTE = {
    1: ['name', 'string'],
    2: ['f', 'float'],
    3: ['i', 'int64'],
    4: ['s', 'bytes'],
    5: ['t', TENSOR],
    7: ['floats', 'float', true],
    8: ['ints', 'int64', true],
    20: ['type', 'int32'],
};
const NODE = { 1: ['input', 'string', true], 2: ['output', 'string', true], 3: ['name', 'string'], 4: ['opType', 'string'], 5: ['attribute', ATTRIBUTE, true], 7: ['domain', 'string'] };
const DIMENSION = { 1: ['value', 'int64'], 2: ['param', 'string'] };
const TENSOR_TYPE = { 1: ['elemType', 'int32'], 2: ['shape', { 1: ['dim', DIMENSION, true] }] };
const VALUE_INFO = { 1: ['name', 'string'], 2: ['type', { 1: ['tensor', TENSOR_TYPE] }] };
const GRAPH = {
    1: ['node', NODE, true],
    2: ['name', 'string'],
    5: ['initializer', TENSOR, true],
    11: ['input', VALUE_INFO, true],
    12: ['output', VALUE_INFO, true],
    15: ['sparseInitializer', 'bytes', true],
};
const MODEL = {
    1: ['irVersion', 'int64'],
    2: ['producerName', 'string'],
    3: ['producerVersion', 'string'],
    7: ['graph', GRAPH],
    8: ['opsetImport', { 1: ['domain', 'string'], 2: ['version', 'int64'] }, true],
};

// ---- export ----

/**
 * The ONNX file of a model {inputShape, layers (as net.layers), params} (describeNetwork): the
 * input "input" is (N, c, h, w) for images, (N, n) for flat inputs; the output "probabilities".
 */
export function exportOnnx({ inputShape, layers, params }) {
    const names = layerNames(layers);
    const nodes = [];
    const inits = [];
    let current = 'input';
    const node = (opType, inputs, attrs = {}, name = `${opType}_${nodes.length + 1}`, output = `${name}:0`) => {
        nodes.push({ opType, inputs, output, name, attrs });
        current = output;
    };
    const init = (name, dims, values) => {
        inits.push({ name, dims, values });
        return name;
    };
    layers.forEach((l, i) => {
        const name = names[i];
        const w = params.subarray(l.paramOffset, l.paramOffset + l.weights);
        const b = params.subarray(l.paramOffset + l.weights, l.paramOffset + l.weights + l.biases);
        if (l.type === 'conv2d') {
            const [kh, kw] = l.kernelSize;
            const c = l.inputShape[2];
            const f = l.units;
            const oihw = new Float32Array(w.length); // ours is (kh, kw, c, f)
            for (let y = 0; y < kh; y++)
                for (let x = 0; x < kw; x++)
                    for (let ci = 0; ci < c; ci++)
                        for (let o = 0; o < f; o++) oihw[((o * c + ci) * kh + y) * kw + x] = w[((y * kw + x) * c + ci) * f + o];
            const inputs = [current, init(`${name}/kernel`, [f, c, kh, kw], oihw), init(`${name}/bias`, [f], b)];
            node('Conv', inputs, { kernel_shape: l.kernelSize, strides: l.strides, pads: windowPads(l) }, name);
        } else if (l.type === 'maxpool2d') {
            node('MaxPool', [current], { kernel_shape: l.kernelSize, strides: l.strides, pads: windowPads(l) }, name);
        } else if (l.type === 'flatten') {
            node('Transpose', [current], { perm: [0, 2, 3, 1] }, `${name}/to_channels_last`);
            node('Flatten', [current], { axis: 1 }, name);
        } else {
            const inputs = [current, init(`${name}/kernel`, [l.inputShape[0], l.units], w), init(`${name}/bias`, [l.units], b)];
            node('Gemm', inputs, {}, name);
        }
        const act = ACTIVATION_OPS[l.activation];
        if (act) node(act, [current], act === 'Softmax' ? { axis: -1 } : {}, `${name}/${l.activation}`);
    });
    nodes[nodes.length - 1].output = 'probabilities';

    const classes = layers[layers.length - 1].outputShape[0];
    const inputDims = inputShape.length === 3 ? ['N', inputShape[2], inputShape[0], inputShape[1]] : ['N', inputShape[0]];
    return encodeOnnx({
        nodes,
        initializers: inits,
        input: { name: 'input', dims: inputDims },
        output: { name: 'probabilities', dims: ['N', classes] },
    });
}

/**
 * A ModelProto of a graph: nodes [{opType, inputs, output, name, attrs}] (an attribute is an int,
 * ints, a string, {f} for a float or {tensor: {dims, values, type?}}), initializers [{name, dims, values, type?: 'int64'}], one
 * input and one output {name, dims (numbers, or strings for symbolic sizes)}. The exporter's
 * writer; the tests build other exporters' graphs with it.
 */
export function encodeOnnx({ nodes, initializers, input, output, opset = OPSET, producer = 'mnist-wasm' }) {
    const attribute = (w, key, value) => {
        w.string(1, key);
        if (Array.isArray(value)) {
            for (const v of value) w.int(8, v); // proto2: repeated int64 unpacked, as onnx writes them
            w.int(20, ATTR.INTS);
        } else if (typeof value === 'string') {
            w.string(4, value);
            w.int(20, ATTR.STRING);
        } else if (value?.tensor) {
            w.message(5, (t) => tensor(t, { name: key, ...value.tensor }));
            w.int(20, ATTR.TENSOR);
        } else if (typeof value === 'object') {
            w.float(2, value.f); // {f: x}: a float attribute, even when x is a whole number
            w.int(20, ATTR.FLOAT);
        } else {
            w.int(3, value);
            w.int(20, ATTR.INT);
        }
    };
    const valueInfo = (w, { name, dims }) => {
        w.string(1, name);
        w.message(2, (type) =>
            type.message(1, (t) => {
                t.int(1, FLOAT);
                t.message(2, (shape) => {
                    for (const d of dims) shape.message(1, (dim) => (typeof d === 'string' ? dim.string(2, d) : dim.int(1, d)));
                });
            }),
        );
    };
    const tensor = (w, t) => {
        for (const d of t.dims) w.int(1, d);
        w.int(2, t.type === 'int64' ? INT64 : FLOAT);
        w.string(8, t.name);
        if (t.type === 'int64') {
            const raw = new Uint8Array(8 * t.values.length);
            t.values.forEach((v, i) => new DataView(raw.buffer).setBigInt64(8 * i, BigInt(v), true));
            w.bytes(9, raw);
        } else w.bytes(9, float32Bytes(t.values));
    };
    const graph = (g) => {
        for (const n of nodes)
            g.message(1, (w) => {
                for (const i of n.inputs) w.string(1, i);
                w.string(2, n.output);
                w.string(3, n.name);
                w.string(4, n.opType);
                for (const [k, v] of Object.entries(n.attrs ?? {})) w.message(5, (a) => attribute(a, k, v));
            });
        g.string(2, 'mnist_wasm');
        for (const t of initializers) g.message(5, (w) => tensor(w, t));
        g.message(11, (w) => valueInfo(w, input));
        g.message(12, (w) => valueInfo(w, output));
    };
    const model = new Writer();
    model.int(1, IR_VERSION);
    model.string(2, producer);
    model.string(3, '1');
    model.message(7, graph);
    model.message(8, (o) => o.int(2, opset));
    return model.finish();
}

// ---- import ----

const product = (dims) => dims.reduce((a, b) => a * b, 1);

/** The float32 values of an initializer (or a Constant's tensor), checked against its dims. */
function floats(t, what) {
    if (t.dataLocation === 1 || t.externalData.length)
        throw new FormatError(`${what}: its values are in an external file; only weights stored inside the .onnx file are read`);
    if (t.segment) throw new FormatError(`${what}: a segmented tensor is not read`);
    if (t.dataType !== FLOAT)
        throw new FormatError(`${what}: its values are ${DATA_TYPES[t.dataType] ?? `of data type ${t.dataType}`}; only float32 weights are read`);
    if (t.dims.some((d) => d < 0 || d > MAX_DIM)) throw new FormatError(`${what}: a dimension of ${t.dims.find((d) => d < 0 || d > MAX_DIM)}`);
    const n = product(t.dims);
    if (t.rawData) {
        if (t.rawData.length !== 4 * n)
            throw new FormatError(`${what}: shape ${shapeText(t.dims)} needs ${4 * n} bytes, its data holds ${t.rawData.length}`);
        return readFloat32(t.rawData, 0, n);
    }
    if (t.floatData.length !== n)
        throw new FormatError(`${what}: shape ${shapeText(t.dims)} needs ${n} values, it holds ${t.floatData.length}`);
    return Float32Array.from(t.floatData);
}

/** The int64 values of a tensor (Reshape's shape). */
function ints(t, what) {
    if (t.dataType !== INT64) throw new FormatError(`${what}: a shape must be int64`);
    if (t.rawData) {
        if (t.rawData.length % 8) throw new FormatError(`${what}: int64 data of ${t.rawData.length} bytes`);
        const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.length);
        return Array.from({ length: t.rawData.length / 8 }, (_, i) => Number(view.getBigInt64(8 * i, true)));
    }
    return t.int64Data;
}

// The attributes read, with the kind each must be; others are ignored.
const ATTRIBUTES = {
    pads: ATTR.INTS,
    strides: ATTR.INTS,
    dilations: ATTR.INTS,
    kernel_shape: ATTR.INTS,
    perm: ATTR.INTS,
    axis: ATTR.INT,
    group: ATTR.INT,
    ceil_mode: ATTR.INT,
    storage_order: ATTR.INT,
    transA: ATTR.INT,
    transB: ATTR.INT,
    alpha: ATTR.FLOAT,
    beta: ATTR.FLOAT,
    auto_pad: ATTR.STRING,
    value: ATTR.TENSOR,
};
const ATTR_KINDS = { [ATTR.INT]: 'an integer', [ATTR.INTS]: 'a list of integers', [ATTR.FLOAT]: 'a float', [ATTR.STRING]: 'a string', [ATTR.TENSOR]: 'a tensor' };

function attributes(n, where) {
    const out = {};
    for (const a of n.attribute) {
        const want = Object.hasOwn(ATTRIBUTES, a.name ?? '') ? ATTRIBUTES[a.name] : 0;
        if (!want) continue;
        const type = a.type ?? (a.ints.length ? ATTR.INTS : a.i !== undefined ? ATTR.INT : a.f !== undefined ? ATTR.FLOAT : a.t ? ATTR.TENSOR : a.s ? ATTR.STRING : 0);
        if (type !== want) throw new FormatError(`${where}: attribute "${a.name}" must be ${ATTR_KINDS[want]}`);
        if (type === ATTR.INT) out[a.name] = a.i ?? 0;
        else if (type === ATTR.INTS) out[a.name] = a.ints;
        else if (type === ATTR.FLOAT) out[a.name] = a.f ?? 0;
        else if (type === ATTR.TENSOR) {
            if (!a.t) throw new FormatError(`${where}: attribute "${a.name}" holds no tensor`);
            out[a.name] = a.t;
        } else {
            try {
                out[a.name] = new TextDecoder('utf-8', { fatal: true }).decode(a.s ?? new Uint8Array(0));
            } catch {
                throw new FormatError(`${where}: attribute "${a.name}" is not UTF-8`);
            }
        }
    }
    return out;
}

/** Keras' padding of a window with ONNX's pads (or auto_pad), or an error. */
function paddingOf(attrs, where) {
    const auto = attrs.auto_pad ?? 'NOTSET';
    if (auto === 'VALID') return 'valid';
    if (auto === 'SAME_UPPER') return 'same';
    if (auto !== 'NOTSET') throw new FormatError(`${where}: auto_pad ${auto} is not Keras' 'valid' or 'same'`);
    const pads = attrs.pads ?? [0, 0, 0, 0];
    if (pads.length !== 4 || pads.some((p) => !(p >= 0))) throw new FormatError(`${where}: pads ${shapeText(pads)}`);
    if (pads.every((p) => p === 0)) return 'valid';
    // Keras' 'same' puts the odd pixel after; whether these are its pads depends on the input's
    // size, so the builder checks them against the shapes C computes (onnxPads).
    const [t, l, b, r] = pads;
    if (!(b - t >= 0 && b - t <= 1 && r - l >= 0 && r - l <= 1))
        throw new FormatError(`${where}: pads ${shapeText(pads)} are not Keras' 'same' padding (the odd pixel after)`);
    return { same: pads };
}

/**
 * The layers and weights of an ONNX file (an imported model, see common.js), or a FormatError
 * saying what this page cannot run.
 */
export function parseOnnx(bytes) {
    let model;
    try {
        model = decode(bytes, MODEL);
    } catch (e) {
        if (e instanceof ProtoError) throw new FormatError(`not an ONNX model: ${e.message}`);
        throw e;
    }
    const g = model.graph;
    if (!g || !g.node.length) throw new FormatError('not an ONNX model: no graph with nodes in it');
    const opset = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
    if (!(opset >= MIN_OPSET)) throw new FormatError(`ONNX opset ${opset ?? 'missing'}: opsets ${MIN_OPSET} and later are read`);
    if (g.sparseInitializer.length) throw new FormatError('sparse initializers are not read');

    const tensors = new Map(g.initializer.map((t) => [t.name, t]));
    const inputs = g.input.filter((v) => !tensors.has(v.name));
    if (inputs.length !== 1) throw new FormatError(`the graph has ${inputs.length} inputs; one image input is read`);
    if (g.output.length !== 1) throw new FormatError(`the graph has ${g.output.length} outputs; one output of probabilities is read`);
    const input = inputs[0];
    const tt = input.type?.tensor;
    if (!tt || tt.elemType !== FLOAT) throw new FormatError(`input "${input.name}" is not a float32 tensor`);
    const dims = (tt.shape?.dim ?? []).map((d) => d.value);
    if (dims.length < 2 || dims.length > 4 || dims.slice(1).some((d) => !(d > 0)))
        throw new FormatError(`input "${input.name}" has shape ${shapeText(dims.map((d) => d ?? '?'))}: (N, features), (N, h, w) or (N, c, h, w) with known sizes is read`);

    const layers = [];
    const weights = [];
    let inputShape = null;
    // The layout of the current tensor: 'flat', 'nchw', 'nhwc', or 'input4' (a rank-4 input whose
    // first operator tells whether it is NCHW or NHWC).
    let layout = dims.length === 2 ? 'flat' : dims.length === 3 ? 'nhwc' : 'input4';
    if (dims.length === 2) inputShape = [dims[1]];
    if (dims.length === 3) inputShape = [dims[1], dims[2], 1];
    let current = input.name;
    let rows = null; // 'chw' when the last flatten read a channels-first tensor
    const fixInput = (nchw) => {
        if (layout !== 'input4') return;
        inputShape = nchw ? [dims[2], dims[3], dims[1]] : [dims[1], dims[2], dims[3]];
        layout = nchw ? 'nchw' : 'nhwc';
    };
    const last = () => layers[layers.length - 1];
    const constants = new Map();
    const value = (name, where) => {
        const t = tensors.get(name) ?? constants.get(name);
        if (!t) throw new FormatError(`${where}: "${name}" is not a weight stored in the file; only a chain of layers is read`);
        return t;
    };

    g.node.forEach((n, k) => {
        const op = n.opType ?? '';
        const where = `node ${k + 1} (${op}${n.name ? ` "${n.name}"` : ''})`;
        if (n.domain && n.domain !== 'ai.onnx') throw new FormatError(`${where}: operators of domain "${n.domain}" are not read`);
        const attrs = attributes(n, where);
        if (op === 'Constant') {
            if (!attrs.value || n.output.length !== 1) throw new FormatError(`${where}: only tensor constants are read`);
            constants.set(n.output[0], attrs.value);
            return;
        }
        const previous = current;
        if (n.input[0] !== current && !(op === 'Add' && n.input[1] === current))
            throw new FormatError(`${where}: it takes "${n.input[0] ?? ''}" instead of the previous layer's output; only a chain of layers is read`);
        if (!n.output[0]) throw new FormatError(`${where}: no output`);
        const extraOutputs = n.output.slice(1).filter(Boolean);
        if (extraOutputs.length && op !== 'Dropout') throw new FormatError(`${where}: more than one output`);
        current = n.output[0];
        const setActivation = (act) => {
            // An elementwise function of the outputs commutes with max pooling (it is monotonic) and
            // with flattening: Conv, MaxPool, Relu is Conv with relu, MaxPool.
            let i = layers.length - 1;
            while (act !== 'softmax' && i > 0 && (layers[i].type === 'maxpool2d' || layers[i].type === 'flatten')) i--;
            const l = layers[i];
            const ok = l && (l.type === 'dense' || (l.type === 'conv2d' && act !== 'softmax')) && l.activation === 'linear';
            if (!ok) throw new FormatError(`${where}: ${op} must follow a Gemm${act === 'softmax' ? '' : ' or a Conv'} without an activation`);
            if (act === 'softmax' && ![-1, 1].includes(attrs.axis ?? (opset >= 13 ? -1 : 1)))
                throw new FormatError(`${where}: softmax over axis ${attrs.axis}; over the classes (axis 1 or -1) is read`);
            l.activation = act;
        };
        switch (op) {
            case 'Identity':
            case 'Dropout':
                return;
            case 'Relu':
            case 'Tanh':
            case 'Sigmoid':
            case 'Softmax':
                return setActivation(op.toLowerCase());
            case 'Transpose': {
                const perm = (attrs.perm ?? []).join();
                fixInput(perm !== '0,3,1,2');
                if (layout === 'nchw' && perm === '0,2,3,1') layout = 'nhwc';
                else if (layout === 'nhwc' && perm === '0,3,1,2') layout = 'nchw';
                else throw new FormatError(`${where}: only a Transpose between NCHW and NHWC is read, not perm ${shapeText(attrs.perm ?? [])} of a ${layout} tensor`);
                return;
            }
            case 'Conv':
            case 'MaxPool': {
                fixInput(true);
                if (layout !== 'nchw') throw new FormatError(`${where}: ${op} of a ${layout === 'flat' ? 'flat' : 'channels-last'} tensor`);
                if ((attrs.dilations ?? []).some((d) => d !== 1)) throw new FormatError(`${where}: dilations other than 1 are not read`);
                if ((attrs.group ?? 1) !== 1) throw new FormatError(`${where}: grouped convolutions are not read`);
                if (attrs.ceil_mode) throw new FormatError(`${where}: ceil_mode is not Keras' pooling`);
                if (attrs.storage_order) throw new FormatError(`${where}: storage_order 1 is not read`);
                const t = op === 'Conv' ? value(n.input[1], where) : null;
                if (t && t.dims.length !== 4) throw new FormatError(`${where}: weights of shape ${shapeText(t.dims)}; (out, in, kh, kw) is read`);
                const kernel = t ? t.dims.slice(2) : (attrs.kernel_shape ?? []);
                if (kernel.length !== 2 || (attrs.kernel_shape && attrs.kernel_shape.join() !== kernel.join()))
                    throw new FormatError(`${where}: a 2-D kernel is read, not ${shapeText(attrs.kernel_shape ?? kernel)}`);
                const strides = attrs.strides ?? [1, 1];
                if (strides.length !== 2) throw new FormatError(`${where}: strides ${shapeText(strides)}`);
                const padding = paddingOf(attrs, where);
                const spec = { kernelSize: kernel, strides, padding: typeof padding === 'string' ? padding : 'same' };
                if (typeof padding !== 'string') spec.onnxPads = padding.same;
                if (!t) {
                    layers.push({ type: 'maxpool2d', poolSize: kernel, ...spec });
                    weights.push(null);
                    return;
                }
                const w = floats(t, `${where}: weights "${n.input[1]}"`);
                const [f, c, kh, kw] = t.dims;
                const hwio = new Float32Array(w.length); // ours is (kh, kw, c, f)
                for (let o = 0; o < f; o++)
                    for (let ci = 0; ci < c; ci++)
                        for (let y = 0; y < kh; y++)
                            for (let x = 0; x < kw; x++) hwio[((y * kw + x) * c + ci) * f + o] = w[((o * c + ci) * kh + y) * kw + x];
                let bias = null;
                if (n.input[2]) {
                    const bt = value(n.input[2], where);
                    bias = { name: n.input[2], shape: bt.dims, data: floats(bt, `${where}: bias "${n.input[2]}"`) };
                }
                layers.push({ type: 'conv2d', filters: f, activation: 'linear', ...spec });
                weights.push({ kernel: { name: n.input[1], shape: [kh, kw, c, f], data: hwio }, bias, rows: null });
                return;
            }
            case 'Flatten':
            case 'Reshape': {
                let expect = null;
                if (op === 'Flatten' && (attrs.axis ?? 1) !== 1) throw new FormatError(`${where}: Flatten at axis ${attrs.axis}; axis 1 is read`);
                if (op === 'Reshape') {
                    const shape = ints(value(n.input[1], where), `${where}: shape "${n.input[1]}"`);
                    if (layout === 'flat' && layers.length === 0 && shape.length === 4 && dims.length === 2) {
                        // (N, h w) reshaped to images at the start: (N, 1, h, w) or (N, h, w, 1)
                        const [, a, b, c] = shape;
                        const nchw = a === 1;
                        const [h, w, ch] = nchw ? [b, c, a] : [a, b, c];
                        if (ch !== 1 || !(h > 0 && w > 0) || h * w !== dims[1])
                            throw new FormatError(`${where}: a reshape of ${dims[1]} inputs to ${shapeText(shape)}; one channel of h x w is read`);
                        inputShape = [h, w, 1];
                        layout = nchw ? 'nchw' : 'nhwc';
                        return;
                    }
                    if (shape.length !== 2 || ![-1, 0, 1].includes(shape[0]) || !(shape[1] === -1 || shape[1] > 0) || (shape[0] === -1 && shape[1] === -1))
                        throw new FormatError(`${where}: a reshape to ${shapeText(shape)}; only one that flattens each sample is read`);
                    if (shape[1] > 0) expect = shape[1];
                }
                if (layout === 'flat') {
                    // already flat: a reshape to the same size
                    if (expect !== null && layers.length) last().expectOutput = expect;
                    else if (expect !== null && expect !== inputShape[0]) throw new FormatError(`${where}: a reshape of ${inputShape[0]} inputs to ${expect}`);
                    return;
                }
                fixInput(true);
                rows = layout === 'nchw' ? 'chw' : null;
                layers.push({ type: 'flatten', ...(expect !== null ? { expectOutput: expect } : {}) });
                weights.push(null);
                layout = 'flat';
                return;
            }
            case 'Gemm':
            case 'MatMul': {
                if (layout !== 'flat') throw new FormatError(`${where}: ${op} of an image tensor; put a Flatten before it`);
                const t = value(n.input[1], where);
                let w = floats(t, `${where}: weights "${n.input[1]}"`);
                if (t.dims.length !== 2) throw new FormatError(`${where}: weights of shape ${shapeText(t.dims)}; a matrix is read`);
                let [nin, units] = t.dims;
                if (op === 'Gemm') {
                    if (attrs.transA) throw new FormatError(`${where}: transA is not read`);
                    if (attrs.transB) {
                        [units, nin] = t.dims;
                        const tw = new Float32Array(w.length);
                        for (let i = 0; i < nin; i++) for (let j = 0; j < units; j++) tw[i * units + j] = w[j * nin + i];
                        w = tw;
                    }
                    const alpha = attrs.alpha ?? 1;
                    if (alpha !== 1) w = w.map((v) => v * alpha);
                }
                let bias = null;
                if (op === 'Gemm' && n.input[2]) {
                    const bt = value(n.input[2], where);
                    let b = floats(bt, `${where}: bias "${n.input[2]}"`);
                    const beta = attrs.beta ?? 1;
                    if (beta !== 1) b = b.map((v) => v * beta);
                    const shape = bt.dims.length === 2 && bt.dims[0] === 1 ? [bt.dims[1]] : bt.dims;
                    bias = { name: n.input[2], shape, data: b };
                }
                layers.push({ type: 'dense', units, activation: 'linear' });
                weights.push({ kernel: { name: n.input[1], shape: [nin, units], data: w }, bias, rows });
                rows = null;
                return;
            }
            case 'Add': {
                const l = last();
                const wt = weights[weights.length - 1];
                if (!l || (l.type !== 'dense' && l.type !== 'conv2d') || l.activation !== 'linear' || wt.bias)
                    throw new FormatError(`${where}: an Add is read only as the bias of a MatMul or a Conv without one`);
                const name = n.input[0] === previous ? n.input[1] : n.input[0];
                const bt = value(name, where);
                const d = bt.dims;
                // broadcast over the batch (and a conv's h, w): (units) or (1, units); (c, 1, 1) or (1, c, 1, 1)
                let shape = null;
                if (l.type === 'dense' && d.length <= 2 && (d.length === 1 || d[0] === 1)) shape = [d[d.length - 1]];
                if (l.type === 'conv2d' && (d.length === 3 || (d.length === 4 && d[0] === 1)) && d.at(-1) === 1 && d.at(-2) === 1) shape = [d.at(-3)];
                if (!shape) throw new FormatError(`${where}: a bias of shape ${shapeText(d)} does not add one value per ${l.type === 'dense' ? 'unit' : 'channel'}`);
                wt.bias = { name, shape, data: floats(bt, `${where}: bias "${name}"`) };
                return;
            }
            default:
                throw new FormatError(`${where}: the operator ${op} is not one this page runs (Conv, MaxPool, Flatten, Reshape, Transpose, Gemm, MatMul, Add, Relu, Tanh, Sigmoid, Softmax, Dropout, Identity)`);
        }
    });
    if (current !== g.output[0].name) throw new FormatError(`the graph's output "${g.output[0].name}" is not the last layer's`);
    if (!inputShape) fixInput(true);
    return { format: 'onnx', inputShape, layers, weights };
}
