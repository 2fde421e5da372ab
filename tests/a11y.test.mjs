/* a11y.test.mjs: axe-core's WCAG 2.0/2.1 A and AA rules (wcag2a, wcag2aa, wcag21a, wcag21aa) on
 * every main state of the page, in Chromium at 1280 and 375 px: first load, data loading,
 * training under way, paused, trained with the evaluation shown, a drawn digit predicted, a drawn
 * number read (its row of digits), an upload refused, the error banner, the Spanish page. axe is
 * injected through the driver (page.evaluate: the page's CSP stays as it is), and a violation
 * fails the test with its rule, its impact and the elements it found. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { haveChromium, launch, openPage, startServer } from './helpers/browser.mjs';
import { DIGIT_STROKES, NUMBER_STROKES, byTestId, drawDigit, drawStrokes, gotoReady, importModel, settledPrediction, startTraining, trainModelInNode, waitState, waitText } from './helpers/page-actions.mjs';

const skip = haveChromium() ? false : 'no Chromium at /usr/bin/chromium (node scripts/setup.mjs --test installs it)';
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const RULES = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
let srv;
let browser;
let model;

/** The violations of the page as it is now: "rule (impact): selector, selector ..." lines. */
async function audit(page) {
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
    const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), RULES);
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function expectClean(page, state, width) {
    const violations = await audit(page);
    assert.deepEqual(violations, [], `${state} at ${width} px`);
}

describe('accessibility (axe-core, WCAG 2.1 A and AA)', { skip }, () => {
    before(async () => {
        [srv, browser, model] = await Promise.all([startServer(), launch(), trainModelInNode()]);
    });
    after(async () => {
        await browser?.close();
        await srv?.close();
    });

    test('the pad has one live region, read out when a stroke ends and not while the pen moves', async () => {
        const { context, page } = await openPage(browser, { width: 1280, height: 900 });
        try {
            await gotoReady(page, srv.url);
            await importModel(page, model);
            await waitText(page, 'model-info', /imported/);
            const live = await page.evaluate(() =>
                [...document.querySelectorAll('[aria-live="polite"], [role=status], output:not([aria-live="off"])')]
                    .filter((el) => el.closest('#draw'))
                    .map((el) => el.dataset.testid),
            );
            assert.deepEqual(live, ['draw-announce'], 'one polite live region in the drawing section (errors are alerts)');
            assert.equal(await drawDigit(page, 7), '7');
            const said = await byTestId(page, 'draw-announce').textContent();
            assert.equal(said, await byTestId(page, 'draw-message').textContent());
            assert.match(said, /7/);

            // a 1 drawn slowly, the button held: answers follow the pen, nothing more is read out
            await byTestId(page, 'clear').click();
            const before = await byTestId(page, 'draw-announce').textContent();
            const box = await byTestId(page, 'canvas').boundingBox();
            const [first, ...rest] = DIGIT_STROKES[1][0];
            await page.mouse.move(box.x + first[0] * box.width, box.y + first[1] * box.height);
            await page.mouse.down();
            for (const [fx, fy] of rest) {
                await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height, { steps: 20 });
                await page.waitForTimeout(400); // longer than the prediction's maximum wait
            }
            await waitText(page, 'prediction', /\d/);
            assert.equal(await byTestId(page, 'draw-announce').textContent(), before, 'nothing read out mid-stroke');
            await page.mouse.up();
            assert.equal(await settledPrediction(page), '1');
            await page.waitForFunction(() => /1/.test(document.querySelector('[data-testid="draw-announce"]').textContent));
        } finally {
            await context.close();
        }
    });

    for (const width of [1280, 375]) {
        test(`every state of the page at ${width} px: first load, loading, training, paused, trained, drawn, refused upload, error, Spanish`, async () => {
            const { context, page } = await openPage(browser, { width, height: 900, isMobile: width < 500, hasTouch: width < 500 });
            try {
                // the data held back a moment, so that the loading state can be audited
                let release;
                const held = new Promise((resolve) => (release = resolve));
                await context.route('**/data/*.gz', async (route) => {
                    await held;
                    await route.continue();
                });
                await page.goto(srv.url);
                await expectClean(page, 'first load', width);
                await waitState(page, 'loading');
                await expectClean(page, 'data loading', width);
                release();
                await waitState(page, 'ready');
                await expectClean(page, 'ready', width);

                // far more epochs than the audits take: stopped below, it cannot end before the pause
                await startTraining(page, { epochs: 1000, limit: 12000 });
                await waitText(page, 'epoch-progress-text', /\d+ of \d+/, 60000);
                await expectClean(page, 'training under way', width);
                await byTestId(page, 'pause').click();
                await waitState(page, 'paused');
                await expectClean(page, 'paused', width);
                await byTestId(page, 'pause').click();
                await byTestId(page, 'stop').click();
                await waitState(page, 'ready', 120000);
                await waitText(page, 'test-accuracy', /\d/, 60000);
                await expectClean(page, 'trained, with the evaluation shown', width);

                await importModel(page, model);
                await waitText(page, 'model-info', /imported/);
                assert.match(await drawDigit(page, 7), /^\d$/);
                await expectClean(page, 'a drawn digit predicted', width);
                await byTestId(page, 'clear').click();
                await drawStrokes(page, NUMBER_STROKES[17]);
                assert.match(await settledPrediction(page), /^\d\d$/);
                assert.ok(await byTestId(page, 'number-digits').isVisible());
                await expectClean(page, 'a number read, its digits in a row', width);

                await byTestId(page, 'upload').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
                await waitText(page, 'upload-error', /./);
                await expectClean(page, 'an upload refused', width);

                const [worker] = page.workers();
                await worker.evaluate(() => setTimeout(() => {
                    throw new Error('a failure for the test');
                }));
                await waitText(page, 'error-text', /stopped/);
                await expectClean(page, 'the error banner', width);
                await waitState(page, 'ready');

                await byTestId(page, 'lang').click();
                await waitText(page, 'status', /Listo|entren/i);
                await expectClean(page, 'the Spanish page', width);
            } finally {
                await context.close();
            }
        });
    }
});
