/* worker.test.mjs: the training worker's message handler (web/worker-core.js) in Node, with a fake
 * fetch over web/data/, an in-memory Cache Storage and model store. Data loading with progress,
 * caching and every way a download fails; training with progress, stop, pause, reset; predict;
 * export and import; restore from the store; the protocol (exactly one reply per request). */
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { before, describe, test } from 'node:test';
import { loadNN, Status } from '../web/nn.js';
import { DATA_FILES, validateSettings } from '../web/worker-core.js';
import { BASE, WASM, dataFile, diskFetch, harness, memoryCaches, memoryStore } from './helpers/fakes.mjs';

const FILES = Object.values(DATA_FILES);
const SMALL = { epochs: 1, limit: 2000, batchSize: 128, seed: 1 };

/** A 28x28 gray image (white background) of test digit `index`, ink dark: what a page sends. */
async function testDigitImage(index) {
    const nn = await loadNN(WASM);
    const images = zlib.gunzipSync(dataFile(DATA_FILES.testImages));
    const labels = zlib.gunzipSync(dataFile(DATA_FILES.testLabels));
    const ds = nn.createDataset(images, labels);
    const px = ds.images(index, 1);
    return { image: { data: px.map((v) => 255 - v), width: 28, height: 28 }, label: ds.labels(index, 1)[0] };
}

describe('data', () => {
    test('loads the four files with byte-level progress, parses them, and caches them', async () => {
        const h = harness({ downloadProgressMs: 0 }); // an event per chunk: the fake is fast
        const reply = await h.send('loadData', { baseUrl: BASE });
        assert.equal(reply.type, 'done', JSON.stringify(reply.error));
        const info = reply.result;
        assert.deepEqual([info.train.count, info.train.rows, info.train.cols], [60000, 28, 28]);
        assert.deepEqual([info.test.count, info.test.rows, info.test.cols], [10000, 28, 28]);
        assert.deepEqual(info.train.firstLabels, [5, 0, 4]);
        assert.deepEqual(info.train.lastLabels, [5, 6, 8]);
        assert.deepEqual(info.test.firstLabels, [7, 2, 1]);
        assert.equal(info.samples.pixels.length, 24 * 784);
        assert.deepEqual(info.cached, [false, false, false, false]);
        const downloads = h.events('download', reply.id);
        for (const [i, file] of FILES.entries()) {
            const ev = downloads.filter((d) => d.file === file);
            assert.ok(ev.length >= 2, `${file}: ${ev.length} progress events`);
            assert.ok(ev.every((d) => d.index === i && d.total === dataFile(file).length));
            const last = ev[ev.length - 1];
            assert.equal(last.done, true);
            assert.equal(last.loaded, dataFile(file).length);
            for (let k = 1; k < ev.length; k++) assert.ok(ev[k].loaded >= ev[k - 1].loaded);
        }
        // The big file arrives in many chunks: some events show it part-way.
        assert.ok(downloads.some((d) => d.file === DATA_FILES.trainImages && d.loaded > 0 && d.loaded < d.total));
        assert.deepEqual([...h.fetch.calls].sort(), [...FILES].sort());

        // A second load (a reload of the page) comes from Cache Storage: no download.
        const again = harness({ caches: h.caches, fetch: diskFetch() });
        const info2 = await again.request('loadData', { baseUrl: BASE });
        assert.deepEqual(info2.cached, [true, true, true, true]);
        assert.equal(again.fetch.calls.length, 0);
        assert.equal(info2.train.count, 60000);
    });

    test('plain (not gzipped) IDX files load too', async () => {
        const plain = Object.fromEntries(FILES.map((f) => [f, { bytes: zlib.gunzipSync(dataFile(f)) }]));
        const h = harness({ fetch: diskFetch(plain) });
        const info = await h.request('loadData', { baseUrl: BASE });
        assert.equal(info.train.count, 60000);
        assert.deepEqual(info.test.firstLabels, [7, 2, 1]);
    });

    const failures = [
        ['a 404', { [DATA_FILES.testLabels]: 404 }, DATA_FILES.testLabels, 'HTTP_404', /HTTP 404/],
        ['a network error', { [DATA_FILES.trainLabels]: 'network' }, DATA_FILES.trainLabels, 'DATA_NETWORK', /network error/],
        ['a break halfway', { [DATA_FILES.trainImages]: 'break' }, DATA_FILES.trainImages, 'DATA_NETWORK', /broke off after \d+ of \d+ bytes/],
        ['a stall', { [DATA_FILES.testImages]: 'stall' }, DATA_FILES.testImages, 'DATA_TIMEOUT', /stalled/],
        [
            'corrupt gzip',
            { [DATA_FILES.testImages]: { bytes: Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) } },
            DATA_FILES.testImages,
            'DATA_CORRUPT',
            /not a valid gzip file/,
        ],
        [
            'a labels file with a bad magic',
            { [DATA_FILES.trainLabels]: { bytes: zlib.gzipSync(Buffer.from([1, 2, 8, 1, 0, 0, 0, 0])) } },
            DATA_FILES.trainLabels,
            Status.IDX_MAGIC,
            /not an IDX file/,
        ],
        [
            // the same status as a truncated images file would give: C parses each file to tell
            'a truncated labels file',
            { [DATA_FILES.testLabels]: { bytes: zlib.gzipSync(zlib.gunzipSync(dataFile(DATA_FILES.testLabels)).subarray(0, 5000)) } },
            DATA_FILES.testLabels,
            Status.IDX_TRUNCATED,
            /truncated|fewer/i,
        ],
        [
            'a label of 10',
            { [DATA_FILES.trainLabels]: { bytes: zlib.gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0xea, 0x60, ...new Array(60000).fill(10)])) } },
            DATA_FILES.trainLabels,
            Status.IDX_LABEL,
            /label is not below/,
        ],
        [
            'a labels file in the place of the images',
            { [DATA_FILES.trainImages]: { bytes: dataFile(DATA_FILES.trainLabels) } },
            DATA_FILES.trainImages,
            Status.IDX_KIND,
            /images need 3 dimensions/,
        ],
        [
            'a truncated images file',
            { [DATA_FILES.testImages]: { bytes: zlib.gzipSync(zlib.gunzipSync(dataFile(DATA_FILES.testImages)).subarray(0, 5000)) } },
            DATA_FILES.testImages,
            Status.IDX_TRUNCATED,
            /truncated|fewer/i,
        ],
    ];
    for (const [what, faults, file, code, pattern] of failures) {
        test(`${what}: an error naming the file, and nothing bad cached`, async () => {
            const h = harness({ fetch: diskFetch(faults), timeoutMs: 300 });
            const reply = await h.send('loadData', { baseUrl: BASE });
            assert.equal(reply.type, 'error');
            assert.equal(reply.error.code, code);
            assert.equal(reply.error.file, file);
            assert.ok(reply.error.message.startsWith(`${file}: `), reply.error.message);
            assert.match(reply.error.message, pattern);
            if (typeof code === 'string' && /NETWORK|TIMEOUT|HTTP/.test(code))
                assert.ok(!h.posted.some((m) => m.type === 'download' && m.file === file && m.done));
            assert.equal(h.caches.entries.size, 0, 'nothing cached from a failed load');
            assert.equal((await h.request('status')).data, null);
            // Retry once the server is fixed: the same core loads.
            h.fetch = diskFetch();
            const info = await h.request('loadData', { baseUrl: BASE });
            assert.equal(info.test.count, 10000);
            assert.equal(h.caches.entries.size, 4);
        });
    }

    test('a failed load keeps the data and the model already there', async () => {
        const h = harness({ caches: null });
        await h.request('loadData', { baseUrl: BASE });
        await h.request('train', { settings: SMALL });
        const before = await h.request('exportModel');
        // The same core, now pointed at a location that answers 404.
        const reply = await h.send('loadData', { baseUrl: 'http://test.invalid/missing/' });
        assert.equal(reply.type, 'error');
        assert.equal(reply.error.code, 'HTTP_404');
        const status = await h.request('status');
        assert.equal(status.data.train.count, 60000);
        assert.deepEqual((await h.request('exportModel')).bytes, before.bytes);
        const again = await h.request('train', { settings: SMALL }); // the old data still trains
        assert.equal(again.stopped, false);
    });

    test('a bad location is an error, not a hang', async () => {
        const h = harness();
        const reply = await h.send('loadData', { baseUrl: 'not a url' });
        assert.equal(reply.type, 'error');
        assert.equal(reply.error.code, 'DATA_URL');
    });
});

describe('training', () => {
    let h;
    before(async () => {
        h = harness();
        await h.request('loadData', { baseUrl: BASE });
    });

    test('describe: C\'s summary of the network the settings ask for, dense or convolutional', async () => {
        const mlp = await h.request('describe', { settings: { arch: 'mlp', hidden: [256, 128] } });
        assert.deepEqual(mlp.summary.map((l) => l.params), [200960, 32896, 1290]);
        assert.equal(mlp.trainFlops, 1007104); // worked by hand: 4 x 234,752 multiply-adds + 2 x 34,048
        const conv = await h.request('describe', { settings: { arch: 'convnet' } });
        assert.equal(conv.paramCount, 93322);
        assert.deepEqual(conv.summary[0].outputShape, [26, 26, 32]);
        const bad = await h.send('describe', { settings: { arch: 'resnet' } });
        assert.equal(bad.type, 'error');
        assert.equal(bad.error.field, 'arch');
    });

    test('settings are checked field by field', () => {
        const field = (s, count) => {
            try {
                validateSettings(s, count);
                return null;
            } catch (e) {
                assert.equal(e.code, 'SETTINGS');
                return e.field;
            }
        };
        assert.equal(field({}), null);
        assert.equal(field({ batchSize: 0 }), 'batchSize');
        assert.equal(field({ batchSize: 70000 }, 60000), 'batchSize');
        assert.equal(field({ batchSize: 3000, limit: 2000 }, 60000), 'batchSize');
        assert.equal(field({ learningRate: -0.1 }), 'learningRate');
        assert.equal(field({ learningRate: NaN }), 'learningRate');
        assert.equal(field({ epochs: 0 }), 'epochs');
        assert.equal(field({ epochs: 1.5 }), 'epochs');
        assert.equal(field({ hidden: [0] }), 'hidden');
        assert.equal(field({ hidden: [1e6] }), 'hidden');
        assert.equal(field({ limit: 70000 }, 60000), 'limit');
        assert.equal(field({ optimizer: 'lbfgs' }), 'optimizer');
        assert.equal(field({ seed: -1 }), 'seed');
        assert.equal(field({ arch: 'vgg' }), 'arch');
        assert.equal(field({ arch: 'convnet', hidden: [0] }), null, 'the convnet has no hidden sizes to check');
        assert.equal(validateSettings({ arch: 'convnet' }).batchSize, 64, 'the book\'s batch size follows the network');
        assert.equal(validateSettings({}).batchSize, 128);
    });

    test('a short training posts progress a few times, epochs, and reaches a plausible accuracy', async () => {
        const reply = await h.send('train', { settings: SMALL });
        assert.equal(reply.type, 'done', JSON.stringify(reply.error));
        const r = reply.result;
        assert.equal(r.stopped, false);
        assert.equal(r.progress.epoch, 1);
        assert.equal(r.progress.samples, 2000);
        assert.ok(r.evaluation.accuracy > 0.8, `test accuracy ${r.evaluation.accuracy}`);
        assert.equal(r.evaluation.count, 10000);
        assert.equal(r.evaluation.confusion.reduce((a, b) => a + b, 0), 10000);
        const diag = r.evaluation.confusion.filter((_, i) => i % 11 === 0).reduce((a, b) => a + b, 0);
        assert.equal(diag, r.evaluation.correct);
        assert.equal(r.evaluation.misclassified.length, 24);
        assert.ok(r.evaluation.misclassified.every((m) => m.label !== m.predicted && m.pixels.length === 784));
        assert.equal(r.evaluation.perClass.length, 10);

        const progress = h.events('progress', reply.id);
        assert.ok(progress.length >= 1);
        const batches = progress.reduce((s, p) => s + p.chunkBatches, 0);
        assert.equal(batches, 16, 'every batch is counted once: 15 of 128 and the last of 80');
        assert.ok(progress.length < batches, 'progress is posted per chunk of batches, not per batch');
        const last = progress[progress.length - 1];
        assert.equal(last.threads, 1);
        assert.ok(last.samplesPerSecond > 0 && last.gflops > 0);
        assert.equal(last.flopsPerSample, 1636352, '98.2 GFLOP an epoch of 60,000, as C counts it');
        assert.equal(last.sparseInput, true);
        assert.ok(progress.flatMap((p) => p.points).every((pt) => Number.isFinite(pt.loss) && pt.x > 0 && pt.x <= 1));
        const epochs = h.events('epoch', reply.id);
        assert.equal(epochs.length, 1);
        assert.deepEqual([epochs[0].epoch, epochs[0].epochs], [1, 1]);
        assert.equal(epochs[0].saved, true);
        assert.ok(Math.abs(epochs[0].testAccuracy - r.evaluation.accuracy) < 1e-12);
        assert.equal(h.store.record.metrics.epochs, 1);
        assert.deepEqual(h.store.record.settings.hidden, [512]);
    });

    test('a training that diverges stops with a message and keeps the last finite weights', async () => {
        // The page's fields cannot ask for a learning rate that overflows (10 at most), so this
        // engine hands the C trainer SGD at 1e30 whatever it is asked: the real C divergence
        // and rollback, met by the worker's real handling.
        const d = harness({
            loadEngine: async () => {
                const engine = await loadNN(WASM);
                const create = engine.createTrainer.bind(engine);
                engine.createTrainer = (net, set, o) => create(net, set, { ...o, optimizer: 'sgd', learningRate: 1e30 });
                return engine;
            },
        });
        await d.request('loadData', { baseUrl: BASE });
        const reply = await d.send('train', { settings: SMALL });
        assert.equal(reply.type, 'error');
        assert.equal(reply.error.code, Status.DIVERGED);
        assert.match(reply.error.message, /diverged/);
        // the network kept is the one from before the bad chunk: finite, saved, and it predicts
        const { image } = await testDigitImage(0);
        const r = await d.request('predict', { image });
        assert.ok(r.probabilities.every((p) => Number.isFinite(p)));
        const nn = await loadNN(WASM);
        const saved = nn.loadModel(d.store.record.model); // refuses NaN or infinite weights
        assert.ok(saved.params().every((w) => Number.isFinite(w)));
    });

    test('a save that fails leaves the previous saved model whole, and the trained model in use', async () => {
        const store = memoryStore();
        const d = harness({ store });
        await d.request('loadData', { baseUrl: BASE });
        const first = await d.send('train', { settings: SMALL });
        assert.equal(first.type, 'done');
        const before = store.record.model;
        // the next save is interrupted: the store throws in the middle of it (an IndexedDB
        // transaction that aborts commits nothing, so the old record is what a reload finds)
        store.save = async () => {
            throw new Error('the transaction was aborted');
        };
        const second = await d.send('train', { settings: { ...SMALL, seed: 2 } });
        assert.equal(second.type, 'done', JSON.stringify(second.error));
        assert.equal(second.result.saved, false);
        assert.match(second.result.saveError, /aborted/);
        assert.deepEqual(store.record.model, before, 'the previous model is still the saved one');
        const nn = await loadNN(WASM);
        assert.ok(nn.loadModel(store.record.model).params().every(Number.isFinite), 'and it loads');
        const { image } = await testDigitImage(0);
        const r = await d.request('predict', { image }); // the newly trained model answers
        assert.equal(r.probabilities.length, 10);
    });

    test('predict returns 10 probabilities and the 28x28 input; an empty image says "no digit"', async () => {
        const { image, label } = await testDigitImage(0);
        const r = await h.request('predict', { image });
        assert.equal(r.probabilities.length, 10);
        assert.equal(r.input.length, 784);
        assert.ok(Math.abs(r.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
        assert.equal(r.digit, label);
        const empty = await h.send('predict', { image: { data: new Uint8Array(64 * 64 * 4).fill(255), width: 64, height: 64 } });
        assert.equal(empty.type, 'error');
        assert.equal(empty.error.code, Status.NO_DIGIT);
    });

    test('stop keeps the weights of the last finished batch; predict works during training', async () => {
        let trainId = null;
        const seen = [];
        let stopping = null;
        let predicting = null;
        const { image } = await testDigitImage(1);
        h.onPost = (m) => {
            if (m.type === 'progress' && m.id === trainId && !stopping) {
                seen.push(m);
                if (seen.length === 1) predicting = h.send('predict', { image });
                if (seen.length === 2) stopping = h.send('stop');
            }
        };
        const settings = { epochs: 1, limit: 0, batchSize: 100, seed: 7 };
        const training = h.send('train', { settings });
        trainId = training.id;
        const reply = await training;
        h.onPost = null;
        assert.equal(reply.id, trainId);
        assert.equal((await stopping).type, 'done');
        assert.equal((await predicting).type, 'done');
        assert.equal(reply.type, 'done');
        const { progress, stopped } = reply.result;
        assert.equal(stopped, true);
        assert.ok(progress.batch > 0 && progress.batch < 600, `stopped at batch ${progress.batch}`);

        // The same seed trained for exactly that many batches in one go gives the same weights.
        const nn = await loadNN(WASM);
        const images = zlib.gunzipSync(dataFile(DATA_FILES.trainImages));
        const labels = zlib.gunzipSync(dataFile(DATA_FILES.trainLabels));
        const net = nn.createNetwork({ sizes: [784, 512, 10], seed: 7 });
        const ds = nn.createDataset(images, labels);
        const tr = nn.createTrainer(net, ds, { batchSize: 100, seed: 7 });
        const p = tr.train(progress.batch);
        assert.equal(p.batch, progress.batch);
        const exported = await h.request('exportModel');
        assert.deepEqual(exported.bytes, net.save());
        assert.deepEqual(h.store.record.model, net.save(), 'the stopped model is the saved one');
        assert.equal(h.store.record.metrics.samples, progress.samples);
    });

    test('epoch events count up to the epochs asked for, each with its own time and the total', async () => {
        const reply = await h.send('train', { settings: { epochs: 3, limit: 1000, batchSize: 100 } });
        assert.equal(reply.type, 'done');
        const epochs = h.events('epoch', reply.id);
        assert.deepEqual(epochs.map((e) => `${e.epoch}/${e.epochs}`), ['1/3', '2/3', '3/3']);
        assert.ok(epochs.every((e) => e.saved && e.testAccuracy > 0.5));
        assert.ok(epochs.every((e) => e.epochSeconds > 0));
        const sums = epochs.map((e, i) => epochs.slice(0, i + 1).reduce((s, x) => s + x.epochSeconds, 0));
        epochs.forEach((e, i) => assert.ok(Math.abs(e.seconds - sums[i]) < 1e-9, `epoch ${i + 1}: ${e.seconds} s in all, ${sums[i]} s summed`));
        assert.equal(h.store.record.metrics.epochs, 3);
    });

    test('pause holds the training, predict still answers, resume finishes it', async () => {
        const { image } = await testDigitImage(2);
        let trainId = 0;
        let paused = null;
        h.onPost = (m) => {
            if (m.type === 'progress' && m.id === trainId && !paused) paused = h.send('pause');
        };
        const training = h.send('train', { settings: { epochs: 1, limit: 20000, seed: 3 } });
        trainId = training.id;
        while (!paused) await new Promise((r) => setTimeout(r, 10));
        assert.equal((await paused).result.paused, true);
        h.onPost = null;
        const before = (await h.request('status')).training;
        assert.equal(before, true);
        const count = h.events('progress', trainId).length;
        // While paused: several rounds of the event loop, requests answered, no training.
        const p1 = await h.request('predict', { image });
        for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
        const p2 = await h.request('predict', { image });
        assert.deepEqual(p1.probabilities, p2.probabilities, 'the weights do not move while paused');
        assert.equal(h.events('progress', trainId).length, count);
        await h.request('resume');
        const reply = await training;
        assert.equal(reply.type, 'done');
        assert.equal(reply.result.stopped, false);
        assert.equal(reply.result.progress.samples, 20000);
    });

    test('requests out of order are errors with one reply each; pause/stop with nothing running are not', async () => {
        const training = h.send('train', { settings: { epochs: 1, limit: 4000 } });
        const twice = await h.send('train', { settings: SMALL });
        assert.equal(twice.type, 'error');
        assert.equal(twice.error.code, Status.STATE);
        const load = await h.send('loadData', { baseUrl: BASE });
        assert.equal(load.type, 'error');
        assert.equal(load.error.code, Status.STATE);
        const imp = await h.send('importModel', { bytes: new Uint8Array(8) });
        assert.equal(imp.type, 'error');
        assert.equal((await training).type, 'done');
        for (const type of ['pause', 'resume', 'stop']) assert.equal((await h.send(type)).type, 'done');
        const unknown = await h.send('frobnicate');
        assert.equal(unknown.type, 'error');
        assert.equal(unknown.error.code, 'PROTOCOL');
        const bad = await h.send('train', { settings: { batchSize: 0 } });
        assert.equal(bad.type, 'error');
        assert.equal(bad.error.field, 'batchSize');
        const ids = h.posted.filter((m) => m.id != null && (m.type === 'done' || m.type === 'error')).map((m) => m.id);
        assert.equal(new Set(ids).size, ids.length, 'no request answered twice');
    });

    test('a bad import shows the C error and leaves the model; a good one replaces it', async () => {
        const before = await h.request('exportModel');
        assert.equal(before.name, 'mnist-model.nnmf');
        const corrupt = before.bytes.slice();
        corrupt[100] ^= 0xff;
        const r1 = await h.send('importModel', { bytes: corrupt });
        assert.equal(r1.type, 'error');
        assert.equal(r1.error.code, Status.MODEL_CHECKSUM);
        assert.match(r1.error.message, /^model file: /);
        const r2 = await h.send('importModel', { bytes: new TextEncoder().encode('not a model') });
        assert.equal(r2.error.code, Status.MODEL_MAGIC);
        // A valid model file of the wrong shape is refused too.
        const nn = await loadNN(WASM);
        const small = nn.createNetwork({ sizes: [100, 10], seed: 1 }).save();
        const r3 = await h.send('importModel', { bytes: small });
        assert.equal(r3.error.code, Status.MODEL_LAYERS);
        assert.deepEqual((await h.request('exportModel')).bytes, before.bytes, 'model untouched');
        const savedBefore = h.store.saves;

        const other = nn.createNetwork({ sizes: [784, 64, 10], seed: 5 }).save();
        const r4 = await h.request('importModel', { bytes: other, name: 'other.nnmf' });
        assert.deepEqual(r4.model.sizes, [784, 64, 10]);
        assert.equal(r4.model.source, 'imported');
        assert.equal(h.store.saves, savedBefore + 1);
        assert.deepEqual((await h.request('exportModel')).bytes, other);
        await h.request('importModel', { bytes: before.bytes }); // put the trained one back
    });

    test('a new worker restores the saved model: predict works without training', async () => {
        const saved = h.store.record.model;
        const fresh = harness({ store: h.store, fetch: diskFetch(), caches: memoryCaches() });
        const init = await fresh.request('init');
        assert.ok(init.model, 'a model was restored');
        assert.equal(init.data, null);
        assert.deepEqual((await fresh.request('exportModel')).bytes, saved);
        const { image } = await testDigitImage(0);
        const r = await fresh.request('predict', { image });
        assert.equal(r.probabilities.length, 10);
        assert.equal(fresh.fetch.calls.length, 0, 'no data needed to classify');

        // A corrupt saved record is ignored with a message, not a crash.
        const broken = memoryStore();
        broken.record = { model: new Uint8Array([1, 2, 3]) };
        const init2 = await harness({ store: broken }).request('init');
        assert.equal(init2.model, null);
        assert.match(init2.restoreError, /could not be loaded/);
    });

    test('reset discards the network and the saved model', async () => {
        await h.request('reset');
        const r = await h.send('predict', { image: (await testDigitImage(0)).image });
        assert.equal(r.type, 'error');
        assert.equal(r.error.code, Status.STATE);
        assert.equal(h.store.record, null);
        assert.equal((await h.request('status')).model, null);
    });

    test('reset during training stops it and discards the network', async () => {
        let resetting = null;
        let trainId = 0;
        h.onPost = (m) => {
            if (m.type === 'progress' && m.id === trainId && !resetting) resetting = h.send('reset');
        };
        const training = h.send('train', { settings: { epochs: 1, limit: 0 } });
        trainId = training.id;
        const reply = await training;
        h.onPost = null;
        assert.equal(reply.type, 'done');
        assert.equal(reply.result.discarded, true);
        assert.equal((await resetting).type, 'done');
        assert.equal((await h.request('status')).model, null);
        assert.equal(h.store.record, null);
    });
});
