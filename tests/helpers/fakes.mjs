// fakes.mjs: stand-ins for the worker's globals in Node tests: a fetch serving web/data/ from disk
// (with ways to fail: 404, corrupt bytes, a break halfway, a stall), an in-memory Cache Storage and
// model store, and a harness that drives worker-core's handler and checks the protocol (every
// request answered by exactly one done or error).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNN } from '../../web/nn.js';
import { createCore } from '../../web/worker-core.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WEB = path.join(ROOT, 'web');
export const WASM = path.join(WEB, 'nn.wasm');
export const BASE = 'http://test.invalid/data/';

const fileCache = new Map();
export function dataFile(name) {
    if (!fileCache.has(name)) fileCache.set(name, new Uint8Array(fs.readFileSync(path.join(WEB, 'data', name))));
    return fileCache.get(name);
}

/**
 * A fetch over web/data/. faults: {[file]: 404 | 'network' | {bytes} | 'break' | 'stall'}.
 * 'break' errors the body stream halfway; 'stall' sends half and then nothing (until aborted).
 */
export function diskFetch(faults = {}) {
    const calls = [];
    const fetch = async (url, { signal } = {}) => {
        const { pathname } = new URL(url);
        const name = pathname.split('/').pop();
        calls.push(name);
        const fault = faults[name];
        if (fault === 'network') throw new TypeError('fetch failed');
        if (fault === 404 || !pathname.startsWith('/data/') || !fs.existsSync(path.join(WEB, 'data', name)))
            return new Response('404 Not Found\n', { status: 404, statusText: 'Not Found' });
        const bytes = fault?.bytes ?? dataFile(name);
        const half = bytes.length >> 1;
        const CHUNK = 1 << 16;
        let at = 0;
        const body = new ReadableStream({
            pull(controller) {
                if (signal?.aborted) return controller.error(signal.reason);
                if (fault === 'break' && at >= half) return controller.error(new TypeError('connection reset'));
                if (fault === 'stall' && at >= half) {
                    return new Promise((resolve) => {
                        signal?.addEventListener('abort', () => {
                            controller.error(signal.reason);
                            resolve();
                        });
                    });
                }
                if (at >= bytes.length) return controller.close();
                controller.enqueue(bytes.slice(at, at + CHUNK));
                at += CHUNK;
            },
        });
        return new Response(body, {
            status: 200,
            headers: { 'Content-Type': 'application/gzip', 'Content-Length': String(bytes.length) },
        });
    };
    fetch.calls = calls;
    return fetch;
}

/** Cache Storage with one cache kept in a Map (bytes and headers). */
export function memoryCaches() {
    const entries = new Map();
    const cache = {
        async match(url) {
            const e = entries.get(String(url));
            return e ? new Response(e.bytes, { headers: e.headers }) : undefined;
        },
        async put(url, response) {
            entries.set(String(url), {
                bytes: new Uint8Array(await response.arrayBuffer()),
                headers: Object.fromEntries(response.headers),
            });
        },
        async delete(url) {
            return entries.delete(String(url));
        },
    };
    return { entries, open: async () => cache };
}

/** The model store of web/model-store.js, in memory; records are cloned as IndexedDB would. */
export function memoryStore() {
    const s = {
        record: null,
        saves: 0,
        async load() {
            return s.record ? structuredClone(s.record) : null;
        },
        async save(record) {
            s.saves++;
            s.record = structuredClone(record);
        },
        async clear() {
            s.record = null;
        },
    };
    return s;
}

let enginePromise = null;
const wasmModule = () => (enginePromise ??= WebAssembly.compile(fs.readFileSync(WASM)));

/**
 * worker-core with fakes. request(type, payload) sends one request and resolves to its only
 * reply; send() does the same without waiting. events(type, id) lists posted events.
 */
export function harness({ fetch = diskFetch(), caches = memoryCaches(), store = memoryStore(), ...opts } = {}) {
    const posted = [];
    let nextId = 1;
    const core = createCore({
        loadEngine: async () => loadNN(await wasmModule()),
        post: (m, transfer = []) => {
            // as postMessage would: no shared references, and transferred buffers detached
            const copy = structuredClone(m, { transfer });
            posted.push(copy);
            h.onPost?.(copy);
        },
        fetch: (...args) => h.fetch(...args), // tests may swap h.fetch
        caches,
        store,
        yieldNow: () => new Promise((resolve) => setImmediate(resolve)),
        ...opts,
    });
    const h = {
        core,
        posted,
        fetch,
        caches,
        store,
        onPost: null,
        send(type, payload = {}) {
            const id = nextId++;
            const handled = core.handle({ id, type, ...payload });
            const reply = handled.then(() => {
                const replies = posted.filter((m) => m.id === id && (m.type === 'done' || m.type === 'error'));
                assert.equal(replies.length, 1, `request ${id} (${type}) got ${replies.length} replies`);
                return { id, ...replies[0] };
            });
            reply.id = id;
            return reply;
        },
        async request(type, payload = {}) {
            const reply = await h.send(type, payload);
            if (reply.type === 'error') {
                const e = new Error(`${type}: ${reply.error.message}`);
                e.reply = reply;
                throw e;
            }
            return reply.result;
        },
        events: (type, id) => posted.filter((m) => m.type === type && (id === undefined || m.id === id)),
        /** Every id has exactly one reply (call at the end of a test). */
        checkReplies(ids) {
            for (const id of ids) {
                const n = posted.filter((m) => m.id === id && (m.type === 'done' || m.type === 'error')).length;
                assert.equal(n, 1, `request ${id}: ${n} replies`);
            }
        },
    };
    return h;
}
