// nn.js: the JS face of the C network (web/nn.wasm), the same in Node, a worker and a page.
// A thin wrapper in the manner of sql.js: each export is wrapped once, a failing status becomes
// a thrown NNError carrying the C library's sentence, data is copied into the wasm heap once and
// then owned by C. Heap views are taken afresh after every call, since memory may have grown.

export const Status = Object.freeze({
    OK: 0,
    NOMEM: -1,
    ARG: -2,
    LAYERS: -3,
    ACTIVATION: -4,
    BATCH_SIZE: -5,
    LEARNING_RATE: -6,
    OPTIMIZER: -7,
    THREADS: -8,
    SHAPE: -9,
    IDX_MAGIC: -10,
    IDX_TYPE: -11,
    IDX_NDIM: -12,
    IDX_OVERFLOW: -13,
    IDX_TRUNCATED: -14,
    IDX_TRAILING: -15,
    IDX_COUNT: -16,
    IDX_LABEL: -17,
    IDX_KIND: -18,
    INPUT_SIZE: -19,
    MODEL_MAGIC: -30,
    MODEL_VERSION: -31,
    MODEL_TRUNCATED: -32,
    MODEL_TRAILING: -33,
    MODEL_CHECKSUM: -34,
    MODEL_LAYERS: -35,
    MODEL_VALUES: -36,
    NO_DIGIT: -40,
    IMAGE_SIZE: -41,
    DIVERGED: -50,
    STATE: -51,
});

export const OPTIMIZERS = ['rmsprop', 'sgd', 'adam'];
export const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];
export const LAYER_KINDS = ['dense', 'conv2d', 'maxpool2d', 'flatten']; // nn_layer_kind order
export const PADDINGS = ['valid', 'same'];
export const SPARSE_MODES = ['auto', 'off', 'on'];
const MAX_LAYERS = 16; // NN_MAX_LAYERS: the length of nn_timing's per-layer arrays
const SPEC_FIELDS = 8; // kind, act, units, kh, kw, sh, sw, padding (wa_net_create_layers)

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

const IS_NODE = typeof globalThis.process?.versions?.node === 'string';
const THREAD_STACK = 512 * 1024; // each helper's C stack, inside the shared memory

async function compileFrom(source) {
    if (source instanceof WebAssembly.Module) return source;
    if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(source);
    const base = globalThis.location?.href ?? `file://${globalThis.process.cwd()}/`;
    const url = source instanceof URL ? source : new URL(String(source), base);
    if (url.protocol === 'file:') {
        const { readFile } = await import('node:fs/promises');
        return WebAssembly.compile(await readFile(url));
    }
    const response = await fetch(url);
    if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
    return WebAssembly.compileStreaming(response);
}

/**
 * The imports of either module. nn.wasm (standalone) needs one; nn-mt.wasm is a -pthread build
 * whose Emscripten runtime imports a few functions: those it calls in our use are given here
 * (clock, big memcpy, heap growth, main-thread set-up), the rest throw if ever called.
 */
export function moduleImports(module, memory, getExports) {
    const env = {
        memory,
        emscripten_notify_memory_growth() {},
        nn_clock_ms: () => performance.now(),
        emscripten_get_now: () => performance.now(),
        emscripten_memcpy_big: (dest, src, n) => {
            new Uint8Array(memory.buffer).copyWithin(dest, src, src + n);
        },
        emscripten_resize_heap: (size) => {
            const pages = Math.ceil(((size >>> 0) - memory.buffer.byteLength) / 65536);
            try {
                memory.grow(pages);
                return 1;
            } catch {
                return 0;
            }
        },
        __emscripten_init_main_thread_js: (tb) => {
            getExports()._emscripten_thread_init(tb, IS_NODE || typeof window === 'object' ? 1 : 0, 1, 1);
        },
        _emscripten_notify_thread_queue() {},
        __emscripten_thread_cleanup() {},
    };
    const imports = { env };
    for (const imp of WebAssembly.Module.imports(module)) {
        if (imp.kind !== 'function' || imports[imp.module]?.[imp.name]) continue;
        imports[imp.module] ??= {};
        imports[imp.module][imp.name] = () => {
            throw new Error(`nn.wasm called ${imp.module}.${imp.name}, which this loader does not provide`);
        };
    }
    return imports;
}

/** Whether this context can share memory with workers (a page must be cross-origin isolated). */
export function canUseThreads() {
    return threadSupport().ok;
}

/**
 * Whether threads can run here and, if not, why: {ok, reason} with reason one of
 * 'not-isolated' (the page lacks COOP/COEP), 'no-shared-memory' (no SharedArrayBuffer although
 * isolated: WebKitGTK by default), or null.
 */
export function threadSupport() {
    if (!IS_NODE && globalThis.crossOriginIsolated !== true) return { ok: false, reason: 'not-isolated' };
    if (typeof SharedArrayBuffer !== 'function') return { ok: false, reason: 'no-shared-memory' };
    return { ok: true, reason: null };
}

/**
 * Picks how many of an engine's threads training uses, by measuring: more threads are not always
 * faster (another busy process, more threads than cores, a browser reporting cores it does not
 * have). Chunks of training go round the candidates (all the threads, half, ..., 1) for a few
 * rounds, skipping the first chunks (the engine's warm-up); the fastest median rate wins, and
 * fewer threads win a near tie (within `tie`). After recheckMs of training it measures again (in
 * fewer rounds), since the load changes, and keeps its count unless another is faster by more
 * than `keep`. The count never changes the results, only the speed.
 *   const tuner = new ThreadTuner(engine.threads);
 *   each chunk: engine.useThreads(tuner.threads); ...train...; tuner.record(samples, ms)
 */
export class ThreadTuner {
    constructor(max, { rounds = 3, recheckRounds = 2, recheckMs = 10000, tie = 0.03, keep = 0.05, skip = 2 } = {}) {
        this.candidates = [];
        for (let c = Math.max(1, Math.trunc(max)); ; c = Math.ceil(c / 2)) {
            this.candidates.push(c);
            if (c === 1) break;
        }
        this.options = { recheckRounds, recheckMs, tie, keep };
        this.decided = false;
        this.chosen = this.candidates[0]; // until measured: all of them
        this.skip = this.candidates.length > 1 ? skip : 0;
        this.sinceProbe = 0;
        this.#probe(rounds);
    }

    #probe(rounds) {
        this.queue = [];
        this.rates = new Map(this.candidates.map((c) => [c, []]));
        // alternate the order from round to round, so that a drift of the machine's speed hits all alike
        for (let r = 0; r < rounds; r++) this.queue.push(...(r % 2 ? [...this.candidates].reverse() : this.candidates));
        if (this.candidates.length === 1) this.queue = [];
    }

    /** The thread count for the next chunk. */
    get threads() {
        return this.skip > 0 || !this.queue.length ? this.chosen : this.queue[0];
    }

    /** Whether the next chunk is a measurement (for display: the count shown is `chosen`). */
    get probing() {
        return this.skip === 0 && this.queue.length > 0;
    }

    /** Reports the chunk just trained with `threads` threads: samples in ms milliseconds. */
    record(samples, ms) {
        if (!(samples > 0 && ms > 0)) return;
        if (this.skip > 0) {
            this.skip--;
            return;
        }
        if (!this.queue.length) {
            this.sinceProbe += ms;
            if (this.sinceProbe >= this.options.recheckMs && this.candidates.length > 1) this.#probe(this.options.recheckRounds);
            return;
        }
        this.rates.get(this.queue.shift()).push(samples / ms);
        if (this.queue.length) return;
        const median = (xs) => {
            const s = [...xs].sort((a, b) => a - b);
            return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        };
        this.measured = new Map([...this.rates].map(([c, xs]) => [c, median(xs)]));
        const best = Math.max(...this.measured.values());
        const near = (rate, margin) => rate >= best * (1 - margin);
        // a recheck keeps the count in use unless another is clearly faster: noise does not flip it
        if (!(this.decided && near(this.measured.get(this.chosen), this.options.keep)))
            this.chosen = Math.min(...[...this.measured].filter(([, rate]) => near(rate, this.options.tie)).map(([c]) => c));
        this.decided = true;
        this.sinceProbe = 0;
    }
}

async function startHelper(module, memory, stack, index) {
    const url = new URL('./nn-thread.js', import.meta.url);
    const data = { module, memory, stack, stackSize: THREAD_STACK, index };
    let worker;
    if (IS_NODE) {
        const { Worker } = await import('node:worker_threads');
        worker = new Worker(url, { workerData: data });
        worker.unref();
    } else {
        worker = new Worker(url, { type: 'module', name: `nn-thread-${index}` });
        worker.postMessage(data);
    }
    await new Promise((resolve, reject) => {
        const onMessage = (m) => (m?.data ?? m) === 'ready' && resolve();
        if (IS_NODE) worker.once('message', onMessage).once('error', reject);
        else {
            worker.addEventListener('message', onMessage, { once: true });
            worker.addEventListener('error', (e) => reject(new Error(e.message || 'nn thread failed')), { once: true });
        }
    });
    return worker;
}

/**
 * Loads the module. `source`: a URL or path of the .wasm (default: nn.wasm next to this file,
 * or nn-mt.wasm with threads), its bytes, or a compiled WebAssembly.Module. With threads > 1
 * and shared memory available (see canUseThreads), the threaded module runs on that many
 * threads: this one and threads - 1 workers; otherwise one. Resolves to an Engine.
 */
export async function loadNN(source, { threads = 1 } = {}) {
    const wanted = Number.isInteger(threads) && threads > 1 && canUseThreads() ? Math.min(threads, 64) : 1;
    const file = wanted > 1 ? './nn-mt.wasm' : './nn.wasm';
    const module = await compileFrom(source ?? new URL(file, import.meta.url));
    const memoryImport = WebAssembly.Module.imports(module).find((i) => i.kind === 'memory');
    if (!memoryImport) {
        let exports;
        const instance = await WebAssembly.instantiate(module, moduleImports(module, null, () => exports));
        exports = instance.exports;
        exports._initialize?.();
        return new Engine(exports, module);
    }
    // the threaded module: 16 MiB to start, up to 2 GiB, shared with the helpers
    const memory = new WebAssembly.Memory({ initial: 256, maximum: 32768, shared: true });
    let exports;
    const instance = await WebAssembly.instantiate(module, moduleImports(module, memory, () => exports));
    exports = instance.exports;
    exports.__wasm_call_ctors();
    const engine = new Engine(exports, module, memory);
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
        this.helpers = [];
        this.io = exports.nn_alloc(512); // out-pointers and result arrays of every call
    }

    /**
   * Uses at most n of the engine's threads from the next training step on (1..threads); the
   * other helpers sleep. Results do not change. Returns the count now in use.
   */
    useThreads(n) {
        const k = Math.max(1, Math.min(this.threads, Math.trunc(n) || 1));
        if (this.helpers.length) this.check(this.x.nn_threads_limit(k), 'threads');
        this.activeThreads = k;
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
        const p = this.x.nn_status_str(code);
        const bytes = this.u8();
        let end = p;
        while (bytes[end]) end++;
        return new TextDecoder().decode(bytes.slice(p, end)); // a copy: decode refuses shared memory
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
        if (!Array.isArray(layers) || layers.length < 1 || layers.length > MAX_LAYERS)
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
            this.check(st, 'IDX data');
        } catch (e) {
            this.x.nn_dealloc(ip);
            if (lp) this.x.nn_dealloc(lp);
            throw e;
        }
        return new Dataset(this, this.ptrAt(this.io)); // the dataset owns both blocks now
    }

    /**
   * Training state binding a network and a training set. Options: optimizer ('rmsprop', 'sgd',
   * 'adam'), learningRate (0: the optimiser's default), rho, momentum, beta1, beta2, epsilon,
   * batchSize, limit (first N samples; 0 all), seed, sparse ('auto', 'off', 'on'), threads.
   */
    createTrainer(network, dataset, options = {}) {
        const o = {
            optimizer: 'rmsprop',
            learningRate: 0,
            rho: 0.9,
            momentum: 0.9,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            batchSize: 128,
            limit: 0,
            seed: 1,
            sparse: 'auto',
            threads: 1,
            ...options,
        };
        const opt = OPTIMIZERS.indexOf(o.optimizer);
        if (opt < 0) throw new NNError(Status.OPTIMIZER, this.statusText(Status.OPTIMIZER));
        const sparse = SPARSE_MODES.indexOf(o.sparse);
        if (sparse < 0) throw new NNError(Status.ARG, `unknown sparse mode "${o.sparse}"`);
        const int = (v, code) => {
            if (!Number.isInteger(v)) throw new NNError(code, this.statusText(code));
            return v;
        };
        const st = this.x.wa_trainer_create(
            this.io,
            network.ptr,
            dataset.ptr,
            opt,
            Number(o.learningRate),
            Number(o.rho),
            Number(o.momentum),
            Number(o.beta1),
            Number(o.beta2),
            Number(o.epsilon),
            int(o.batchSize, Status.BATCH_SIZE),
            int(o.limit, Status.ARG),
            Number(o.seed),
            sparse,
            int(o.threads, Status.THREADS),
        );
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
        const v = this.e.f64(this.e.io, 3 + 2 * MAX_LAYERS);
        const n = this.network.layers.length;
        return {
            input: v[0],
            loss: v[1],
            update: v[2],
            forward: Array.from(v.subarray(3, 3 + n)),
            backward: Array.from(v.subarray(3 + MAX_LAYERS, 3 + MAX_LAYERS + n)),
        };
    }

    free() {
        if (this.ptr) this.e.x.nn_trainer_free(this.ptr);
        this.ptr = 0;
    }
}
