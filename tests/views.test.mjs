/* views.test.mjs: the look inside, in Debian's Chromium. The units' pictures are read back from
 * the canvas and, through the colour map's inverse, compared with the C weights of each unit
 * (both scales; the seed's initial weights while a training starts, the model's after it); the
 * pictures sharpen while training (neighbouring weights grow alike); hover and the keyboard show
 * one unit with its weights into the outputs. Why this answer: the contributions sum with the
 * bias to the logit of the answer, the logits and probabilities are C's for the same input.
 * The convnet: its filters, and feature maps equal to a JavaScript reference convolution of the
 * same input within 1e-5, drawn in greys that follow them. The confusion matrix opens a cell
 * (click or Enter) on exactly that cell's test images. Spanish, keyboard, 360 px, and axe-core's
 * WCAG A and AA rules with every view shown. Screenshots at
 * 1280 and 375 px during and after training go to test-results/views/ to be looked at. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PNG } from 'pngjs';
import { after, before, describe, test } from 'node:test';
import { haveChromium, launch, openPage, startServer } from './helpers/browser.mjs';
import {
    byTestId,
    digitPng,
    drawDigit,
    fillSettings,
    gotoReady,
    importModel,
    mnistFiles,
    startTraining,
    trainModelInNode,
    waitState,
    waitText,
} from './helpers/page-actions.mjs';
import { ROOT, WASM } from './helpers/fakes.mjs';
import { maxRelativeError, referenceForward } from './helpers/reference.mjs';
import { loadNN } from '../web/nn.js';
import { DIVERGING_TOLERANCE, GREY_TOLERANCE, absQuantile, divergingValue, greyValue, maxAbs } from '../web/ui/colormap.js';
import { SHARED_QUANTILE } from '../web/ui/units.js';

const skip = haveChromium() ? false : 'no Chromium at /usr/bin/chromium (node scripts/setup.mjs --test installs it)';
const SHOTS = path.join(ROOT, 'test-results', 'views');
let srv;
let browser;
let nn;
let denseModel;
let convModel;

/** The pixels (RGB triples) of tiles of a tile-grid canvas, with its layout and data attributes. */
function readTiles(page, testid, tiles) {
    return page.evaluate(
        ([id, list]) => {
            const c = typeof id === 'string' ? document.querySelector(`[data-testid="${id}"]`) : document.querySelector(id.selector);
            const d = c.dataset;
            const [cols, tw, th, gap] = [d.cols, d.tileW, d.tileH, d.gap].map(Number);
            const img = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const out = {};
            for (const i of list) {
                const x0 = gap + (i % cols) * (tw + gap);
                const y0 = gap + Math.floor(i / cols) * (th + gap);
                const px = [];
                for (let y = 0; y < th; y++)
                    for (let x = 0; x < tw; x++) {
                        const o = 4 * ((y0 + y) * c.width + x0 + x);
                        px.push([img[o], img[o + 1], img[o + 2]]);
                    }
                out[i] = px;
            }
            return { tiles: out, data: { ...d } };
        },
        [testid, tiles],
    );
}

/** Mismatches of a tile's colours against weights w(x, y) / scale through the diverging inverse. */
function divergingMismatches(pixels, tw, weight, scale) {
    let bad = 0;
    pixels.forEach(([r, g, b], p) => {
        const want = Math.max(-1, Math.min(1, weight(p % tw, Math.floor(p / tw)) / scale));
        const got = divergingValue(r, g, b);
        if (!(Math.abs(got - want) <= DIVERGING_TOLERANCE + 1e-6)) bad++;
    });
    return bad;
}

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** axe-core's WCAG 2.0/2.1 A and AA violations of the page as it is (as tests/a11y.test.mjs). */
async function accessibility(page, state) {
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
    const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
    const r = await page.evaluate((values) => window.axe.run(document, { runOnly: { type: 'tag', values }, resultTypes: ['violations'] }), tags);
    const found = r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    assert.deepEqual(found, [], state);
}

const scrollTo = (page, selector) => page.locator(selector).evaluate((el) => el.scrollIntoView({ block: 'start' }));
const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

describe('views', { skip }, () => {
    before(async () => {
        fs.mkdirSync(SHOTS, { recursive: true });
        [srv, browser, nn, denseModel, convModel] = await Promise.all([
            startServer(),
            launch(),
            loadNN(WASM),
            trainModelInNode({ batches: 300 }),
            trainModelInNode({ arch: 'convnet', batches: 80 }),
        ]);
    });
    after(async () => {
        await browser?.close();
        await srv?.close();
    });

    async function withPage(options, fn) {
        const { context, page } = await openPage(browser, options);
        try {
            await fn(page);
            assert.deepEqual(page.problems, [], 'console errors, page errors or CSP violations');
        } finally {
            await context.close();
        }
    }

    test('units: each tile\'s pixels are its unit\'s C weights (shared and own scale); hover and keys show one unit with its weights into the outputs', async () => {
        const net = nn.loadModel(denseModel);
        const { weights: W } = net.layerParams(0);
        const { weights: W2 } = net.layerParams(1);
        const w = (j) => (x, y) => W[(y * 28 + x) * 512 + j];
        await withPage({}, async (page) => {
            await gotoReady(page, srv.url);
            await importModel(page, denseModel);
            await waitText(page, 'model-info', /imported/);
            await scrollTo(page, '#units-view');
            await waitText(page, 'units-status', /model in use/);
            const units = [0, 37, 300, 511];
            const shared = await readTiles(page, 'unit-weights', units);
            assert.equal(shared.data.count, '512');
            assert.equal(shared.data.scale, 'shared');
            const layerMax = absQuantile(W, SHARED_QUANTILE);
            assert.ok(Math.abs(Number(shared.data.scaleMax) - layerMax) < 1e-9);
            assert.ok(layerMax < maxAbs(W), 'a few weights lie beyond the shared scale: clamped to its ends');
            for (const j of units) assert.equal(divergingMismatches(shared.tiles[j], 28, w(j), layerMax), 0, `unit ${j}, shared scale`);
            // the comparison can fail: another unit's weights do not fit this tile
            assert.ok(divergingMismatches(shared.tiles[37], 28, w(38), layerMax) > 100);
            await page.locator('label:has(#units-scale-unit)').click();
            const own = await readTiles(page, 'unit-weights', units);
            assert.equal(own.data.scale, 'unit');
            for (const j of units) {
                let m = 0;
                for (let i = 0; i < 784; i++) m = Math.max(m, Math.abs(W[i * 512 + j]));
                assert.equal(divergingMismatches(own.tiles[j], 28, w(j), m), 0, `unit ${j}, own scale`);
            }
            // hover unit 37: its picture large, its words, its ten weights into the outputs
            const box = await byTestId(page, 'unit-weights').boundingBox();
            const cols = Number(own.data.cols);
            const side = box.width / (1 + cols * 29);
            await page.mouse.move(box.x + (1 + (37 % cols) * 29 + 14) * side, box.y + (1 + Math.floor(37 / cols) * 29 + 14) * side);
            await page.waitForFunction(() => document.querySelector('[data-testid="unit-detail"]').dataset.unit === '37');
            const detail = byTestId(page, 'unit-detail');
            assert.match(await detail.textContent(), /Unit 38 of 512: weights from −0\.\d+ to \+0\.\d+/);
            const bars = await detail.locator('#unit-outputs li .wb-value').allTextContents();
            assert.deepEqual(bars, Array.from({ length: 10 }, (_, k) => W2[37 * 10 + k]).map((v) => `${v < 0 ? '−' : '+'}${Math.abs(v).toFixed(2)}`));
            const large = await page.locator('#unit-large').evaluate((c) => {
                const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
                const px = [];
                for (let o = 0; o < d.length; o += 4) px.push([d[o], d[o + 1], d[o + 2]]);
                return px;
            });
            assert.deepEqual(large, own.tiles[37], 'the large picture is the tile');
            // the keyboard: one tab stop, arrows move the selection
            await byTestId(page, 'unit-weights').focus();
            await page.keyboard.press('ArrowRight');
            assert.equal(await detail.getAttribute('data-unit'), '38');
            await page.keyboard.press('ArrowDown');
            assert.equal(await detail.getAttribute('data-unit'), String(38 + cols));
            await page.keyboard.press('End');
            assert.equal(await detail.getAttribute('data-unit'), '511');
            await page.keyboard.press('Home');
            assert.equal(await detail.getAttribute('data-unit'), '0');
            assert.match(await byTestId(page, 'unit-weights').getAttribute('aria-label'), /512 units/);
            assert.match(await page.locator('#unit-large').getAttribute('aria-label'), /unit 1 as a 28 × 28 picture/);
            await accessibility(page, 'the units shown');
        });
        net.free();
    });

    test('units while training: the seed\'s noise first, then pictures that sharpen; after training, the model\'s weights (screenshots at 1280 px)', async () => {
        const fresh = nn.createNetwork({ sizes: [784, 512, 10], seed: 1 });
        const W0 = fresh.layerParams(0).weights;
        fresh.free();
        await withPage({ width: 1280, height: 900 }, async (page) => {
            await gotoReady(page, srv.url);
            await scrollTo(page, '#units-view');
            // every picture drawn, as it is drawn: its training images, smoothness and two tiles
            await page.evaluate(() => {
                window.unitsSeen = [];
                const c = document.querySelector('[data-testid="unit-weights"]');
                new MutationObserver(() => {
                    if (c.dataset.count !== '512' || window.unitsSeen.at(-1)?.samples === c.dataset.samples) return;
                    const img = c.getContext('2d').getImageData(1, 1, 28, 28).data; // unit 0
                    const px = [];
                    for (let o = 0; o < img.length; o += 4) px.push([img[o], img[o + 1], img[o + 2]]);
                    window.unitsSeen.push({ samples: c.dataset.samples, smooth: Number(c.dataset.smoothness), scaleMax: Number(c.dataset.scaleMax), px });
                }).observe(c, { attributes: true, attributeFilter: ['data-samples'] });
            });
            // started without scrolling, so that the units stay on screen from the first batch
            // a training far longer than needed, stopped once three pictures are drawn and one of
            // them after an epoch's 60,000 images: how many pictures a second gives depends on the
            // machine's speed (the worker sends one every 0.5 to 5 s, by what drawing one costs),
            // not what the test checks. Five epochs were too few: a CI machine that drew slowly
            // got two pictures from a training that ended in seconds, and waited for a third.
            await fillSettings(page, { epochs: 100 });
            await scrollTo(page, '#units-view');
            await page.evaluate(() => document.querySelector('[data-testid="train"]').click());
            await page.waitForFunction(() => Number(document.querySelector('[data-testid="unit-weights"]').dataset.samples) > 10000, null, { timeout: 120000 });
            await shot(page, 'desktop-units-training');
            await page.waitForFunction(() => window.unitsSeen.length >= 3 && Number(window.unitsSeen.at(-1).samples) >= 60000, null, { timeout: 300000, polling: 100 });
            await byTestId(page, 'stop').click();
            await waitState(page, 'ready', 300000);
            // back on screen (after the Stop button was), the view fetches the final model's
            // weights: wait until the picture's training images no longer change
            await scrollTo(page, '#units-view');
            await page.waitForFunction(
                () => {
                    const c = document.querySelector('[data-testid="unit-weights"]');
                    const t = performance.now();
                    if (c.dataset.samples !== window.lastSamples) [window.lastSamples, window.since] = [c.dataset.samples, t];
                    return t - window.since > 1500;
                },
                null,
                { timeout: 60000, polling: 100 },
            );
            await waitText(page, 'units-status', /model in use|After [\d,]+ training/);
            await shot(page, 'desktop-units-trained');
            const seen = await page.evaluate(() => window.unitsSeen);
            assert.ok(seen.length >= 3, `${seen.length} pictures drawn`);
            assert.equal(seen[0].samples, '0', 'the first picture is the initial weights');
            assert.ok(Math.abs(seen[0].smooth) < 0.03, `initial smoothness ${seen[0].smooth}`);
            assert.equal(divergingMismatches(seen[0].px, 28, (x, y) => W0[(y * 28 + x) * 512], seen[0].scaleMax), 0, 'unit 0 at the start: the seed\'s weights');
            const last = seen.at(-1);
            // after 60,000 images about 0.3 (and 0.45 after three epochs of 60,000)
            assert.ok(last.smooth > 0.2 && last.smooth > seen[1].smooth, `smoothness ${seen.map((s) => s.smooth).join(' → ')}`);
            // after training: the exported model's weights
            const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'model-export').click()]);
            const net = nn.loadModel(fs.readFileSync(await download.path()));
            const W = net.layerParams(0).weights;
            const now = await readTiles(page, 'unit-weights', [5, 400]);
            for (const j of [5, 400]) assert.equal(divergingMismatches(now.tiles[j], 28, (x, y) => W[(y * 28 + x) * 512 + j], Number(now.data.scaleMax)), 0, `unit ${j}`);
            net.free();
        });
    });

    test('why this answer: the contributions sum with the bias to the logit; logits and probabilities are C\'s for the same input; keyboard', async () => {
        const net = nn.loadModel(denseModel);
        await withPage({}, async (page) => {
            await gotoReady(page, srv.url);
            await importModel(page, denseModel);
            await waitText(page, 'test-accuracy', /%$/); // the evaluation shown: nothing moves the section any more
            await scrollTo(page, '#why');
            const png = digitPng(0); // a 7
            await byTestId(page, 'upload').setInputFiles({ name: 'seven.png', mimeType: 'image/png', buffer: png.buffer });
            await waitText(page, 'why-answer', /The network says 7/);
            const sum = await byTestId(page, 'contrib-sum').evaluate((el) => ({ ...el.dataset }));
            const [logit, bias, sFor, sAgainst, rest] = [sum.logit, sum.bias, sum.for, sum.against, sum.rest].map(Number);
            assert.ok(Math.abs(bias + sFor + sAgainst + rest - logit) < 1e-4 * (1 + Math.abs(logit)), JSON.stringify(sum));
            const items = await byTestId(page, 'contributions').evaluate((el) =>
                [...el.querySelectorAll('button.contrib-item')].map((b) => ({ unit: Number(b.dataset.unit), c: Number(b.dataset.contribution), side: b.closest('ol').id })),
            );
            assert.equal(items.length, 16);
            const forSum = items.filter((i) => i.side === 'contrib-for').reduce((a, i) => a + i.c, 0);
            assert.ok(Math.abs(forSum - sFor) < 1e-9);
            // the same input in Node, through the same C: the same logits
            const decoded = PNG.sync.read(png.buffer);
            const { input } = nn.preprocess({ data: decoded.data, width: decoded.width, height: decoded.height });
            const shown = await page.evaluate(() => document.getElementById('why').explanation);
            assert.deepEqual(Array.from(shown.input), Array.from(input), 'the worker saw what Node sees');
            const out = net.layerOutputs(input);
            const logits = await byTestId(page, 'why-outputs').evaluate((t) => [...t.querySelectorAll('tbody tr')].map((tr) => Number(tr.children[1].dataset.value)));
            assert.deepEqual(logits, Array.from(out.logits));
            assert.equal(logit, out.logits[7]);
            const probs = await byTestId(page, 'why-outputs').evaluate((t) => [...t.querySelectorAll('tbody tr')].map((tr) => Number(tr.children[2].dataset.value)));
            assert.deepEqual(probs, Array.from(out.probabilities));
            // the contributions are C's activations times C's weights into 7
            const W2 = net.layerParams(1).weights;
            for (const i of items) assert.equal(i.c, out.layers[0][i.unit] * W2[i.unit * 10 + 7]);
            // the hidden layer: one square per unit; keys and the pointer
            const hidden = await readTiles(page, 'hidden-activations', []);
            assert.equal(hidden.data.count, '512');
            await byTestId(page, 'hidden-activations').focus();
            await page.keyboard.press('ArrowRight');
            assert.match(await page.locator('#hidden-detail').textContent(), /^Unit 2: activation [\d.]+ × weight [−+]/);
            await page.locator('#contrib-for button').first().focus();
            assert.equal(await page.locator('#contrib-detail').getAttribute('data-unit'), String(items[0].unit));
            assert.match(await page.locator('#contrib-text').textContent(), /adds \+[\d.]+ to the score of 7/);
            await accessibility(page, 'why this answer shown');
            // drawing updates it
            await drawDigit(page, 1);
            await waitText(page, 'why-answer', /The network says 1/);
        });
        net.free();
    });

    test('convnet: its filters, and feature maps equal to a JavaScript convolution of the same input within 1e-5, in greys that follow them (screenshots)', async () => {
        const net = nn.loadModel(convModel);
        const params = net.params();
        await withPage({}, async (page) => {
            await gotoReady(page, srv.url);
            await importModel(page, convModel);
            await waitText(page, 'model-info', /convnet, imported/);
            await waitText(page, 'test-accuracy', /%$/);
            await scrollTo(page, '#units-view');
            await waitText(page, 'units-status', /model in use/);
            const filters = await readTiles(page, 'unit-weights', [0, 9, 31]);
            assert.deepEqual([filters.data.count, filters.data.tileW, filters.data.tileH], ['32', '3', '3']);
            const fmax = maxAbs(params.subarray(0, 288));
            for (const f of [0, 9, 31]) assert.equal(divergingMismatches(filters.tiles[f], 3, (x, y) => params[(y * 3 + x) * 32 + f], fmax), 0, `filter ${f}`);
            await scrollTo(page, '#why');
            await byTestId(page, 'upload').setInputFiles({ name: 'two.png', mimeType: 'image/png', buffer: digitPng(1).buffer });
            await waitText(page, 'why-answer', /The network says \d/);
            const maps = byTestId(page, 'feature-maps');
            const text = await maps.textContent();
            for (const shape of ['(26, 26, 32)', '(13, 13, 32)', '(11, 11, 64)', '(5, 5, 64)', '(3, 3, 64)']) assert.ok(text.includes(shape), shape);
            const shown = await page.evaluate(() => {
                const e = document.getElementById('why').explanation;
                return { input: Array.from(e.input), layers: e.layers.map((l) => (l.values ? Array.from(l.values) : null)) };
            });
            const ref = referenceForward(net.layers, params, Float32Array.from(shown.input));
            for (const i of [0, 1, 2, 3, 4]) {
                const err = maxRelativeError(shown.layers[i], ref[i]);
                assert.ok(err < 1e-5, `layer ${i}: error ${err}`);
            }
            // conv2d_1's map 5 and max_pooling2d_2's map 40, read back from their canvases
            for (const [layer, k, side] of [
                [0, 5, 26],
                [3, 40, 5],
            ]) {
                const got = await readTiles(page, { selector: `[data-testid="feature-maps"] canvas[data-layer="${layer}"]` }, [k]);
                const max = Number(got.data.max);
                const C = layer === 0 ? 32 : 64;
                let bad = 0;
                got.tiles[k].forEach(([g], p) => {
                    if (!(Math.abs(greyValue(g) * max - ref[layer][p * C + k]) <= max * GREY_TOLERANCE + 1e-5)) bad++;
                });
                assert.equal(bad, 0, `layer ${layer}, map ${k}`);
                assert.equal(got.tiles[k].length, side * side);
            }
            assert.match(await maps.locator('canvas').first().getAttribute('aria-label'), /conv2d_1 \(Conv2D\): 32 feature maps of 26 × 26/);
            await maps.locator('canvas').first().focus();
            await page.keyboard.press('ArrowRight');
            assert.match(await maps.locator('.fmap-detail').first().textContent(), /^Map 2 of 32: strongest/);
            await shot(page, 'desktop-convnet-why');
            await accessibility(page, 'the feature maps and the filters shown');
            await scrollTo(page, '#units-view');
            await shot(page, 'desktop-convnet-filters');
        });
        net.free();
    });

    test('the confusion matrix opens a cell on click or Enter: exactly that cell\'s test images', async () => {
        const net = nn.loadModel(denseModel);
        const m = mnistFiles();
        const testSet = nn.createDataset(m.testImages, m.testLabels);
        const { predicted } = net.evaluate(testSet, { details: true });
        const labels = testSet.labels();
        const cell = (r, c) => [...labels.keys()].filter((i) => labels[i] === r && predicted[i] === c);
        // the largest mistake, and a small one reached with the keyboard
        let big = [0, 1];
        for (let r = 0; r < 10; r++) for (let c = 0; c < 10; c++) if (r !== c && cell(r, c).length > cell(...big).length) big = [r, c];
        await withPage({}, async (page) => {
            await gotoReady(page, srv.url);
            await importModel(page, denseModel);
            await waitText(page, 'test-accuracy', /%$/);
            await byTestId(page, `confusion-cell-${big[0]}-${big[1]}`).click();
            const panel = byTestId(page, 'confusion-images');
            await waitText(page, 'confusion-images', new RegExp(`${cell(...big).length} test images`));
            const shown = async () => panel.locator('figure').evaluateAll((f) => f.map((x) => Number(x.dataset.index)));
            assert.deepEqual(await shown(), cell(...big));
            assert.match(await panel.locator('canvas').first().getAttribute('aria-label'), new RegExp(`true ${big[0]}, read as ${big[1]}`));
            // the keyboard: one tab stop, arrows, Enter
            await byTestId(page, 'confusion-cell-0-0').focus();
            for (let k = 0; k < 4; k++) await page.keyboard.press('ArrowDown');
            for (let k = 0; k < 9; k++) await page.keyboard.press('ArrowRight');
            await page.keyboard.press('Enter');
            // both at once: the largest mistake's cell may already be read as 9 (7 read as 9, say)
            await page.waitForFunction(() => {
                const d = document.querySelector('[data-testid="confusion-images"]').dataset;
                return d.label === '4' && d.predicted === '9';
            });
            assert.deepEqual(await shown(), cell(4, 9).slice(0, 60));
            // a diagonal cell: 60 at a time
            await byTestId(page, 'confusion-cell-1-1').click();
            await waitText(page, 'confusion-images', /showing 60/);
            await panel.locator('#ci-more').click();
            await waitText(page, 'confusion-images', /showing 120/);
            assert.deepEqual(await shown(), cell(1, 1).slice(0, 120));
            await accessibility(page, 'a confusion cell open');
            await byTestId(page, 'confusion-images-close').click();
            assert.equal(await panel.isVisible(), false);
            assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'confusion-cell-1-1', 'the focus goes back to the cell');
        });
        net.free();
        testSet.free();
    });

    test('at 360 px and in Spanish: nothing wider than the screen, every view reachable by keyboard (screenshots at 375 px)', async () => {
        await withPage({ width: 375, height: 812, isMobile: true, hasTouch: true }, async (page) => {
            await gotoReady(page, srv.url);
            await startTraining(page, { epochs: 1, limit: 10000 });
            await scrollTo(page, '#units-view');
            await page.waitForFunction(() => Number(document.querySelector('[data-testid="unit-weights"]').dataset.samples) > 0, null, { timeout: 120000 });
            await shot(page, 'mobile-units-training');
            await waitState(page, 'ready', 300000);
            await scrollTo(page, '#units-view');
            await waitText(page, 'units-status', /model in use|After 10,000/);
            await shot(page, 'mobile-units-trained');
        });
        await withPage({ width: 360, height: 740, isMobile: true, hasTouch: true }, async (page) => {
            await gotoReady(page, srv.url);
            await importModel(page, denseModel);
            await waitText(page, 'test-accuracy', /%$/);
            await scrollTo(page, '#units-view');
            await waitText(page, 'units-status', /model in use/);
            await scrollTo(page, '#why');
            await byTestId(page, 'upload').setInputFiles({ name: 'seven.png', mimeType: 'image/png', buffer: digitPng(0).buffer });
            await waitText(page, 'why-answer', /says 7/);
            await byTestId(page, 'confusion-cell-2-7').click();
            await waitText(page, 'confusion-images', /test image/);
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
            assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
            await scrollTo(page, '#why');
            await shot(page, 'mobile-why');
            await accessibility(page, 'every view shown at 360 px');
            await byTestId(page, 'lang').click();
            await waitText(page, 'why-answer', /^La red dice 7/);
            assert.match(await byTestId(page, 'unit-detail').textContent(), /Unidad 1 de 512/);
            assert.match(await byTestId(page, 'contributions').textContent(), /empujaron hacia el 7/);
            assert.match(await byTestId(page, 'confusion-images').textContent(), /Imágenes de prueba del 2/);
            const missing = await page.evaluate(async () => (await import('./ui/i18n.js')).missingSpanish());
            assert.deepEqual(missing, []);
            await accessibility(page, 'every view shown, in Spanish');
            // Tab through the page: the views' controls are reached, each with a name
            const seen = new Map();
            await page.evaluate(() => document.activeElement?.blur());
            for (let i = 0; i < 120; i++) {
                await page.keyboard.press('Tab');
                const info = await page.evaluate(() => {
                    const el = document.activeElement;
                    return el && el !== document.body ? { id: el.dataset.testid || el.id || el.className, name: el.getAttribute('aria-label') || el.textContent.trim() } : null;
                });
                if (info) seen.set(info.id, info.name);
            }
            for (const id of ['unit-weights', 'units-scale-shared', 'hidden-activations', 'contrib-item', 'confusion-cell-0-0'])
                assert.ok(seen.has(id), `${id} is reachable by keyboard (reached: ${[...seen.keys()].join(', ')})`);
            for (const id of ['unit-weights', 'hidden-activations', 'contrib-item']) assert.ok(seen.get(id), `${id} has a name`);
        });
    });
});
