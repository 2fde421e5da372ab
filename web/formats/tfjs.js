// tfjs.js: TensorFlow.js Layers models (model.json + .bin weights, what tf.loadLayersModel reads
// and model.save() or tensorflowjs_converter write) to and from our layers. No DOM, no wasm.
// Keras and we agree on the layout (channels last, dense kernels (in, units), conv kernels
// (kh, kw, in, out), Flatten in (h, w, c) order), so weights are copied as they are. Import takes
// a Sequential model, or a functional one that is a chain, of Dense, Conv2D, MaxPooling2D and
// Flatten, plus what changes nothing at inference or folds into them (InputLayer, Dropout,
// Activation, ReLU, Softmax, a Reshape at the start or one that flattens), and refuses the rest.
import { FormatError, KERAS, float32Bytes, layerNames, readFloat32, shapeText } from './common.js';

const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];
const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

// ---- export ----

const initializers = {
    kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
    bias_initializer: { class_name: 'Zeros', config: {} },
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
};

/**
 * model.json (as an object) and its weights for a model {inputShape, layers (as net.layers),
 * params} (describeNetwork); weightsPath is the name model.json gives the weights file.
 */
export function exportTfjs({ inputShape, layers, params }, { weightsPath = 'model.weights.bin' } = {}) {
    const names = layerNames(layers);
    const specs = [];
    const config = layers.map((l, i) => {
        const name = names[i];
        const c = { name, trainable: true, dtype: 'float32' };
        if (i === 0) c.batch_input_shape = [null, ...inputShape];
        if (l.type === 'conv2d')
            Object.assign(c, {
                filters: l.units,
                kernel_size: l.kernelSize,
                strides: l.strides,
                padding: l.padding,
                data_format: 'channels_last',
                dilation_rate: [1, 1],
                activation: l.activation,
                use_bias: true,
                ...initializers,
            });
        else if (l.type === 'maxpool2d')
            Object.assign(c, { pool_size: l.kernelSize, strides: l.strides, padding: l.padding, data_format: 'channels_last' });
        else if (l.type === 'flatten') c.data_format = 'channels_last';
        else Object.assign(c, { units: l.units, activation: l.activation, use_bias: true, ...initializers });
        if (l.weights) {
            const kernel = l.type === 'dense' ? [l.inputShape[0], l.units] : [...l.kernelSize, l.inputShape[2], l.units];
            specs.push({ name: `${name}/kernel`, shape: kernel, dtype: 'float32' }, { name: `${name}/bias`, shape: [l.units], dtype: 'float32' });
        }
        return { class_name: KERAS[l.type].className, config: c };
    });
    const modelJson = {
        format: 'layers-model',
        generatedBy: 'mnist-wasm (C compiled to WebAssembly)',
        convertedBy: null,
        modelTopology: { class_name: 'Sequential', config: { name: 'sequential', layers: config } },
        weightsManifest: [{ paths: [weightsPath], weights: specs }],
    };
    // the manifest lists each layer's kernel then bias, layer by layer: our parameter order
    return { modelJson, weights: float32Bytes(params) };
}

// ---- import ----

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v, min = 1) => Number.isInteger(v) && v >= min && v <= 0x7fffffff; // C's int sizes

function pairOf(v, what, where) {
    const p = Number.isInteger(v) ? [v, v] : v;
    if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => isInt(x)))
        throw new FormatError(`${where}: ${what} ${JSON.stringify(v)} is not one or two whole numbers`);
    return p;
}

/** Our input shape from Keras' batch shape (batch first): (n), (h, w) as (h, w, 1), (h, w, c). */
function inputShapeOf(batchShape, where) {
    const dims = Array.isArray(batchShape) ? batchShape.slice(1) : null;
    if (!dims || dims.length < 1 || dims.length > 3 || !dims.every((d) => isInt(d)))
        throw new FormatError(`${where}: input shape ${JSON.stringify(batchShape)}; (batch, n), (batch, h, w) or (batch, h, w, c) with known sizes is read`);
    return dims.length === 2 ? [...dims, 1] : dims;
}

/** The names of the layers feeding a Keras layer's first inbound node (Keras 2 and 3 forms). */
function inboundNames(layer) {
    const nodes = layer.inbound_nodes;
    if (!Array.isArray(nodes) || nodes.length !== 1) return null;
    const node = nodes[0];
    if (Array.isArray(node)) return node.map((t) => (Array.isArray(t) ? t[0] : null));
    const args = isObject(node) && Array.isArray(node.args) ? node.args : null;
    return args?.map((a) => a?.config?.keras_history?.[0] ?? null) ?? null;
}

/** The layer configs of a Sequential model, or of a functional model that is a chain. */
function chainOf(topology) {
    const cls = topology.class_name;
    const config = topology.config;
    if (cls === 'Sequential') {
        const layers = Array.isArray(config) ? config : config?.layers;
        if (!Array.isArray(layers)) throw new FormatError('the Sequential model lists no layers');
        return layers;
    }
    if (cls === 'Model' || cls === 'Functional') {
        const layers = config?.layers;
        if (!Array.isArray(layers) || !layers.length) throw new FormatError(`the ${cls} model lists no layers`);
        layers.forEach((l, i) => {
            if (!isObject(l)) throw new FormatError(`layer ${i + 1} of the ${cls} model is not an object`);
            if (i === 0) return;
            const from = inboundNames(l);
            if (!from || from.length !== 1 || from[0] !== (layers[i - 1]?.config?.name ?? layers[i - 1]?.name))
                throw new FormatError(`layer "${l?.config?.name ?? i + 1}" does not take the layer before it alone: only a chain of layers is read`);
        });
        const out = config.output_layers;
        const lastName = layers[layers.length - 1]?.config?.name ?? layers[layers.length - 1]?.name;
        if (Array.isArray(out) && (out.length !== 1 || !Array.isArray(out[0]) || out[0][0] !== lastName))
            throw new FormatError(`the ${cls} model's output is not its last layer: only a chain of layers is read`);
        return layers;
    }
    throw new FormatError(`a Keras model of class ${JSON.stringify(cls)}; Sequential models (and functional ones that are a chain of layers) are read`);
}

/**
 * The weights of the manifest, by name: {name, shape, dtype, quantization, bytes, offset} with
 * bytes the group's data (its shards concatenated). getFile(path) gives a shard's bytes or null.
 */
function weightEntries(manifest, getFile) {
    if (!Array.isArray(manifest) || !manifest.length) throw new FormatError('model.json has no weightsManifest: its weights cannot be found');
    const entries = new Map();
    manifest.forEach((group, g) => {
        if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights) || !group.paths.every((p) => typeof p === 'string'))
            throw new FormatError(`weightsManifest group ${g + 1} is not {paths, weights}`);
        const shards = group.paths.map((p) => {
            const b = getFile(p);
            if (!b) throw new FormatError(`the weights file ${p} is missing: choose it together with model.json`);
            return b;
        });
        const size = shards.reduce((s, b) => s + b.length, 0);
        const bytes = new Uint8Array(size);
        shards.reduce((at, b) => (bytes.set(b, at), at + b.length), 0);
        let offset = 0;
        for (const w of group.weights) {
            if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => isInt(d, 0)))
                throw new FormatError(`weightsManifest group ${g + 1}: an entry is not {name, shape, dtype}`);
            const count = w.shape.reduce((a, b) => a * b, 1);
            const dtype = w.quantization ? w.quantization.dtype : (w.dtype ?? 'float32');
            const per = DTYPE_BYTES[dtype];
            const entry = { name: w.name, shape: w.shape, dtype: w.dtype ?? 'float32', quantization: w.quantization ?? null, bytes, offset, count };
            entries.set(w.name.replace(/:0$/, ''), entry);
            if (!per || !Number.isSafeInteger(count * per)) {
                entry.unreadable = true;
                offset = Infinity; // the entries after it cannot be found
                continue;
            }
            offset += count * per;
        }
        if (Number.isFinite(offset) && offset !== size)
            throw new FormatError(
        `the weights file${shards.length > 1 ? 's' : ''} ${group.paths.join(', ')} hold${shards.length > 1 ? '' : 's'} ${size} bytes; the manifest describes ${offset}` +
          (size < offset ? ': the file is short or not this model\'s' : ': not this model\'s weights'),
            );
    });
    return entries;
}

/** The float32 values of the weight `layer/kind` (e.g. dense_1/kernel). */
function weightOf(entries, layer, kind, required) {
    const want = `${layer}/${kind}`;
    let found = entries.get(want);
    if (!found) {
        const matches = [...entries.keys()].filter((k) => k.endsWith(`/${want}`));
        if (matches.length === 1) found = entries.get(matches[0]);
    }
    if (!found) {
        if (!required) return null;
        throw new FormatError(`the weights manifest has no ${want}`);
    }
    if (found.quantization)
        throw new FormatError(`${found.name} is quantised to ${found.quantization.dtype}; only float32 weights are read (save or convert the model without quantisation)`);
    if (found.dtype !== 'float32') throw new FormatError(`${found.name} is ${found.dtype}; only float32 weights are read`);
    if (!Number.isFinite(found.offset)) throw new FormatError(`${found.name} follows a weight whose size cannot be known`);
    if (found.offset + 4 * found.count > found.bytes.length) throw new FormatError(`${found.name} runs past the end of its weights file`);
    return { name: found.name, shape: found.shape, data: readFloat32(found.bytes, found.offset, found.count) };
}

/**
 * The layers and weights of a TensorFlow.js layers model (an imported model, see common.js):
 * json is model.json's text, bytes or parsed object; getFile(path) gives the bytes of a weights
 * file the manifest names, or null when it was not given.
 */
export function parseTfjs(json, getFile) {
    let doc = json;
    if (typeof doc !== 'object' || ArrayBuffer.isView(doc)) {
        try {
            const text = typeof doc === 'string' ? doc : new TextDecoder('utf-8', { fatal: true }).decode(doc);
            doc = JSON.parse(text);
        } catch (e) {
            throw new FormatError(`model.json is not valid JSON (${e.message})`);
        }
    }
    if (!isObject(doc)) throw new FormatError('not a TensorFlow.js model.json: it holds no object');
    const topo0 = doc.modelTopology;
    if (doc.format === 'graph-model' || (isObject(topo0) && (Array.isArray(topo0.node) || topo0.versions)))
        throw new FormatError('this is a TensorFlow.js graph model (tf.loadGraphModel); only layers models ("format": "layers-model", tf.loadLayersModel) can be imported');
    if (doc.format !== undefined && doc.format !== 'layers-model')
        throw new FormatError(`model.json of format ${JSON.stringify(doc.format)}; only "layers-model" is read`);
    if (!isObject(topo0)) throw new FormatError('model.json has no modelTopology: not a TensorFlow.js layers model');
    const topology = isObject(topo0.model_config) ? topo0.model_config : topo0;
    const keras = chainOf(topology);
    const entries = weightEntries(doc.weightsManifest, getFile);

    let inputShape = null;
    const layers = [];
    const weights = [];
    keras.forEach((k, i) => {
        if (!isObject(k) || !isObject(k.config)) throw new FormatError(`layer ${i + 1} is not {class_name, config}`);
        const c = k.config;
        const name = typeof c.name === 'string' ? c.name : `layer ${i + 1}`;
        const where = `layer "${name}" (${k.class_name})`;
        const batchShape = c.batch_input_shape ?? c.batch_shape;
        if (batchShape !== undefined && batchShape !== null) {
            if (inputShape) throw new FormatError(`${where}: an input shape after the first layer`);
            inputShape = inputShapeOf(batchShape, where);
        }
        if (!inputShape && k.class_name !== 'InputLayer') throw new FormatError(`${where}: the first layer gives no input shape (batch_input_shape)`);
        if (c.data_format !== undefined && c.data_format !== null && c.data_format !== 'channels_last')
            throw new FormatError(`${where}: data_format ${c.data_format}; only channels_last is read`);
        const activation = (v, from = where) => {
            const a = v === null || v === undefined ? 'linear' : v;
            if (!ACTIVATIONS.includes(a))
                throw new FormatError(`${from}: activation ${JSON.stringify(a)} is not one this page runs (${ACTIVATIONS.join(', ')})`);
            return a;
        };
        const fold = (act) => {
            const last = layers[layers.length - 1];
            if (!last || !(last.type === 'dense' || last.type === 'conv2d') || last.activation !== 'linear')
                throw new FormatError(`${where}: an activation layer is read only after a Dense or Conv2D without one`);
            last.activation = act;
        };
        const params = (units) => {
            const useBias = c.use_bias ?? true;
            const kernel = weightOf(entries, name, 'kernel', true);
            const bias = useBias ? weightOf(entries, name, 'bias', true) : null;
            weights.push({ kernel, bias, rows: null });
            return units;
        };
        switch (k.class_name) {
            case 'InputLayer':
                if (batchShape === undefined || batchShape === null) throw new FormatError(`${where}: no batch_input_shape`);
                return;
            case 'Dropout':
            case 'SpatialDropout2D':
            case 'GaussianNoise':
            case 'GaussianDropout':
                return; // nothing at inference
            case 'Activation':
                return fold(activation(c.activation));
            case 'Softmax':
                if (![-1, undefined, null].includes(c.axis)) throw new FormatError(`${where}: softmax over axis ${c.axis}`);
                return fold('softmax');
            case 'ReLU':
                if ((c.max_value ?? null) !== null || (c.negative_slope ?? 0) !== 0 || (c.threshold ?? 0) !== 0)
                    throw new FormatError(`${where}: a ReLU with a maximum, a slope or a threshold is not plain relu`);
                return fold('relu');
            case 'Dense':
                if (!isInt(c.units)) throw new FormatError(`${where}: units ${JSON.stringify(c.units)}`);
                layers.push({ type: 'dense', units: params(c.units), activation: activation(c.activation) });
                return;
            case 'Conv2D':
            case 'Convolution2D': {
                if (!isInt(c.filters)) throw new FormatError(`${where}: filters ${JSON.stringify(c.filters)}`);
                if (c.dilation_rate !== undefined && pairOf(c.dilation_rate, 'dilation_rate', where).some((d) => d !== 1))
                    throw new FormatError(`${where}: dilated convolutions are not read`);
                if ((c.groups ?? 1) !== 1) throw new FormatError(`${where}: grouped convolutions are not read`);
                const padding = c.padding ?? 'valid';
                if (padding !== 'valid' && padding !== 'same') throw new FormatError(`${where}: padding ${JSON.stringify(padding)}; 'valid' and 'same' are read`);
                const layer = {
                    type: 'conv2d',
                    kernelSize: pairOf(c.kernel_size, 'kernel_size', where),
                    strides: pairOf(c.strides ?? 1, 'strides', where),
                    padding,
                    activation: activation(c.activation),
                };
                layer.filters = params(c.filters);
                layers.push(layer);
                return;
            }
            case 'MaxPooling2D':
            case 'MaxPool2D': {
                const padding = c.padding ?? 'valid';
                if (padding !== 'valid' && padding !== 'same') throw new FormatError(`${where}: padding ${JSON.stringify(padding)}; 'valid' and 'same' are read`);
                const poolSize = pairOf(c.pool_size ?? 2, 'pool_size', where);
                const strides = c.strides === null || c.strides === undefined ? poolSize : pairOf(c.strides, 'strides', where);
                layers.push({ type: 'maxpool2d', poolSize, strides, padding });
                weights.push(null);
                return;
            }
            case 'Flatten':
                if (inputShape.length === 1 && !layers.length) return; // already flat
                layers.push({ type: 'flatten' });
                weights.push(null);
                return;
            case 'Reshape': {
                const target = c.target_shape;
                if (!Array.isArray(target) || !target.every((d) => isInt(d) || d === -1))
                    throw new FormatError(`${where}: target_shape ${JSON.stringify(target)}`);
                const size = inputShape.reduce((a, b) => a * b, 1);
                if (!layers.length && (target.length === 2 || target.length === 3) && target.every((d) => d > 0)) {
                    // the input, reshaped into an image: the values keep their (h, w, c) order
                    if (target.reduce((a, b) => a * b, 1) !== size)
                        throw new FormatError(`${where}: a reshape of ${shapeText(inputShape)} to ${shapeText(target)}`);
                    inputShape = target.length === 2 ? [...target, 1] : target;
                    return;
                }
                if (target.length === 1) {
                    // a flatten; the builder checks its size against the shapes C computes
                    if (!layers.length && inputShape.length === 1) {
                        if (target[0] !== -1 && target[0] !== size) throw new FormatError(`${where}: a reshape of ${size} inputs to ${target[0]}`);
                        return;
                    }
                    layers.push({ type: 'flatten', ...(target[0] > 0 ? { expectOutput: target[0] } : {}) });
                    weights.push(null);
                    return;
                }
                throw new FormatError(`${where}: a reshape to ${shapeText(target)}; only one of the input into an image, or a flatten, is read`);
            }
            default:
                throw new FormatError(
          `${where}: the layer class ${JSON.stringify(k.class_name)} is not one this page runs (Dense, Conv2D, MaxPooling2D, Flatten; InputLayer, Dropout, Activation, ReLU, Softmax and Reshape are read too)`,
                );
        }
    });
    if (!inputShape) throw new FormatError('the model gives no input shape (batch_input_shape)');
    if (!layers.length) throw new FormatError('the model has no layers');
    return { format: 'tfjs', inputShape, layers, weights };
}
