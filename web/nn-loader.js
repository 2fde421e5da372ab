// nn-loader.js: compiles and instantiates the module, nn.wasm or its threaded twin nn-mt.wasm, and
// starts the helper threads, the same in Node, a worker and a page. What knows Emscripten's
// runtime (the imports of a -pthread build, _emscripten_thread_init, __wasm_call_ctors, and the
// helpers' stack set-up in nn-thread.js) is here, so that an Emscripten upgrade touches this file
// and nn-thread.js only. web/nn.js wraps the instance; loadNN there is the entry point.

const IS_NODE = typeof globalThis.process?.versions?.node === 'string';
export const THREAD_STACK = 512 * 1024; // each helper's C stack, inside the shared memory

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

const HELPER_START_MS = 10000; // less than the page's INIT_TIMEOUT_MS (app.js): a slow helper costs a thread, not the worker

/** Starts helper thread `index` (1..) of the threaded module on its own C stack [stack, +THREAD_STACK). */
export async function startHelper(module, memory, stack, index) {
    const url = new URL('./nn-thread.js', import.meta.url);
    const data = { module, memory, stack, stackSize: THREAD_STACK, index };
    let worker;
    if (IS_NODE) {
        const { Worker } = await import('node:worker_threads');
        worker = new Worker(url, { workerData: data });
        worker.unref();
        await new Promise((resolve, reject) => worker.once('message', (m) => m === 'ready' && resolve()).once('error', reject));
        return worker;
    }
    // A page's helper says when its script has loaded and only then gets its data, so that no
    // message can reach it before its listener is there; one that has not started within
    // HELPER_START_MS is given up, and the caller falls back to one thread.
    worker = new Worker(url, { type: 'module', name: `nn-thread-${index}` });
    await new Promise((resolve, reject) => {
        const settle = (error) => {
            clearTimeout(timer);
            worker.removeEventListener('message', onMessage);
            worker.removeEventListener('error', onError);
            if (!error) return resolve();
            worker.terminate();
            reject(error);
        };
        const timer = setTimeout(() => settle(new Error(`thread ${index} did not start within ${HELPER_START_MS / 1000} s`)), HELPER_START_MS);
        const onMessage = (e) => {
            if (e.data === 'loaded') worker.postMessage(data);
            else if (e.data === 'ready') settle(null);
        };
        const onError = (e) => settle(new Error(e.message || 'nn thread failed'));
        worker.addEventListener('message', onMessage);
        worker.addEventListener('error', onError);
    });
    return worker;
}

/**
 * Compiles `source` (a URL or path of the .wasm, its bytes or a WebAssembly.Module; by default
 * nn.wasm next to this file, or nn-mt.wasm when `threaded`) and instantiates it, its constructors
 * run: {exports, module, memory}, memory null for the standalone module (it has its own).
 */
export async function instantiate(source, threaded) {
    const module = await compileFrom(source ?? new URL(threaded ? './nn-mt.wasm' : './nn.wasm', import.meta.url));
    const memoryImport = WebAssembly.Module.imports(module).find((i) => i.kind === 'memory');
    let exports;
    if (!memoryImport) {
        const instance = await WebAssembly.instantiate(module, moduleImports(module, null, () => exports));
        exports = instance.exports;
        exports._initialize?.();
        return { exports, module, memory: null };
    }
    // the threaded module: 16 MiB to start, up to 2 GiB, shared with the helpers
    const memory = new WebAssembly.Memory({ initial: 256, maximum: 32768, shared: true });
    const instance = await WebAssembly.instantiate(module, moduleImports(module, memory, () => exports));
    exports = instance.exports;
    exports.__wasm_call_ctors();
    return { exports, module, memory };
}
