// colormap.js: the colour scales of the look-inside views, each with its inverse (the tests read
// a canvas back and compare it with the C values). No DOM: Node imports it too.
//   diverging: v in [-1, 1] -> 255 colours, red (negative) through white (0) to blue (positive),
//              ColorBrewer's RdBu stops; index 127 is exactly white, and every colour is distinct.
//   greys:     v in [0, 1] -> 256 greys, white (0) to black (1), like ink on the drawing pad.
//   heat:      v in [0, 1] -> 256 colours, white to dark orange (how strongly a unit fires).

export const DIVERGING_STEPS = 255;
const HALF = (DIVERGING_STEPS - 1) / 2; // 127

// RdBu, from its red end (-1) to its blue end (+1), white in the middle.
const RDBU = ['#67001f', '#b2182b', '#d6604d', '#f4a582', '#fddbc7', '#ffffff', '#d1e5f0', '#92c5de', '#4393c3', '#2166ac', '#053061'];
const HEAT = ['#ffffff', '#fdd9b4', '#fdae6b', '#f16913', '#a63603', '#4a1a04'];

const rgb = (hex) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));

/** n colours (r, g, b bytes) interpolated linearly through the stops, end to end. */
function ramp(stops, n) {
    const c = stops.map(rgb);
    const out = new Uint8Array(3 * n);
    for (let i = 0; i < n; i++) {
        const f = (i / (n - 1)) * (c.length - 1);
        const k = Math.min(c.length - 2, Math.floor(f));
        const u = f - k;
        for (let ch = 0; ch < 3; ch++) out[3 * i + ch] = Math.round(c[k][ch] + (c[k + 1][ch] - c[k][ch]) * u);
    }
    return out;
}

/** The diverging scale's colours, index 0 (v = -1) to 254 (v = +1). */
export const DIVERGING = ramp(RDBU, DIVERGING_STEPS);
/** The heat scale's 256 colours, index 0 (v = 0) to 255 (v = 1). */
export const HEAT_COLORS = ramp(HEAT, 256);

const pack = (r, g, b) => (r << 16) | (g << 8) | b;
const divergingIndexOf = new Map();
for (let i = 0; i < DIVERGING_STEPS; i++) divergingIndexOf.set(pack(DIVERGING[3 * i], DIVERGING[3 * i + 1], DIVERGING[3 * i + 2]), i);
const heatIndexOf = new Map();
for (let i = 0; i < 256; i++) heatIndexOf.set(pack(HEAT_COLORS[3 * i], HEAT_COLORS[3 * i + 1], HEAT_COLORS[3 * i + 2]), i);

/** The diverging index (0..254) of v in [-1, 1] (clamped; NaN is white). */
export function divergingIndex(v) {
    if (!(v === v)) return HALF;
    return Math.round(HALF + HALF * Math.max(-1, Math.min(1, v)));
}

/** The diverging colours as 32-bit RGBA pixels in memory order (for a Uint32Array view of an
 * ImageData on a little-endian machine, which every browser is). */
export const DIVERGING_RGBA32 = new Uint32Array(DIVERGING_STEPS);
for (let i = 0; i < DIVERGING_STEPS; i++)
    DIVERGING_RGBA32[i] = ((255 << 24) | (DIVERGING[3 * i + 2] << 16) | (DIVERGING[3 * i + 1] << 8) | DIVERGING[3 * i]) >>> 0;

/** Inverse of the diverging scale: the v in [-1, 1] a colour stands for, or NaN if not one. */
export function divergingValue(r, g, b) {
    const i = divergingIndexOf.get(pack(r, g, b));
    return i === undefined ? NaN : (i - HALF) / HALF;
}

/** Half the width of one diverging step in v: how far an inverse can be from the value. */
export const DIVERGING_TOLERANCE = 0.5 / HALF;

/** Writes the diverging colour of v into data (RGBA bytes) at byte offset o. */
export function putDiverging(data, o, v) {
    const i = 3 * divergingIndex(v);
    data[o] = DIVERGING[i];
    data[o + 1] = DIVERGING[i + 1];
    data[o + 2] = DIVERGING[i + 2];
    data[o + 3] = 255;
}

/** The grey level (255 white .. 0 black) of v in [0, 1], clamped. */
export function greyLevel(v) {
    if (!(v > 0)) return 255;
    return 255 - Math.round(255 * Math.min(1, v));
}

/** Inverse of the greys: the v in [0, 1] a grey level stands for. */
export const greyValue = (level) => (255 - level) / 255;
export const GREY_TOLERANCE = 0.5 / 255;

export function putGrey(data, o, v) {
    const g = greyLevel(v);
    data[o] = data[o + 1] = data[o + 2] = g;
    data[o + 3] = 255;
}

export function heatIndex(v) {
    if (!(v > 0)) return 0;
    return Math.round(255 * Math.min(1, v));
}

export function heatValue(r, g, b) {
    const i = heatIndexOf.get(pack(r, g, b));
    return i === undefined ? NaN : i / 255;
}

export function putHeat(data, o, v) {
    const i = 3 * heatIndex(v);
    data[o] = HEAT_COLORS[i];
    data[o + 1] = HEAT_COLORS[i + 1];
    data[o + 2] = HEAT_COLORS[i + 2];
    data[o + 3] = 255;
}

/** A CSS colour of the diverging scale, for HTML bars and legends. */
export function divergingCss(v) {
    const i = 3 * divergingIndex(v);
    return `rgb(${DIVERGING[i]}, ${DIVERGING[i + 1]}, ${DIVERGING[i + 2]})`;
}

/** A CSS linear-gradient of the diverging scale from -1 (left) to +1 (right). */
export function divergingGradient() {
    const stops = [];
    for (let k = 0; k <= 10; k++) stops.push(`${divergingCss(-1 + k / 5)} ${k * 10}%`);
    return `linear-gradient(to right, ${stops.join(', ')})`;
}

/**
 * The q-quantile of |v| over values (q in (0, 1]; 1 is the largest), within 1/4096 of the
 * largest: a scale that a few outliers do not wash out. Over every step-th value (a sample of
 * about 50,000 by default), the largest over all.
 */
export function absQuantile(values, q, step = Math.max(1, Math.floor(values.length / 50000))) {
    const max = maxAbs(values);
    if (!(max > 0) || q >= 1) return max;
    const BINS = 4096;
    const counts = new Uint32Array(BINS);
    const k = (BINS - 1) / max;
    let taken = 0;
    for (let i = 0; i < values.length; i += step, taken++) counts[Math.floor(Math.abs(values[i]) * k)]++;
    let need = Math.ceil(q * taken);
    for (let b = 0; b < BINS; b++) {
        need -= counts[b];
        if (need <= 0) return Math.min(max, (b + 1) / k);
    }
    return max;
}

/** The largest |v| of values[from..to) (0 if all are 0). */
export function maxAbs(values, from = 0, to = values.length) {
    let m = 0;
    for (let i = from; i < to; i++) {
        const a = Math.abs(values[i]);
        if (a > m) m = a;
    }
    return m;
}
