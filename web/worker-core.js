// worker-core.js: the training worker's logic as plain functions, with no DOM and no `self`, so that
// Node tests drive it with a fake `post`, `fetch`, `caches` and model store (worker.js is the glue).
// Protocol, as sql.js: each request {id, type, ...} gets exactly one {id, type: 'done', result} or
// {id, type: 'error', error: {message, code, file?, field?, key?, params?}}. Requests: init,
// loadData {baseUrl}, train {settings}, pause, resume, stop, reset, predict {image}, evaluate,
// exportModel {format?}, importModel {files: [{name, bytes}]} (or {bytes, name}), status, describe. Events carry the id of the long request they
// belong to: download (loadData), progress and epoch (train). describe {settings} returns what C
// makes of the network the settings ask for (the page's summary before any training).
// The look inside (inside.js): watch {units, intervalMs} asks for the first layer's weights as `units` events
// of a training (at most every UNITS_INTERVAL_MS); units returns them now; predict {explain}
// adds every layer's output and the contributions to the answer, explain redoes that for the last
// input; confusionImages {label, predicted, first, count} lists the test images of a cell of the
// last detailed evaluation.
import { NNError, Status, ThreadTuner } from './nn.js';
import { UNITS_INTERVAL_MS, explain as explainInput, transferables, unitsSnapshot } from './inside.js';
import { archOf, networkForSettings } from './architectures.js';
import { validateSettings } from './training-settings.js';
import { FormatError, exportFiles, importFiles } from './formats/index.js';

export { validateSettings };

export const DATA_FILES = Object.freeze({
    trainImages: 'train-images-idx3-ubyte.gz',
    trainLabels: 'train-labels-idx1-ubyte.gz',
    testImages: 't10k-images-idx3-ubyte.gz',
    testLabels: 't10k-labels-idx1-ubyte.gz',
});
export const DATA_CACHE = 'mnist-data-v1';
export const MODEL_FILE_NAME = 'mnist-model.nnmf';
const SIDE = 28;
const INPUTS = SIDE * SIDE;
const CLASSES = 10;
/** Whether a network takes what the page gives: 28x28 images, flat or as (28, 28, 1), 10 classes. */
const fitsPage = (net) =>
    net.classes === CLASSES && (net.inputShape.length === 1 ? net.inputs === INPUTS : net.inputShape.join() === `${SIDE},${SIDE},1`);
/** The settings a model brings with it when it was not trained here. */
const settingsOf = (net) => (archOf(net.layers) === 'mlp' ? { arch: 'mlp', hidden: net.sizes.slice(1, -1) } : { arch: 'convnet' });
const CHUNK_TARGET_MS = 70; // work between two yields to the event loop
const EVAL_CHUNK = 2000; // test samples per evaluation slice (~50 ms)
const GALLERY_SIZE = 24;
const CELL_IMAGES = 60; // test images of a confusion cell per request
// Requests whose results are copies made for the reply: their buffers are transferred.
const FRESH_RESULTS = new Set(['predict', 'explain', 'units', 'confusionImages']);
// A 1x1 image IDX file: paired with a labels file it tells whether the labels parse (see parsePair).
const TINY_IMAGES = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0]);

/** An error with a code for the page: a string for the worker's own, an nn_status for C's. */
export class WorkerError extends Error {
    constructor(message, code, extra = {}) {
        super(message);
        this.code = code;
        Object.assign(this, extra);
    }
}

const errorPayload = (e) => {
    const out = { message: String(e?.message ?? e), code: e?.code ?? null };
    if (e?.file) out.file = e.file;
    if (e?.field) out.field = e.field;
    if (e?.key) Object.assign(out, { key: e.key, params: e.params });
    return out;
};

/**
 * The worker's state and message handler.
 *   loadEngine  async () => Engine (web/nn.js loadNN)
 *   post        (message) => void: to the page
 *   fetch       the fetch to download data with; caches: Cache Storage or null (no caching)
 *   store       {load, save, clear} for the model record (web/model-store.js), or null
 *   now, yieldNow, timeoutMs (a download with no byte for that long fails), progressMs, onFatal
 */
export function createCore({
    loadEngine,
    post,
    fetch: fetchFn = globalThis.fetch,
    caches = globalThis.caches ?? null,
    store = null,
    now = () => performance.now(),
    yieldNow = () => new Promise((resolve) => setTimeout(resolve, 0)),
    timeoutMs = 30000,
    progressMs = 250,
    downloadProgressMs = 100,
    onFatal = () => {},
}) {
    let engine = null;
    let enginePromise = null;
    let data = null; // {train, test, info}
    let network = null;
    let meta = null; // {source, settings, metrics, savedAt, name}
    let training = null; // {id, paused, stop, discard, resume, done}
    let loading = false;
    let restored = false;
    let watchUnits = false; // the page shows the units: post their weights while training
    let watchInterval = 0; // and wants them no more often than this (ms), on top of UNITS_INTERVAL_MS
    let lastInput = null; // the last input predicted, for explain
    let lastDigits = []; // each digit's input of the last number predicted, for explain({digit})
    let details = null; // {network, predicted, confidence} of the last detailed evaluation

    const getEngine = () => {
        enginePromise ??= Promise.resolve()
            .then(loadEngine)
            .then((e) => (engine = e))
            .catch((e) => {
                enginePromise = null;
                throw new WorkerError(`Could not load the WebAssembly module: ${e.message}`, 'ENGINE');
            });
        return enginePromise;
    };

    const needModel = () => {
        if (!network) throw new WorkerError('No model yet: train one, or import a model file.', Status.STATE);
    };
    const notTraining = (what) => {
        if (training) throw new WorkerError(`Stop the training before ${what}.`, Status.STATE);
    };

    function modelInfo() {
        if (!network) return null;
        return {
            arch: archOf(network.layers),
            sizes: network.sizes,
            activations: network.activations,
            inputShape: network.inputShape,
            layers: network.layers,
            summary: network.summary(),
            paramCount: network.paramCount,
            ...meta,
        };
    }

    async function saveModel() {
        if (!store || !network) return { saved: false };
        meta.savedAt = Date.now();
        // One record, one put, one transaction: a save is whole or absent.
        const record = { model: network.save(), sizes: network.sizes, ...meta };
        try {
            await store.save(record);
            return { saved: true };
        } catch (e) {
            return { saved: false, saveError: e?.message ?? String(e) };
        }
    }

    async function restore() {
        if (restored || !store) return null;
        restored = true;
        let record;
        try {
            record = await store.load();
        } catch (e) {
            return `Could not read the saved model: ${e.message}`;
        }
        if (!record?.model) return null;
        try {
            const net = engine.loadModel(record.model);
            if (!fitsPage(net)) {
                net.free();
                return 'The saved model does not take 28x28 images in 10 classes; it was ignored.';
            }
            network = net;
            const rest = { ...record };
            delete rest.model;
            delete rest.sizes;
            meta = { ...rest, source: rest.source === 'imported' ? 'imported' : 'trained', restored: true };
            return null;
        } catch (e) {
            return `The saved model could not be loaded (${e.message}); it was ignored.`;
        }
    }

    // ---- data ----

    /** Bytes of url with byte-level progress, from Cache Storage when there; never hangs. */
    async function download(url, file, index, id, group, inflaters) {
        let cache = null;
        try {
            cache = caches ? await caches.open(DATA_CACHE) : null;
        } catch {
            cache = null; // e.g. storage disabled: download every time
        }
        let response = null;
        try {
            response = cache ? await cache.match(url) : null;
        } catch {
            response = null;
        }
        const cached = Boolean(response);
        const controller = new AbortController();
        const abortAll = () => controller.abort();
        group.addEventListener('abort', abortAll); // a sibling failed: stop this one too
        let timer = null;
        let timedOut = false;
        const arm = () => {
            clearTimeout(timer);
            timer = setTimeout(() => {
                timedOut = true;
                controller.abort();
            }, timeoutMs);
        };
        const seconds = Math.round(timeoutMs / 100) / 10;
        try {
            if (!response) {
                arm();
                try {
                    response = await fetchFn(url, { signal: controller.signal, cache: 'no-store' });
                } catch (e) {
                    if (timedOut) throw new WorkerError(`${file}: no answer from the server in ${seconds} s (${url}).`, 'DATA_TIMEOUT', { file });
                    throw new WorkerError(
                        `${file}: network error, the file could not be fetched from ${url} (${e.message}).`,
                        'DATA_NETWORK',
                        { file },
                    );
                }
                if (!response.ok)
                    throw new WorkerError(
                        `${file}: the server answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} for ${url}.`,
                        `HTTP_${response.status}`,
                        { file },
                    );
            }
            const total = Number(response.headers.get('Content-Length')) || 0;
            const chunks = [];
            let loaded = 0;
            let lastPost = -Infinity;
            const report = (final) => {
                const t = now();
                if ((!final && t - lastPost < downloadProgressMs) || group.aborted) return;
                lastPost = t;
                post({ type: 'download', id, file, index, loaded, total: Math.max(total, loaded), cached, done: final });
            };
            report(false);
            if (!response.body) throw new WorkerError(`${file}: the response has no body.`, 'DATA_NETWORK', { file });
            const reader = response.body.getReader();
            let gz = null; // gzip (magic 1f 8b) is decompressed as it arrives; plain IDX is kept
            let plain = true;
            for (;;) {
                if (!cached) arm();
                let step;
                try {
                    step = await reader.read();
                } catch (e) {
                    if (timedOut)
                        throw new WorkerError(`${file}: the download stalled (no data for ${seconds} s) after ${loaded} bytes.`, 'DATA_TIMEOUT', { file });
                    throw new WorkerError(
                        `${file}: the download broke off after ${loaded}${total ? ` of ${total}` : ''} bytes (${e.message}).`,
                        'DATA_NETWORK',
                        { file },
                    );
                }
                if (step.done) break;
                if (loaded === 0 && step.value.length >= 2 && step.value[0] === 0x1f && step.value[1] === 0x8b) {
                    gz = inflater(file, 5 * total); // MNIST's images compress about 5:1
                    inflaters.push(gz);
                    plain = false;
                }
                gz?.write(step.value);
                chunks.push(step.value);
                loaded += step.value.byteLength;
                report(false);
            }
            if (total && loaded < total && !cached)
                throw new WorkerError(`${file}: the download broke off after ${loaded} of ${total} bytes.`, 'DATA_NETWORK', { file });
            report(true);
            const bytes = new Uint8Array(loaded);
            let at = 0;
            for (const c of chunks) {
                bytes.set(c, at);
                at += c.byteLength;
            }
            return { bytes, plain, inflating: gz, cached, cache, url, type: response.headers.get('Content-Type') };
        } finally {
            clearTimeout(timer);
            group.removeEventListener('abort', abortAll);
        }
    }

    /**
     * A gzip decompressor fed chunk by chunk while the download goes on: write(chunk), then
     * finish() gives the IDX bytes. The output is read chunk by chunk into a growing buffer
     * (Chromium's Response(stream).arrayBuffer() is several times slower).
     */
    function inflater(file, sizeHint) {
        const ds = new DecompressionStream('gzip');
        const writer = ds.writable.getWriter();
        const reader = ds.readable.getReader();
        const pump = (async () => {
            let out = new Uint8Array(Math.max(1 << 16, sizeHint));
            let size = 0;
            for (;;) {
                const { done, value } = await reader.read();
                if (done) break;
                if (size + value.length > out.length) {
                    const grown = new Uint8Array(Math.max(2 * out.length, size + value.length));
                    grown.set(out.subarray(0, size));
                    out = grown;
                }
                out.set(value, size);
                size += value.length;
            }
            return out.subarray(0, size);
        })();
        pump.catch(() => {}); // seen by finish()
        return {
            write: (chunk) => writer.write(chunk).catch(() => {}), // a failure shows in the pump
            abort: () => writer.abort().catch(() => {}),
            async finish() {
                writer.close().catch(() => {});
                try {
                    return await pump;
                } catch (e) {
                    throw new WorkerError(`${file}: not a valid gzip file, it is corrupt or incomplete (${e.message}).`, 'DATA_CORRUPT', { file });
                }
            },
        };
    }

    /** A dataset from an images and a labels file, with the culprit named in any C error. */
    function parsePair(images, labels, imagesName, labelsName) {
        try {
            return engine.createDataset(images, labels, { classes: CLASSES });
        } catch (e) {
            if (!(e instanceof NNError)) throw e;
            let file = `${imagesName} / ${labelsName}`;
            if (e.code === Status.IDX_LABEL) file = labelsName;
            else if (e.code === Status.INPUT_SIZE) file = imagesName;
            else if (e.code <= Status.IDX_MAGIC && e.code >= Status.IDX_TRAILING) {
                // nn_dataset_create parses the images first, so this error is the labels' only if
                // the images parse. Parse the labels against a tiny images file to tell.
                let labelsCode = 0;
                try {
                    engine.createDataset(TINY_IMAGES, labels).free();
                } catch (e2) {
                    labelsCode = e2.code;
                }
                file = labelsCode === e.code ? labelsName : imagesName;
            }
            throw new WorkerError(`${file}: ${e.message}`, e.code, { file });
        }
    }

    async function loadData({ id, baseUrl }) {
        notTraining('loading other data');
        if (loading) throw new WorkerError('The data is already loading.', Status.STATE);
        if (typeof baseUrl !== 'string' || !baseUrl) throw new WorkerError('No data location given.', 'DATA_URL');
        let base;
        try {
            base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
        } catch {
            throw new WorkerError(`"${baseUrl}" is not a valid URL.`, 'DATA_URL');
        }
        loading = true;
        const made = [];
        let uncache = async () => {};
        const inflaters = [];
        try {
            await getEngine();
            const names = Object.values(DATA_FILES);
            const group = new AbortController();
            const got = await Promise.all(
                names.map((file, i) =>
                    download(new URL(file, base).href, file, i, id, group.signal, inflaters).catch((e) => {
                        group.abort();
                        throw e;
                    }),
                ),
            );
            // Cache the downloads while they are decompressed and parsed (Cache Storage writes
            // take a while); if any file turns out bad, the new entries are removed again.
            const puts = got
                .filter((g) => g.cache && !g.cached)
                .map((g) =>
                    g.cache
                        .put(
                            g.url,
                            new Response(g.bytes, {
                                headers: {
                                    'Content-Type': g.type || 'application/octet-stream',
                                    'Content-Length': String(g.bytes.byteLength),
                                },
                            }),
                        )
                        .then(() => g)
                        .catch(() => null), // a full disk costs a re-download, nothing else
                );
            uncache = async () => {
                for (const g of await Promise.all(puts)) if (g) await g.cache.delete(g.url).catch(() => {});
            };
            const raw = [];
            for (const g of got) raw.push(g.plain ? g.bytes : await g.inflating.finish());
            const train = parsePair(raw[0], raw[1], names[0], names[1]);
            made.push(train);
            const test = parsePair(raw[2], raw[3], names[2], names[3]);
            made.push(test);
            for (const [ds, file] of [
                [train, names[0]],
                [test, names[2]],
            ])
                if (ds.rows !== SIDE || ds.cols !== SIDE)
                    throw new WorkerError(
                        `${file}: images of ${ds.rows}x${ds.cols} pixels; the page needs 28x28.`,
                        Status.INPUT_SIZE,
                        { file },
                    );
            await Promise.all(puts);
            data?.train.free();
            data?.test.free();
            const describe = (ds) => ({
                count: ds.count,
                rows: ds.rows,
                cols: ds.cols,
                firstLabels: Array.from(ds.labels(0, Math.min(3, ds.count))),
                lastLabels: Array.from(ds.labels(Math.max(0, ds.count - 3))),
            });
            const n = Math.min(GALLERY_SIZE, train.count);
            const info = {
                baseUrl: base.href,
                train: describe(train),
                test: describe(test),
                samples: { pixels: train.images(0, n), labels: Array.from(train.labels(0, n)) },
                cached: got.map((g) => g.cached),
                bytes: got.reduce((s, g) => s + g.bytes.byteLength, 0),
            };
            data = { train, test, info };
            return info;
        } catch (e) {
            for (const ds of made) ds.free();
            for (const gz of inflaters) gz.abort();
            await uncache();
            throw e;
        } finally {
            loading = false;
        }
    }

    // ---- evaluation ----

    /** Test-set evaluation in slices (so that the worker keeps answering), with details if asked. */
    async function evaluateTest(wantDetails) {
        const { test } = data;
        let lossSum = 0;
        let correct = 0;
        const predicted = wantDetails ? new Uint8Array(test.count) : null;
        const confidence = wantDetails ? new Float32Array(test.count) : null;
        for (let first = 0; first < test.count; first += EVAL_CHUNK) {
            const r = network.evaluate(test, { first, count: EVAL_CHUNK, details: wantDetails });
            lossSum += r.loss * r.count;
            correct += r.correct;
            if (wantDetails) {
                predicted.set(r.predicted, first);
                confidence.set(r.confidence, first);
            }
            if (first + EVAL_CHUNK < test.count) await yieldNow();
        }
        const result = { loss: lossSum / test.count, accuracy: correct / test.count, correct, count: test.count };
        if (!wantDetails) return result;
        details = { network, predicted, confidence };
        const labels = test.labels();
        const confusion = new Array(CLASSES * CLASSES).fill(0); // row: true label, column: predicted
        const wrong = [];
        for (let i = 0; i < test.count; i++) {
            confusion[labels[i] * CLASSES + predicted[i]]++;
            if (labels[i] !== predicted[i]) wrong.push(i);
        }
        const perClass = Array.from({ length: CLASSES }, (_, c) => {
            let total = 0;
            for (let p = 0; p < CLASSES; p++) total += confusion[c * CLASSES + p];
            const ok = confusion[c * CLASSES + c];
            return { label: c, correct: ok, total, accuracy: total ? ok / total : 0 };
        });
        // The most confident mistakes are the instructive ones (often mislabelled digits).
        wrong.sort((a, b) => confidence[b] - confidence[a]);
        const misclassified = wrong.slice(0, GALLERY_SIZE).map((index) => ({
            index,
            label: labels[index],
            predicted: predicted[index],
            confidence: confidence[index],
            pixels: test.images(index, 1),
        }));
        return { ...result, confusion, perClass, misclassified, misclassifiedCount: wrong.length };
    }

    // ---- training ----

    async function train({ id, settings: input }) {
        notTraining('starting another one');
        if (loading) throw new WorkerError('Wait for the data to load.', Status.STATE);
        if (!data) throw new WorkerError('Load the data before training.', Status.STATE);
        const settings = validateSettings(input, data.train.count);
        const net = engine.createNetwork({ ...networkForSettings(settings), seed: settings.seed });
        let trainer;
        try {
            trainer = engine.createTrainer(net, data.train, {
                optimizer: settings.optimizer,
                learningRate: settings.learningRate,
                batchSize: settings.batchSize,
                limit: settings.limit,
                seed: settings.seed,
                threads: engine.threads ?? 1, // the threads the engine was loaded with (web/nn.js)
            });
        } catch (e) {
            net.free(); // the current network stays
            throw e;
        }
        // The new network replaces the old one from here on: predictions use its current weights.
        network?.free();
        network = net;
        meta = { source: 'trained', settings, metrics: null, savedAt: null };
        const t = { id, paused: false, stop: false, discard: false, resume: null };
        let finish;
        t.done = new Promise((resolve) => (finish = resolve));
        training = t;
        const flops = net.trainFlops; // per sample, counted by C from the layers
        const sparseInput = net.layers[0].type === 'dense'; // the first layer can skip zero pixels
        const trainCount = settings.limit || data.train.count;
        let chunk = 2; // batches per call, adapted to CHUNK_TARGET_MS
        let trainMs = 0; // time spent training, pauses excluded
        let points = []; // chart points since the last progress event
        let win = { ms: 0, samples: 0, batches: 0, sparse: 0 };
        let epochSparse = 0;
        let epochBatches = 0;
        let lastPost = now();
        let msPerBatch = 0;
        let p = trainer.progress();
        let lastEval = null;
        // fewer threads when more are slower, measured as it trains (web/nn.js)
        const tuner = engine.threads > 1 ? new ThreadTuner(engine.threads) : null;
        const progressEvent = () => {
            const total = settings.epochs * p.batchesPerEpoch;
            const doneBatches = p.epoch * p.batchesPerEpoch + p.batch;
            const sps = win.ms > 0 ? (1000 * win.samples) / win.ms : 0;
            const event = {
                type: 'progress',
                id,
                epoch: p.epoch,
                epochs: settings.epochs,
                batch: p.batch,
                batchesPerEpoch: p.batchesPerEpoch,
                epochDone: p.epochDone,
                samples: p.samples,
                loss: p.loss,
                accuracy: p.accuracy,
                points,
                samplesPerSecond: sps,
                gflops: (sps * flops) / 1e9,
                flopsPerSample: flops,
                chunkBatches: win.batches,
                sparseBatches: win.sparse,
                sparseInput,
                epochBatches,
                epochSparseBatches: epochSparse,
                threads: tuner?.chosen ?? p.threads ?? 1,
                threadsAvailable: engine.threads ?? 1,
                elapsed: trainMs / 1000,
                eta: msPerBatch ? ((total - doneBatches) * msPerBatch) / 1000 : null,
                trainCount,
            };
            points = [];
            win = { ms: 0, samples: 0, batches: 0, sparse: 0 };
            lastPost = now();
            post(event);
            postUnits();
        };
        let lastUnits = -Infinity;
        let snapshotMs = 0;
        const postUnits = (force = false) => {
            // at most every UNITS_INTERVAL_MS, as the page asks, and 2% of the time on copies
            const every = Math.max(UNITS_INTERVAL_MS, watchInterval, 50 * snapshotMs);
            if (!watchUnits || (!force && now() - lastUnits < every)) return;
            const t0 = now();
            const units = unitsSnapshot(net, p.samples);
            units.copyMs = now() - t0; // shown by scripts/views-speed.mjs
            post({ type: 'units', id, units }, transferables(units));
            lastUnits = now();
            snapshotMs = lastUnits - t0;
        };
        postUnits(true); // the initial weights: noise
        let result;
        try {
            while (!t.stop) {
                if (t.paused) {
                    await new Promise((resolve) => (t.resume = resolve));
                    t.resume = null;
                    continue;
                }
                const samplesBefore = p.samples;
                if (tuner) engine.useThreads(tuner.threads);
                const t0 = now();
                p = trainer.train(chunk);
                const dt = now() - t0;
                tuner?.record(p.samples - samplesBefore, dt);
                trainMs += dt;
                if (p.chunkBatches > 0) {
                    const per = dt / p.chunkBatches;
                    msPerBatch = msPerBatch ? 0.8 * msPerBatch + 0.2 * per : per;
                    chunk = Math.max(1, Math.min(1000, Math.round(CHUNK_TARGET_MS / Math.max(per, 0.01))));
                }
                win.ms += dt;
                win.samples += p.samples - samplesBefore;
                win.batches += p.chunkBatches;
                win.sparse += p.sparseBatches;
                epochBatches += p.chunkBatches;
                epochSparse += p.sparseBatches;
                const done = p.epoch + (p.epochDone ? 0 : p.batch / p.batchesPerEpoch);
                points.push({ x: done, loss: p.chunkLoss, accuracy: p.chunkAccuracy });
                if (p.epochDone) {
                    progressEvent();
                    epochBatches = epochSparse = 0;
                    lastEval = await evaluateTest(false);
                    meta.metrics = {
                        epochs: p.epoch,
                        samples: p.samples,
                        trainLoss: p.loss,
                        trainAccuracy: p.accuracy,
                        testLoss: lastEval.loss,
                        testAccuracy: lastEval.accuracy,
                        seconds: trainMs / 1000,
                    };
                    const saved = await saveModel();
                    // metrics.epochs counts the epochs done; the event's epochs is the total asked for.
                    post({ type: 'epoch', id, ...meta.metrics, ...saved, epoch: p.epoch, epochs: settings.epochs });
                    if (p.epoch >= settings.epochs) break;
                } else if (now() - lastPost >= progressMs) progressEvent();
                await yieldNow();
            }
            if (t.discard) return (result = { stopped: true, discarded: true });
            if (points.length) progressEvent();
            const stopped = p.epoch < settings.epochs;
            // Stopped mid-epoch: the weights are those of the last finished batch; measure them.
            const evaluation = await evaluateTest(true);
            if (stopped || !meta.metrics || meta.metrics.samples !== p.samples) {
                meta.metrics = {
                    epochs: p.epoch + p.batch / p.batchesPerEpoch,
                    samples: p.samples,
                    trainLoss: p.loss,
                    trainAccuracy: p.accuracy,
                    testLoss: evaluation.loss,
                    testAccuracy: evaluation.accuracy,
                    seconds: trainMs / 1000,
                };
            }
            const saved = await saveModel();
            result = { stopped, progress: p, evaluation, model: modelInfo(), ...saved };
            return result;
        } catch (e) {
            // NN_ERR_DIVERGED restores the weights of the chunk's start: keep and save those.
            if (e instanceof NNError && e.code === Status.DIVERGED) await saveModel();
            throw e;
        } finally {
            trainer.free();
            training = null;
            finish(result);
        }
    }

    async function stopTraining(discard) {
        const t = training;
        if (!t) return { training: false };
        t.stop = true;
        t.discard ||= discard;
        t.resume?.();
        await t.done;
        return { training: false };
    }

    // ---- requests ----

    const handlers = {
        async init() {
            await getEngine();
            const restoreError = await restore();
            return {
                model: modelInfo(),
                data: data?.info ?? null,
                training: Boolean(training),
                restoreError,
                memoryBytes: engine.memoryBytes,
                threads: { available: engine.threads ?? 1, reason: engine.threadsNote ?? null },
            };
        },
        loadData,
        train,
        pause() {
            if (training) training.paused = true;
            return { training: Boolean(training), paused: Boolean(training) };
        },
        resume() {
            if (training) {
                training.paused = false;
                training.resume?.();
            }
            return { training: Boolean(training), paused: false };
        },
        stop: () => stopTraining(false),
        async reset() {
            await stopTraining(true);
            network?.free();
            network = null;
            meta = null;
            if (store) await store.clear();
            return { model: null };
        },
        async predict({ image, explain: withInside = false }) {
            await getEngine();
            needModel();
            if (!image || !image.data) throw new WorkerError('No image given.', Status.ARG);
            // several digits side by side are a number (web/ui/number.js shows them); the first
            // digit's answer is also given as before, and the look inside is of that digit
            const { number, digits, lines } = engine.readNumber(network, image);
            const { input, digit, probability, info } = digits[0];
            lastInput = input.slice(); // the reply transfers input
            lastDigits = digits.map((d) => d.input.slice());
            const inside = withInside ? explainInput(network, input) : null;
            const probabilities = inside ? inside.probabilities : digits[0].probabilities;
            return {
                input,
                probabilities,
                digit,
                confidence: probability,
                info,
                inside,
                number,
                lines,
                digits: digits.map((d) => ({ digit: d.digit, probability: d.probability, probabilities: d.probabilities, input: d.input, box: d.box })),
            };
        },
        /** The look inside for the last input predicted (null if none); with digit, for that digit
         * of the last number, which later explains without one then follow. */
        explain({ digit } = {}) {
            needModel();
            if (digit !== undefined) {
                if (!Number.isInteger(digit) || !lastDigits[digit]) throw new WorkerError('No such digit.', Status.ARG);
                lastInput = lastDigits[digit];
            }
            return lastInput ? explainInput(network, lastInput) : null;
        },
        watch({ units, intervalMs = 0 }) {
            watchUnits = Boolean(units);
            watchInterval = Number.isFinite(intervalMs) ? Math.max(0, Math.min(60000, intervalMs)) : 0;
            return { units: watchUnits };
        },
        units() {
            needModel();
            const p = training ? null : meta?.metrics?.samples ?? null;
            return unitsSnapshot(network, p);
        },
        /** Test images of one confusion cell (true label, predicted digit) of the last evaluation. */
        confusionImages({ label, predicted, first = 0, count = CELL_IMAGES }) {
            needModel();
            if (!data || details?.network !== network)
                throw new WorkerError('Evaluate the model before opening a cell.', Status.STATE);
            const ok = (v) => Number.isInteger(v) && v >= 0 && v < CLASSES;
            if (!ok(label) || !ok(predicted) || !Number.isInteger(first) || first < 0 || !Number.isInteger(count) || count < 1)
                throw new WorkerError('No such cell.', Status.ARG);
            const labels = data.test.labels();
            const indices = [];
            for (let i = 0; i < labels.length; i++) if (labels[i] === label && details.predicted[i] === predicted) indices.push(i);
            const images = indices.slice(first, first + count).map((index) => ({
                index,
                confidence: details.confidence[index],
                pixels: data.test.images(index, 1),
            }));
            return { label, predicted, total: indices.length, first, images };
        },
        async evaluate() {
            needModel();
            if (!data) throw new WorkerError('Load the data before evaluating.', Status.STATE);
            return evaluateTest(true);
        },
        /** The model as files of a format (web/formats/): 'nnmf' (ours, the default), 'tfjs', 'onnx'. */
        async exportModel({ format = 'nnmf' } = {}) {
            needModel();
            let files;
            try {
                files = exportFiles(network, format, MODEL_FILE_NAME.replace(/\.nnmf$/, ''));
            } catch (e) {
                throw e instanceof FormatError ? new WorkerError(e.message, 'MODEL_FORMAT') : e;
            }
            return { files, bytes: files[0].bytes, name: files[0].name, format, model: modelInfo() };
        },
        /** Our model file, an .onnx, or a TensorFlow.js model.json with its weights files. */
        async importModel({ bytes, name, files }) {
            await getEngine();
            notTraining('importing a model');
            const list = files ?? (bytes ? [{ bytes, name: name ?? MODEL_FILE_NAME }] : []);
            const given = Array.isArray(list) && list.length > 0 && list.every((f) => f?.bytes instanceof Uint8Array || f?.bytes instanceof ArrayBuffer);
            if (!given) throw new WorkerError('No model file given.', Status.ARG);
            const u8 = list.map((f) => ({ name: typeof f.name === 'string' ? f.name : MODEL_FILE_NAME, bytes: new Uint8Array(f.bytes) }));
            let imported;
            try {
                imported = importFiles(engine, u8); // C plans the layers and checks every value
            } catch (e) {
                throw e instanceof FormatError ? new WorkerError(e.message, 'MODEL_FORMAT') : e;
            }
            const net = imported.network;
            if (!fitsPage(net)) {
                const got = `inputs of shape (${net.inputShape.join(', ')}) and ${net.classes} classes`;
                net.free();
                throw new WorkerError(`This model takes ${got}; the page needs 28x28 images, (784) or (28, 28, 1), and 10 classes.`, Status.MODEL_LAYERS);
            }
            network?.free();
            network = net;
            meta = {
                source: 'imported',
                name: imported.name,
                format: imported.format,
                settings: settingsOf(net),
                metrics: null,
                savedAt: null,
            };
            const saved = await saveModel();
            return { model: modelInfo(), ...saved };
        },
        status() {
            return { model: modelInfo(), data: data?.info ?? null, training: Boolean(training), loading };
        },
        /** What C makes of the network these settings ask for: its layers, shapes, parameters. */
        async describe({ settings: input }) {
            await getEngine();
            const settings = validateSettings(input ?? {});
            const net = engine.createNetwork({ ...networkForSettings(settings), seed: 0 });
            try {
                return { arch: settings.arch, inputShape: net.inputShape, layers: net.layers, summary: net.summary(), paramCount: net.paramCount, trainFlops: net.trainFlops };
            } finally {
                net.free();
            }
        },
    };

    /** Handles one request; posts exactly one done or error for it. */
    async function handle(message) {
        const { id = null, type } = message ?? {};
        try {
            const fn = Object.hasOwn(handlers, type) ? handlers[type] : null;
            if (!fn) throw new WorkerError(`Unknown request "${type}".`, 'PROTOCOL');
            const result = await fn(message);
            post({ id, type: 'done', result: result ?? null }, FRESH_RESULTS.has(type) ? transferables(result) : []);
        } catch (e) {
            post({ id, type: 'error', error: errorPayload(e) });
            // A trap leaves the wasm instance in an unknown state: let the page start a new worker.
            if (e instanceof WebAssembly.RuntimeError) onFatal(e);
        }
    }

    return { handle };
}
