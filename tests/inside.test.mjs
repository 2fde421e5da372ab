/* inside.test.mjs: the look inside, in Node. Network.layerOutputs (one call into C) against a
 * JavaScript reference forward pass of the same input within 1e-5 at every layer (the convnet's
 * feature maps included); web/inside.js: the contributions sum with the bias to the answer's
 * logit, the top units and their pictures are the C weights; the units snapshot's layout; the
 * worker's watch/units events, explain and confusionImages (exactly a cell's test images); the
 * colour maps and their inverses; every text the views ask for exists in both languages. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { loadNN } from '../web/nn.js';
import { network } from '../web/architectures.js';
import { TOP_UNITS, explain, unitsSnapshot } from '../web/inside.js';
import * as cm from '../web/ui/colormap.js';
import { STATIC_ES, STRINGS } from '../web/ui/i18n-inside.js';
import { has } from '../web/ui/i18n.js';
import { BASE, WASM, WEB, harness } from './helpers/fakes.mjs';
import { mnistFiles, testDigit } from './helpers/page-actions.mjs';
import { maxRelativeError, referenceForward } from './helpers/reference.mjs';

let nn;
let train;
let dense;
let conv;

/** A network trained for a few batches (values away from the initial ones), seed 1. */
function trained(net, batches, batchSize) {
    const tr = nn.createTrainer(net, train, { seed: 1, batchSize });
    for (let left = batches; left > 0; ) left -= tr.train(Math.min(left, 50)).chunkBatches;
    tr.free();
    return net;
}

const input = (index) => Float32Array.from(testDigit(index).pixels, (v) => v / 255);

before(async () => {
    nn = await loadNN(WASM);
    const m = mnistFiles();
    train = nn.createDataset(m.trainImages, m.trainLabels);
    dense = trained(nn.createNetwork({ sizes: [784, 512, 10], seed: 1 }), 60, 128);
    conv = trained(nn.createNetwork({ ...network('convnet'), seed: 1 }), 30, 64);
});

describe('every layer\'s output from one call', () => {
    test('the convnet: each feature map, the pooling, flatten, dense layers and logits equal a JavaScript forward pass within 1e-5', () => {
        const params = conv.params();
        for (const index of [0, 1, 7]) {
            const x = input(index);
            const out = conv.layerOutputs(x);
            const ref = referenceForward(conv.layers, params, x);
            assert.equal(out.layers.length, 8);
            for (const [i, l] of conv.layers.entries()) {
                assert.equal(out.layers[i].length, l.outputShape.reduce((a, b) => a * b, 1), `layer ${i} size`);
                const e = maxRelativeError(out.layers[i], ref[i]);
                assert.ok(e < 1e-5, `digit ${index}, layer ${i} (${l.type}): error ${e}`);
            }
            // the first feature map is no zero map: the test means something
            assert.ok(out.layers[0].some((v) => v > 0.1));
            assert.deepEqual([...out.probabilities], [...conv.predict(x)], 'the probabilities are predict\'s bits');
            assert.equal(out.logits, out.layers[7]);
        }
    });

    test('the dense network: hidden layer and logits equal the reference; Uint8Array pixels are scaled as predict scales them', () => {
        const params = dense.params();
        const { pixels } = testDigit(3);
        const out = dense.layerOutputs(pixels);
        const ref = referenceForward(dense.layers, params, Float32Array.from(pixels, (v) => v / 255));
        assert.ok(maxRelativeError(out.layers[0], ref[0]) < 1e-5);
        assert.ok(maxRelativeError(out.logits, ref[1]) < 1e-5);
        assert.deepEqual([...out.probabilities], [...dense.predict(Uint8Array.from(pixels))]);
        assert.throws(() => dense.layerOutputs(new Float32Array(783)), /size/);
    });
});

describe('why this answer (web/inside.js)', () => {
    test('contributions plus the bias sum to the logit of the answer; the top units are the largest, with their C weights', () => {
        const params = dense.params();
        const [w1Layer, w2Layer] = dense.layers;
        for (const index of [0, 2, 4]) {
            const x = input(index);
            const e = explain(dense, x);
            const c = e.contributions;
            assert.equal(e.digit, testDigit(index).label, 'a trained network reads the test digit');
            assert.equal(c.digit, e.digit);
            const sum = c.values.reduce((a, b) => a + b, c.bias);
            assert.ok(Math.abs(sum - c.logit) <= 1e-5 * (1 + Math.abs(c.logit)), `sum ${sum} vs logit ${c.logit}`);
            assert.equal(c.logit, e.logits[e.digit]);
            // each contribution: the C activation times the C weight into the answer
            const h = dense.layerOutputs(x).layers[0];
            for (const j of [0, 100, 511]) assert.equal(c.values[j], h[j] * params[w2Layer.paramOffset + j * 10 + e.digit]);
            assert.equal(c.pushed.length, TOP_UNITS);
            const sorted = [...c.values].sort((a, b) => b - a);
            assert.deepEqual(c.pushed.map((u) => u.contribution), sorted.slice(0, TOP_UNITS));
            assert.deepEqual(c.against.map((u) => u.contribution), sorted.reverse().slice(0, c.against.length));
            assert.ok(c.against.every((u) => u.contribution < 0));
            for (const u of [...c.pushed, ...c.against]) {
                for (const i of [0, 300, 783]) assert.equal(u.picture[i], params[w1Layer.paramOffset + i * 512 + u.unit]);
                assert.equal(u.bias, params[w1Layer.paramOffset + w1Layer.weights + u.unit]);
                assert.deepEqual([...u.outputs], [...params.subarray(w2Layer.paramOffset + u.unit * 10, w2Layer.paramOffset + u.unit * 10 + 10)]);
            }
        }
    });

    test('the convnet: contributions from the Dense(64) units sum to the logit; its feature maps are there, flatten\'s copy is not', () => {
        const e = explain(conv, input(1));
        const c = e.contributions;
        assert.equal(c.values.length, 64);
        assert.ok(Math.abs(c.values.reduce((a, b) => a + b, c.bias) - c.logit) <= 1e-5 * (1 + Math.abs(c.logit)));
        assert.equal(e.hidden.layer, 6);
        assert.equal(e.layers[0].values.length, 26 * 26 * 32);
        assert.deepEqual(e.layers[0].outputShape, [26, 26, 32]);
        assert.equal(e.layers[5].values, null, 'flatten');
        assert.equal(e.layers[7].values, null, 'the logits come once');
        assert.ok(c.pushed.every((u) => !u.picture), 'no 28x28 pictures for units that do not look at the image');
    });

    test('two hidden layers: the contributions come from the second, with no pictures; the units snapshot points to the next layer', () => {
        const deep = trained(nn.createNetwork({ sizes: [784, 64, 32, 10], seed: 3 }), 20, 128);
        const e = explain(deep, input(0));
        const c = e.contributions;
        assert.equal(e.hidden.layer, 1);
        assert.equal(c.values.length, 32);
        assert.ok(Math.abs(c.values.reduce((a, b) => a + b, c.bias) - c.logit) <= 1e-5 * (1 + Math.abs(c.logit)));
        assert.ok([...c.pushed, ...c.against].every((u) => !u.picture));
        const s = unitsSnapshot(deep);
        assert.deepEqual([s.units, s.next.units, s.next.output], [64, 32, false]);
        assert.throws(() => deep.unitWeights(0, [64]), /out-of-range|NULL|argument/i);
        deep.free();
    });

    test('the units snapshot: Keras\' layout, the next layer\'s weights, the filters', () => {
        const params = dense.params();
        const s = unitsSnapshot(dense, 123);
        assert.equal(s.type, 'dense');
        assert.equal(s.units, 512);
        assert.equal(s.samples, 123);
        assert.deepEqual([...s.weights], [...params.subarray(0, 784 * 512)]);
        assert.equal(s.next.units, 10);
        assert.equal(s.next.output, true);
        assert.deepEqual([...s.next.weights], [...params.subarray(784 * 512 + 512, 784 * 512 + 512 + 5120)]);
        const f = unitsSnapshot(conv);
        assert.equal(f.type, 'conv2d');
        assert.deepEqual(f.kernelSize, [3, 3]);
        assert.equal(f.channels, 1);
        assert.equal(f.units, 32);
        assert.deepEqual([...f.weights], [...conv.params().subarray(0, 288)]);
        assert.equal(f.next, undefined);
    });
});

describe('the worker', () => {
    let h;
    before(async () => {
        h = harness();
        await h.request('loadData', { baseUrl: BASE });
    });

    test('watch: a training posts the first layer\'s weights, the initial ones first; units returns the final ones; unwatched, none', async () => {
        assert.deepEqual(await h.request('watch', { units: true }), { units: true });
        const settings = { epochs: 1, limit: 3000, batchSize: 128, seed: 5 };
        const reply = await h.send('train', { settings });
        assert.equal(reply.type, 'done');
        const events = h.events('units', reply.id);
        assert.ok(events.length >= 1, `${events.length} units events`);
        const first = events[0].units;
        assert.equal(first.samples, 0);
        const fresh = nn.createNetwork({ sizes: [784, 512, 10], seed: 5 });
        assert.deepEqual([...first.weights], [...fresh.params().subarray(0, 784 * 512)], 'the initial weights of the seed');
        fresh.free();
        for (let k = 1; k < events.length; k++) assert.ok(events[k].units.samples > events[k - 1].units.samples);
        const after = await h.request('units');
        assert.equal(after.weights.length, 784 * 512);
        assert.equal(after.samples, 3000);
        const centre = (14 * 28 + 14) * 512; // the corner's pixels are blank in MNIST: their weights never move
        assert.deepEqual([...after.weights.subarray(0, 512)], [...first.weights.subarray(0, 512)]);
        assert.notDeepEqual([...after.weights.subarray(centre, centre + 512)], [...first.weights.subarray(centre, centre + 512)]);

        await h.request('watch', { units: false });
        const again = await h.send('train', { settings: { ...settings, limit: 1000 } });
        assert.equal(again.type, 'done');
        assert.equal(h.events('units', again.id).length, 0);
    });

    test('predict with explain; explain redoes the last input; the buffers are transferred', async () => {
        const { pixels, label } = testDigit(0);
        const image = { data: Uint8Array.from(pixels, (v) => 255 - v), width: 28, height: 28 };
        const plain = await h.request('predict', { image });
        assert.equal(plain.inside, null);
        const r = await h.request('predict', { image: { ...image, data: image.data.slice() }, explain: true });
        assert.equal(r.inside.digit, r.digit);
        assert.deepEqual([...r.inside.probabilities], [...r.probabilities]);
        assert.deepEqual([...r.inside.input], [...r.input]);
        const again = await h.request('explain');
        assert.deepEqual([...again.logits], [...r.inside.logits]);
        assert.ok(label >= 0);
    });

    test('a number: predict explains its first digit, explain({digit}) another, which later explains follow; a digit it lacks is an error', async () => {
        // two test digits side by side, dark on light, on a page wider than tall
        const W = 112, H = 56, data = new Uint8Array(W * H * 4).fill(255);
        for (const [k, index] of [0, 1].entries())
            for (let y = 0; y < 28; y++)
                for (let x = 0; x < 28; x++) {
                    const o = 4 * ((y + 14) * W + x + 24 + 36 * k);
                    data[o] = data[o + 1] = data[o + 2] = 255 - testDigit(index).pixels[y * 28 + x];
                }
        const r = await h.request('predict', { image: { data, width: W, height: H }, explain: true });
        assert.equal(r.digits.length, 2);
        assert.equal(r.number, `${r.digits[0].digit}${r.digits[1].digit}`);
        assert.deepEqual([...r.inside.input], [...r.digits[0].input]);
        const second = await h.request('explain', { digit: 1 });
        assert.deepEqual([...second.input], [...r.digits[1].input]);
        assert.equal(second.digit, r.digits[1].digit);
        assert.deepEqual([...(await h.request('explain')).input], [...r.digits[1].input], 'the digit chosen stays');
        for (const digit of [2, -1, 0.5, '1']) assert.equal((await h.send('explain', { digit })).type, 'error', String(digit));
    });

    test('confusionImages: exactly the test images of a cell, in pages; refused before an evaluation or for a bad cell', async () => {
        const fresh = harness();
        await fresh.request('loadData', { baseUrl: BASE });
        const early = await fresh.send('confusionImages', { label: 4, predicted: 9 });
        assert.equal(early.type, 'error');
        await fresh.request('train', { settings: { epochs: 1, limit: 2000, batchSize: 128, seed: 1 } });
        const ev = await fresh.request('evaluate');
        // the model's own evaluation, in Node: which test images fall in each cell
        const exported = await fresh.request('exportModel');
        const net = nn.loadModel(exported.bytes);
        const m = mnistFiles();
        const test = nn.createDataset(m.testImages, m.testLabels);
        const details = net.evaluate(test, { details: true });
        const labels = test.labels();
        const cellOf = (r, c) => [...labels.keys()].filter((i) => labels[i] === r && details.predicted[i] === c);
        let checked = 0;
        for (let r = 0; r < 10; r++)
            for (let c = 0; c < 10; c++) {
                if (r === c || ev.confusion[r * 10 + c] === 0 || checked >= 3) continue;
                const got = await fresh.request('confusionImages', { label: r, predicted: c });
                assert.equal(got.total, ev.confusion[r * 10 + c]);
                assert.deepEqual(got.images.map((i) => i.index), cellOf(r, c).slice(0, 60));
                for (const im of got.images) assert.deepEqual([...im.pixels], [...test.images(im.index, 1)]);
                checked++;
            }
        assert.equal(checked, 3);
        // a diagonal cell, page by page
        const want = cellOf(1, 1);
        const p1 = await fresh.request('confusionImages', { label: 1, predicted: 1 });
        const p2 = await fresh.request('confusionImages', { label: 1, predicted: 1, first: 60 });
        assert.equal(p1.total, want.length);
        assert.deepEqual([...p1.images, ...p2.images].map((i) => i.index), want.slice(0, 120));
        for (const bad of [{ label: 10, predicted: 0 }, { label: 0, predicted: -1 }, { label: 1.5, predicted: 0 }, { label: 0, predicted: 0, count: 0 }]) {
            const r = await fresh.send('confusionImages', bad);
            assert.equal(r.type, 'error', JSON.stringify(bad));
        }
        net.free();
        test.free();
    });
});

describe('colour maps and texts', () => {
    test('the diverging scale: 255 distinct colours, white at 0, red below, blue above; the inverse gives back each step', () => {
        const seen = new Set();
        for (let i = 0; i < cm.DIVERGING_STEPS; i++) {
            const rgb = [...cm.DIVERGING.subarray(3 * i, 3 * i + 3)];
            seen.add(rgb.join());
            const v = (i - 127) / 127;
            assert.equal(cm.divergingValue(...rgb), v);
            assert.equal(cm.divergingIndex(v), i);
        }
        assert.equal(seen.size, 255);
        assert.deepEqual([...cm.DIVERGING.subarray(3 * 127, 3 * 128)], [255, 255, 255]);
        const px = new Uint8Array(4);
        cm.putDiverging(px, 0, -0.8);
        assert.ok(px[0] > px[2], 'negative is red');
        cm.putDiverging(px, 0, 0.8);
        assert.ok(px[2] > px[0], 'positive is blue');
        for (const v of [-1, -0.31, 0, 0.004, 0.5, 1]) {
            cm.putDiverging(px, 0, v);
            assert.ok(Math.abs(cm.divergingValue(px[0], px[1], px[2]) - v) <= cm.DIVERGING_TOLERANCE + 1e-12);
        }
        cm.putDiverging(px, 0, 7);
        assert.equal(cm.divergingValue(px[0], px[1], px[2]), 1, 'clamped');
        assert.ok(Number.isNaN(cm.divergingValue(1, 2, 3)), 'not a colour of the scale');
    });

    test('greys and heat: inverses within half a step', () => {
        const px = new Uint8Array(4);
        for (const v of [0, 0.1, 0.5, 0.999, 1]) {
            cm.putGrey(px, 0, v);
            assert.ok(Math.abs(cm.greyValue(px[0]) - v) <= cm.GREY_TOLERANCE + 1e-12);
            cm.putHeat(px, 0, v);
            assert.ok(Math.abs(cm.heatValue(px[0], px[1], px[2]) - v) <= 0.5 / 255 + 1e-12);
        }
        const heat = new Set();
        for (let i = 0; i < 256; i++) heat.add([...cm.HEAT_COLORS.subarray(3 * i, 3 * i + 3)].join());
        assert.equal(heat.size, 256);
    });

    test('every text key the views use exists, in English and Spanish; every data-i18n key of the new markup has its Spanish', () => {
        const files = ['units.js', 'why.js', 'feature-maps.js', 'confusion.js'].map((f) => fs.readFileSync(path.join(WEB, 'ui', f), 'utf8'));
        const keys = new Set();
        for (const text of files) for (const m of text.matchAll(/\bt\(\s*'([\w.]+)'/g)) keys.add(m[1]);
        for (const text of files) for (const m of text.matchAll(/t\(\s*`([\w.]+)\$\{/g)) for (let k = 0; k < 9; k++) keys.add(`${m[1]}${k}`);
        for (const text of files)
            for (const m of text.matchAll(/\? '([\w]+\.[\w.]+)' : '([\w]+\.[\w.]+)'/g)) {
                keys.add(m[1]);
                keys.add(m[2]);
            }
        assert.ok(keys.size > 40, `${keys.size} keys found`);
        for (const k of keys) {
            assert.ok(has(k), `${k} has no text`);
            if (STRINGS[k]) assert.ok(STRINGS[k].en && STRINGS[k].es, `${k} needs both languages`);
        }
        const html = fs.readFileSync(path.join(WEB, 'index.html'), 'utf8');
        const ids = ['units-view', 'why', 'confusion-images'];
        for (const id of ids) assert.ok(html.includes(`id="${id}"`));
        const markupKeys = [...html.matchAll(/data-i18n="((?:units|why|ci|nav\.why|eval\.cellHint)[\w.]*)"/g)].map((m) => m[1]);
        assert.ok(markupKeys.length > 15);
        for (const k of markupKeys) assert.ok(STATIC_ES[k], `${k} has no Spanish`);
    });
});
