#!/usr/bin/env node
// page-speed.mjs: the page itself training, engine after engine (not a test: speed is never
// asserted); thread-bench.mjs times the engine alone inside a worker.
//   node tests/helpers/page-speed.mjs [chromium,firefox,webkit] [--arch mlp|convnet] [--epochs 2] [--rounds 3]
// Each round opens a fresh page in each engine in turn (the order reversed every other round, so
// that a drift of the machine hits all alike), trains with the page's defaults for the chosen
// network, and reads the Samples per second tile (a rate over the last progress window, pauses and
// evaluation excluded) every 250 ms. An engine's figure is the median of its readings over the
// round, then the median of its rounds; also the threads the page showed and its epoch times.
import { parseArgs } from 'node:util';
import { startServer } from './browser.mjs';
import { ENGINES, launchEngine } from './engines.mjs';

const { values: o, positionals } = parseArgs({
    allowPositionals: true,
    options: {
        arch: { type: 'string', default: 'mlp' },
        epochs: { type: 'string', default: '2' },
        rounds: { type: 'string', default: '3' },
    },
});
const engines = (positionals[0] ?? 'chromium,firefox,webkit').split(',').filter((e) => {
    if (!ENGINES[e]) throw new Error(`unknown engine ${e} (chromium, firefox, webkit)`);
    if (ENGINES[e].available()) return true;
    console.log(`${e}: skipped, ${ENGINES[e].missing}`);
    return false;
});
const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const number = (s) => Number(String(s).replace(/[^\d.]/g, ''));

/** One training run of the page: {rate (median samples/s), readings, threads shown, epoch seconds}. */
async function trainOnce(browser) {
    const page = await browser.open({});
    try {
        await page.goto(srv.url);
        const state = () => page.evaluate(() => document.querySelector('[data-testid="status"]')?.dataset.state);
        await page.waitFor(() => document.querySelector('[data-testid="status"]')?.dataset.state === 'ready', null, { timeout: 120000, what: 'the page ready' });
        await page.fill('arch', o.arch);
        await page.fill('epochs', o.epochs);
        await page.click('train');
        await page.waitFor(() => document.querySelector('[data-testid="status"]')?.dataset.state === 'training', null, { what: 'training' });
        const readings = [];
        const threads = new Set();
        const t0 = Date.now();
        while ((await state()) === 'training') {
            if (Date.now() - t0 > 30 * 60000) throw new Error('still training after 30 minutes');
            const r = await page.evaluate(() => ({
                sps: document.querySelector('[data-testid="samples-per-second"]')?.textContent,
                threads: document.querySelector('[data-testid="threads"]')?.textContent,
            }));
            const sps = number(r.sps);
            if (sps > 0 && readings.at(-1) !== sps) readings.push(sps);
            if (r.threads && r.threads !== '–') threads.add(r.threads);
            await sleep(250);
        }
        const log = await page.evaluate(() => document.querySelector('[data-testid="epoch-log"]')?.textContent ?? '');
        const epochSeconds = [...log.matchAll(/ - ([\d.]+) s - /g)].map((m) => Number(m[1]));
        if (epochSeconds.length !== Number(o.epochs)) throw new Error(`the page logged ${epochSeconds.length} of ${o.epochs} epochs: ${log}`);
        return { rate: median(readings), readings: readings.length, threads: [...threads], epochSeconds };
    } finally {
        await page.close();
    }
}

const srv = await startServer();
const runs = Object.fromEntries(engines.map((e) => [e, []]));
try {
    for (let r = 0; r < Number(o.rounds); r++) {
        for (const name of r % 2 ? [...engines].reverse() : engines) {
            const browser = await launchEngine(name);
            try {
                const run = await trainOnce(browser);
                runs[name].push(run);
                console.log(`round ${r + 1}, ${name}: ${Math.round(run.rate)} samples/s (${run.readings} readings), threads ${run.threads.join(' / ')}, epochs ${run.epochSeconds.join(', ')} s`);
            } finally {
                await browser.close();
            }
        }
    }
} finally {
    await srv.close();
}
console.log(`\n${o.arch}, ${o.epochs} epoch${o.epochs === '1' ? '' : 's'} with the page's defaults, median of ${o.rounds} rounds:`);
const base = runs[engines[0]];
for (const name of engines) {
    const mine = runs[name];
    const ratio = median(mine.map((x, i) => x.rate / base[i].rate));
    const cells = [`${Math.round(median(mine.map((x) => x.rate)))} samples/s`.padEnd(20), `epoch ${median(mine.flatMap((x) => x.epochSeconds)).toFixed(1)} s`.padEnd(14)];
    if (name !== engines[0]) cells.push(`${ratio.toFixed(2)}x ${engines[0]}`);
    console.log(`  ${name.padEnd(10)}${cells.join('')}  threads ${[...new Set(mine.flatMap((x) => x.threads))].join(' / ')}`);
}
