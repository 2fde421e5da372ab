// page-actions.mjs: what the browser tests do to the page, through data-testid hooks only: wait
// for a state, train, draw strokes with the mouse, import a model, read probabilities; plus the
// test fixtures made in Node: a model trained with web/nn.js and PNGs of MNIST test digits.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { loadNN } from '../../web/nn.js';
import { network } from '../../web/architectures.js';
import { WEB } from './fakes.mjs';

const idx = (name) => zlib.gunzipSync(fs.readFileSync(path.join(WEB, 'data', `${name}.gz`)));

let mnist = null;
/** MNIST's four files, gunzipped once. */
export function mnistFiles() {
    mnist ??= {
        trainImages: idx('train-images-idx3-ubyte'),
        trainLabels: idx('train-labels-idx1-ubyte'),
        testImages: idx('t10k-images-idx3-ubyte'),
        testLabels: idx('t10k-labels-idx1-ubyte'),
    };
    return mnist;
}

/**
 * A model file trained in Node on the whole training set (784-512-10, RMSprop, seed 1): `epochs`
 * epochs, or only `batches` batches when given; arch 'convnet' trains chapter 5's convnet
 * (batch 64) instead.
 */
export async function trainModelInNode({ epochs = 1, batches = 0, arch = 'mlp' } = {}) {
    const nn = await loadNN(path.join(WEB, 'nn.wasm'));
    const m = mnistFiles();
    const ds = nn.createDataset(m.trainImages, m.trainLabels);
    const net = arch === 'mlp' ? nn.createNetwork({ sizes: [784, 512, 10], seed: 1 }) : nn.createNetwork({ ...network(arch), seed: 1 });
    const tr = nn.createTrainer(net, ds, { seed: 1, batchSize: arch === 'mlp' ? 128 : 64 });
    if (batches > 0) for (let left = batches; left > 0; ) left -= tr.train(Math.min(left, 100)).chunkBatches;
    else for (let e = 0; e < epochs; e++) while (!tr.train(1000).epochDone);
    return Buffer.from(net.save());
}

/** Test digit `index` as {pixels (784 bytes, ink 255), label}. */
export function testDigit(index) {
    const m = mnistFiles();
    return { pixels: m.testImages.subarray(16 + 784 * index, 16 + 784 * (index + 1)), label: m.testLabels[8 + index] };
}

/**
 * RGBA pixels (w x h) with test digit `index` drawn scaled by `scale` (bilinear) with its top-left
 * at (x, y); dark ink on light paper unless lightOnDark.
 */
export function digitImage(index, { width = 280, height = 280, scale = 10, x = 0, y = 0, lightOnDark = false } = {}) {
    const { pixels, label } = testDigit(index);
    const data = Buffer.alloc(width * height * 4);
    const at = (r, c) => (r < 0 || c < 0 || r > 27 || c > 27 ? 0 : pixels[r * 28 + c]);
    for (let py = 0; py < height; py++)
        for (let px = 0; px < width; px++) {
            const fx = (px - x) / scale - 0.5;
            const fy = (py - y) / scale - 0.5;
            const c0 = Math.floor(fx);
            const r0 = Math.floor(fy);
            const dx = fx - c0;
            const dy = fy - r0;
            const v =
                at(r0, c0) * (1 - dx) * (1 - dy) + at(r0, c0 + 1) * dx * (1 - dy) + at(r0 + 1, c0) * (1 - dx) * dy + at(r0 + 1, c0 + 1) * dx * dy;
            const g = lightOnDark ? Math.round(v) : 255 - Math.round(v * 0.85); // pencil, not pure black
            const o = 4 * (py * width + px);
            data[o] = g;
            data[o + 1] = g;
            data[o + 2] = lightOnDark ? g : Math.min(255, g + 4);
            data[o + 3] = 255;
        }
    return { data, width, height, label };
}

export function digitPng(index, options) {
    const img = digitImage(index, options);
    const png = new PNG({ width: img.width, height: img.height });
    img.data.copy(png.data);
    return { buffer: PNG.sync.write(png), label: img.label };
}

export function digitJpeg(index, options) {
    const img = digitImage(index, options);
    return { buffer: jpeg.encode(img, 90).data, label: img.label };
}

/** A 24-bit uncompressed BMP (rows bottom-up, padded to 4 bytes). */
export function digitBmp(index, options) {
    const img = digitImage(index, options);
    const row = Math.ceil((img.width * 3) / 4) * 4;
    const buf = Buffer.alloc(54 + row * img.height);
    buf.write('BM', 0, 'latin1');
    buf.writeUInt32LE(buf.length, 2);
    buf.writeUInt32LE(54, 10);
    buf.writeUInt32LE(40, 14);
    buf.writeInt32LE(img.width, 18);
    buf.writeInt32LE(img.height, 22);
    buf.writeUInt16LE(1, 26);
    buf.writeUInt16LE(24, 28);
    buf.writeUInt32LE(row * img.height, 34);
    for (let y = 0; y < img.height; y++)
        for (let x = 0; x < img.width; x++) {
            const o = 54 + (img.height - 1 - y) * row + 3 * x;
            const i = 4 * (y * img.width + x);
            buf[o] = img.data[i + 2];
            buf[o + 1] = img.data[i + 1];
            buf[o + 2] = img.data[i];
        }
    return { buffer: buf, label: img.label };
}

/** Drops a file on the element of testid, as a drag from the desktop would. */
export async function dropFile(page, testid, { name, mimeType, buffer }) {
    const dataTransfer = await page.evaluateHandle(
        ([b64, n, type]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], n, { type }));
            return dt;
        },
        [buffer.toString('base64'), name, mimeType],
    );
    const target = page.getByTestId(testid);
    await target.dispatchEvent('dragover', { dataTransfer });
    await target.dispatchEvent('drop', { dataTransfer });
}

export const byTestId = (page, id) => page.getByTestId(id);

/** Waits until the status line is in one of the states (data-state). */
export async function waitState(page, states, timeout = 60000) {
    const list = [].concat(states);
    await page.waitForFunction(
        (wanted) => wanted.includes(document.querySelector('[data-testid="status"]')?.dataset.state),
        list,
        { timeout, polling: 100 },
    );
}

/** Waits until the text of testid matches re; returns it. */
export async function waitText(page, testid, re, timeout = 60000) {
    const handle = await page.waitForFunction(
        ([id, source, flags]) => {
            const el = document.querySelector(`[data-testid="${id}"]`);
            const text = el?.textContent ?? '';
            return el && !el.closest('[hidden]') && new RegExp(source, flags).test(text) ? { text } : false;
        },
        [testid, re.source, re.flags],
        { timeout, polling: 100 },
    );
    return (await handle.jsonValue()).text;
}

export async function gotoReady(page, url) {
    await page.goto(url);
    await waitState(page, 'ready');
}

export async function fillSettings(page, settings) {
    for (const [id, value] of Object.entries(settings)) {
        const box = byTestId(page, id);
        if (id === 'optimizer' || id === 'arch') await box.selectOption(String(value));
        else await box.fill(String(value));
    }
}

/** Starts a training; resolves when it is running. */
export async function startTraining(page, settings = {}) {
    await fillSettings(page, settings);
    await byTestId(page, 'train').click();
    await waitState(page, ['training', 'ready']);
}

/** Trains to the end; returns the test accuracy shown, as a number (percent). */
export async function trainToEnd(page, settings, timeout = 180000) {
    await startTraining(page, settings);
    await waitText(page, 'status', /test accuracy|precisión en prueba/, timeout);
    await waitState(page, 'ready');
    const text = await byTestId(page, 'test-accuracy').textContent();
    return Number.parseFloat(text);
}

/** Strokes on the canvas with the mouse: each stroke a list of [fx, fy] in 0..1 of its box. */
export async function drawStrokes(page, strokes) {
    await byTestId(page, 'canvas').scrollIntoViewIfNeeded(); // the mouse only reaches what is in view
    const box = await byTestId(page, 'canvas').boundingBox();
    const at = ([fx, fy]) => [box.x + fx * box.width, box.y + fy * box.height];
    for (const stroke of strokes) {
        await page.mouse.move(...at(stroke[0]));
        await page.mouse.down();
        for (let i = 1; i < stroke.length; i++) await page.mouse.move(...at(stroke[i]), { steps: 8 });
        await page.mouse.up();
    }
}

export const DIGIT_STROKES = {
    1: [
        [
            [0.46, 0.18],
            [0.52, 0.12],
            [0.52, 0.86],
        ],
    ],
    7: [
        [
            [0.26, 0.2],
            [0.74, 0.2],
            [0.44, 0.86],
        ],
    ],
    0: [
        [
            [0.5, 0.14],
            [0.32, 0.28],
            [0.28, 0.55],
            [0.38, 0.82],
            [0.56, 0.86],
            [0.7, 0.66],
            [0.72, 0.38],
            [0.62, 0.18],
            [0.5, 0.14],
        ],
    ],
};

/** A number drawn on the pad, its digits side by side: 17 (a one and a seven, apart). */
export const NUMBER_STROKES = {
    17: [
        [
            [0.22, 0.3],
            [0.3, 0.22],
            [0.3, 0.78],
        ],
        [
            [0.5, 0.24],
            [0.8, 0.24],
            [0.6, 0.78],
        ],
    ],
};

/** Waits until no prediction is on its way; returns the prediction's text ('' for none). */
export async function settledPrediction(page, timeout = 20000) {
    const handle = await page.waitForFunction(
        () => {
            const el = document.querySelector('[data-testid="prediction"]');
            return el.getAttribute('aria-busy') === 'true' ? false : { text: el.textContent };
        },
        null,
        { timeout, polling: 50 },
    );
    return (await handle.jsonValue()).text;
}

/** Draws a digit (after Clear) and returns the prediction shown once it settles. */
export async function drawDigit(page, digit) {
    await byTestId(page, 'clear').click();
    await drawStrokes(page, DIGIT_STROKES[digit]);
    return settledPrediction(page);
}

export async function importModel(page, buffer, name = 'mnist-model.nnmf') {
    await byTestId(page, 'model-import').setInputFiles({ name, mimeType: 'application/octet-stream', buffer });
}

/** The ten probabilities shown, as fractions. */
export async function probabilities(page) {
    return page.evaluate(() =>
        [...document.querySelector('[data-testid="probabilities"]').children].map((li) => Number.parseFloat(li.querySelector('.value').textContent) / 100),
    );
}

/** Count of pixels of the preview (the 28x28 the network sees) that are not white. */
export async function previewInk(page) {
    return page.evaluate(() => {
        const c = document.querySelector('[data-testid="preview"]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 250) n++;
        return n;
    });
}
