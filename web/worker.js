// worker.js: the Web Worker entry (a module worker). It wires worker-core.js to the worker's
// globals: the wasm module, fetch, Cache Storage, IndexedDB and postMessage. All logic lives in
// worker-core.js, which Node tests drive directly; this file stays glue.
import { loadNN, threadSupport } from './nn.js';
import { createCore } from './worker-core.js';
import { openModelStore } from './model-store.js';

// Yield to the event loop with a MessageChannel rather than setTimeout(0), which browsers clamp
// to 4 ms once nested: between training chunks the queued page messages run, and nothing more.
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldNow = () =>
    new Promise((resolve) => {
        waiting.push(resolve);
        channel.port2.postMessage(0);
    });

// Every core the browser says it has, when the page is cross-origin isolated (the server sends
// COOP/COEP): loadNN then runs the threaded module on shared memory, else one thread, and the
// engine says why (threadsNote, shown beside the thread count). The count reported may exceed the
// real cores (WebKit reports 4 on 2) or other programs may hold them: the training loop measures
// and uses fewer when more are slower (ThreadTuner). A failure to start the helpers falls back to
// one thread rather than to no engine at all.
async function loadEngine() {
    const cores = Math.min(self.navigator?.hardwareConcurrency ?? 1, 64);
    const support = threadSupport();
    let note = cores > 1 ? support.reason : 'one-core';
    if (cores > 1 && support.ok) {
        try {
            return await loadNN(undefined, { threads: cores });
        } catch (e) {
            console.warn(`nn: ${cores} threads unavailable (${e.message}); using one`);
            note = 'helpers-failed';
        }
    }
    const engine = await loadNN(new URL('./nn.wasm', import.meta.url));
    engine.threadsNote = note;
    return engine;
}

const core = createCore({
    loadEngine,
    post: (message, transfer = []) => self.postMessage(message, transfer),
    fetch: (...args) => self.fetch(...args),
    caches: self.caches ?? null,
    store: openModelStore(self.indexedDB),
    yieldNow,
    // The page shows the error and starts a fresh worker (an uncaught error reaches its onerror).
    onFatal: (e) =>
        setTimeout(() => {
            throw e;
        }),
});

self.onmessage = (event) => core.handle(event.data);
