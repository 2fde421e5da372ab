// worker.js: the Web Worker entry (a module worker). It wires worker-core.js to the worker's
// globals: the wasm module, fetch, Cache Storage, IndexedDB and postMessage. All logic lives in
// worker-core.js, which Node tests drive directly; this file stays glue.
import { canUseThreads, loadNN } from './nn.js';
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

// Every core the browser offers, when the page is cross-origin isolated (the server sends
// COOP/COEP): loadNN then runs the threaded module on shared memory, else one thread. A failure
// to start the helpers falls back to one thread rather than to no engine at all.
async function loadEngine() {
    const threads = Math.min(self.navigator?.hardwareConcurrency ?? 1, 64);
    if (threads > 1 && canUseThreads()) {
        try {
            return await loadNN(undefined, { threads });
        } catch (e) {
            console.warn(`nn: ${threads} threads unavailable (${e.message}); using one`);
        }
    }
    return loadNN(new URL('./nn.wasm', import.meta.url));
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
