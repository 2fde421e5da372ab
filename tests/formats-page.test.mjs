/* formats-page.test.mjs: models that travel, in the page (Debian's Chromium, as page.test.mjs): Export
 * in each format downloads the files scripts/model.mjs convert writes (model.json and its .bin for
 * TensorFlow.js); a model trained and saved by TensorFlow.js, its model.json and .bin chosen
 * together, is named with its format, scores TF.js' own test accuracy and reads drawn digits; an
 * .onnx dropped on the model section loads too; bad files say why and leave the current model. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { haveChromium, launch, openPage, startServer } from './helpers/browser.mjs';
import { byTestId, drawDigit, dropFile, gotoReady, importModel, mnistFiles, waitText } from './helpers/page-actions.mjs';
import { loadNN } from '../web/nn.js';
import { network } from '../web/architectures.js';
import { exportFiles, importFiles } from '../web/formats/index.js';
import { WASM_PATH } from '../scripts/lib/data.mjs';
import { trainTfjs } from '../scripts/peers/tfjs_train.mjs';

const skip = haveChromium() ? false : 'no Chromium at /usr/bin/chromium (node scripts/setup.mjs --test installs it)';
let srv;
let browser;
let nn;
let ours; // a briefly trained convnet of ours, .nnmf bytes
let tfjs; // trainTfjs(): a dense network trained and saved by TensorFlow.js, its accuracy

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2.1 A and AA violations of the page as it is (as tests/a11y.test.mjs runs it). */
async function violations(page) {
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
    const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
    const r = await page.evaluate((values) => window.axe.run(document, { runOnly: { type: 'tag', values }, resultTypes: ['violations'] }), tags);
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const asInput = (files) => files.map((f) => ({ name: f.name, mimeType: 'application/octet-stream', buffer: Buffer.from(f.bytes) }));

describe('page: model formats', { skip }, () => {
    before(async () => {
        nn = await loadNN(WASM_PATH);
        const m = mnistFiles();
        const train = nn.createDataset(m.trainImages, m.trainLabels);
        const net = nn.createNetwork({ ...network('conv:8:3,pool:2,flatten,dense:10'), seed: 4 });
        nn.createTrainer(net, train, { batchSize: 64, seed: 4 }).train(40);
        ours = net.save();
        // a full epoch of a small dense network: enough to read drawn digits
        [srv, browser, tfjs] = await Promise.all([startServer(), launch(), trainTfjs({ arch: 'mlp', hidden: 128 })]);
    });
    after(async () => {
        await browser?.close();
        await srv?.close();
    });

    async function withPage(fn, options = {}) {
        const { context, page } = await openPage(browser, { acceptDownloads: true, ...options });
        try {
            await fn(page);
            assert.deepEqual(page.problems, [], 'console errors, page errors or CSP violations');
        } finally {
            await context.close();
        }
    }

    /** Clicks Export with a format chosen and returns the downloads: [{name, bytes}]. */
    async function exportAs(page, format, count) {
        await byTestId(page, 'model-format').selectOption(format);
        const downloads = [];
        const done = new Promise((resolve) => {
            page.on('download', function onDownload(d) {
                downloads.push(d);
                if (downloads.length === count) {
                    page.off('download', onDownload);
                    resolve();
                }
            });
        });
        await byTestId(page, 'model-export').click();
        await done;
        return Promise.all(downloads.map(async (d) => ({ name: d.suggestedFilename(), bytes: fs.readFileSync(await d.path()) })));
    }

    test('Export in each format downloads the files model.mjs convert writes: model.json with its .bin, an .onnx', async () => {
        await withPage(async (page) => {
            await gotoReady(page, srv.url);
            await importModel(page, Buffer.from(ours), 'ours.nnmf');
            await waitText(page, 'model-info', /imported from ours\.nnmf\./);
            const net = nn.loadModel(ours);
            for (const [format, count] of [['tfjs', 2], ['onnx', 1], ['nnmf', 1]]) {
                const got = await exportAs(page, format, count);
                const want = exportFiles(net, format);
                assert.deepEqual(got.map((f) => f.name).sort(), want.map((f) => f.name).sort(), format);
                for (const w of want) assert.ok(Buffer.from(w.bytes).equals(got.find((g) => g.name === w.name).bytes), `${format}: ${w.name}`);
                const back = importFiles(nn, got).network;
                assert.ok(Buffer.from(back.save()).equals(Buffer.from(ours)), `${format} reads back as the same model`);
                back.free();
            }
            net.free();
        });
    });

    test('a model trained and saved by TensorFlow.js, model.json and .bin chosen together, scores its own accuracy and reads drawn digits; an .onnx dropped loads too', async (t) => {
        await withPage(async (page) => {
            await gotoReady(page, srv.url);
            await byTestId(page, 'model-import').setInputFiles(asInput(tfjs.files));
            await waitText(page, 'model-info', /^Model 784-128-10, imported from model\.json \(TensorFlow\.js\)\./);
            const acc = Number.parseFloat(await waitText(page, 'test-accuracy', /%$/));
            t.diagnostic(`TensorFlow.js' own test accuracy ${(100 * tfjs.testAccuracy).toFixed(2)}%, the page's ${acc}%`);
            assert.ok(Math.abs(acc - 100 * tfjs.testAccuracy) <= 0.05, `${acc}% vs ${100 * tfjs.testAccuracy}%`);
            for (const digit of [7, 1, 0]) assert.equal(await drawDigit(page, digit), String(digit), `drew a ${digit}`);

            const net = importFiles(nn, tfjs.files).network;
            const [onnx] = exportFiles(net, 'onnx');
            net.free();
            await dropFile(page, 'model-drop', { name: 'dropped.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(onnx.bytes) });
            await waitText(page, 'model-info', /imported from dropped\.onnx \(ONNX\)\./);
            assert.equal(Number.parseFloat(await waitText(page, 'test-accuracy', /%$/)), acc);
            assert.equal(await drawDigit(page, 7), '7');
        });
    });

    test('bad model files say why and leave the current model', async () => {
        await withPage(async (page) => {
            await gotoReady(page, srv.url);
            await importModel(page, Buffer.from(ours), 'ours.nnmf');
            await waitText(page, 'model-info', /imported from ours\.nnmf\./);
            const info = await byTestId(page, 'model-info').textContent();
            const json = tfjs.files.find((f) => f.name === 'model.json');
            const cases = [
                [[json], /^model\.json was not loaded: the weights file \.\/model\.weights\.bin is missing: choose it together with model\.json\. The current model is unchanged\.$/],
                [[{ name: 'graph.json', bytes: new TextEncoder().encode('{"format": "graph-model", "modelTopology": {"node": []}}') }], /^graph\.json was not loaded: this is a TensorFlow\.js graph model/],
                [[{ name: 'bad.onnx', bytes: new Uint8Array([8, 7, 0x3a, 99]) }], /^bad\.onnx was not loaded: not an ONNX model: /],
                [tfjs.files.filter((f) => f.name.endsWith('.bin')), /holds only the weights of a TensorFlow\.js model/],
            ];
            for (const [files, re] of cases) {
                await byTestId(page, 'model-import').setInputFiles(asInput(files));
                assert.match(await waitText(page, 'model-error', re), re);
            }
            assert.equal(await byTestId(page, 'model-info').textContent(), info);
            assert.deepEqual(await violations(page), [], 'the refusal shown, at 1280 px');
            await page.setViewportSize({ width: 375, height: 812 });
            assert.deepEqual(await violations(page), [], 'the refusal shown, at 375 px');
        });
    });
});
