/* page.test.mjs: the page in Debian's Chromium (playwright-core), served by scripts/serve.mjs's
 * handler on a free port. One browser for the file, a fresh context (own storage) per test, and
 * data-testid selectors only. Covers: a clean load (no console error, no CSP violation, nothing
 * from another origin), the notebook, training with progress, stop/pause/reset, drawing, upload,
 * import/export, reload and offline restore, the data errors, form errors, a crashed worker, the
 * Spanish toggle, keyboard and small screens, and the "done when" (5 epochs >= 97.8%). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { haveChromium, launch, openPage, startServer } from './helpers/browser.mjs';
import {
    byTestId,
    digitBmp,
    digitJpeg,
    digitPng,
    dropFile,
    drawDigit,
    drawStrokes,
    DIGIT_STROKES,
    gotoReady,
    importModel,
    mnistFiles,
    NUMBER_STROKES,
    previewInk,
    probabilities,
    settledPrediction,
    startTraining,
    trainModelInNode,
    trainToEnd,
    waitState,
    waitText,
} from './helpers/page-actions.mjs';
import { WEB } from './helpers/fakes.mjs';
import { PNG } from 'pngjs';
import { loadNN } from '../web/nn.js';
import { fitSize, readImage, resizeArea } from '../scripts/lib/image.mjs';
import { parseIdx } from './helpers/photo-set.mjs';
import { makePaperSet } from './helpers/paper-set.mjs';

const skip = haveChromium() ? false : 'no Chromium at /usr/bin/chromium (node scripts/setup.mjs --test installs it)';
let srv;
let browser;
let model; // a model file trained in Node: tests that need a model import it

const dataRequests = () => srv.requests.filter((u) => u.startsWith('/data/')).length;

describe('page', { skip }, () => {
    before(async () => {
        [srv, browser, model] = await Promise.all([startServer(), launch(), trainModelInNode()]);
    });
    after(async () => {
        await browser?.close();
        await srv?.close();
    });

    /** A fresh context and page; closes it and fails on recorded problems unless allowed. */
    async function withPage(t, options, fn, { allowProblems = false, origin = srv.origin } = {}) {
        const { context, page } = await openPage(browser, options);
        const foreign = [];
        context.on('request', (r) => {
            const u = new URL(r.url());
            if (!['data:', 'blob:'].includes(u.protocol) && u.origin !== origin) foreign.push(r.url());
        });
        try {
            await fn(page, context);
            assert.deepEqual(foreign, [], 'requests to other origins');
            if (!allowProblems) assert.deepEqual(page.problems, [], 'console errors, page errors or CSP violations');
        } finally {
            await context.close();
        }
    }

    test('loads with no console error or CSP violation, from this origin only, and shows the notebook', async (t) => {
        await withPage(t, {}, async (page) => {
            const t0 = Date.now();
            await page.goto(srv.url);
            await waitState(page, 'ready');
            t.diagnostic(`page load to data ready: ${Date.now() - t0} ms`);
            assert.equal(await byTestId(page, 'train-shape').textContent(), '(60000, 28, 28)');
            assert.equal(await byTestId(page, 'test-shape').textContent(), '(10000, 28, 28)');
            assert.equal(await byTestId(page, 'train-labels').textContent(), 'array([5, 0, 4, ..., 5, 6, 8], dtype=uint8)');
            assert.equal(await byTestId(page, 'samples').locator('canvas').count(), 24);
            assert.equal(await byTestId(page, 'summary-total').textContent(), '407,050');
            assert.match(await byTestId(page, 'compile-code').textContent(), /optimizer='rmsprop'[\s\S]*categorical_crossentropy/);
            assert.equal(await byTestId(page, 'download-progress').getAttribute('value'), '1');
            assert.equal(await byTestId(page, 'prediction').textContent(), '');
            // Drawing with no model yet predicts nothing and says why.
            await drawStrokes(page, DIGIT_STROKES[1]);
            assert.equal(await settledPrediction(page), '');
            assert.match(await byTestId(page, 'draw-message').textContent(), /no model/i);
            assert.equal(await byTestId(page, 'model-export').isDisabled(), true);
        });
    });

    test('training one epoch on 6,000 images shows progress and a test accuracy; a reload restores the model without downloading', async (t) => {
        await withPage(t, {}, async (page) => {
            await gotoReady(page, srv.url);
            const downloads = dataRequests();
            const acc = await trainToEnd(page, { epochs: 1, limit: 6000 });
            assert.ok(acc > 80 && acc <= 100, `test accuracy ${acc}%`);
            const shown = await byTestId(page, 'test-accuracy').textContent();
            assert.match(shown, /^\d{1,3}\.\d\d%$/);
            assert.equal(await byTestId(page, 'progress').getAttribute('value'), '1');
            assert.equal(await byTestId(page, 'epoch-progress').getAttribute('value'), '1');
            assert.match(await byTestId(page, 'epoch-log').textContent(), /^Epoch 1\/1 .* acc: 0\.\d{4}/);
            assert.match(await byTestId(page, 'samples-per-second').textContent(), /^[\d,]+$/);
            assert.match(await byTestId(page, 'gflops').textContent(), /^[\d,]+\.\d$/);
            // cross-origin isolated (the server sends COOP/COEP): every core the browser offers,
            // of which training uses fewer when more were slower ("1 of 2")
            const cores = await page.evaluate(() => (crossOriginIsolated ? navigator.hardwareConcurrency : 1));
            const [used, max = used] = (await byTestId(page, 'threads').textContent()).split(' of ').map(Number);
            assert.equal(max, Math.min(cores, 64));
            assert.ok(used >= 1 && used <= max);
            assert.match(await byTestId(page, 'sparse').textContent(), /^\d+ of 47 batches/);
            assert.equal(await byTestId(page, 'confusion-matrix').locator('tbody tr').count(), 10);
            assert.equal(await byTestId(page, 'misclassified').locator('canvas').count(), 24);
            assert.match(await byTestId(page, 'model-info').textContent(), /784-512-10, trained 1 epoch.*test accuracy \d+\.\d\d%.*Saved/);
            // The charts got points (uPlot draws on canvases inside the boxes).
            assert.ok((await byTestId(page, 'chart-batch').locator('canvas').count()) >= 1);

            await page.reload();
            await waitState(page, 'ready');
            assert.equal(dataRequests(), downloads, 'the reload took the data from Cache Storage');
            assert.match(await byTestId(page, 'download-text').textContent(), /cache/i);
            assert.match(await byTestId(page, 'model-info').textContent(), /trained 1 epoch/);
            assert.equal(await waitText(page, 'test-accuracy', /%$/), shown, 'the restored model is the trained one');
            assert.equal(await byTestId(page, 'limit').inputValue(), '6000', 'its settings are restored too');
            assert.equal(await drawDigit(page, 1), '1', 'the restored model reads a drawn 1');
        });
    });

    test('pause holds the training while predictions use the current weights; stop keeps them; reset discards them', async (t) => {
        await withPage(t, {}, async (page) => {
            await gotoReady(page, srv.url);
            // more epochs than the test takes: it stops the training, which cannot end before the pause
            await startTraining(page, { epochs: 50, limit: 0 });
            await waitText(page, 'progress-text', /epoch 1 of 50 · [1-9]/);
            await byTestId(page, 'pause').click();
            await waitState(page, 'paused');
            assert.equal(await byTestId(page, 'pause').getAttribute('aria-pressed'), 'true');
            const held = await byTestId(page, 'epoch-progress-text').textContent();
            // a few hundred batches in: a prediction is what matters, not yet which digit
            assert.match(await drawDigit(page, 7), /^\d$/, 'a prediction during training');
            assert.match(await byTestId(page, 'model-info').textContent(), /being trained/);
            assert.equal(await byTestId(page, 'epoch-progress-text').textContent(), held, 'no progress while paused');
            await byTestId(page, 'pause').click(); // resume
            await waitState(page, 'training');
            await byTestId(page, 'stop').click();
            await waitText(page, 'status', /^Stopped: test accuracy \d+\.\d\d%/);
            await waitState(page, 'ready');
            assert.match(await byTestId(page, 'test-accuracy').textContent(), /%$/);
            assert.ok(Number(await byTestId(page, 'progress').getAttribute('value')) < 1);
            assert.equal(await byTestId(page, 'model-export').isDisabled(), false);
            assert.match(await drawDigit(page, 7), /^\d$/);

            await byTestId(page, 'reset').click();
            await waitText(page, 'status', /^Reset/);
            assert.match(await byTestId(page, 'model-info').textContent(), /No model/);
            assert.equal(await byTestId(page, 'prediction').textContent(), '');
            assert.equal(await byTestId(page, 'test-accuracy').textContent(), '');
            await page.reload();
            await waitState(page, 'ready');
            assert.match(await byTestId(page, 'model-info').textContent(), /No model/, 'reset cleared the saved model');
        });
    });

    test('digits drawn with mouse strokes are predicted correctly, with the 28x28 input and ten probabilities', async (t) => {
        await withPage(t, {}, async (page) => {
            await gotoReady(page, srv.url);
            await importModel(page, model);
            await waitText(page, 'model-info', /imported from mnist-model\.nnmf/);
            for (const digit of [1, 7, 0]) {
                assert.equal(await drawDigit(page, digit), String(digit), `drew a ${digit}`);
                const p = await probabilities(page);
                assert.equal(p.length, 10);
                assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 0.02);
                assert.equal(p.indexOf(Math.max(...p)), digit);
                assert.ok((await previewInk(page)) > 20, 'the preview shows what the network sees');
            }
            // Live: a prediction shows while the pen is still down.
            await byTestId(page, 'clear').click();
            const box = await byTestId(page, 'canvas').boundingBox();
            await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
            await page.mouse.down();
            await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.85, { steps: 10 });
            assert.equal(await settledPrediction(page), '1', 'predicted during the stroke: a vertical stroke is a 1');
            await page.mouse.up();
            await byTestId(page, 'clear').click();
            assert.equal(await settledPrediction(page), '', 'nothing predicted on an empty canvas');
            assert.equal(await previewInk(page), 0);
            assert.equal(await byTestId(page, 'canvas').evaluate((c) => getComputedStyle(c).touchAction), 'none');
        });
    });

    test('uploaded images are predicted (PNG, JPEG, BMP; picked or dropped; dark on light or light on dark; a large off-centre photo); a non-image says so', async (t) => {
        await withPage(t, {}, async (page) => {
            await gotoReady(page, srv.url);
            await importModel(page, model);
            await waitText(page, 'model-info', /imported/);
            const cases = [
                ['dark on light', digitPng(0)],
                ['light on dark', digitPng(1, { lightOnDark: true })],
                ['large, off-centre', digitPng(2, { width: 2400, height: 1600, scale: 24, x: 1500, y: 300 })],
            ];
            for (const [what, png] of cases) {
                await byTestId(page, 'upload').setInputFiles({ name: `${what}.png`, mimeType: 'image/png', buffer: png.buffer });
                assert.equal(await settledPrediction(page), String(png.label), what);
            }
            assert.match(await byTestId(page, 'upload-thumb').getAttribute('alt'), /2400 × 1600 pixels, reduced to 1024 × 683 first/);
            const jpg = digitJpeg(3, { width: 400, height: 300, scale: 9, x: 60, y: 20 });
            await dropFile(page, 'drop-zone', { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: jpg.buffer });
            assert.equal(await settledPrediction(page), String(jpg.label), 'a JPEG dropped on the drop zone');
            const bmp = digitBmp(4, { lightOnDark: true });
            await dropFile(page, 'canvas', { name: 'scan.bmp', mimeType: 'image/bmp', buffer: bmp.buffer });
            assert.equal(await settledPrediction(page), String(bmp.label), 'a BMP dropped on the pad');
            await byTestId(page, 'upload').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
            assert.match(await waitText(page, 'upload-error', /notes\.txt/), /not an image/);
            const corrupt = digitPng(0).buffer.subarray(0, 60);
            await byTestId(page, 'upload').setInputFiles({ name: 'broken.png', mimeType: 'image/png', buffer: corrupt });
            assert.match(await waitText(page, 'upload-error', /broken\.png/), /not an image|corrupt/);
        });
    });

    /** The number on the page and its row: [{answer, ink}] of each 28x28 preview shown. */
    async function numberShown(page) {
        const number = await byTestId(page, 'number').textContent();
        const row = await byTestId(page, 'number-digits').evaluate((ol) =>
            [...ol.querySelectorAll('li')].map((li) => {
                const c = li.querySelector('canvas');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let ink = 0;
                for (let i = 0; i < d.length; i += 4) if (d[i] < 250) ink++;
                return { answer: li.querySelector('.number-answer').textContent, side: c.width, ink, pressed: li.querySelector('button').getAttribute('aria-pressed') };
            }),
        );
        return { number, row, visible: await byTestId(page, 'number-digits').isVisible() };
    }

    test('numbers: a photo of a number on squared paper and a number drawn on the pad are read digit by digit, each shown as its 28x28 with its answer', async (t) => {
        // a separated number on squared paper (tests/helpers/paper-set.mjs) that this model reads
        // right in Node: the page must read the same pixels the same way
        const nn = await loadNN(path.join(WEB, 'nn.wasm'));
        const net = nn.loadModel(model);
        const m = mnistFiles();
        const pixelsOf = (photo) => {
            const img = photo instanceof Uint8Array ? readImage(photo) : photo;
            const fit = fitSize(img.width, img.height);
            return fit.width === img.width ? img : resizeArea(img, fit.width, fit.height);
        };
        const set = makePaperSet(parseIdx(m.testImages, m.testLabels), { singles: 0, numbers: 5, seed: 15 });
        const pick = set.map((s) => ({ ...s, img: pixelsOf(s.photo) })).find((s) => s.kind === 'squared' && !s.touching && nn.readNumber(net, s.img).number === s.label);
        net.free();
        assert.ok(pick, 'no number on squared paper that this model reads right');
        const png = new PNG({ width: pick.img.width, height: pick.img.height });
        png.data = Buffer.from(pick.img.data.buffer, pick.img.data.byteOffset, pick.img.data.byteLength);
        t.diagnostic(`the photo: ${pick.label} on squared paper, ${pick.img.width} x ${pick.img.height} px, lines ${pick.meta.spacing} px apart`);
        await withPage(t, {}, async (page) => {
            await gotoReady(page, srv.url);
            await importModel(page, model);
            await waitText(page, 'model-info', /imported/);
            await byTestId(page, 'upload').setInputFiles({ name: 'number.png', mimeType: 'image/png', buffer: PNG.sync.write(png) });
            assert.equal(await settledPrediction(page), pick.label);
            let shown = await numberShown(page);
            assert.equal(shown.number, pick.label);
            assert.ok(shown.visible, 'the row of digits is shown');
            assert.deepEqual(shown.row.map((d) => d.answer).join(''), pick.label, 'each preview with its answer, left to right');
            for (const d of shown.row) assert.ok(d.side === 28 && d.ink > 20, 'each preview is a 28x28 with ink');
            assert.deepEqual(shown.row.map((d) => d.pressed), shown.row.map((_, k) => String(k === 0)), 'the first digit is chosen');
            // choosing a digit shows its ten probabilities
            await byTestId(page, 'number-digits').locator('button').nth(1).click();
            const p = await probabilities(page);
            assert.equal(String(p.indexOf(Math.max(...p))), pick.label[1]);

            // drawn on the pad: a one and a seven side by side
            await byTestId(page, 'clear').click();
            assert.equal((await numberShown(page)).visible, false, 'cleared');
            await drawStrokes(page, NUMBER_STROKES[17]);
            assert.equal(await settledPrediction(page), '17');
            shown = await numberShown(page);
            assert.equal(shown.number, '17');
            assert.deepEqual(shown.row.map((d) => d.answer), ['1', '7']);
            assert.match(await byTestId(page, 'draw-message').textContent(), /17: 2 digits/);
            // one digit stays one digit, and the row is hidden again
            assert.equal(await drawDigit(page, 7), '7');
            shown = await numberShown(page);
            assert.equal(shown.number, '7');
            assert.equal(shown.visible, false);
        });
    });

    test('export downloads the model file; a corrupt import shows the C error and leaves the current model', async (t) => {
        await withPage(t, {}, async (page) => {
            await gotoReady(page, srv.url);
            await importModel(page, model);
            await waitText(page, 'model-info', /imported/);
            const accuracy = await waitText(page, 'test-accuracy', /%$/);
            const before = await drawDigit(page, 7);
            const probsBefore = await probabilities(page);

            const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'model-export').click()]);
            assert.equal(download.suggestedFilename(), 'mnist-model.nnmf');
            const file = await download.path();
            assert.deepEqual(fs.readFileSync(file), model, 'the same bytes as scripts/train.mjs --out would write');

            const corrupt = Buffer.from(model);
            corrupt[corrupt.length >> 1] ^= 0x55;
            await importModel(page, corrupt, 'corrupt.nnmf');
            const message = await waitText(page, 'model-error', /corrupt\.nnmf/);
            assert.match(message, /model file: corrupt model file: checksum mismatch/);
            assert.match(message, /current model is unchanged/);
            await importModel(page, Buffer.from('hello'), 'hello.nnmf');
            assert.match(await waitText(page, 'model-error', /hello\.nnmf/), /not a model file|truncated/);
            assert.match(await byTestId(page, 'model-info').textContent(), /imported from mnist-model\.nnmf/);
            assert.equal(await byTestId(page, 'test-accuracy').textContent(), accuracy);
            assert.equal(await drawDigit(page, 7), before);
            assert.deepEqual(await probabilities(page), probsBefore);
        });
    });

    test('a data URL that answers 404 names the file, offers a retry, and keeps the data already loaded', async (t) => {
        await withPage(
            t,
            {},
            async (page) => {
                await page.goto(`${srv.url}?data=missing/`);
                await waitState(page, 'error');
                assert.equal(await byTestId(page, 'data-url').inputValue(), 'missing/');
                const message = await waitText(page, 'data-error-text', /404/);
                assert.match(message, /(train|t10k)-(images|labels)-idx\d-ubyte\.gz: the server answered HTTP 404/);
                assert.equal(await byTestId(page, 'retry').isVisible(), true);
                assert.equal(await byTestId(page, 'train').isDisabled(), true);
                // Retry after fixing the location.
                await byTestId(page, 'data-url').fill('data/');
                await byTestId(page, 'retry').click();
                await waitState(page, 'ready');
                assert.equal(await byTestId(page, 'data-error').isVisible(), false);
                // A failed load now keeps what was loaded.
                await byTestId(page, 'data-url').fill('/nowhere/');
                await byTestId(page, 'data-load').click();
                const kept = await waitText(page, 'data-error-text', /404/);
                assert.match(kept, /still in use/);
                await waitState(page, 'ready');
                assert.equal(await byTestId(page, 'train').isDisabled(), false);
                assert.equal(await byTestId(page, 'train-shape').textContent(), '(60000, 28, 28)');
            },
            { allowProblems: true }, // Chromium logs each 404 response in the console
        );
    });

    test('invalid settings show a message next to each field, and the page keeps working', async (t) => {
        await withPage(t, {}, async (page) => {
            await gotoReady(page, srv.url);
            const bad = { epochs: '0', 'batch-size': '0', 'learning-rate': '-1', hidden: '0', seed: '-1', limit: '70000' };
            for (const [id, value] of Object.entries(bad)) await byTestId(page, id).fill(value);
            await byTestId(page, 'train').click();
            for (const id of ['epochs', 'batch-size', 'learning-rate', 'hidden', 'seed']) {
                assert.equal(await byTestId(page, `${id}-error`).isVisible(), true, id);
                assert.equal(await byTestId(page, id).getAttribute('aria-invalid'), 'true', id);
            }
            assert.match(await byTestId(page, 'learning-rate-error').textContent(), /above 0/);
            assert.match(await byTestId(page, 'hidden-error').textContent(), /1 to 4096/);
            assert.equal(await byTestId(page, 'status').getAttribute('data-state'), 'ready');
            await byTestId(page, 'hidden').fill('100000');
            await byTestId(page, 'learning-rate').fill('NaN');
            await byTestId(page, 'train').click();
            assert.match(await byTestId(page, 'hidden-error').textContent(), /1 to 4096/);
            assert.equal(await byTestId(page, 'learning-rate-error').isVisible(), true);
            // Batch larger than the data used.
            const good = { epochs: '1', 'batch-size': '700', 'learning-rate': '', hidden: '64', seed: '2', limit: '600' };
            for (const [id, value] of Object.entries(good)) await byTestId(page, id).fill(value);
            await byTestId(page, 'train').click();
            assert.match(await byTestId(page, 'batch-size-error').textContent(), /at most the number of training images \(600\)/);
            await byTestId(page, 'batch-size').fill('60');
            const acc = await trainToEnd(page, {});
            assert.ok(acc > 30, `${acc}%`);
            for (const id of Object.keys(bad)) assert.equal(await byTestId(page, `${id}-error`).isVisible(), false, id);
            assert.match(await byTestId(page, 'model-info').textContent(), /784-64-10/);
        });
    });

    test('a reload during training restores the model saved at the last finished epoch', async (t) => {
        await withPage(t, {}, async (page) => {
            await gotoReady(page, srv.url);
            // a full epoch per save, and enough epochs that the reload lands in the middle
            await startTraining(page, { epochs: 50, limit: 12000 });
            await waitText(page, 'epoch-log', /Epoch 2\/50/, 120000);
            await page.reload();
            await waitState(page, 'ready');
            const info = await byTestId(page, 'model-info').textContent();
            const epochs = Number(/trained (\d+) epoch/.exec(info)?.[1]);
            assert.ok(epochs >= 2 && epochs < 50, `restored: ${info}`);
            await drawStrokes(page, DIGIT_STROKES[1]);
            assert.equal(await settledPrediction(page), '1');
        });
    });

    test('a worker that dies is replaced, and the saved model restored into the new one', async (t) => {
        await withPage(
            t,
            {},
            async (page) => {
                await gotoReady(page, srv.url);
                await importModel(page, model);
                await waitText(page, 'model-info', /imported/);
                const [worker] = page.workers();
                assert.ok(worker, 'the page runs a worker');
                await worker.evaluate(() => {
                    setTimeout(() => {
                        throw new Error('a failure for the test');
                    });
                });
                assert.match(await waitText(page, 'error-text', /stopped/), /a failure for the test/);
                await waitState(page, 'ready');
                assert.match(await byTestId(page, 'model-info').textContent(), /imported from mnist-model\.nnmf/);
                assert.equal(await drawDigit(page, 1), '1');
                await byTestId(page, 'error-dismiss').click();
                assert.equal(await byTestId(page, 'error').isVisible(), false);
            },
            { allowProblems: true }, // the worker's uncaught error is logged
        );
    });

    test('a worker that never answers at start-up is replaced, and the page loads its data', async (t) => {
        await withPage(
            t,
            {},
            async (page, context) => {
                // the page's first worker script hangs (it never answers init); the next ones are
                // ours, and so is the service worker's copy; the served headers are kept (a cross-
                // origin isolated page takes no worker without COEP)
                let hung = 0;
                await context.route('**/worker.js', async (route) => {
                    if (route.request().serviceWorker() || hung++) return route.fallback();
                    return route.fulfill({ response: await route.fetch(), body: 'self.onmessage = () => {};' });
                });
                await page.goto(srv.url);
                assert.match(await waitText(page, 'error-text', /stopped/, 40000), /did not start within 20 s/);
                await waitState(page, 'ready', 60000);
                assert.equal(hung, 2, 'one hung worker, one that started');
                assert.match(await byTestId(page, 'status').textContent(), /60,000 training images/);
            },
            { allowProblems: true },
        );
    });

    test('Spanish toggle; every control labelled and reachable by keyboard; usable at 360 px', async (t) => {
        await withPage(t, { width: 360, height: 740, isMobile: true, hasTouch: true }, async (page) => {
            await gotoReady(page, srv.url);
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
            assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
            const box = await byTestId(page, 'canvas').boundingBox();
            assert.ok(box.x >= 0 && box.x + box.width <= 360 && box.width >= 180, JSON.stringify(box));

            await byTestId(page, 'lang').click();
            assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
            assert.equal(await byTestId(page, 'train').textContent(), 'Entrenar');
            assert.match(await byTestId(page, 'status').textContent(), /^Listo/);
            const missing = await page.evaluate(async () => (await import('./ui/i18n.js')).missingSpanish());
            assert.deepEqual(missing, []);
            await page.reload();
            await waitState(page, 'ready');
            assert.equal(await byTestId(page, 'clear').textContent(), 'Borrar', 'the choice is remembered');
            await byTestId(page, 'lang').click();
            assert.equal(await byTestId(page, 'clear').textContent(), 'Clear');

            // Tab through the page: every enabled control is reached and has a name.
            const seen = new Map();
            await page.evaluate(() => document.activeElement?.blur());
            for (let i = 0; i < 80; i++) {
                await page.keyboard.press('Tab');
                const info = await page.evaluate(() => {
                    const el = document.activeElement;
                    if (!el || el === document.body) return null;
                    const name =
                        el.getAttribute('aria-label') ||
                        [...(el.labels ?? [])].map((l) => l.textContent.trim()).join(' ') ||
                        el.textContent.trim();
                    return { id: el.dataset.testid || el.id || `${el.tagName}:${el.textContent.trim()}`, name };
                });
                if (info) seen.set(info.id, info.name);
            }
            for (const id of ['data-url', 'data-load', 'epochs', 'batch-size', 'learning-rate', 'optimizer', 'hidden', 'seed', 'limit', 'train', 'clear', 'upload', 'model-import', 'lang'])
                assert.ok(seen.has(id), `${id} is reachable by keyboard (reached: ${[...seen.keys()].join(', ')})`);
            for (const [id, name] of seen) assert.ok(name, `${id} has an accessible name`);
        });
    });

    test('works offline after the first load: the app shell, the data and the model come from the browser', async (t) => {
        // A server of its own, shut down after the first load: the network is really gone.
        const own = await startServer();
        try {
            await withPage(
                t,
                {},
                async (page) => {
                    await gotoReady(page, own.url);
                    await importModel(page, model);
                    await waitText(page, 'model-info', /imported/);
                    await page.evaluate(async () => {
                        await navigator.serviceWorker.ready;
                    });
                    await own.close();
                    await page.reload();
                    await waitState(page, 'ready');
                    assert.match(await byTestId(page, 'download-text').textContent(), /cache/i);
                    assert.match(await byTestId(page, 'model-info').textContent(), /imported from mnist-model\.nnmf/);
                    assert.equal(await drawDigit(page, 7), '7');
                },
                { allowProblems: true, origin: own.origin }, // the browser logs its failed update checks
            );
        } finally {
            await own.close();
        }
    });

    test('done when: 5 epochs with the defaults show at least 97.8% test accuracy, then a drawn digit is classified', async (t) => {
        await withPage(t, {}, async (page) => {
            await gotoReady(page, srv.url);
            const t0 = Date.now();
            const acc = await trainToEnd(page, {}, 300000);
            t.diagnostic(`5 epochs with the defaults: ${((Date.now() - t0) / 1000).toFixed(1)} s in Chromium, test accuracy ${acc}%`);
            assert.ok(acc >= 97.8, `test accuracy ${acc}%`);
            const log = (await byTestId(page, 'epoch-log').textContent()).split('\n');
            assert.deepEqual(log.map((l) => l.split(' - ')[0]), ['Epoch 1/5', 'Epoch 2/5', 'Epoch 3/5', 'Epoch 4/5', 'Epoch 5/5']);
            assert.equal(await drawDigit(page, 7), '7');
            assert.equal(await drawDigit(page, 1), '1');
        });
    });

    test('done when (chapter 5): the convnet trains 5 epochs with its defaults to at least 99.0%, then reads drawn digits', async (t) => {
        await withPage(t, {}, async (page) => {
            await gotoReady(page, srv.url);
            await byTestId(page, 'arch').selectOption('convnet');
            assert.equal(await byTestId(page, 'batch-size').inputValue(), '64', 'the book\'s batch size for the convnet');
            await waitText(page, 'summary-total', /^93,322$/);
            assert.match(await byTestId(page, 'summary').textContent(), /conv2d_1 \(Conv2D\)\(None, 26, 26, 32\)320/);
            assert.match(await page.locator('#model-code').textContent(), /layers\.Conv2D\(32, \(3, 3\), activation='relu', input_shape=\(28, 28, 1\)\)/);
            assert.ok(await byTestId(page, 'hidden').isHidden(), 'the convnet has no hidden sizes to set');
            const t0 = Date.now();
            const acc = await trainToEnd(page, {}, 1200000);
            t.diagnostic(`convnet, 5 epochs with its defaults: ${((Date.now() - t0) / 1000).toFixed(1)} s in Chromium, test accuracy ${acc}%`);
            assert.ok(acc >= 99.0, `test accuracy ${acc}%`);
            assert.match(await byTestId(page, 'model-info').textContent(), /Model convnet, trained 5 epochs with RMSprop, batch 64/);
            assert.match(await byTestId(page, 'sparse').textContent(), /not used/);
            for (const digit of [7, 1, 0]) assert.equal(await drawDigit(page, digit), String(digit), `drew a ${digit}`);
            // a reload brings the convnet back, described as it is
            await page.reload();
            await waitState(page, 'ready');
            assert.equal(await byTestId(page, 'arch').inputValue(), 'convnet');
            await waitText(page, 'summary-total', /^93,322$/);
            assert.equal(await drawDigit(page, 7), '7');
        });
    });

    test('the service worker lists every file of the app shell, and only files that exist', () => {
        const sw = fs.readFileSync(path.join(WEB, 'service-worker.js'), 'utf8');
        const listed = new Set([...sw.matchAll(/^ {4}'([^']+)',$/gm)].map((m) => m[1]));
        // The modules the page and the worker import, followed from their entries.
        const needed = new Set(['nn.wasm', 'style.css', 'vendor/uPlot.min.css']);
        const queue = ['app.js', 'worker.js'];
        while (queue.length) {
            const file = queue.pop();
            if (needed.has(file)) continue;
            needed.add(file);
            const text = fs.readFileSync(path.join(WEB, file), 'utf8');
            for (const m of text.matchAll(/(?:import|from)\s*\(?\s*'(\.{1,2}\/[^']+)'/g))
                queue.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1])));
            for (const m of text.matchAll(/new URL\('(\.\/[^']+)', import\.meta\.url\)/g))
                if (!m[1].includes('service-worker')) queue.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1])));
        }
        assert.ok(needed.has('ui/charts.js') && needed.has('worker-core.js') && needed.has('vendor/uPlot.esm.js'));
        for (const f of needed) assert.ok(listed.has(f), `${f} is missing from SHELL_FILES`);
        for (const f of listed) if (f !== './') assert.ok(fs.existsSync(path.join(WEB, f)), `${f} is listed but does not exist`);
        assert.ok(listed.has('./'));
    });
});
