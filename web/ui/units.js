// units.js: "What the hidden units learn" (step 4). The first layer's weights as pictures: a dense
// layer's units each as its 784 weights laid out as the 28x28 image, a convolution's filters as
// their kh x kw weights, all on one canvas (tile-grid.js) in the diverging scale (colormap.js),
// each tile scaled to its own largest |weight| or all to the layer's, as the learner chooses.
// Selecting a tile (pointer or arrow keys) shows it large with its weights into the next layer
// (the ten outputs for the notebook's network) and a description in words: the text alternative.
// Weights come from the worker: `units` events while training (asked for with `watch` while this
// view is open and on screen) and the `units` request after a model is loaded or trained.
import { createTileGrid } from './tile-grid.js';
import { DIVERGING_RGBA32, DIVERGING_STEPS, absQuantile, divergingCss, divergingGradient, maxAbs, putDiverging, putGrey } from './colormap.js';
import { formatNumber, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
const SIDE = 28; // the page's images
const WIDE = 600; // px of the grid's box from which pictures are shown at their own size (else 16 a row)
const HALF = (DIVERGING_STEPS - 1) / 2;
// The shared scale: the few largest weights beyond it show at full colour rather than pale the rest.
export const SHARED_QUANTILE = 0.999;
const RENDER_SHARE = 60;
// The centre of the image, where MNIST's digits are: the 4-pixel border is always blank.
const INNER0 = 4;
const INNER1 = 24;

/** A signed number with a real minus sign: +0.123, −0.045. */
export function signed(v, digits = 3) {
    if (!Number.isFinite(v)) return String(v);
    const s = formatNumber(Math.abs(v), digits);
    return `${v < 0 ? '−' : '+'}${s}`;
}

/**
 * Where the strong positive and the strong negative weights of a 28x28 picture lie, in words,
 * for the text alternative: the one or two ninths of the image's centre (20x20) that hold most
 * of the weights beyond half the largest |w| there, or "all over" when none stands out (noise).
 * get(x, y) gives the weight.
 */
export function describePicture(get) {
    const bands = [
        [INNER0, 11],
        [11, 17],
        [17, INNER1],
    ];
    let max = 0;
    for (let y = INNER0; y < INNER1; y++) for (let x = INNER0; x < INNER1; x++) max = Math.max(max, Math.abs(get(x, y)));
    const strong = 0.5 * max;
    const pos = new Array(9).fill(0);
    const neg = new Array(9).fill(0);
    for (let r = 0; r < 3; r++)
        for (let c = 0; c < 3; c++)
            for (let y = bands[r][0]; y < bands[r][1]; y++)
                for (let x = bands[c][0]; x < bands[c][1]; x++) {
                    const v = get(x, y);
                    if (v > strong) pos[3 * r + c] += v;
                    else if (v < -strong) neg[3 * r + c] -= v;
                }
    const where = (mass) => {
        const total = mass.reduce((a, b) => a + b, 0);
        if (!(total > 0)) return t('where.none');
        const order = [...mass.keys()].sort((a, b) => mass[b] - mass[a]);
        if (mass[order[0]] < 0.25 * total) return t('where.all');
        const parts = [order[0]];
        if (mass[order[1]] >= 0.2 * total) parts.push(order[1]);
        return parts.map((k) => t(`where.${k}`)).join(t('where.and'));
    };
    return { positive: where(pos), negative: where(neg) };
}

/**
 * How alike neighbouring weights are: the correlation of each weight with its right and lower
 * neighbours over the image's centre, averaged over the units (0 for noise, towards 1 for smooth
 * strokes). W is a dense layer's (784, units) weights, Keras' layout; rows are read in order.
 * Every step-th unit only (128 of them by default): an average, cheap enough to redraw often.
 */
export function smoothness(W, units, step = Math.max(1, units >> 7)) {
    const acc = Array.from({ length: 5 }, () => new Float64Array(units)); // sa, sb, saa, sbb, sab
    const [sa, sb, saa, sbb, sab] = acc;
    let n = 0;
    for (let y = INNER0; y < INNER1; y++)
        for (let x = INNER0; x < INNER1; x++) {
            const p = (y * SIDE + x) * units;
            for (const q of [p + units, p + SIDE * units]) {
                for (let j = 0; j < units; j += step) {
                    const a = W[p + j];
                    const b = W[q + j];
                    sa[j] += a;
                    sb[j] += b;
                    saa[j] += a * a;
                    sbb[j] += b * b;
                    sab[j] += a * b;
                }
                n++;
            }
        }
    let total = 0;
    let counted = 0;
    for (let j = 0; j < units; j += step) {
        const va = saa[j] - (sa[j] * sa[j]) / n;
        const vb = sbb[j] - (sb[j] * sb[j]) / n;
        if (va > 0 && vb > 0) {
            total += (sab[j] - (sa[j] * sb[j]) / n) / Math.sqrt(va * vb);
            counted++;
        }
    }
    return counted ? total / counted : 0;
}

/** Unit j's weight at pixel (x, y) of a dense snapshot ((784, units), Keras' layout). */
const denseWeight = (snap, j, x, y) => snap.weights[(y * SIDE + x) * snap.units + j];
/** Filter f's weight at (x, y) of channel c of a conv2d snapshot ((kh, kw, c, filters)). */
const filterWeight = (snap, f, x, y, c = 0) => snap.weights[((y * snap.kernelSize[1] + x) * snap.channels + c) * snap.units + f];

export function createUnitsView({ request }) {
    const root = $('units-view');
    const canvas = $('unit-weights');
    const grid = createTileGrid(canvas, { onSelect: (i) => showDetail(i) });
    let snap = null; // the weights shown
    let scales = null; // per tile: the |weight| that maps to the scale's ends
    let stale = true; // the worker's weights may differ from those shown
    let watching = null; // what the worker was last told
    let onScreen = false;
    let hasModel = false;
    let training = false;

    const shared = () => $('units-scale-shared').checked;
    const visible = () => root.open && onScreen;

    // The pictures may take at most 1/RENDER_SHARE of the page's time: the worker is asked for
    // snapshots no more often than RENDER_SHARE x the time one takes to draw (and UNITS_INTERVAL_MS, 0.5 s).
    let renderMs = 0;
    const recent = [];
    let drawnMs = 0;
    let copiedMs = 0;
    let askedInterval = 0;
    const interval = () => Math.min(5000, Math.ceil(RENDER_SHARE * renderMs));

    function syncWatch() {
        const want = visible();
        const every = interval();
        if (want !== watching || (want && Math.abs(every - askedInterval) > 0.25 * askedInterval)) {
            watching = want;
            askedInterval = every;
            request('watch', { units: want, intervalMs: every }).catch(() => (watching = null));
        }
        if (want && stale && hasModel && !training) fetchNow();
    }

    async function fetchNow() {
        stale = false;
        try {
            show(await request('units'));
        } catch {
            stale = true; // no model (yet), or the worker restarted: asked again later
        }
    }

    /** Draws a snapshot (the worker's `units` event or reply). */
    function show(s) {
        if (!s) return;
        snap = s;
        stale = false;
        const t0 = performance.now();
        render();
        const ms = performance.now() - t0;
        // the median of the last few: the first drawing also compiles the code (several times slower)
        recent.push(ms);
        if (recent.length > 5) recent.shift();
        renderMs = [...recent].sort((a, b) => a - b)[recent.length >> 1];
        // what drawing and copying cost so far (read by scripts/views-speed.mjs)
        drawnMs += ms;
        copiedMs += s.copyMs ?? 0;
        canvas.dataset.drawnMs = drawnMs.toFixed(1);
        canvas.dataset.copiedMs = copiedMs.toFixed(1);
        if (training) syncWatch();
    }

    function render() {
        const s = snap;
        $('units-empty').hidden = Boolean(s);
        $('units-body').hidden = !s;
        if (!s) {
            grid.clear();
            return;
        }
        const conv = s.type === 'conv2d';
        const n = s.units;
        const [kh, kw] = conv ? s.kernelSize : [SIDE, SIDE];
        const box = canvas.parentElement.clientWidth || 0;
        // as many 28-pixel pictures a row as show at their own size or larger, 16 to 32
        const cols = conv ? 8 : box >= WIDE ? Math.max(16, Math.min(32, Math.floor((box - 1) / (SIDE + 1)))) : 16;
        grid.layout({ count: n, cols, tileW: kw, tileH: kh, gap: 1 });
        canvas.classList.toggle('filters', conv);
        canvas.parentElement.classList.toggle('filters', conv);
        const W = s.weights;
        // where weight (x, y) of tile j is: W[(y kw + x) stride + j] (a filter's channel 0)
        const stride = conv ? s.channels * n : n;
        // scales: each tile its own largest |w|, or one for all: the 99.9th percentile of |w|
        const own = !shared();
        const layerScale = conv ? maxAbs(W) : absQuantile(W, SHARED_QUANTILE);
        scales = new Float64Array(n).fill(layerScale);
        if (own || conv) {
            scales.fill(0);
            for (let p = 0; p < kh * kw; p++) {
                const row = p * stride;
                for (let j = 0; j < n; j++) {
                    const a = Math.abs(W[row + j]);
                    if (a > scales[j]) scales[j] = a;
                }
            }
            if (!own) scales.fill(layerScale);
        }
        const px32 = new Uint32Array(grid.image.data.buffer);
        const width = canvas.width;
        for (let j = 0; j < n; j++) {
            const origin = grid.offset(j, 0, 0) / 4;
            const k = scales[j] > 0 ? HALF / scales[j] : 0;
            for (let y = 0; y < kh; y++) {
                const out = origin + y * width;
                const row = y * kw * stride + j;
                for (let x = 0; x < kw; x++) {
                    // colormap.js' divergingIndex, inlined: round(127 + 127 clamp(w / scale))
                    let v = W[row + x * stride] * k + HALF + 0.5;
                    v = v < 0 ? 0 : v > 2 * HALF + 0.5 ? 2 * HALF + 0.5 : v;
                    px32[out + x] = DIVERGING_RGBA32[v | 0];
                }
            }
        }
        grid.commit();
        const smooth = conv ? null : smoothness(W, n);
        canvas.dataset.scale = shared() ? 'shared' : 'unit';
        canvas.dataset.scaleMax = String(layerScale);
        canvas.dataset.samples = String(s.samples ?? '');
        if (smooth !== null) canvas.dataset.smoothness = smooth.toFixed(4);
        else delete canvas.dataset.smoothness;
        canvas.setAttribute('aria-label', t(conv ? 'units.gridLabelConv' : 'units.gridLabel', { n, cols: grid.layoutInfo.cols, k: `${kh} × ${kw}` }));
        $('units-legend-min').textContent = shared() ? signed(-layerScale) : t('units.legendOwnMin');
        $('units-legend-max').textContent = shared() ? signed(layerScale) : t('units.legendOwnMax');
        $('units-scale-note').textContent = shared() && !conv ? t('units.sharedNote') : '';
        $('units-legend-bar').style.background = divergingGradient();
        let status;
        if (s.samples === 0) status = t('units.initial');
        else if (s.samples) status = t('units.after', { samples: formatNumber(s.samples) });
        else status = t('units.model');
        if (smooth !== null) status += ` ${t('units.smoothness', { r: formatNumber(smooth, 2) })}`;
        $('units-status').textContent = status;
        $('units-intro-conv').hidden = !conv;
        $('units-intro').hidden = conv;
        $('units-border').hidden = conv;
        if (grid.selected >= n || grid.selected < 0) grid.select(Math.min(n - 1, Math.max(0, grid.selected)), 'refresh');
        else grid.refresh();
    }

    function paintLarge(get, kh, kw, scale) {
        const big = $('unit-large');
        big.width = kw;
        big.height = kh;
        big.classList.toggle('filters', kh < SIDE);
        const img = new ImageData(kw, kh);
        for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) putDiverging(img.data, 4 * (y * kw + x), scale > 0 ? get(x, y) / scale : 0);
        big.getContext('2d').putImageData(img, 0, 0);
    }

    /** Beside filter j, its feature map for the digit that "Why this answer" explains, if any. */
    function showFilterMap(j) {
        const e = $('why').explanation;
        const first = e?.layers[0];
        const map = $('unit-map');
        const ok = first?.type === 'conv2d' && first.outputShape[2] === snap.units && first.values;
        map.hidden = $('unit-map-caption').hidden = !ok;
        if (!ok) return;
        const [h, w, c] = first.outputShape;
        let max = 0;
        for (const v of first.values) if (v > max) max = v;
        map.width = w;
        map.height = h;
        const img = new ImageData(w, h);
        for (let p = 0; p < h * w; p++) putGrey(img.data, 4 * p, max > 0 ? first.values[p * c + j] / max : 0);
        map.getContext('2d').putImageData(img, 0, 0);
        map.setAttribute('aria-label', t('units.mapLabel', { n: j + 1 }));
    }

    function showDetail(j) {
        const detail = $('unit-detail');
        const s = snap;
        const list = $('unit-outputs');
        list.replaceChildren();
        $('unit-filter').replaceChildren();
        $('unit-map').hidden = $('unit-map-caption').hidden = true;
        if (!s || j < 0) {
            detail.dataset.unit = '';
            $('unit-text').textContent = s ? t('units.pick') : '';
            $('unit-large').hidden = true;
            return;
        }
        detail.dataset.unit = String(j);
        $('unit-large').hidden = false;
        const conv = s.type === 'conv2d';
        if (conv) {
            const [kh, kw] = s.kernelSize;
            const get = (x, y) => filterWeight(s, j, x, y);
            paintLarge(get, kh, kw, scales[j]);
            const table = $('unit-filter');
            for (let y = 0; y < kh; y++) {
                const tr = document.createElement('tr');
                for (let x = 0; x < kw; x++) {
                    const td = document.createElement('td');
                    td.textContent = signed(get(x, y), 2);
                    tr.append(td);
                }
                table.append(tr);
            }
            $('unit-large').setAttribute('aria-label', t('units.filterLabel', { n: j + 1 }));
            showFilterMap(j);
            $('unit-text').textContent = t('units.filterText', {
                n: j + 1,
                count: s.units,
                k: `${kh} × ${kw}`,
                bias: signed(s.biases[j]),
                channels: s.channels > 1 ? t('units.channel0', { c: s.channels }) : '',
            });
            return;
        }
        const get = (x, y) => denseWeight(s, j, x, y);
        paintLarge(get, SIDE, SIDE, scales[j]);
        let min = Infinity;
        let max = -Infinity;
        for (let i = 0; i < SIDE * SIDE; i++) {
            const v = s.weights[i * s.units + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        const where = describePicture(get);
        const noise = where.positive === t('where.all') && where.negative === t('where.all');
        let text = t(noise ? 'units.unitNoise' : 'units.unitText', { n: j + 1, count: s.units, min: signed(min), max: signed(max), pos: where.positive, neg: where.negative });
        $('unit-large').setAttribute('aria-label', t('units.unitLabel', { n: j + 1, pos: where.positive, neg: where.negative }));
        if (s.next) {
            const m = s.next.units;
            const out = s.next.weights.subarray(j * m, (j + 1) * m);
            const scale = maxAbs(out) || 1;
            let best = 0;
            let worst = 0;
            for (let k = 0; k < m; k++) {
                if (out[k] > out[best]) best = k;
                if (out[k] < out[worst]) worst = k;
            }
            if (s.next.output) {
                text += ` ${t('units.outputsText', { best, bw: signed(out[best]), worst, ww: signed(out[worst]) })}`;
                for (let k = 0; k < m; k++) list.append(weightBar(String(k), out[k], scale));
                list.setAttribute('aria-label', t('units.outputsLabel', { n: j + 1 }));
            } else text += ` ${t('units.nextText', { m, min: signed(out[worst]), max: signed(out[best]) })}`;
        }
        $('unit-text').textContent = text;
    }

    function relabel() {
        render();
    }

    // On screen (the grid's box near the viewport) and open: what the worker is asked for.
    new IntersectionObserver(
        (entries) => {
            onScreen = entries[entries.length - 1].isIntersecting;
            syncWatch();
        },
        { rootMargin: '200px' },
    ).observe(root);
    root.addEventListener('toggle', syncWatch);
    for (const id of ['units-scale-unit', 'units-scale-shared']) $(id).addEventListener('change', render);
    let lastBox = null;
    new ResizeObserver(() => {
        const box = canvas.parentElement.clientWidth || 0;
        if (box !== lastBox && snap) render();
        lastBox = box;
    }).observe(canvas.parentElement);
    render();

    return {
        show,
        relabel,
        /**
         * The model changed: model is the app's model info (null: none), training whether a
         * training is on (its weights then come as events).
         */
        modelChanged(model, isTraining) {
            hasModel = Boolean(model);
            training = isTraining;
            stale = true;
            if (!model || isTraining) {
                snap = null;
                render();
                return;
            }
            syncWatch();
        },
        /** A new explanation in "Why this answer": a filter's detail shows its feature map. */
        explained() {
            if (snap?.type === 'conv2d' && grid.selected >= 0) showFilterMap(grid.selected);
        },
        /** After the worker (re)started: tell it again what to post. */
        reconnect() {
            watching = null;
            syncWatch();
        },
    };
}

/** One bar of a weight into an output: label, a bar from the middle line (diverging colour), value. */
export function weightBar(label, v, scale) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'wb-label';
    name.textContent = label;
    const bar = document.createElement('span');
    bar.className = 'wb-bar';
    const fill = document.createElement('span');
    fill.className = v < 0 ? 'wb-fill neg' : 'wb-fill pos';
    fill.style.setProperty('--f', Math.min(1, Math.abs(v) / scale).toFixed(3));
    fill.style.backgroundColor = divergingCss(v / scale);
    bar.append(fill);
    const value = document.createElement('span');
    value.className = 'wb-value';
    value.textContent = signed(v, 2);
    li.append(name, bar, value);
    return li;
}
