#!/usr/bin/env node
// views-speed.mjs: the page's training speed with the look-inside views open and on screen (the
// units' pictures redrawn from the worker's snapshots) against closed, in interleaved rounds in
// headless Chromium, with medians: what the samples/s stat shows, the epoch time of the log, and
// the wall-clock time from Train to done (which also counts the worker's snapshot copies); and
// what the views cost directly: the page's time drawing the pictures, the worker's copying them.
//   node scripts/views-speed.mjs [--rounds 3] [--arch mlp|convnet] [--limit N] [--epochs 1]
//   node scripts/views-speed.mjs --toggle 3 [--epochs 3] ...   one training instead, the views
//     opened and closed every 3 s, each progress window's samples/s counted for the state it
//     ran in (the first one after a switch left out): a machine whose speed drifts from one
//     minute to the next (a shared VM) hits both states alike.
// Needs Chromium (node scripts/setup.mjs --test). No assertion: it prints figures, then one JSON line.
/* global window, document, MutationObserver -- in the functions handed to page.evaluate */
import { parseArgs } from 'node:util';
import { launch, openPage, startServer } from '../tests/helpers/browser.mjs';
import { byTestId, fillSettings, gotoReady, waitState } from '../tests/helpers/page-actions.mjs';

const { values: opt } = parseArgs({
    options: {
        rounds: { type: 'string', default: '3' },
        arch: { type: 'string', default: 'mlp' },
        limit: { type: 'string', default: '0' },
        epochs: { type: 'string', default: '1' },
        toggle: { type: 'string', default: '0' },
    },
});
const rounds = Number(opt.rounds);
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const srv = await startServer();
const browser = await launch();
const results = { open: [], closed: [] };

async function round(open) {
    const { context, page } = await openPage(browser, { width: 1280, height: 900 });
    try {
        await gotoReady(page, srv.url);
        await fillSettings(page, { arch: opt.arch, epochs: opt.epochs, limit: opt.limit });
        await page.evaluate((show) => {
            const view = document.getElementById('units-view');
            view.open = show;
            (show ? view : document.body).scrollIntoView({ block: 'start' });
            window.snapshots = 0;
            const c = document.querySelector('[data-testid="unit-weights"]');
            new MutationObserver(() => window.snapshots++).observe(c, { attributes: true, attributeFilter: ['data-samples'] });
        }, open);
        await page.waitForTimeout(500); // the watch request is on its way
        const t0 = Date.now();
        await page.evaluate(() => document.querySelector('[data-testid="train"]').click());
        await waitState(page, 'training');
        const shown = [];
        const poll = setInterval(async () => {
            const v = await byTestId(page, 'samples-per-second').textContent().catch(() => '');
            const n = Number(v.replace(/,/g, ''));
            if (n > 0) shown.push(n);
        }, 500);
        await page.waitForFunction(() => /test accuracy|precisión en prueba/.test(document.querySelector('[data-testid="status"]').textContent), null, {
            timeout: 900000,
            polling: 100,
        });
        clearInterval(poll);
        const wall = (Date.now() - t0) / 1000;
        await waitState(page, 'ready');
        const log = await byTestId(page, 'epoch-log').textContent();
        const seconds = [...log.matchAll(/ - ([\d.]+) s - /g)].map((m) => Number(m[1]));
        const samples = (Number(opt.limit) || 60000) * Number(opt.epochs);
        const costs = await byTestId(page, 'unit-weights').evaluate((c) => ({ drawn: Number(c.dataset.drawnMs ?? 0), copied: Number(c.dataset.copiedMs ?? 0) }));
        const r = {
            shownSps: median(shown),
            logSps: samples / seconds.at(-1),
            wallSeconds: wall,
            snapshots: await page.evaluate(() => window.snapshots),
            drawnMs: costs.drawn, // the page's main thread, drawing the pictures (the final one included)
            copiedMs: costs.copied, // the worker, copying the weights for them
        };
        console.log(
            `${open ? 'open  ' : 'closed'}: shown ${Math.round(r.shownSps)} samples/s, log ${Math.round(r.logSps)} samples/s, wall ${wall.toFixed(1)} s, ` +
                `${r.snapshots} pictures drawn in ${r.drawnMs.toFixed(0)} ms (${((100 * r.drawnMs) / 1000 / wall).toFixed(2)}% of the time), copied in ${r.copiedMs.toFixed(0)} ms`,
        );
        results[open ? 'open' : 'closed'].push(r);
    } finally {
        await context.close();
    }
}

/** One training; the units view opened and closed every `every` seconds; samples/s by state. */
async function toggled(every) {
    const { context, page } = await openPage(browser, { width: 1280, height: 900 });
    try {
        await gotoReady(page, srv.url);
        await fillSettings(page, { arch: opt.arch, epochs: opt.epochs, limit: opt.limit });
        await page.locator('#units-view').evaluate((el) => el.scrollIntoView({ block: 'start' }));
        await page.evaluate(() => {
            // each progress window's samples/s as the page shows it, with the state it ran in
            window.windows = [];
            window.switchedAt = performance.now();
            const stat = document.querySelector('[data-testid="samples-per-second"]');
            new MutationObserver(() => {
                const v = Number(stat.textContent.replace(/,/g, ''));
                const open = document.getElementById('units-view').open;
                if (v > 0) window.windows.push({ v, open, settled: performance.now() - window.switchedAt > 600 });
            }).observe(stat, { childList: true, characterData: true, subtree: true });
        });
        await page.evaluate(() => document.querySelector('[data-testid="train"]').click());
        await waitState(page, 'training');
        const flip = setInterval(() => {
            page.evaluate(() => {
                const view = document.getElementById('units-view');
                view.open = !view.open;
                window.switchedAt = performance.now();
            }).catch(() => {});
        }, every * 1000);
        await waitState(page, 'ready', 3600000);
        clearInterval(flip);
        const w = await page.evaluate(() => window.windows);
        const costs = await byTestId(page, 'unit-weights').evaluate((c) => ({ drawn: Number(c.dataset.drawnMs ?? 0), copied: Number(c.dataset.copiedMs ?? 0) }));
        const of = (open) => w.filter((x) => x.settled && x.open === open).map((x) => x.v);
        const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
        const open = of(true);
        const closed = of(false);
        const r = {
            windows: { open: open.length, closed: closed.length },
            median: { open: median(open), closed: median(closed), ratio: median(open) / median(closed) },
            mean: { open: mean(open), closed: mean(closed), ratio: mean(open) / mean(closed) },
            drawnMs: costs.drawn,
            copiedMs: costs.copied,
        };
        console.log(
            `views open: ${open.length} windows, median ${Math.round(r.median.open)} samples/s; closed: ${closed.length}, median ${Math.round(r.median.closed)}; ` +
                `open/closed ${(100 * r.median.ratio).toFixed(1)}% (means: ${(100 * r.mean.ratio).toFixed(1)}%); drawing ${r.drawnMs.toFixed(0)} ms, copying ${r.copiedMs.toFixed(0)} ms`,
        );
        console.log(JSON.stringify({ arch: opt.arch, limit: Number(opt.limit), epochs: Number(opt.epochs), toggle: every, ...r }));
    } finally {
        await context.close();
    }
}

try {
    if (Number(opt.toggle) > 0) {
        await toggled(Number(opt.toggle));
        process.exit(0);
    }
    for (let i = 0; i < rounds; i++) {
        // alternate which goes first, so that a drift of the machine's speed hits both
        for (const open of i % 2 ? [true, false] : [false, true]) await round(open);
    }
    const summary = {};
    for (const k of ['open', 'closed'])
        summary[k] = Object.fromEntries(['shownSps', 'logSps', 'wallSeconds', 'snapshots', 'drawnMs', 'copiedMs'].map((f) => [f, median(results[k].map((r) => r[f]))]));
    const ratio = (f) => summary.open[f] / summary.closed[f];
    summary.openOverClosed = { shownSps: ratio('shownSps'), logSps: ratio('logSps'), wallSeconds: ratio('wallSeconds') };
    console.log(
        `medians of ${rounds}: open/closed samples/s shown ${(100 * ratio('shownSps')).toFixed(1)}%, from the log ${(100 * ratio('logSps')).toFixed(1)}%; wall time ${(100 * ratio('wallSeconds')).toFixed(1)}%`,
    );
    console.log(JSON.stringify({ arch: opt.arch, limit: Number(opt.limit), epochs: Number(opt.epochs), rounds, ...summary, runs: results }));
} finally {
    await browser.close();
    await srv.close();
}
