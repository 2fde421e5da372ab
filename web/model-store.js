// model-store.js: the saved model in IndexedDB, used by the worker (it holds the bytes). One record
// under one key: {model: the model file's bytes, sizes, source, settings, metrics, savedAt, name}.
// Each save is one put in one readwrite transaction, so a reload sees the old record or the new
// one, never half of either. Returns null where IndexedDB is missing (Node, some private modes).

const DB_NAME = 'mnist-wasm';
const STORE = 'models';
const KEY = 'current';

export function openModelStore(idb = globalThis.indexedDB, name = DB_NAME) {
    if (!idb) return null;
    let opening = null;
    const db = () =>
        (opening ??= new Promise((resolve, reject) => {
            const req = idb.open(name, 1);
            req.onupgradeneeded = () => req.result.createObjectStore(STORE);
            req.onsuccess = () => {
                const d = req.result;
                d.onversionchange = () => d.close(); // another tab upgrades: let it
                resolve(d);
            };
            req.onerror = () => reject(req.error ?? new Error('IndexedDB did not open'));
            req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
        }).catch((e) => {
            opening = null; // try again next time
            throw e;
        }));
    const run = async (mode, fn) => {
        const d = await db();
        return new Promise((resolve, reject) => {
            const tx = d.transaction(STORE, mode);
            const req = fn(tx.objectStore(STORE));
            tx.oncomplete = () => resolve(req.result);
            tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
        });
    };
    return {
        load: async () => (await run('readonly', (s) => s.get(KEY))) ?? null,
        save: (record) => run('readwrite', (s) => s.put(record, KEY)).then(() => undefined),
        clear: () => run('readwrite', (s) => s.delete(KEY)).then(() => undefined),
    };
}
