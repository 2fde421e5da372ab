// nn-client.js: the page's side of the worker protocol. request(type, payload) posts {id, type,
// ...payload} and resolves with the worker's `done` result or rejects with its `error` (an Error
// with code, file, field, key, params); events carrying a request's id go to that request's
// onEvent. If the worker throws or dies, or a request given `timeout` gets no answer in time (a
// worker that hangs), every pending request is rejected and onCrash is called: the app starts a
// new worker (start()) and restores its state.

export class WorkerCrash extends Error {
    constructor(message) {
        super(message);
        this.name = 'WorkerCrash';
        this.code = 'WORKER';
    }
}

export class NNClient {
    #worker = null;
    #pending = new Map();
    #nextId = 1;

    constructor({ url, onEvent = () => {}, onCrash = () => {} }) {
        this.url = url;
        this.onEvent = onEvent;
        this.onCrash = onCrash;
    }

    start() {
        this.stop();
        const worker = new Worker(this.url, { type: 'module', name: 'nn-worker' });
        worker.onmessage = (event) => this.#route(event.data);
        worker.onerror = (event) => {
            event.preventDefault(); // handled here: shown on the page, a new worker started
            this.#crash(event.message || 'the worker could not start');
        };
        worker.onmessageerror = () => this.#crash('a message from the worker could not be read');
        this.#worker = worker;
    }

    stop() {
        this.#worker?.terminate();
        this.#worker = null;
    }

    /** Requests in flight (for the UI: is anything pending?). */
    get pending() {
        return this.#pending.size;
    }

    /** timeout: {ms, message}: no answer within ms crashes the worker with that message. */
    request(type, payload = {}, { onEvent, transfer = [], timeout = null } = {}) {
        if (!this.#worker) return Promise.reject(new WorkerCrash('the worker is not running'));
        const id = this.#nextId++;
        const timer = timeout ? setTimeout(() => this.#pending.has(id) && this.#crash(timeout.message), timeout.ms) : 0;
        return new Promise((resolve, reject) => {
            this.#pending.set(id, { resolve, reject, onEvent, type });
            try {
                this.#worker.postMessage({ id, type, ...payload }, transfer);
            } catch (e) {
                this.#pending.delete(id);
                reject(e);
            }
        }).finally(() => clearTimeout(timer));
    }

    #route(message) {
        const p = message?.id != null ? this.#pending.get(message.id) : null;
        if (message?.type === 'done' || message?.type === 'error') {
            if (!p) return; // a reply to a request rejected by a crash: nobody waits for it
            this.#pending.delete(message.id);
            if (message.type === 'done') p.resolve(message.result);
            else {
                const e = new Error(message.error?.message ?? 'unknown error');
                Object.assign(e, message.error);
                p.reject(e);
            }
            return;
        }
        if (p?.onEvent) p.onEvent(message);
        else this.onEvent(message);
    }

    #crash(message) {
        const error = new WorkerCrash(message);
        const pending = [...this.#pending.values()];
        this.#pending.clear();
        this.stop();
        for (const p of pending) p.reject(error);
        this.onCrash(error);
    }
}
