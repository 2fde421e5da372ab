// why.js: "Why this answer" for the digit on the pad or the uploaded picture, from the worker's
// explanation (web/inside.js explain: every layer's output from one call into C): the feature
// maps of a convnet (feature-maps.js); the hidden layer's activations, one square per unit; the
// units that pushed the answer's score up and those that pulled it down (activation x weight into
// the answer), as their weight pictures when they are first-layer units, with the sum that makes
// the score; the ten outputs before and after softmax. Asked for with each prediction while this
// section is on screen; after it comes on screen, the last input is explained again. The
// explanation shown is also the section element's `explanation` property (for tests and the
// console: the numbers behind every picture).
import { createTileGrid } from './tile-grid.js';
import { createFeatureMaps } from './feature-maps.js';
import { divergingCss, maxAbs, putDiverging, putGrey, putHeat } from './colormap.js';
import { describePicture, signed, weightBar } from './units.js';
import { formatNumber, percent, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
const SIDE = 28;

function paint(canvas, side, value) {
    canvas.width = canvas.height = side;
    const img = new ImageData(side, side);
    for (let i = 0; i < side * side; i++) value(img.data, 4 * i, i);
    canvas.getContext('2d').putImageData(img, 0, 0);
}

export function createWhyView({ request, onShown = () => {} }) {
    const root = $('why');
    const maps = createFeatureMaps($('feature-maps'));
    const hiddenGrid = createTileGrid($('hidden-activations'), { onSelect: (j) => describeHidden(j) });
    let inside = null;
    let stale = false; // a prediction was shown without its explanation
    let onScreen = false;
    let asking = false;

    async function fetchNow() {
        if (asking) return;
        asking = true;
        stale = false;
        try {
            const r = await request('explain');
            if (!stale) render(r); // a newer prediction may be on its way with its own
        } catch {
            // no model, or the worker restarted: the next prediction brings one
        } finally {
            asking = false;
        }
    }

    function render(next) {
        inside = next;
        root.explanation = next;
        $('why-empty').hidden = Boolean(inside);
        $('why-body').hidden = !inside;
        onShown(next);
        if (!inside) {
            maps.clear();
            return;
        }
        const d = inside.digit;
        const conv = inside.layers.some((l) => l.type === 'conv2d');
        $('why-answer').textContent = t('why.answer', { digit: d, pct: percent(inside.probabilities[d], 1) });
        $('why-convnet').hidden = !conv;
        if (conv) maps.show(inside);
        else maps.clear();
        renderHidden(conv);
        renderContributions();
        renderOutputs();
    }

    function renderHidden(conv) {
        const h = inside.hidden;
        const n = h.values.length;
        const signedValues = h.values.some((v) => v < 0);
        const max = signedValues ? maxAbs(h.values) : h.values.reduce((m, v) => (v > m ? v : m), 0);
        const grid = hiddenGrid;
        const cols = n >= 256 ? 32 : 16;
        grid.layout({ count: n, cols, tileW: 5, tileH: 5, gap: 1 });
        const data = grid.image.data;
        const width = $('hidden-activations').width;
        for (let j = 0; j < n; j++) {
            const o = grid.offset(j, 0, 0);
            const v = max > 0 ? h.values[j] / max : 0;
            for (let y = 0; y < 5; y++)
                for (let x = 0; x < 5; x++) {
                    if (signedValues) putDiverging(data, o + 4 * (y * width + x), v);
                    else putHeat(data, o + 4 * (y * width + x), v);
                }
        }
        grid.commit();
        const canvas = $('hidden-activations');
        canvas.dataset.max = String(max);
        canvas.dataset.scale = signedValues ? 'diverging' : 'heat';
        let on = 0;
        for (const v of h.values) if (v > 0) on++;
        const top = [...h.values.keys()].sort((a, b) => h.values[b] - h.values[a]).slice(0, 3);
        $('why-hidden-title').textContent = t('why.hiddenTitle');
        $('why-hidden-intro').textContent = t(conv ? 'why.hiddenIntroConv' : h.layer === 0 ? 'why.hiddenIntro' : 'why.hiddenIntroDeep', {
            n,
            on,
            act: h.activation,
        });
        canvas.setAttribute(
            'aria-label',
            t('why.hiddenLabel', { n, on, top: top.map((j) => t('why.unitValue', { n: j + 1, v: formatNumber(h.values[j], 2) })).join(', ') }),
        );
        $('hidden-activations-legend').textContent = t('why.hiddenLegend', { max: formatNumber(max, 2) });
        grid.refresh();
        if (grid.selected < 0) $('hidden-detail').textContent = t('why.hiddenPick');
    }

    function describeHidden(j) {
        if (!inside || j < 0) return;
        const c = inside.contributions;
        $('hidden-detail').textContent = t('why.hiddenDetail', {
            n: j + 1,
            a: formatNumber(inside.hidden.values[j], 3),
            digit: c.digit,
            w: signed(c.weights[j]),
            c: signed(c.values[j]),
        });
        $('hidden-detail').dataset.unit = String(j);
    }

    function contributorItem(u, digit) {
        const li = document.createElement('li');
        const btn = document.createElement('button');
        btn.type = 'button';
        btn.className = 'contrib-item';
        btn.dataset.unit = String(u.unit);
        btn.dataset.contribution = String(u.contribution);
        const where = u.picture ? describePicture((x, y) => u.picture[y * SIDE + x]) : null;
        const label = t('why.itemLabel', {
            n: u.unit + 1,
            a: formatNumber(u.activation, 2),
            w: signed(u.weight),
            c: signed(u.contribution, 2),
            digit,
            where: where ? t('why.itemWhere', { pos: where.positive }) : '',
        });
        // the caption shown comes first: the accessible name holds the visible text (WCAG 2.5.3)
        const caption = `#${u.unit + 1} ${signed(u.contribution, 2)}`;
        btn.setAttribute('aria-label', `${caption}: ${label}`);
        btn.title = label;
        if (u.picture) {
            const c = document.createElement('canvas');
            c.className = 'contrib-picture';
            c.setAttribute('aria-hidden', 'true');
            const scale = maxAbs(u.picture) || 1;
            paint(c, SIDE, (d, o, i) => putDiverging(d, o, u.picture[i] / scale));
            btn.append(c);
        }
        const cap = document.createElement('span');
        cap.className = 'contrib-caption';
        cap.setAttribute('aria-hidden', 'true');
        cap.textContent = caption;
        btn.append(cap);
        const show = () => showContributor(u);
        btn.addEventListener('focus', show);
        btn.addEventListener('pointerenter', show);
        btn.addEventListener('click', show);
        li.append(btn);
        return li;
    }

    function showContributor(u) {
        const box = $('contrib-detail');
        box.hidden = false;
        box.dataset.unit = String(u.unit);
        const digit = inside.contributions.digit;
        const pics = $('contrib-pictures');
        pics.hidden = !u.picture;
        const outs = $('contrib-outputs');
        outs.replaceChildren();
        const scaleOut = maxAbs(u.outputs) || 1;
        for (let k = 0; k < u.outputs.length; k++) outs.append(weightBar(String(k), u.outputs[k], scaleOut));
        outs.setAttribute('aria-label', t('units.outputsLabel', { n: u.unit + 1 }));
        let text = t('why.detailHead', { n: u.unit + 1, c: signed(u.contribution, 2), digit, a: formatNumber(u.activation, 2), w: signed(u.weight) });
        if (u.picture) {
            const x = inside.input;
            const scale = maxAbs(u.picture) || 1;
            paint($('contrib-weights'), SIDE, (d, o, i) => putDiverging(d, o, u.picture[i] / scale));
            paint($('contrib-input'), SIDE, (d, o, i) => putGrey(d, o, x[i]));
            const product = Float32Array.from(x, (v, i) => v * u.picture[i]);
            const ps = maxAbs(product) || 1;
            paint($('contrib-product'), SIDE, (d, o, i) => putDiverging(d, o, product[i] / ps));
            let pos = 0;
            let neg = 0;
            for (const v of product) if (v > 0) pos += v;
            else neg += v;
            const where = describePicture((xx, yy) => product[yy * SIDE + xx]);
            text += ` ${t('why.detailSum', { pos: signed(pos, 2), neg: signed(neg, 2), bias: signed(u.bias ?? 0, 2), a: formatNumber(u.activation, 2), where: where.positive })}`;
            $('contrib-product').setAttribute('aria-label', t('why.productLabel', { where: where.positive, whereNeg: where.negative }));
        }
        $('contrib-text').textContent = text;
    }

    function renderContributions() {
        const c = inside.contributions;
        const d = c.digit;
        $('why-contrib-title').textContent = t('why.contribTitle', { digit: d });
        $('why-contrib-intro').textContent = t('why.contribIntro', { digit: d, n: c.values.length });
        $('contrib-for-title').textContent = t('why.forTitle', { digit: d, k: c.pushed.length });
        $('contrib-against-title').textContent = t('why.againstTitle', { digit: d, k: c.against.length });
        const forList = $('contrib-for');
        const againstList = $('contrib-against');
        forList.replaceChildren(...c.pushed.map((u) => contributorItem(u, d)));
        againstList.replaceChildren(...c.against.map((u) => contributorItem(u, d)));
        if (!c.against.length) againstList.append(Object.assign(document.createElement('li'), { className: 'hint', textContent: t('why.noneAgainst') }));
        const sumFor = c.pushed.reduce((s, u) => s + u.contribution, 0);
        const sumAgainst = c.against.reduce((s, u) => s + u.contribution, 0);
        const all = c.values.reduce((s, v) => s + v, 0);
        const rest = all - sumFor - sumAgainst;
        const others = c.values.length - c.pushed.length - c.against.length;
        const sum = $('contrib-sum');
        Object.assign(sum.dataset, { logit: String(c.logit), bias: String(c.bias), for: String(sumFor), against: String(sumAgainst), rest: String(rest) });
        sum.textContent = t('why.sum', {
            digit: d,
            logit: formatNumber(c.logit, 2),
            bias: signed(c.bias, 2),
            sumFor: signed(sumFor, 2),
            k1: c.pushed.length,
            sumAgainst: signed(sumAgainst, 2),
            k2: c.against.length,
            rest: signed(rest, 2),
            others,
        });
        const shown = $('contrib-detail').dataset.unit;
        const again = [...c.pushed, ...c.against].find((u) => String(u.unit) === shown) ?? c.pushed[0] ?? c.against[0];
        if (again) showContributor(again);
        else $('contrib-detail').hidden = true;
    }

    /** A table cell: the number, then a bar beside it (hidden from screen readers). */
    function outputCell(text, value, bar) {
        const td = document.createElement('td');
        td.dataset.value = String(value);
        const num = document.createElement('span');
        num.className = 'num';
        num.textContent = text;
        bar.setAttribute('aria-hidden', 'true');
        td.append(num, bar);
        return td;
    }

    function renderOutputs() {
        const body = $('why-outputs-body');
        body.replaceChildren();
        const z = inside.logits;
        const p = inside.probabilities;
        const zmax = maxAbs(z) || 1;
        for (let k = 0; k < z.length; k++) {
            const tr = document.createElement('tr');
            tr.dataset.digit = String(k);
            if (k === inside.digit) tr.className = 'best';
            const th = document.createElement('th');
            th.scope = 'row';
            th.textContent = String(k);
            const lb = document.createElement('span');
            lb.className = 'logit-bar';
            const lf = document.createElement('span');
            lf.className = z[k] < 0 ? 'logit-fill neg' : 'logit-fill pos';
            lf.style.width = `${(50 * Math.abs(z[k])) / zmax}%`;
            lf.style.backgroundColor = divergingCss(z[k] / zmax);
            lb.append(lf);
            const pb = document.createElement('span');
            pb.className = 'prob-bar';
            const pf = document.createElement('span');
            pf.className = 'prob-fill';
            pf.style.width = `${(100 * p[k]).toFixed(1)}%`;
            pb.append(pf);
            tr.append(th, outputCell(formatNumber(z[k], 2), z[k], lb), outputCell(percent(p[k], 2), p[k], pb));
            body.append(tr);
        }
    }

    new IntersectionObserver(
        (entries) => {
            onScreen = entries[entries.length - 1].isIntersecting;
            if (onScreen && stale) fetchNow();
        },
        { rootMargin: '200px' },
    ).observe(root);
    render(null);

    return {
        /** Whether a prediction should bring its explanation (this section is on screen). */
        wanted: () => onScreen,
        /** A prediction's explanation, or null when it came without one. */
        show(next) {
            if (next) {
                stale = false;
                render(next);
            } else {
                stale = true;
                if (onScreen) fetchNow();
            }
        },
        /** No prediction on show (the pad was cleared, no digit, no model). */
        clear() {
            stale = false;
            render(null);
        },
        relabel() {
            render(inside);
        },
    };
}
