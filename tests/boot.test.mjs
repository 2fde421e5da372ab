/* boot.test.mjs: the page's start in Debian's Chromium with the browser made to lack what
 * web/boot.js checks, through init scripts that run before the page's own: a navigator.language
 * that Intl refuses ("C", as WebKitGTK reports under LANG=C.UTF-8; Chromium's own tag is always
 * valid), no WebAssembly SIMD, no DecompressionStream, no module workers; then an app.js that
 * never starts, and a module that does not parse. The failures that every engine can show for
 * real (a module that throws at load, file://) are in engines.test.mjs. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { haveChromium, launch, openPage, startServer } from './helpers/browser.mjs';
import { byTestId, gotoReady, waitState, waitText } from './helpers/page-actions.mjs';

const skip = haveChromium() ? false : 'no Chromium at /usr/bin/chromium (node scripts/setup.mjs --test installs it)';
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2.1 A and AA violations of the page as it is (as tests/a11y.test.mjs). */
async function violations(page) {
    await page.evaluate(AXE);
    const r = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('boot', { skip }, () => {
    let srv;
    let browser;
    before(async () => {
        [srv, browser] = await Promise.all([startServer(), launch()]);
    });
    after(async () => {
        await browser?.close();
        await srv?.close();
    });

    async function withPage(init, fn) {
        const { context, page } = await openPage(browser, {});
        try {
            if (init) await context.addInitScript(init);
            await fn(page);
        } finally {
            await context.close();
        }
    }

    test('a browser locale that Intl refuses ("C") is replaced before uPlot reads it: the page starts, charts and all', async () => {
        await withPage(
            () => {
                Object.defineProperty(navigator, 'language', { configurable: true, get: () => 'C' });
                Object.defineProperty(navigator, 'languages', { configurable: true, get: () => ['C'] });
            },
            async (page) => {
                await gotoReady(page, srv.url);
                assert.deepEqual(
                    await page.evaluate(() => [navigator.language, [...navigator.languages], globalThis.nnBoot.replacedLocale]),
                    ['en', ['en'], 'C'],
                );
                assert.equal(await byTestId(page, 'boot-error').isVisible(), false);
                assert.ok((await byTestId(page, 'chart-batch').locator('canvas').count()) >= 1, 'uPlot drew its chart');
                assert.deepEqual(page.problems, []);
            },
        );
        // A valid tag is left alone.
        await withPage(
            () => Object.defineProperty(navigator, 'language', { configurable: true, get: () => 'es-419' }),
            async (page) => {
                await gotoReady(page, srv.url);
                assert.deepEqual(await page.evaluate(() => [navigator.language, globalThis.nnBoot.replacedLocale]), ['es-419', null]);
            },
        );
    });

    test('missing features are named, with what to do, in both languages, and the page goes no further', async () => {
        await withPage(
            () => {
                WebAssembly.validate = () => false; // a WebAssembly without SIMD refuses our modules
                delete window.DecompressionStream;
                const Real = window.Worker;
                window.Worker = function Worker(url) {
                    return new Real(url); // reads no options: classic workers only
                };
            },
            async (page) => {
                await page.goto(srv.url);
                await waitState(page, 'boot-error');
                const message = await waitText(page, 'boot-error', /lacks what the page needs/);
                assert.match(message, /needs: WebAssembly SIMD, module workers, DecompressionStream \(gzip\)\./);
                assert.match(message, /recent Chrome, Edge, Firefox or Safari/);
                assert.match(message, /le falta lo que la página necesita: WebAssembly SIMD, workers de módulo, DecompressionStream/);
                assert.equal(await byTestId(page, 'boot-error').getAttribute('data-kind'), 'features');
                await page.waitForTimeout(500);
                assert.equal(await byTestId(page, 'status').getAttribute('data-state'), 'boot-error', 'app.js did not start a worker over it');
                assert.equal(await page.evaluate(() => document.querySelector('[data-testid="samples"]').children.length), 0);
                assert.deepEqual(await violations(page), [], 'the message passes WCAG 2.1 AA (axe-core)');
            },
        );
    });

    test('a start that never happens, with no error to show, is a failure too once the page has loaded', async () => {
        srv.override('/app.js', '// nothing: app.js never starts\n');
        try {
            await withPage(null, async (page) => {
                await page.goto(srv.url);
                const message = await waitText(page, 'boot-error', /did not start/, 20000);
                assert.match(message, /its scripts did not run/);
                assert.match(message, /La página no arrancó/);
            });
        } finally {
            srv.override('/app.js', null);
        }
    });

    test('a module that fails to load is named; ?lang=es puts the Spanish first', async () => {
        srv.override('/ui/digits.js', 'export const x = ;\n'); // a syntax error
        try {
            await withPage(null, async (page) => {
                await page.goto(`${srv.url}?lang=es`);
                await waitState(page, 'boot-error');
                const message = await waitText(page, 'boot-error', /no pudo arrancar/);
                assert.match(message, /^La página no pudo arrancar\..*SyntaxError.*The page could not start\./s);
                assert.equal(await byTestId(page, 'status').textContent(), 'La página no pudo arrancar.');
                assert.deepEqual(await violations(page), [], 'the message passes WCAG 2.1 AA (axe-core)');
            });
        } finally {
            srv.override('/ui/digits.js', null);
        }
    });
});
