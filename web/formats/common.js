// common.js: what the format modules share: FormatError (a file that cannot be read, with one
// sentence saying why), the form an importer hands back, and Keras' layer names.
// An imported model is {format, inputShape, layers, weights}: inputShape and layers as
// Engine.createNetwork takes them, and per layer null or {kernel, bias, rows}: kernel and bias
// {name, shape, data: Float32Array} in Keras' layout (dense (in, units), conv (kh, kw, in, out)),
// bias null for none (zeros), rows 'chw' when a dense kernel's rows follow a channels-first
// flatten (web/formats/import.js reorders them, knowing the shapes from C).

const MAX_MESSAGE = 400;

/**
 * A file that cannot be read. Messages quote names from the file: control characters are
 * escaped and long messages cut, so that a refusal is always one readable line.
 */
export class FormatError extends Error {
    constructor(message) {
    // eslint-disable-next-line no-control-regex -- these are the characters to escape
        let m = String(message).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
        if (m.length > MAX_MESSAGE) m = `${m.slice(0, MAX_MESSAGE - 1)}…`;
        super(m);
        this.name = 'FormatError';
    }
}

/** Keras' class name of each kind, and the stem of its layer names. */
export const KERAS = Object.freeze({
    dense: { className: 'Dense', stem: 'dense' },
    conv2d: { className: 'Conv2D', stem: 'conv2d' },
    maxpool2d: { className: 'MaxPooling2D', stem: 'max_pooling2d' },
    flatten: { className: 'Flatten', stem: 'flatten' },
});

/** Keras' names for the layers, as the page's summary gives them: conv2d_1, max_pooling2d_1, ... */
export function layerNames(layers) {
    const seen = {};
    return layers.map((l) => {
        const stem = KERAS[l.type].stem;
        seen[stem] = (seen[stem] ?? 0) + 1;
        return `${stem}_${seen[stem]}`;
    });
}

/** A model's description for the exporters: inputShape, layers (as net.layers) and params. */
export function describeNetwork(net) {
    return { inputShape: net.inputShape, layers: net.layers, params: net.params() };
}

export const shapeText = (shape) => `[${shape.join(', ')}]`;

/** Little-endian float32 bytes of values (a copy). */
export function float32Bytes(values) {
    const out = new Uint8Array(4 * values.length);
    const view = new DataView(out.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
    return out;
}

/** n floats from little-endian bytes at offset (any alignment). */
export function readFloat32(bytes, offset, n) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 4 * n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
}

/**
 * The padding of a conv2d or maxpool2d layer (as net.layers gives it) as [top, left, bottom,
 * right]: none for 'valid', and for 'same' what Keras (and TensorFlow) add, the odd pixel after.
 */
export function windowPads(layer) {
    const [h, w] = layer.inputShape;
    const [oh, ow] = layer.outputShape;
    const [kh, kw] = layer.kernelSize;
    const [sh, sw] = layer.strides;
    const th = Math.max((oh - 1) * sh + kh - h, 0);
    const tw = Math.max((ow - 1) * sw + kw - w, 0);
    return [th >> 1, tw >> 1, th - (th >> 1), tw - (tw >> 1)];
}
