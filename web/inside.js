// inside.js: what the page's look-inside views need from a network, computed in the worker from
// web/nn.js (no DOM, no wasm of its own): the first layer's weights (each hidden unit's picture,
// or each filter), and for one input every layer's output from one call into C, with the
// contributions of the last layer's inputs to the predicted class' logit. Typed arrays are fresh
// copies, listed by transferables() for postMessage.

/** The least time between two weight snapshots posted during training. */
export const UNITS_INTERVAL_MS = 500;
/** How many units the explanation lists as pushing for the answer (and as many against). */
export const TOP_UNITS = 8;

const argmax = (v) => {
    let best = 0;
    for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
    return best;
};

/**
 * The first layer's parameters: a dense layer's (inputs, units) weights, whose column j is unit
 * j's picture when the input is an image; a convolution's (kh, kw, channels, filters) filters.
 * For a dense first layer followed by another dense one, that one's weights too (each unit's
 * weights into the next layer; the ten outputs when it is the last). samples: how far training
 * has gone (0 before the first batch, null when unknown).
 */
export function unitsSnapshot(network, samples = null) {
    const first = network.layers[0];
    const { weights, biases } = network.layerParams(0);
    const snap = {
        type: first.type,
        units: first.units ?? 0,
        inputShape: network.inputShape,
        weights,
        biases,
        samples,
    };
    if (first.type === 'conv2d') Object.assign(snap, { kernelSize: first.kernelSize, channels: first.inputShape[2] });
    const second = network.layers[1];
    if (first.type === 'dense' && second?.type === 'dense') {
        const next = network.layerParams(1);
        snap.next = { units: second.units, weights: next.weights, biases: next.biases, output: network.layers.length === 2 };
    }
    return snap;
}

/**
 * For one input (784 floats in [0, 1]): every layer's output (one call: Network.layerOutputs),
 * the logits and probabilities, the predicted digit, and why: the last layer's logit for that
 * digit is its bias plus, for each of its inputs j (the hidden layer's units), h[j] x W[j, digit]
 * (computed in double: each product of two floats is exact). The units that added most and those
 * that took most away come with their weights into the ten outputs, and with their weight
 * pictures when they are first-layer units over the image.
 */
export function explain(network, input) {
    const out = network.layerOutputs(input);
    const layers = network.layers;
    const L = layers.length;
    const digit = argmax(out.probabilities);
    const hiddenLayer = L - 2; // the layer feeding the last; -1: the input itself
    const hidden = hiddenLayer >= 0 ? out.layers[hiddenLayer] : Float32Array.from(input);
    const { weights: W, biases } = network.layerParams(L - 1);
    const C = layers[L - 1].units;
    const weights = new Float32Array(hidden.length); // W[:, digit]: each unit's weight into the answer
    const contributions = new Float64Array(hidden.length);
    for (let j = 0; j < hidden.length; j++) {
        weights[j] = W[j * C + digit];
        contributions[j] = hidden[j] * weights[j];
    }
    const order = Array.from(contributions.keys()).sort((a, b) => contributions[b] - contributions[a]);
    const unit = (j) => ({
        unit: j,
        activation: hidden[j],
        weight: W[j * C + digit],
        contribution: contributions[j],
        outputs: W.slice(j * C, (j + 1) * C),
    });
    const pushed = order.filter((j) => contributions[j] > 0).slice(0, TOP_UNITS).map(unit);
    const against = order.filter((j) => contributions[j] < 0).reverse().slice(0, TOP_UNITS).map(unit);
    // Pictures: a dense first layer over the image, feeding the last layer directly.
    if (hiddenLayer === 0 && layers[0].type === 'dense' && network.inputs === 784) {
        const shown = [...pushed, ...against];
        const pictures = network.unitWeights(0, shown.map((u) => u.unit));
        const firstBiases = network.layerParams(0, { weights: false }).biases;
        shown.forEach((u, k) => {
            u.bias = firstBiases[u.unit];
            u.picture = pictures.subarray(784 * k, 784 * (k + 1));
        });
    }
    return {
        digit,
        input: Float32Array.from(input),
        logits: out.logits,
        probabilities: out.probabilities,
        // each layer's output but the flatten's copy and the last (the logits, above)
        layers: layers.map((l, i) => ({
            type: l.type,
            activation: l.activation,
            outputShape: l.outputShape,
            values: l.type === 'flatten' || i === L - 1 ? null : out.layers[i],
        })),
        hidden: { layer: hiddenLayer, activation: hiddenLayer >= 0 ? layers[hiddenLayer].activation : 'linear', values: hidden },
        contributions: { digit, values: contributions, weights, bias: biases[digit], logit: out.logits[digit], pushed, against },
    };
}

/** The buffers of a snapshot or an explanation, to transfer rather than copy. */
export function transferables(obj) {
    const seen = new Set();
    const walk = (v) => {
        if (!v || typeof v !== 'object') return;
        if (ArrayBuffer.isView(v)) seen.add(v.buffer);
        else for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x);
    };
    walk(obj);
    return [...seen];
}
