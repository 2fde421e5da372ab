// nn.js: the JS face of the C network (web/nn.wasm), the same in Node, a worker and a page.
// A thin wrapper in the manner of sql.js: each export is wrapped once, a failing status becomes
// a thrown NNError carrying the C library's sentence, data is copied into the wasm heap once and
// then owned by C. Heap views are taken afresh after every call, since memory may have grown.

import { THREAD_STACK, canUseThreads, instantiate, startHelper } from './nn-loader.js';
import { Status } from './status.js';

export { canUseThreads, moduleImports, threadSupport } from './nn-loader.js';
export { ThreadTuner } from './thread-tuner.js';

export { Status };

export const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];
export const LAYER_KINDS = ['dense', 'conv2d', 'maxpool2d', 'flatten']; // nn_layer_kind order
export const PADDINGS = ['valid', 'same'];
export const SPARSE_MODES = ['auto', 'off', 'on'];
// nn_train_options' fields in wa_trainer_create's order (src/wasm_api.c); C gives the defaults.
const TRAIN_FIELDS = ['optimizer', 'learningRate', 'rho', 'momentum', 'beta1', 'beta2', 'epsilon', 'batchSize', 'limit', 'seed', 'sparse', 'threads'];
const SPIN_POLLS = 1 << 20; // useThreads({spin}): about a millisecond of polls (threads.c)
const SPEC_FIELDS = 8; // kind, act, units, kh, kw, sh, sw, padding (wa_net_create_layers)

/** The shortest decimal that is the same float32 as v (C's 0.9f comes out as 0.9, not 0.8999999761581421). */
function shortestFloat(v) {
    for (let p = 1; p < 10; p++) {
        const d = Number(v.toPrecision(p));
        if (Math.fround(d) === Math.fround(v)) return d;
    }
    return v;
}

/** An error from the C library: `code` is its nn_status, `message` its sentence. */
export class NNError extends Error {
    constructor(code, message, context) {
        super(context ? `${context}: ${message}` : message);
        this.name = 'NNError';
        this.code = code;
    }
}

const PROGRESS_FIELDS = [
    'epoch',
    'batch',
    'batchesPerEpoch',
    'epochDone',
    'samples',
    'loss',
    'accuracy',
    'chunkLoss',
    'chunkAccuracy',
    'chunkBatches',
    'sparseBatches',
    'threads',
];

/**
 * Loads the module (web/nn-loader.js). `source`: a URL or path of the .wasm (default: nn.wasm
 * next to this file, or nn-mt.wasm with threads), its bytes, or a compiled WebAssembly.Module.
 * With threads > 1 and shared memory available (see canUseThreads), the threaded module runs on
 * that many threads, at most NN_MAX_THREADS: this one and threads - 1 workers; otherwise one.
 * Resolves to an Engine.
 */
export async function loadNN(source, { threads = 1 } = {}) {
    const threaded = Number.isInteger(threads) && threads > 1 && canUseThreads();
    const { exports, module, memory } = await instantiate(source, threaded);
    const engine = new Engine(exports, module, memory ?? exports.memory);
    if (!memory) return engine;
    const wanted = threaded ? Math.min(threads, exports.wa_max_threads()) : 1;
    engine.check(exports.nn_threads_init(wanted), 'threads');
    try {
        for (let i = 1; i < wanted; i++) {
            const stack = engine.alloc(THREAD_STACK);
            engine.helpers.push(await startHelper(module, memory, stack, i));
        }
    } catch (e) {
        engine.terminate();
        throw e;
    }
    engine.threads = engine.activeThreads = wanted;
    return engine;
}

export class Engine {
    constructor(exports, module, memory = exports.memory) {
        this.x = exports;
        this.module = module;
        this.memory = memory;
        this.threads = 1; // threads the engine was loaded with
        this.activeThreads = 1; // of which training uses (useThreads)
        this.spinning = false; // whether waiting threads spin (useThreads)
        this.helpers = [];
        this.io = exports.nn_alloc(512); // out-pointers and result arrays of every call
        this.maxLayers = exports.wa_max_layers(); // NN_MAX_LAYERS, also nn_timing's per-layer length
        this.optimizers = []; // C's names, in nn_optimizer order
        for (let i = 0, p; (p = exports.nn_optimizer_name(i)); i++) this.optimizers.push(this.readString(p));
        /** nn_train_defaults(), as createTrainer's options: what an option left out stands for. */
        this.trainDefaults = this.#readTrainDefaults();
    }

    #readTrainDefaults() {
        const n = this.x.wa_train_defaults(this.io);
        if (n !== TRAIN_FIELDS.length) throw new Error(`nn.wasm has ${n} training options, nn.js knows ${TRAIN_FIELDS.length}: rebuild both`);
        const v = Array.from(this.f64(this.io, n), shortestFloat);
        const o = Object.fromEntries(TRAIN_FIELDS.map((f, i) => [f, v[i]]));
        return Object.freeze({ ...o, optimizer: this.optimizers[o.optimizer], sparse: SPARSE_MODES[o.sparse] });
    }

    /** The NUL-terminated string at p, copied (TextDecoder refuses shared memory). */
    readString(p) {
        const bytes = this.u8();
        let end = p;
        while (bytes[end]) end++;
        return new TextDecoder().decode(bytes.slice(p, end));
    }

    /**
   * Uses at most n of the engine's threads from the next training step on (1..threads); the
   * other helpers sleep. Results do not change. Returns the count now in use.
   * spin: a waiting thread polls for about a millisecond before it sleeps, instead of about a
   * microsecond. Waking a sleeping thread costs tens of microseconds, as long as a phase of a
   * batch, so on cores of their own spinning threads train faster (2 threads: about 1.3x); but a
   * spinning thread holds a core that another thread or program may need (2-5x slower on a busy
   * core, far worse with more threads than cores). ThreadTuner measures both ways.
   */
    useThreads(n, { spin = false } = {}) {
        const k = Math.max(1, Math.min(this.threads, Math.trunc(n) || 1));
        if (this.helpers.length) {
            this.check(this.x.nn_threads_limit(k), 'threads');
            this.x.nn_threads_set_spin(spin ? SPIN_POLLS : -1);
        }
        this.activeThreads = k;
        this.spinning = Boolean(spin) && k > 1;
        return k;
    }

    /** Stops the helper threads (the engine goes on with one). */
    terminate() {
        if (!this.helpers.length) return;
        this.x.nn_threads_stop();
        for (const w of this.helpers) w.terminate();
        this.helpers = [];
        this.threads = this.activeThreads = 1;
    }

    /** Bytes of wasm memory now; memory never shrinks, so this is also the peak so far. */
    get memoryBytes() {
        return this.memory.buffer.byteLength;
    }

    u8() {
        return new Uint8Array(this.memory.buffer);
    }
    f32(ptr, n) {
        return new Float32Array(this.memory.buffer, ptr, n);
    }
    f64(ptr, n) {
        return new Float64Array(this.memory.buffer, ptr, n);
    }
    ptrAt(ptr) {
        return new Uint32Array(this.memory.buffer, ptr, 1)[0];
    }

    statusText(code) {
        return this.readString(this.x.nn_status_str(code));
    }

    /** The learning rate that learningRate 0 stands for with this optimiser (C's default). */
    defaultLearningRate(optimizer) {
        const i = this.optimizers.indexOf(optimizer);
        return i < 0 ? null : shortestFloat(this.x.nn_optimizer_default_lr(i));
    }

    check(code, context) {
        if (code !== 0) throw new NNError(code, this.statusText(code), context);
    }

    alloc(n) {
        const p = this.x.nn_alloc(n);
        if (!p) throw new NNError(Status.NOMEM, this.statusText(Status.NOMEM));
        return p;
    }

    /** Copies bytes into a fresh heap block; the caller frees it or hands it to C. */
    copyIn(bytes) {
        const src = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes.buffer ?? bytes, bytes.byteOffset ?? 0, bytes.byteLength);
        const p = this.alloc(src.length);
        this.u8().set(src, p);
        return p;
    }

    /**
   * A network. Either {inputShape, layers, seed}: inputShape [h, w, c] (channels last) or [n];
   * layers like Keras' Sequential: {type: 'conv2d', filters, kernelSize, strides?, padding?,
   * activation?}, {type: 'maxpool2d', poolSize, strides?, padding?}, {type: 'flatten'},
   * {type: 'dense', units, activation?} (activations default to 'linear', as in Keras; the last
   * layer must be dense with 'softmax'). Or the dense-only form {sizes: [inputs, hidden...,
   * classes], activations?, seed} (relu hidden, softmax last). C checks every layer.
   */
    createNetwork({ sizes, activations, inputShape, layers, seed = 1 } = {}) {
        if (layers !== undefined) return this.#createLayers(inputShape, layers, seed);
        sizes ??= [784, 512, 10];
        if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every(Number.isInteger))
            throw new NNError(Status.LAYERS, this.statusText(Status.LAYERS));
        const n = sizes.length - 1;
        const sp = this.alloc(4 * sizes.length + 4 * n);
        try {
            new Int32Array(this.memory.buffer, sp, sizes.length).set(sizes);
            let ap = 0;
            if (activations) {
                const codes = activations.map((a) => (typeof a === 'number' ? a : ACTIVATIONS.indexOf(a)));
                if (codes.length !== n || codes.some((c) => c < 0))
                    throw new NNError(Status.ACTIVATION, this.statusText(Status.ACTIVATION));
                ap = sp + 4 * sizes.length;
                new Int32Array(this.memory.buffer, ap, n).set(codes);
            }
            this.check(this.x.wa_net_create(this.io, n, sp, ap, Number(seed)), 'network');
            return new Network(this, this.ptrAt(this.io));
        } finally {
            this.x.nn_dealloc(sp);
        }
    }

    #createLayers(inputShape, layers, seed) {
        const bad = (code, what) => new NNError(code, `${this.statusText(code)} (${what})`);
        const int32 = (v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31; // C's int, unwrapped
        if (!Array.isArray(inputShape) || ![1, 3].includes(inputShape.length) || !inputShape.every(int32))
            throw bad(Status.LAYERS, 'inputShape must be [h, w, c] or [n]');
        if (!Array.isArray(layers) || layers.length < 1 || layers.length > this.maxLayers)
            throw new NNError(Status.LAYERS, this.statusText(Status.LAYERS));
        const input = inputShape.length === 3 ? [3, ...inputShape] : [1, 1, 1, inputShape[0]];
        const pair = (v, name, i) => {
            if (v === undefined) return [0, 0];
            const p = Array.isArray(v) ? v : [v, v];
            if (p.length !== 2 || !p.every(int32)) throw bad(Status.LAYERS, `layer ${i + 1}: ${name}`);
            return p;
        };
        const fields = layers.map((l, i) => {
            const kind = LAYER_KINDS.indexOf(l?.type);
            if (kind < 0) throw bad(Status.LAYERS, `layer ${i + 1}: unknown type "${l?.type}"`);
            const act = ACTIVATIONS.indexOf(l.activation ?? 'linear');
            if (act < 0) throw bad(Status.ACTIVATION, `layer ${i + 1}: unknown activation "${l.activation}"`);
            const pad = PADDINGS.indexOf(l.padding ?? 'valid');
            if (pad < 0) throw bad(Status.LAYERS, `layer ${i + 1}: padding "${l.padding}"`);
            const units = l.type === 'dense' ? l.units : l.type === 'conv2d' ? l.filters : 0;
            if (!int32(units ?? 0)) throw bad(Status.LAYERS, `layer ${i + 1}: units`);
            const [kh, kw] = pair(l.type === 'conv2d' ? l.kernelSize : l.type === 'maxpool2d' ? l.poolSize : undefined, 'size', i);
            const [sh, sw] = pair(l.strides, 'strides', i);
            return [kind, act, units ?? 0, kh, kw, sh, sw, pad];
        });
        const ip = this.alloc(16 + 4 * SPEC_FIELDS * layers.length);
        try {
            new Int32Array(this.memory.buffer, ip, 4).set(input);
            new Int32Array(this.memory.buffer, ip + 16, SPEC_FIELDS * layers.length).set(fields.flat());
            this.check(this.x.wa_net_create_layers(this.io, ip, layers.length, ip + 16, Number(seed)), 'network');
            return new Network(this, this.ptrAt(this.io));
        } finally {
            this.x.nn_dealloc(ip);
        }
    }

    /** A network from a model file's bytes; throws (and creates nothing) if the file is bad. */
    loadModel(bytes) {
        const p = this.copyIn(bytes);
        try {
            this.check(this.x.nn_model_load(this.io, p, bytes.byteLength), 'model file');
            return new Network(this, this.ptrAt(this.io));
        } finally {
            this.x.nn_dealloc(p);
        }
    }

    /** A dataset from IDX image and label files (uncompressed bytes). */
    createDataset(images, labels, { classes = 10 } = {}) {
        const ip = this.copyIn(images);
        let lp = 0;
        try {
            lp = this.copyIn(labels);
            const st = this.x.nn_dataset_create(this.io, ip, images.byteLength, lp, labels.byteLength, classes);
            if (st !== 0) {
                const e = new NNError(st, this.statusText(st), 'IDX data');
                e.part = this.#datasetCulprit(st, ip, images.byteLength, lp, labels.byteLength);
                throw e;
            }
        } catch (e) {
            this.x.nn_dealloc(ip);
            if (lp) this.x.nn_dealloc(lp);
            throw e;
        }
        return new Dataset(this, this.ptrAt(this.io)); // the dataset owns both blocks now
    }

    /**
   * Which file a failed nn_dataset_create is about, 'images', 'labels' or null (both: the counts
   * differ), as C sees each file on its own: nn_idx_parse's status, then its dimensions (images
   * 3, labels 1). Too large images and labels beyond the classes are C's statuses of one file.
   */
    #datasetCulprit(st, ip, ilen, lp, llen) {
        const idx = this.io + 64; // an nn_idx: int ndim, u32 dims[3], data, size
        const ndim = (p, n) => (this.x.nn_idx_parse(p, n, idx) === 0 ? new Int32Array(this.memory.buffer, idx, 1)[0] : -1);
        const im = ndim(ip, ilen);
        if (im < 0 || st === Status.INPUT_SIZE) return 'images';
        const lb = ndim(lp, llen);
        if (lb < 0 || st === Status.IDX_LABEL) return 'labels';
        if (st === Status.IDX_KIND) return im !== 3 ? 'images' : 'labels';
        return null;
    }

    /**
   * Training state binding a network and a training set. Options: optimizer ('rmsprop', 'sgd',
   * 'adam'), learningRate (0: the optimiser's default), rho, momentum, beta1, beta2, epsilon,
   * batchSize, limit (first N samples; 0 all), seed, sparse ('auto', 'off', 'on'), threads.
   */
    createTrainer(network, dataset, options = {}) {
        const o = { ...this.trainDefaults, ...options };
        const opt = this.optimizers.indexOf(o.optimizer);
        if (opt < 0) throw new NNError(Status.OPTIMIZER, this.statusText(Status.OPTIMIZER));
        const sparse = SPARSE_MODES.indexOf(o.sparse);
        if (sparse < 0) throw new NNError(Status.ARG, `unknown sparse mode "${o.sparse}"`);
        const p = this.io + 64;
        const values = TRAIN_FIELDS.map((f) => (f === 'optimizer' ? opt : f === 'sparse' ? sparse : Number(o[f])));
        this.f64(p, TRAIN_FIELDS.length).set(values); // C checks every field (wa_trainer_create)
        const st = this.x.wa_trainer_create(this.io, network.ptr, dataset.ptr, p);
        this.check(st, 'training options');
        return new Trainer(this, this.ptrAt(this.io), network, dataset);
    }

    /**
   * MNIST-style preprocessing of an image: {data, width, height} with RGBA (ImageData) or gray
   * bytes. Returns {input: Float32Array(784), info}; throws NNError (code Status.NO_DIGIT) when
   * the image holds no ink.
   */
    preprocess({ data, width, height }) {
        const channels = data.length === width * height * 4 ? 4 : data.length === width * height ? 1 : 0;
        if (!channels || !(width > 0) || !(height > 0))
            throw new NNError(Status.IMAGE_SIZE, this.statusText(Status.IMAGE_SIZE));
        const p = this.copyIn(data);
        const out = this.alloc(784 * 4);
        try {
            const st = this.x.wa_preprocess(p, width, height, channels, out, this.io);
            this.check(st, 'image');
            const i = this.f32(this.io, 8);
            return {
                input: this.f32(out, 784).slice(),
                info: {
                    box: { x0: i[0], y0: i[1], x1: i[2], y1: i[3] },
                    lightOnDark: i[4] === 1,
                    inkFraction: i[5],
                    centerOfMass: { x: i[6], y: i[7] },
                },
            };
        } finally {
            this.x.nn_dealloc(p);
            this.x.nn_dealloc(out);
        }
    }

    /**
   * The digits of a written number in an image (as preprocess takes), left to right, each through
   * the same preprocessing: {digits: [{input, info}], lines} where info is preprocess's plus
   * `cut` (0, or the piece of ink, 1, 2..., that touching digits were cut from) and lines counts
   * the paper's printed lines (and dots) divided out. Options: keepLines (leave the lines in, as
   * before issue 15), oneDigit (read it as one digit, as preprocess does), noCut (never cut one
   * piece of ink into digits). Throws NNError (Status.NO_DIGIT) when the image holds no ink.
   */
    preprocessNumber({ data, width, height }, { keepLines = false, oneDigit = false, noCut = false } = {}) {
        const channels = data.length === width * height * 4 ? 4 : data.length === width * height ? 1 : 0;
        if (!channels || !(width > 0) || !(height > 0))
            throw new NNError(Status.IMAGE_SIZE, this.statusText(Status.IMAGE_SIZE));
        const max = this.x.wa_number_max_digits();
        const flags = (keepLines ? 1 : 0) | (oneDigit ? 2 : 0) | (noCut ? 4 : 0); // NN_PRE_* in nn.h
        const p = this.copyIn(data);
        const out = this.alloc(784 * 4 * max);
        const info = this.alloc(10 * 4 * max);
        try {
            const st = this.x.wa_preprocess_number(p, width, height, channels, flags, max, out, info, this.io);
            this.check(st, 'image');
            const count = new Int32Array(this.memory.buffer, this.io, 1)[0];
            const f = this.f32(info, 10 * count).slice();
            const digits = Array.from({ length: count }, (_, d) => {
                const i = f.subarray(10 * d, 10 * d + 10);
                return {
                    input: this.f32(out + 784 * 4 * d, 784).slice(),
                    info: {
                        box: { x0: i[0], y0: i[1], x1: i[2], y1: i[3] },
                        lightOnDark: i[4] === 1,
                        inkFraction: i[5],
                        centerOfMass: { x: i[6], y: i[7] },
                        cut: i[9],
                    },
                };
            });
            return { digits, lines: count ? f[8] : 0 };
        } finally {
            this.x.nn_dealloc(p);
            this.x.nn_dealloc(out);
            this.x.nn_dealloc(info);
        }
    }

    /**
   * A written number read by network (784 inputs): {number: '2024', digits: [{digit,
   * probability, probabilities, input, box, cut, info}], lines, lightOnDark}. Where touching digits
   * were cut from one piece of ink, that piece is also read as one digit, and the reading the
   * network is surer of wins (the geometric mean of the pieces' probabilities against the whole's):
   * a wide digit and two touching ones look alike. Options as preprocessNumber's.
   */
    readNumber(network, image, options = {}) {
        const read = (d) => {
            const probabilities = Array.from(network.predict(d.input));
            let digit = 0;
            for (let k = 1; k < probabilities.length; k++) if (probabilities[k] > probabilities[digit]) digit = k;
            return { digit, probability: probabilities[digit], probabilities, input: d.input, box: d.info.box, cut: d.info.cut, info: d.info };
        };
        const cut = this.preprocessNumber(image, options);
        const first = cut.digits[0].info;
        let digits = cut.digits.map(read);
        if (digits.some((d) => d.cut)) {
            // the same digits in the same order, except that each cut piece of ink is one digit
            const whole = this.preprocessNumber(image, { ...options, noCut: true }).digits.map(read);
            const chosen = [];
            for (let i = 0, j = 0; i < digits.length; j++) {
                if (!digits[i].cut) {
                    chosen.push(digits[i++]);
                    continue;
                }
                const pieces = [];
                for (const id = digits[i].cut; i < digits.length && digits[i].cut === id; ) pieces.push(digits[i++]);
                const mean = Math.exp(pieces.reduce((s, d) => s + Math.log(d.probability), 0) / pieces.length);
                if (whole[j].probability >= mean) chosen.push({ ...whole[j], cut: 0 });
                else chosen.push(...pieces);
            }
            digits = chosen;
        }
        return { number: digits.map((d) => d.digit).join(''), digits, lines: cut.lines, lightOnDark: first.lightOnDark };
    }
}

export class Network {
    constructor(engine, ptr) {
        this.e = engine;
        this.ptr = ptr;
        const x = engine.x;
        const n = x.nn_net_layers(ptr);
        this.sizes = Array.from({ length: n + 1 }, (_, i) => x.nn_net_size(ptr, i));
        x.wa_net_input_shape(ptr, engine.io);
        this.inputShape = shapeOf(engine.f64(engine.io, 4));
        /** What C made of each layer: {type, activation, units, kernelSize, strides, padding,
     * inputShape, outputShape, paramOffset, weights, biases, params, flops}. */
        this.layers = Array.from({ length: n }, (_, i) => {
            engine.check(x.wa_net_layer_info(ptr, i, engine.io), 'layer');
            const v = engine.f64(engine.io, 20);
            const type = LAYER_KINDS[v[0]];
            const layer = { type, activation: ACTIVATIONS[v[1]] };
            if (type === 'dense' || type === 'conv2d') layer.units = v[2];
            if (type === 'conv2d' || type === 'maxpool2d')
                Object.assign(layer, { kernelSize: [v[3], v[4]], strides: [v[5], v[6]], padding: PADDINGS[v[7]] });
            return Object.assign(layer, {
                inputShape: shapeOf(v.subarray(8, 12)),
                outputShape: shapeOf(v.subarray(12, 16)),
                paramOffset: v[16],
                weights: v[17],
                biases: v[18],
                params: v[17] + v[18],
                flops: v[19],
            });
        });
        this.activations = this.layers.map((l) => l.activation);
        this.paramCount = x.nn_net_param_count(ptr);
        this.trainFlops = x.nn_net_train_flops(ptr); // per sample: forward, gradients (nn.h)
    }

    get inputs() {
        return this.sizes[0];
    }
    get classes() {
        return this.sizes[this.sizes.length - 1];
    }

    /** The layers as Keras' model.summary() lists them: type, output shape, parameters. */
    summary() {
        return this.layers.map((l) => ({ type: l.type, activation: l.activation, outputShape: l.outputShape, params: l.params }));
    }

    /** Probabilities (n x classes) for n inputs: Float32Array of floats in [0,1] or Uint8Array pixels. */
    predict(inputs, n = inputs.length / this.inputs) {
        if (!Number.isInteger(n) || n < 0 || inputs.length !== n * this.inputs)
            throw new NNError(Status.INPUT_SIZE, this.e.statusText(Status.INPUT_SIZE));
        const e = this.e;
        const bytes = inputs instanceof Uint8Array;
        const ip = e.copyIn(bytes ? inputs : new Uint8Array(inputs.buffer, inputs.byteOffset, inputs.byteLength));
        const op = e.alloc(4 * n * this.classes);
        try {
            const st = bytes ? e.x.nn_net_predict_u8(this.ptr, ip, n, op) : e.x.nn_net_predict(this.ptr, ip, n, op);
            e.check(st, 'predict');
            return e.f32(op, n * this.classes).slice();
        } finally {
            e.x.nn_dealloc(ip);
            e.x.nn_dealloc(op);
        }
    }

    /**
   * Loss and accuracy over samples [first, first+count) of a dataset; with details, each sample's
   * predicted class and confidence too.
   */
    evaluate(dataset, { first = 0, count = 0, details = false } = {}) {
        const e = this.e;
        const n = count > 0 ? Math.min(count, dataset.count - first) : dataset.count - first;
        const pp = details ? e.alloc(Math.max(n, 1)) : 0;
        const cp = details ? e.alloc(4 * Math.max(n, 1)) : 0;
        try {
            e.check(e.x.wa_evaluate(this.ptr, dataset.ptr, first, count, e.io, pp, cp), 'evaluate');
            const [loss, accuracy, correct, total] = e.f64(e.io, 4);
            const result = { loss, accuracy, correct, count: total };
            if (details) {
                result.predicted = e.u8().slice(pp, pp + total);
                result.confidence = e.f32(cp, total).slice();
            }
            return result;
        } finally {
            if (pp) e.x.nn_dealloc(pp);
            if (cp) e.x.nn_dealloc(cp);
        }
    }

    /** The model file (see src/nn.h) as bytes. */
    save() {
        const e = this.e;
        const size = e.x.nn_model_size(this.ptr);
        const p = e.alloc(size);
        try {
            e.check(e.x.nn_model_save(this.ptr, p, size, 0), 'save');
            return e.u8().slice(p, p + size);
        } finally {
            e.x.nn_dealloc(p);
        }
    }

    /**
   * Every layer's output for one input (Float32Array or Uint8Array pixels, as predict takes), from
   * one call into C (nn_net_activations): {layers: [Float32Array per layer, in its outputShape,
   * channels last], logits (the last layer's, before softmax), probabilities (predict's bits)}.
   * The arrays are views of one copy.
   */
    layerOutputs(input) {
        if (input?.length !== this.inputs) throw new NNError(Status.INPUT_SIZE, this.e.statusText(Status.INPUT_SIZE));
        const e = this.e;
        const x = input instanceof Uint8Array ? Float32Array.from(input, (v) => v / 255) : Float32Array.from(input);
        const n = e.x.nn_net_activations_size(this.ptr);
        const ip = e.copyIn(new Uint8Array(x.buffer));
        const op = e.alloc(4 * n);
        try {
            e.check(e.x.nn_net_activations(this.ptr, ip, op, n), 'activations');
            const all = e.f32(op, n).slice();
            let at = 0;
            const layers = this.layers.map((l) => {
                const size = l.outputShape.reduce((a, b) => a * b, 1);
                at += size;
                return all.subarray(at - size, at);
            });
            return { layers, logits: layers[layers.length - 1], probabilities: all.subarray(at, at + this.classes) };
        } finally {
            e.x.nn_dealloc(ip);
            e.x.nn_dealloc(op);
        }
    }

    /** Copies of one layer's parameters: {weights (Keras' layout; null with weights: false), biases}. */
    layerParams(i, { weights = true } = {}) {
        const l = this.layers[i];
        if (!l) throw new NNError(Status.ARG, this.e.statusText(Status.ARG));
        const p = this.e.x.nn_net_params(this.ptr) + 4 * l.paramOffset;
        return { weights: weights ? this.e.f32(p, l.weights).slice() : null, biases: this.e.f32(p + 4 * l.weights, l.biases).slice() };
    }

    /**
   * The weights into some units of dense layer i, copied unit by unit: unit units[k]'s
   * inputs-long column of W at [k * inputs, (k + 1) * inputs), without copying the rest of W.
   */
    unitWeights(i, units) {
        const l = this.layers[i];
        if (l?.type !== 'dense' || !units.every((u) => Number.isInteger(u) && u >= 0 && u < l.units))
            throw new NNError(Status.ARG, this.e.statusText(Status.ARG));
        const n = l.weights / l.units;
        const w = this.e.f32(this.e.x.nn_net_params(this.ptr) + 4 * l.paramOffset, l.weights);
        const out = new Float32Array(units.length * n);
        units.forEach((u, k) => {
            for (let r = 0; r < n; r++) out[k * n + r] = w[r * l.units + u];
        });
        return out;
    }

    /** A copy of all parameters (layer by layer: W then b). */
    params() {
        return this.e.f32(this.e.x.nn_net_params(this.ptr), this.paramCount).slice();
    }

    /**
   * Overwrites all parameters (as params() lists them). Nothing checks the values: to use
   * weights from outside, save() and engine.loadModel() the result, which checks them all
   * (web/formats/index.js does so).
   */
    setParams(values) {
        if (!(values instanceof Float32Array) || values.length !== this.paramCount)
            throw new NNError(Status.ARG, `${this.e.statusText(Status.ARG)} (${this.paramCount} parameters expected)`);
        this.e.f32(this.e.x.nn_net_params(this.ptr), this.paramCount).set(values);
    }

    free() {
        if (this.ptr) this.e.x.nn_net_free(this.ptr);
        this.ptr = 0;
    }
}

/** [h, w, c] for rank 3, [n] for rank 1, from C's {rank, h, w, c}. */
function shapeOf(v) {
    return v[0] === 3 ? [v[1], v[2], v[3]] : [v[3]];
}

export class Dataset {
    constructor(engine, ptr) {
        this.e = engine;
        this.ptr = ptr;
        this.count = engine.x.nn_dataset_count(ptr);
        this.rows = engine.x.nn_dataset_rows(ptr);
        this.cols = engine.x.nn_dataset_cols(ptr);
    }

    /** Copies of the pixels of images [first, first+n), row-major bytes. */
    images(first = 0, n = 1) {
        const size = this.rows * this.cols;
        const p = this.e.x.nn_dataset_pixels(this.ptr) + first * size;
        return this.e.u8().slice(p, p + n * size);
    }

    labels(first = 0, n = this.count - first) {
        const p = this.e.x.nn_dataset_labels(this.ptr) + first;
        return this.e.u8().slice(p, p + n);
    }

    zeroFraction() {
        return this.e.x.nn_dataset_zero_fraction(this.ptr);
    }

    free() {
        if (this.ptr) this.e.x.nn_dataset_free(this.ptr);
        this.ptr = 0;
    }
}

export class Trainer {
    constructor(engine, ptr, network, dataset) {
        this.e = engine;
        this.ptr = ptr;
        this.network = network;
        this.dataset = dataset;
    }

    #read() {
        const v = this.e.f64(this.e.io, PROGRESS_FIELDS.length);
        const p = Object.fromEntries(PROGRESS_FIELDS.map((k, i) => [k, v[i]]));
        p.epochDone = p.epochDone === 1;
        return p;
    }

    /**
   * Trains up to maxBatches batches, stopping at the end of an epoch. Returns the progress
   * (epoch, batch, batchesPerEpoch, epochDone, samples, loss, accuracy, chunkLoss,
   * chunkAccuracy, chunkBatches, sparseBatches). On divergence throws NNError(Status.DIVERGED)
   * with the weights of the call's start restored.
   */
    train(maxBatches = 1) {
        const st = this.e.x.wa_train(this.ptr, maxBatches, this.e.io);
        const p = this.#read();
        this.e.check(st, 'training');
        return p;
    }

    progress() {
        this.e.x.wa_trainer_progress(this.ptr, this.e.io);
        return this.#read();
    }

    /**
   * Milliseconds spent so far per phase: {input, loss, update, forward: [per layer], backward:
   * [per layer]} (nn_timing in src/nn.h).
   */
    timing() {
        this.e.x.wa_trainer_timing(this.ptr, this.e.io);
        const max = this.e.maxLayers;
        const v = this.e.f64(this.e.io, 3 + 2 * max);
        const n = this.network.layers.length;
        return {
            input: v[0],
            loss: v[1],
            update: v[2],
            forward: Array.from(v.subarray(3, 3 + n)),
            backward: Array.from(v.subarray(3 + max, 3 + max + n)),
        };
    }

    free() {
        if (this.ptr) this.e.x.nn_trainer_free(this.ptr);
        this.ptr = 0;
    }
}
