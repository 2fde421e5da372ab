// data-loader.js: MNIST's four IDX files into two C datasets, for the training worker
// (worker-core.js). The files download at once, with byte-level progress and a stall timeout, are
// gunzipped as they arrive, kept in Cache Storage (and removed from it again if any turns out bad)
// and parsed by C, which names the file at fault; every error carries `code` and `file`. No DOM:
// fetch, caches, the clock and the event sink come from the caller.
import { NNError, Status } from './nn.js';

export const DATA_FILES = Object.freeze({
    trainImages: 'train-images-idx3-ubyte.gz',
    trainLabels: 'train-labels-idx1-ubyte.gz',
    testImages: 't10k-images-idx3-ubyte.gz',
    testLabels: 't10k-labels-idx1-ubyte.gz',
});
export const DATA_CACHE = 'mnist-data-v1';

/** A loading error: code is a string of the loader's (DATA_*, HTTP_*) or C's nn_status. */
export class DataError extends Error {
    constructor(message, code, file) {
        super(message);
        this.code = code;
        this.file = file;
    }
}

/**
 * Loads the four files under base (a URL) into {train, test, cached, bytes}: two Datasets of
 * engine (web/nn.js), whether each file came from the cache, and the bytes downloaded or read.
 *   shape     {rows, cols, classes}: what the caller's network takes (other images are an error)
 *   id        the request's id, carried by the download events posted:
 *             {type: 'download', id, file, index, loaded, total, cached, done}
 *   post, fetch, caches (Cache Storage or null), now, timeoutMs (no byte for that long fails),
 *   progressMs (at most one event per file this often)
 * On an error nothing stays: no dataset, no inflater running, no new cache entry.
 */
export async function loadDatasets({ base, engine, shape, ...o }) {
    const names = Object.values(DATA_FILES);
    const made = [];
    const inflaters = [];
    let uncache = async () => {};
    try {
        const group = new AbortController();
        const got = await Promise.all(
            names.map((file, i) =>
                download(o, new URL(file, base).href, file, i, group.signal, inflaters).catch((e) => {
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
        const train = parsePair(engine, shape, raw[0], raw[1], names[0], names[1]);
        made.push(train);
        const test = parsePair(engine, shape, raw[2], raw[3], names[2], names[3]);
        made.push(test);
        await Promise.all(puts);
        return { train, test, cached: got.map((g) => g.cached), bytes: got.reduce((s, g) => s + g.bytes.byteLength, 0) };
    } catch (e) {
        for (const ds of made) ds.free();
        for (const gz of inflaters) gz.abort();
        await uncache();
        throw e;
    }
}

/** A dataset from an images and a labels file; a C error names the file C found at fault. */
function parsePair(engine, { rows, cols, classes }, images, labels, imagesName, labelsName) {
    let ds;
    try {
        ds = engine.createDataset(images, labels, { classes });
    } catch (e) {
        if (!(e instanceof NNError)) throw e;
        const file = { images: imagesName, labels: labelsName }[e.part] ?? `${imagesName} / ${labelsName}`;
        throw new DataError(`${file}: ${e.message}`, e.code, file);
    }
    if (ds.rows !== rows || ds.cols !== cols) {
        const got = `${ds.rows}x${ds.cols}`;
        ds.free();
        throw new DataError(`${imagesName}: images of ${got} pixels; the page needs ${rows}x${cols}.`, Status.INPUT_SIZE, imagesName);
    }
    return ds;
}

/** Bytes of url (o: loadDatasets' options) with byte-level progress, from Cache Storage when there; never hangs. */
async function download(o, url, file, index, group, inflaters) {
    let cache = null;
    try {
        cache = o.caches ? await o.caches.open(DATA_CACHE) : null;
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
        }, o.timeoutMs);
    };
    const seconds = Math.round(o.timeoutMs / 100) / 10;
    try {
        if (!response) {
            arm();
            try {
                response = await o.fetch(url, { signal: controller.signal, cache: 'no-store' });
            } catch (e) {
                if (timedOut) throw new DataError(`${file}: no answer from the server in ${seconds} s (${url}).`, 'DATA_TIMEOUT', file);
                throw new DataError(
                    `${file}: network error, the file could not be fetched from ${url} (${e.message}).`, 'DATA_NETWORK', file);
            }
            if (!response.ok)
                throw new DataError(
                    `${file}: the server answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} for ${url}.`, `HTTP_${response.status}`, file);
        }
        const total = Number(response.headers.get('Content-Length')) || 0;
        const chunks = [];
        let loaded = 0;
        let lastPost = -Infinity;
        const report = (final) => {
            const t = o.now();
            if ((!final && t - lastPost < o.progressMs) || group.aborted) return;
            lastPost = t;
            o.post({ type: 'download', id: o.id, file, index, loaded, total: Math.max(total, loaded), cached, done: final });
        };
        report(false);
        if (!response.body) throw new DataError(`${file}: the response has no body.`, 'DATA_NETWORK', file);
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
                    throw new DataError(`${file}: the download stalled (no data for ${seconds} s) after ${loaded} bytes.`, 'DATA_TIMEOUT', file);
                throw new DataError(
                    `${file}: the download broke off after ${loaded}${total ? ` of ${total}` : ''} bytes (${e.message}).`, 'DATA_NETWORK', file);
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
            throw new DataError(`${file}: the download broke off after ${loaded} of ${total} bytes.`, 'DATA_NETWORK', file);
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
                throw new DataError(`${file}: not a valid gzip file, it is corrupt or incomplete (${e.message}).`, 'DATA_CORRUPT', file);
            }
        },
    };
}
