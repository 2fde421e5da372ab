// architectures.js: the networks of the book that the page and the tools offer, and the short
// layer syntax of `train.mjs --layers`, in one place. A network here is what Engine.createNetwork
// takes ({inputShape, layers}); C checks it and says what each layer is (shapes, parameters).
// No wasm here (the page imports it too): C checks the layers, and names a bad activation.
// The syntax, comma-separated (activations: relu hidden and softmax last unless given):
//   conv:FILTERS:K[:ACT][:sS][:same]   K is 3 or 3x2, S a stride (3 or 2x1)
//   pool:K[:sS][:same]                 max pooling; strides default to the pool size
//   flatten
//   dense:UNITS[:ACT]
/** Chapter 2: the notebook's network. Chapter 5: listing 5.1's convnet. */
export const ARCHITECTURES = Object.freeze({
    mlp: Object.freeze({ spec: 'dense:512,dense:10', batchSize: 128, epochs: 5, chapter: 2 }),
    convnet: Object.freeze({
        spec: 'conv:32:3,pool:2,conv:64:3,pool:2,conv:64:3,flatten,dense:64,dense:10',
        batchSize: 64,
        epochs: 5,
        chapter: 5,
    }),
});
export const DEFAULT_ARCH = 'mlp';

export class LayerSyntaxError extends Error {}

const pairOf = (text, what, token) => {
    const m = /^(\d+)(?:x(\d+))?$/.exec(text ?? '');
    if (!m) throw new LayerSyntaxError(`"${token}": ${what} must be a whole number or HxW, not "${text ?? ''}"`);
    return [Number(m[1]), Number(m[2] ?? m[1])];
};

/**
 * Layers for Engine.createNetwork from the syntax above, e.g. 'conv:32:3,pool:2,flatten,dense:10'.
 * The last dense layer gets softmax, other dense and conv layers relu, unless one is given.
 */
export function parseLayers(text) {
    const tokens = String(text).split(',').map((t) => t.trim()).filter(Boolean);
    if (!tokens.length) throw new LayerSyntaxError('no layers');
    const layers = tokens.map((token, i) => {
        const [kind, ...rest] = token.split(':');
        const options = {};
        const positional = [];
        for (const part of rest) {
            if (part === 'same' || part === 'valid') options.padding = part;
            else if (/^s\d/.test(part)) options.strides = pairOf(part.slice(1), 'a stride', token);
            else if (/^[a-z]+$/.test(part)) options.activation = part; // C says if it is not one
            else positional.push(part);
        }
        const last = i === tokens.length - 1;
        const none = (n) => {
            if (positional.length > n) throw new LayerSyntaxError(`"${token}": unexpected "${positional[n]}"`);
        };
        switch (kind) {
            case 'conv': {
                none(2);
                const filters = pairOf(positional[0], 'the filters', token)[0];
                const kernelSize = pairOf(positional[1], 'the kernel', token);
                return { type: 'conv2d', filters, kernelSize, activation: 'relu', ...options };
            }
            case 'pool':
                none(1);
                if (options.activation) throw new LayerSyntaxError(`"${token}": pooling has no activation`);
                return { type: 'maxpool2d', poolSize: pairOf(positional[0], 'the pool size', token), ...options };
            case 'flatten':
                none(0);
                if (Object.keys(options).length) throw new LayerSyntaxError(`"${token}": flatten takes nothing`);
                return { type: 'flatten' };
            case 'dense':
                none(1);
                if (options.padding || options.strides) throw new LayerSyntaxError(`"${token}": dense has no padding or strides`);
                return { type: 'dense', units: pairOf(positional[0], 'the units', token)[0], activation: last ? 'softmax' : 'relu', ...options };
            default:
                throw new LayerSyntaxError(`"${token}": unknown layer "${kind}" (conv, pool, flatten, dense)`);
        }
    });
    return layers;
}

/** The input shape a stack of layers takes from images of rows x cols: 2-D for convolutions. */
export function inputShapeFor(layers, rows = 28, cols = 28) {
    return layers[0]?.type === 'dense' ? [rows * cols] : [rows, cols, 1];
}

/** {inputShape, layers} of a named architecture, or of a layer syntax. */
export function network(archOrSpec, rows = 28, cols = 28) {
    const spec = ARCHITECTURES[archOrSpec]?.spec ?? archOrSpec;
    const layers = parseLayers(spec);
    return { inputShape: inputShapeFor(layers, rows, cols), layers };
}

/** The dense-only architecture with these hidden sizes, in the syntax above. */
export function mlpSpec(hidden, classes = 10) {
    return [...hidden.map((h) => `dense:${h}`), `dense:${classes}`].join(',');
}

/** {inputShape, layers} for the page's settings: {arch, hidden}. */
export function networkForSettings({ arch = DEFAULT_ARCH, hidden = [512] } = {}) {
    return arch === 'mlp' ? network(mlpSpec(hidden)) : network(arch);
}

/** 'convnet' when a network (the layers C describes) has anything but dense layers. */
export function archOf(layers) {
    return layers.some((l) => l.type !== 'dense') ? 'convnet' : 'mlp';
}
