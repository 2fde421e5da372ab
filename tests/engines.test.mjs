/* engines.test.mjs: the page in the three engines a class uses: Chromium (playwright-core),
 * Firefox ESR (puppeteer-core, WebDriver BiDi) and WebKitGTK (WebDriver; MiniBrowser under Xvfb
 * with LANG=C.UTF-8, whose navigator.language "C" Intl refuses). Every test names its engine. The
 * subset that page.test.mjs (Chromium only, complete) backs up elsewhere: loading, data, a short
 * training, pause/stop, a drawn digit, an upload, export/import, reload restore, offline, Spanish,
 * and a start that fails (a module that throws at load, file://). Screenshots of each engine at
 * 1280 and 375 px, and of the failed starts, go to test-results/engines/. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServer } from './helpers/browser.mjs';
import { ENGINES, launchEngine } from './helpers/engines.mjs';
import { DIGIT_STROKES, digitPng, trainModelInNode } from './helpers/page-actions.mjs';
import { ROOT, WEB } from './helpers/fakes.mjs';

const SHOTS = path.join(ROOT, 'test-results', 'engines');
let srv;
let model; // a model file trained in Node (1 epoch): the tests that need a model import it

before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    [srv, model] = await Promise.all([startServer(), trainModelInNode()]);
});
after(() => srv?.close());

const dataRequests = () => srv.requests.filter((u) => u.startsWith('/data/')).length;
const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

// ---- what the tests do to the page, through data-testid hooks, in any engine ----
function waitState(page, states, timeout = 60000) {
    const list = [].concat(states);
    return page.waitFor((wanted) => wanted.includes(document.querySelector('[data-testid="status"]')?.dataset.state), list, {
        timeout,
        what: `state ${list.join(' or ')}`,
    });
}

async function waitText(page, testid, re, timeout = 60000) {
    return page.waitFor(
        ([id, source, flags]) => {
            const el = document.querySelector(`[data-testid="${id}"]`);
            const text = el?.textContent ?? '';
            return el && !el.closest('[hidden]') && new RegExp(source, flags).test(text) ? text : false;
        },
        [testid, re.source, re.flags],
        { timeout, what: `${testid} to match ${re}` },
    );
}

const text = (page, testid) => page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? null, testid);
const attr = (page, testid, name) => page.evaluate(([id, a]) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute(a), [testid, name]);

async function gotoReady(page, url = srv.url) {
    await page.goto(url);
    await waitState(page, 'ready');
}

/** Waits until no prediction is on its way; returns its text ('' for none). */
function settledPrediction(page) {
    return page.waitFor(
        () => {
            const el = document.querySelector('[data-testid="prediction"]');
            return el.getAttribute('aria-busy') === 'true' ? false : { text: el.textContent };
        },
        null,
        { timeout: 20000, what: 'a settled prediction' },
    ).then((r) => r.text);
}

async function drawDigit(page, digit) {
    await page.click('clear');
    await page.strokes('canvas', DIGIT_STROKES[digit]);
    // the prediction follows the stroke's end after a short debounce
    await page.waitFor(() => document.querySelector('[data-testid="prediction"]').textContent !== '', null, { timeout: 20000, what: 'a prediction' });
    return settledPrediction(page);
}

async function importModel(page, buffer, name = 'mnist-model.nnmf') {
    await page.setFile('model-import', { name, mimeType: 'application/octet-stream', buffer });
}

async function shot(page, name) {
    // two frames, so that the screenshot shows what the DOM says (WebKit's may lag a frame)
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)))));
    await page.screenshot(path.join(SHOTS, `${page.engine}-${name}.png`));
}

for (const engine of Object.keys(ENGINES)) {
    const skip = ENGINES[engine].available() ? false : ENGINES[engine].missing;
    describe(`the page in ${engine}`, { skip }, () => {
        let browser;
        before(async () => {
            browser = await launchEngine(engine);
        });
        after(() => browser?.close());

        /** A fresh page (own storage); fails on recorded problems unless allowed. */
        async function withPage(options, fn, { allowProblems = false } = {}) {
            const page = await browser.open(options);
            page.engine = engine;
            try {
                await fn(page);
                if (!allowProblems) assert.deepEqual(page.problems, [], 'console errors or page errors');
            } finally {
                await page.close();
            }
        }

        test(`${engine}: loads cross-origin isolated with no error, shows the notebook; a drawing without a model says so`, async (t) => {
            for (const [width, height] of [
                [1280, 900],
                [375, 812],
            ]) {
                await withPage({ width, height }, async (page) => {
                    const t0 = Date.now();
                    await gotoReady(page);
                    t.diagnostic(`${engine} ${width} px: page load to data ready in ${Date.now() - t0} ms`);
                    assert.equal(await text(page, 'train-shape'), '(60000, 28, 28)');
                    assert.equal(await text(page, 'test-shape'), '(10000, 28, 28)');
                    assert.equal(await text(page, 'summary-total'), '407,050');
                    assert.equal(await page.evaluate(() => document.querySelectorAll('[data-testid="samples"] canvas').length), 24);
                    const env = await page.evaluate(() => ({
                        isolated: crossOriginIsolated,
                        replaced: globalThis.nnBoot?.replacedLocale ?? null,
                        language: navigator.language,
                        overflow: document.documentElement.scrollWidth - innerWidth,
                    }));
                    assert.equal(env.isolated, true, 'COOP/COEP: cross-origin isolated');
                    assert.ok(env.overflow <= 0, `the page is ${env.overflow} px wider than the window`);
                    if (engine === 'webkit') {
                        // LANG=C.UTF-8: the browser says "C", which Intl refuses; boot.js replaced it
                        assert.equal(env.replaced, 'C');
                        assert.equal(env.language, 'en');
                    } else assert.equal(env.replaced, null);
                    assert.equal(await attr(page, 'boot-error', 'hidden'), '');
                    if (width === 1280) {
                        await page.strokes('canvas', DIGIT_STROKES[1]);
                        assert.match(await waitText(page, 'draw-message', /no model/i), /train one or import/);
                        assert.equal(await settledPrediction(page), '');
                    }
                    await shot(page, `${width}-ready`);
                });
            }
        });

        test(`${engine}: trains one epoch on 6,000 images with progress, the threads it can use and a test accuracy; a reload restores the model from this browser`, async () => {
            await withPage({}, async (page) => {
                await gotoReady(page);
                const downloads = dataRequests();
                await page.fill('epochs', 1);
                await page.fill('limit', 6000);
                await page.click('train');
                await waitText(page, 'status', /test accuracy/, 180000);
                await waitState(page, 'ready');
                const acc = Number.parseFloat(await text(page, 'test-accuracy'));
                assert.ok(acc > 80 && acc <= 100, `test accuracy ${acc}%`);
                assert.match(await text(page, 'epoch-log'), /^Epoch 1\/1 .* acc: 0\.\d{4}/);
                assert.match(await text(page, 'samples-per-second'), /^[\d,]+$/);
                assert.equal(await attr(page, 'progress', 'value'), '1');
                // threads: WebKitGTK has no SharedArrayBuffer (one thread, and the page says why);
                // the others use at most what they report, fewer when more were slower
                const threads = await text(page, 'threads');
                const reason = await attr(page, 'threads', 'data-reason');
                const cores = await page.evaluate(() => Math.min(navigator.hardwareConcurrency, 64));
                if (engine === 'webkit') {
                    assert.equal(threads, '1');
                    assert.equal(reason, 'no-shared-memory');
                    assert.match(await attr(page, 'threads', 'title'), /SharedArrayBuffer/);
                } else {
                    const [n, max = n] = threads.split(' of ').map(Number);
                    assert.equal(max, cores, `threads shown: ${threads}`);
                    assert.ok(n >= 1 && n <= max, `threads shown: ${threads}`);
                    assert.equal(reason, n < max ? 'slower' : '');
                }
                await shot(page, '1280-trained');
                const shown = await text(page, 'test-accuracy');
                await page.reload();
                await waitState(page, 'ready');
                assert.equal(dataRequests(), downloads, 'the reload took the data from Cache Storage');
                assert.match(await text(page, 'download-text'), /cache/i);
                assert.match(await text(page, 'model-info'), /trained 1 epoch/);
                assert.equal(await waitText(page, 'test-accuracy', /%$/), shown, 'the restored model is the trained one');
            });
        });

        test(`${engine}: pause holds the training, resume goes on, stop keeps the weights`, async () => {
            await withPage({}, async (page) => {
                await gotoReady(page);
                await page.fill('epochs', 50); // more than the test takes: stopped below
                await page.fill('limit', '');
                await page.click('train');
                await waitText(page, 'progress-text', /epoch 1 of 50 · \d/);
                await waitText(page, 'epoch-progress-text', /batch [1-9]\d* of 469/);
                await page.click('pause');
                await waitState(page, 'paused');
                assert.equal(await attr(page, 'pause', 'aria-pressed'), 'true');
                const held = await text(page, 'epoch-progress-text');
                await new Promise((resolve) => setTimeout(resolve, 600));
                assert.equal(await text(page, 'epoch-progress-text'), held, 'no progress while paused');
                await page.click('pause'); // resume
                await waitState(page, 'training');
                await page.click('stop');
                await waitText(page, 'status', /^Stopped: test accuracy \d+\.\d\d%/, 120000);
                await waitState(page, 'ready');
                assert.match(await text(page, 'model-info'), /784-512-10, trained \d/);
                assert.equal(await page.evaluate(() => document.querySelector('[data-testid="model-export"]').disabled), false);
            });
        });

        test(`${engine}: drawn digits and an uploaded picture are read; export gives the model file; a corrupt import says why and changes nothing`, async () => {
            await withPage({}, async (page) => {
                await gotoReady(page);
                await importModel(page, model);
                await waitText(page, 'model-info', /imported from mnist-model\.nnmf/);
                assert.equal(await drawDigit(page, 7), '7', 'a drawn 7');
                assert.equal(await drawDigit(page, 1), '1', 'a drawn 1');
                const png = digitPng(0);
                await page.setFile('upload', { name: 'zero.png', mimeType: 'image/png', buffer: png.buffer });
                await waitText(page, 'prediction', new RegExp(`^${png.label}$`), 20000);
                await shot(page, '1280-drawn');
                // Export: the page makes a blob and clicks a download link; read the blob instead
                // of letting the browser save it (a download dialog in some engines).
                await page.evaluate(() => {
                    const make = URL.createObjectURL;
                    URL.createObjectURL = (blob) => {
                        blob.arrayBuffer().then(async (b) => {
                            const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', b));
                            window.__exported = { size: b.byteLength, sha256: [...digest].map((x) => x.toString(16).padStart(2, '0')).join('') };
                        });
                        return make.call(URL, blob);
                    };
                    document.addEventListener('click', (e) => e.target.closest?.('a[download]') && e.preventDefault(), true);
                });
                await page.click('model-export');
                const exported = await page.waitFor(() => window.__exported, null, { what: 'the exported file' });
                assert.deepEqual(exported, { size: model.length, sha256: sha256(model) }, 'the bytes scripts/train.mjs --out writes');
                const corrupt = Buffer.from(model);
                corrupt[corrupt.length >> 1] ^= 0x55;
                await importModel(page, corrupt, 'corrupt.nnmf');
                const message = await waitText(page, 'model-error', /corrupt\.nnmf/);
                assert.match(message, /checksum mismatch/);
                assert.match(message, /current model is unchanged/);
                assert.match(await text(page, 'model-info'), /imported from mnist-model\.nnmf/);
                assert.equal(await drawDigit(page, 7), '7');
            });
        });

        test(`${engine}: works offline after the first load (the app shell, the data and the model from the browser)`, async () => {
            const own = await startServer(); // its own server, closed after the first load
            try {
                await withPage(
                    {},
                    async (page) => {
                        await gotoReady(page, own.url);
                        await importModel(page, model);
                        await waitText(page, 'model-info', /imported/);
                        await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
                        await own.close();
                        await page.reload();
                        await waitState(page, 'ready');
                        assert.match(await text(page, 'download-text'), /cache/i);
                        assert.match(await text(page, 'model-info'), /imported from mnist-model\.nnmf/);
                        assert.equal(await drawDigit(page, 7), '7');
                    },
                    { allowProblems: true }, // failed update checks are logged
                );
            } finally {
                await own.close();
            }
        });

        test(`${engine}: Spanish, remembered across a reload`, async () => {
            await withPage({}, async (page) => {
                await gotoReady(page);
                await page.click('lang');
                assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
                assert.equal(await text(page, 'train'), 'Entrenar');
                assert.match(await text(page, 'status'), /^Listo/);
                await page.reload();
                await waitState(page, 'ready');
                assert.equal(await text(page, 'clear'), 'Borrar');
                await page.click('lang');
                assert.equal(await text(page, 'clear'), 'Clear');
            });
        });

        test(`${engine}: a start that fails says what happened and what to do: a module that throws at load, the page opened from file://`, async () => {
            await withPage(
                {},
                async (page) => {
                    // as uPlot did in the C locale: the module links, then throws as it runs
                    srv.override(
                        '/ui/charts.js',
                        'throw new RangeError("invalid language tag: C (a failure for the test)");\nexport function createCharts() {}\n',
                    );
                    try {
                        await page.goto(srv.url);
                        await waitState(page, 'boot-error');
                    } finally {
                        srv.override('/ui/charts.js', null);
                    }
                    const message = await waitText(page, 'boot-error', /could not start/);
                    assert.match(message, /RangeError: invalid language tag: C \(a failure for the test\) \(in ui\/charts\.js, line 1\)/);
                    assert.match(message, /Reload the page/);
                    assert.match(message, /La página no pudo arrancar/, 'in Spanish too');
                    assert.equal(await text(page, 'status'), 'The page could not start.');
                    await shot(page, '1280-boot-error');

                    await page.goto(`file://${WEB}/index.html`);
                    const file = await waitText(page, 'boot-error', /served, not opened as a file/, 20000);
                    assert.match(file, /npm start/);
                    assert.match(file, /http:\/\/127\.0\.0\.1:8080\//);
                    assert.match(file, /tiene que servirse/);
                    await shot(page, '1280-file');
                },
                { allowProblems: true }, // the thrown error, and file:// refusing the modules, are logged
            );
        });
    });
}
