/* touch.test.mjs: drawing with a finger and a pen, in Debian's Chromium on a phone-sized page
 * (touch, 375 px): real touch and pen input through the DevTools protocol (Input.dispatchTouchEvent;
 * Input.dispatchMouseEvent with pointerType "pen"), not synthetic DOM events. A digit drawn with
 * either is read as the same digit drawn with the mouse, from the same 28x28 input; the page does
 * not scroll under a finger that draws (while the same drag beside the pad does scroll it); two
 * fingers leave no ink. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { haveChromium, launch, openPage, startServer } from './helpers/browser.mjs';
import { DIGIT_STROKES, byTestId, drawStrokes, gotoReady, importModel, settledPrediction, trainModelInNode, waitText } from './helpers/page-actions.mjs';

const skip = haveChromium() ? false : 'no Chromium at /usr/bin/chromium (node scripts/setup.mjs --test installs it)';
const STEPS = 8; // points per segment, as drawStrokes' mouse moves

/** Points along a stroke in page coordinates: each segment cut in STEPS, as the mouse's moves. */
function path(box, stroke) {
    const at = ([fx, fy]) => [box.x + fx * box.width, box.y + fy * box.height];
    const points = [at(stroke[0])];
    for (let i = 1; i < stroke.length; i++) {
        const [x0, y0] = at(stroke[i - 1]);
        const [x1, y1] = at(stroke[i]);
        for (let s = 1; s <= STEPS; s++) points.push([x0 + ((x1 - x0) * s) / STEPS, y0 + ((y1 - y0) * s) / STEPS]);
    }
    return points;
}

/** Finger strokes: touchStart, touchMoves, touchEnd; fingers: extra touch points that move alike. */
async function touchStrokes(cdp, box, strokes, { fingers = 1, spread = 40 } = {}) {
    for (const stroke of strokes) {
        const pts = path(box, stroke);
        const touches = ([x, y]) => Array.from({ length: fingers }, (_, f) => ({ x: x + f * spread, y, id: f, radiusX: 4, radiusY: 4, force: 0.5 }));
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: touches(pts[0]) });
        for (const p of pts.slice(1)) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: touches(p) });
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    }
}

/** Pen strokes: mouse events of pointerType "pen" (with pressure), as a stylus sends them. */
async function penStrokes(cdp, box, strokes) {
    for (const stroke of strokes) {
        const pts = path(box, stroke);
        const ev = (type, [x, y], extra = {}) => cdp.send('Input.dispatchMouseEvent', { type, x, y, pointerType: 'pen', force: 0.6, ...extra });
        await ev('mouseMoved', pts[0]);
        await ev('mousePressed', pts[0], { button: 'left', buttons: 1, clickCount: 1 });
        for (const p of pts.slice(1)) await ev('mouseMoved', p, { button: 'left', buttons: 1 });
        await ev('mouseReleased', pts.at(-1), { button: 'left', buttons: 0, clickCount: 1 });
    }
}

/** The pad's pixels as a compact signature: one byte per pixel (its red channel). */
const padPixels = (page) =>
    page.evaluate(() => {
        const c = document.querySelector('[data-testid="canvas"]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return Array.from({ length: d.length / 4 }, (_, i) => d[4 * i]);
    });
const inkPixels = (pixels) => pixels.filter((v) => v < 128).length;
const differing = (a, b) => a.reduce((n, v, i) => n + (Math.abs(v - b[i]) > 64 ? 1 : 0), 0);

describe('touch and pen', { skip }, () => {
    let srv;
    let browser;
    let model;
    before(async () => {
        [srv, browser, model] = await Promise.all([startServer(), launch(), trainModelInNode()]);
    });
    after(async () => {
        await browser?.close();
        await srv?.close();
    });

    /** A phone-sized page with a model; records the pointer types the pad sees. box(): the pad's. */
    async function phonePage(fn) {
        const { context, page } = await openPage(browser, { width: 375, height: 812, isMobile: true, hasTouch: true });
        try {
            await gotoReady(page, srv.url);
            await importModel(page, model);
            await waitText(page, 'model-info', /imported/);
            // the evaluation that follows an import changes the status line's height: let it end,
            // so that nothing but the input moves the page
            await waitText(page, 'test-accuracy', /%$/);
            await waitText(page, 'status', /^Ready/);
            await page.evaluate(() => {
                window.__pointers = [];
                document.querySelector('[data-testid="canvas"]').addEventListener('pointerdown', (e) => window.__pointers.push(e.pointerType), true);
            });
            const cdp = await context.newCDPSession(page);
            await byTestId(page, 'canvas').evaluate((el) => el.scrollIntoView({ block: 'center' }));
            await fn({ page, cdp, box: () => byTestId(page, 'canvas').boundingBox() });
            assert.deepEqual(page.problems, [], 'console errors or page errors');
        } finally {
            await context.close();
        }
    }

    /** Draws a digit in one way after Clear; returns {prediction, pixels, input (the 28x28 preview)}. */
    async function drawWith(page, cdp, box, how, digit) {
        await byTestId(page, 'clear').click();
        const strokes = DIGIT_STROKES[digit];
        if (how === 'mouse') await drawStrokes(page, strokes);
        else if (how === 'finger') await touchStrokes(cdp, await box(), strokes);
        else await penStrokes(cdp, await box(), strokes);
        await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]').textContent !== '', null, { timeout: 20000 });
        const prediction = await settledPrediction(page);
        const input = await page.evaluate(() => {
            const c = document.querySelector('[data-testid="preview"]');
            return Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0));
        });
        return { prediction, pixels: await padPixels(page), input };
    }

    test('a digit drawn with a finger or a pen is read like the same digit drawn with the mouse', async () => {
        await phonePage(async ({ page, cdp, box }) => {
            for (const digit of [7, 1, 0]) {
                const mouse = await drawWith(page, cdp, box, 'mouse', digit);
                assert.equal(mouse.prediction, String(digit), `a ${digit} with the mouse`);
                for (const how of ['finger', 'pen']) {
                    const other = await drawWith(page, cdp, box, how, digit);
                    assert.equal(other.prediction, String(digit), `a ${digit} with a ${how}`);
                    // the same path gives the same ink, and so the same 28x28 input
                    const ink = inkPixels(mouse.pixels);
                    assert.ok(ink > 2000, `the mouse's ${digit} has ink (${ink} pixels)`);
                    const diff = differing(mouse.pixels, other.pixels);
                    assert.ok(diff < 0.02 * ink, `${how}: ${diff} pad pixels differ from the mouse's ${ink} inked`);
                    const inputDiff = other.input.reduce((n, v, i) => n + Math.abs(v - mouse.input[i]), 0) / (255 * 784);
                    assert.ok(inputDiff < 0.01, `${how}: the 28x28 input differs by ${(100 * inputDiff).toFixed(2)}%`);
                }
            }
            const types = await page.evaluate(() => [...new Set(window.__pointers)].sort());
            assert.deepEqual(types, ['mouse', 'pen', 'touch'], 'the pad saw real mouse, pen and touch pointers');
        });
    });

    test('a finger drawing on the pad does not scroll the page; the same drag beside the pad does', async () => {
        await phonePage(async ({ page, cdp, box }) => {
            await byTestId(page, 'clear').click();
            const y0 = await page.evaluate(() => window.scrollY);
            // an upward stroke: a scroll gesture if the page took it
            await touchStrokes(cdp, await box(), [
                [
                    [0.5, 0.9],
                    [0.5, 0.1],
                ],
            ]);
            await page.waitForTimeout(300); // a fling would go on after the touch ends
            assert.equal(await page.evaluate(() => window.scrollY), y0, 'the page stayed put');
            assert.ok(inkPixels(await padPixels(page)) > 500, 'the finger drew');
            assert.match(await settledPrediction(page), /^\d$/);
            // the control: the same drag on the text above the pad scrolls the page
            const info = await byTestId(page, 'model-info').boundingBox();
            const beside = { x: info.x, y: info.y - 200, width: info.width, height: 200 };
            await touchStrokes(cdp, beside, [
                [
                    [0.5, 0.95],
                    [0.5, 0.05],
                ],
            ]);
            await page.waitForFunction((y) => window.scrollY !== y, y0, { timeout: 5000 });
        });
    });

    test('two fingers leave no ink: together from the start, or a second one during a stroke', async () => {
        await phonePage(async ({ page, cdp, box }) => {
            await byTestId(page, 'clear').click();
            const y0 = await page.evaluate(() => window.scrollY);
            await touchStrokes(cdp, await box(), DIGIT_STROKES[7], { fingers: 2 });
            await page.waitForTimeout(300);
            assert.equal(inkPixels(await padPixels(page)), 0, 'two fingers drew nothing');
            assert.equal(await settledPrediction(page), '');
            assert.equal(await page.evaluate(() => window.scrollY), y0, 'nor scrolled the page');

            // one finger draws (a prediction shows), then a second lands: the stroke is taken back
            const pad = await box();
            const pts = path(pad, DIGIT_STROKES[1][0]);
            await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: pts[0][0], y: pts[0][1], id: 0 }] });
            for (const [x, y] of pts.slice(1, 12)) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y, id: 0 }] });
            assert.ok(inkPixels(await padPixels(page)) > 200, 'the first finger drew');
            await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]').textContent !== '', null, { timeout: 20000 });
            const [x, y] = pts[11];
            const both = [
                { x, y, id: 0 },
                { x: pad.x + pad.width * 0.8, y: pad.y + pad.height * 0.5, id: 1 },
            ];
            await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: both });
            await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: both.map((t) => ({ ...t, y: t.y + 30 })) });
            await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
            await page.waitForTimeout(200);
            assert.equal(inkPixels(await padPixels(page)), 0, 'the stroke was taken back');
            assert.equal(await settledPrediction(page), '', 'and its prediction with it');
            // and the pad draws again with one finger afterwards
            await touchStrokes(cdp, await box(), DIGIT_STROKES[1]);
            await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]').textContent !== '', null, { timeout: 20000 });
            assert.equal(await settledPrediction(page), '1');
        });
    });
});
