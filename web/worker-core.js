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
import { DATA_CACHE, DATA_FILES, loadDatasets } from './data-loader.js';
import { cellImages, confusionStats, evaluateSet } from './eval-stats.js';

export { validateSettings };

export { DATA_FILES, DATA_CACHE };
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
const GALLERY_SIZE = 24;
const CELL_IMAGES = 60; // test images of a confusion cell per request
// Requests whose results are copies made for the reply: their buffers are transferred.
const FRESH_RESULTS = new Set(['predict', 'explain', 'units', 'confusionImages']);

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

    // ---- data (data-loader.js) and evaluation (eval-stats.js) ----

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
        try {
            await getEngine();
            const { train, test, cached, bytes } = await loadDatasets({
                base,
                engine,
                shape: { rows: SIDE, cols: SIDE, classes: CLASSES },
                id,
                post,
                fetch: fetchFn,
                caches,
                now,
                timeoutMs,
                progressMs: downloadProgressMs,
            });
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
                cached,
                bytes,
            };
            data = { train, test, info };
            return info;
        } finally {
            loading = false;
        }
    }

    /** The test set's loss and accuracy; with details, the confusion statistics, kept for confusionImages. */
    async function evaluateTest(wantDetails) {
        const { predicted, confidence, ...result } = await evaluateSet(network, data.test, { details: wantDetails, yieldNow });
        if (!wantDetails) return result;
        details = { network, predicted, confidence };
        return { ...result, ...confusionStats(data.test, predicted, confidence, { classes: CLASSES, gallery: GALLERY_SIZE }) };
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
        let epochStartMs = 0; // trainMs when the epoch under way began
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
                if (tuner) engine.useThreads(tuner.threads, { spin: tuner.spin });
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
                    // metrics.epochs counts the epochs done; the event's epochs is the total asked for;
                    // metrics.seconds is the whole training's time, epochSeconds this epoch's (as Keras logs it)
                    post({ type: 'epoch', id, ...meta.metrics, ...saved, epoch: p.epoch, epochs: settings.epochs, epochSeconds: (trainMs - epochStartMs) / 1000 });
                    epochStartMs = trainMs;
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
            const { total, images } = cellImages(data.test, details.predicted, details.confidence, { label, digit: predicted, first, count });
            return { label, predicted, total, first, images };
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
