// reference.mjs: a network's forward pass in plain JavaScript (double precision), written from
// nn.h's description of each layer kind, to check what C computes (web/nn.js layerOutputs, the
// page's look inside): every layer's output for one input, the last layer's before softmax.
// layers: Network.layers (type, activation, kernelSize, strides, padding, inputShape,
// outputShape, paramOffset, weights); params: Network.params() (or a model's parameters).

const act = (v, a) => (a === 'relu' ? (v > 0 ? v : 0) : a === 'sigmoid' ? 1 / (1 + Math.exp(-v)) : a === 'tanh' ? Math.tanh(v) : v);
const hwc = (s) => (s.length === 3 ? s : [1, 1, s[0]]);

/** Keras' 'same' padding before the first row and column ('valid': 0). */
function padBefore(l, [ih, iw], [oh, ow]) {
    if (l.padding !== 'same') return [0, 0];
    const [kh, kw] = l.kernelSize;
    const [sh, sw] = l.strides;
    return [Math.max(0, ((oh - 1) * sh + kh - ih) >> 1), Math.max(0, ((ow - 1) * sw + kw - iw) >> 1)];
}

/** One layer's output (Float64Array, channels last) from its input a. */
export function referenceLayer(l, params, a) {
    const [ih, iw, ic] = hwc(l.inputShape);
    const [oh, ow, F] = hwc(l.outputShape);
    const w = params.subarray(l.paramOffset, l.paramOffset + l.weights);
    const b = params.subarray(l.paramOffset + l.weights, l.paramOffset + l.weights + (l.biases ?? 0));
    const o = new Float64Array(oh * ow * F);
    if (l.type === 'flatten') {
        o.set(a);
        return o;
    }
    if (l.type === 'dense') {
        const n = a.length;
        for (let j = 0; j < F; j++) {
            let z = b[j];
            for (let k = 0; k < n; k++) z += a[k] * w[k * F + j];
            o[j] = act(z, l.activation === 'softmax' ? 'linear' : l.activation);
        }
        return o;
    }
    const [kh, kw] = l.kernelSize;
    const [sh, sw] = l.strides;
    const [pt, pl] = padBefore(l, [ih, iw], [oh, ow]);
    const conv = l.type === 'conv2d';
    for (let y = 0; y < oh; y++)
        for (let x = 0; x < ow; x++)
            for (let f = 0; f < F; f++) {
                let z = conv ? b[f] : -Infinity;
                for (let dy = 0; dy < kh; dy++)
                    for (let dx = 0; dx < kw; dx++) {
                        const yy = y * sh - pt + dy;
                        const xx = x * sw - pl + dx;
                        if (yy < 0 || yy >= ih || xx < 0 || xx >= iw) continue;
                        const at = (yy * iw + xx) * ic;
                        if (!conv) {
                            z = Math.max(z, a[at + f]);
                            continue;
                        }
                        for (let c = 0; c < ic; c++) z += a[at + c] * w[((dy * kw + dx) * ic + c) * F + f];
                    }
                o[(y * ow + x) * F + f] = conv ? act(z, l.activation) : z;
            }
    return o;
}

/** Every layer's output for input x, as Network.layerOutputs lays them out. */
export function referenceForward(layers, params, x) {
    const out = [];
    let a = Float64Array.from(x);
    for (const l of layers) {
        a = referenceLayer(l, params, a);
        out.push(a);
    }
    return out;
}

/** The largest |got - want| / (1 + |want|) over two arrays (Infinity if their lengths differ). */
export function maxRelativeError(got, want) {
    if (got.length !== want.length) return Infinity;
    let e = 0;
    for (let i = 0; i < got.length; i++) e = Math.max(e, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
    return e;
}
