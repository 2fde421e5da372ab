#!/usr/bin/env node
// thread-bench.mjs: training speed by thread count and barrier spin inside a browser's worker, the
// browser counterpart of scripts/lib/bench-load.mjs (not a test: speed is never asserted).
//   node tests/helpers/thread-bench.mjs chromium|firefox|webkit [--counts 1,2,4] [--spins 1024,1048576]
//        [--batches 60] [--rounds 3] [--force-shared-memory]
// A page and a worker of its own, served by the test server in place of two paths (web/ is not
// touched), load nn.js, nn.wasm and nn-mt.wasm as the page does and time the Keras recipe: 1
// thread on nn.wasm, then each spin (nn_threads_set_spin) and count (useThreads), in interleaved
// rounds; medians in samples/s. --force-shared-memory gives WebKitGTK the SharedArrayBuffer it
// lacks (JSC_useSharedArrayBuffer=1), as the issue did to see 4 threads run 16-20x slower than 1.
import { parseArgs } from 'node:util';
import { startServer } from './browser.mjs';
import { launchEngine } from './engines.mjs';
import { startWebKitDriver } from './webdriver.mjs';

const { values: o, positionals } = parseArgs({
    allowPositionals: true,
    options: {
        counts: { type: 'string', default: '1,2,4' },
        spins: { type: 'string', default: '1024,1048576' },
        batches: { type: 'string', default: '60' },
        rounds: { type: 'string', default: '3' },
        'force-shared-memory': { type: 'boolean', default: false },
    },
});
const engine = positionals[0] ?? 'chromium';

const PAGE = '<!doctype html><meta charset="utf-8"><title>threads</title><script type="module" src="thread-bench.js"></script>';
const MAIN = `const w = new Worker(new URL('./thread-bench-worker.js', import.meta.url), { type: 'module' });
w.onmessage = (e) => (window.__result = e.data);
w.onerror = (e) => (window.__result = { error: e.message });
w.postMessage(Object.fromEntries(new URLSearchParams(location.search)));`;
// In the worker: the same loading as the page's (nn.js), the data as the worker gets it.
const WORKER = `import { loadNN } from './nn.js';
const idx = async (name) => new Uint8Array(await new Response((await fetch('data/' + name + '.gz')).body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
self.onmessage = async ({ data: o }) => {
  try {
    const B = Number(o.batches), rounds = Number(o.rounds);
    const spins = o.spins.split(',').map(Number), counts = o.counts.split(',').map(Number);
    const [images, labels] = await Promise.all([idx('train-images-idx3-ubyte'), idx('train-labels-idx1-ubyte')]);
    const one = await loadNN(new URL('./nn.wasm', import.meta.url));
    const mt = await loadNN(undefined, { threads: Math.max(...counts) });
    const sets = new Map([[one, one.createDataset(images, labels)], [mt, mt.createDataset(images, labels)]]);
    const run = (e, t) => {
      const net = e.createNetwork({ seed: 1 });
      const tr = e.createTrainer(net, sets.get(e), { seed: 1, threads: e.threads });
      e.useThreads(t);
      tr.train(5);
      const t0 = performance.now();
      let done = 0;
      while (done < B) done += tr.train(Math.min(10, B - done)).chunkBatches;
      const sps = (B * 128) / ((performance.now() - t0) / 1000);
      tr.free();
      net.free();
      return sps;
    };
    run(one, 1);
    run(mt, mt.threads);
    const res = { '1 thread (nn.wasm)': [] };
    for (let r = 0; r < rounds; r++) {
      res['1 thread (nn.wasm)'].push(run(one, 1));
      for (const spin of spins)
        for (const t of counts) {
          mt.x.nn_threads_set_spin(spin);
          (res['spin ' + spin + ', ' + t + ' thread' + (t > 1 ? 's' : '')] ??= []).push(run(mt, t));
        }
    }
    const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    self.postMessage({ threads: mt.threads, cores: navigator.hardwareConcurrency, results: Object.entries(res).map(([k, v]) => [k, Math.round(med(v)), v.map(Math.round)]) });
  } catch (err) {
    self.postMessage({ error: String(err.stack || err) });
  }
};`;

const srv = await startServer();
srv.override('/thread-bench.js', MAIN);
srv.override('/thread-bench-worker.js', WORKER);
let browser;
let page;
let driver;
try {
    if (engine === 'webkit' && o['force-shared-memory']) {
        driver = await startWebKitDriver({ env: { LANG: 'C.UTF-8', JSC_useSharedArrayBuffer: '1' } });
        const session = await driver.newSession();
        page = { goto: (u) => session.navigate(u), evaluate: (fn) => session.evaluate(fn), close: () => session.close() };
    } else {
        browser = await launchEngine(engine);
        page = await browser.open({});
    }
    // the page itself: the test server serves it under a name web/ does not have
    srv.override('/thread-bench.html', PAGE);
    const q = new URLSearchParams({ counts: o.counts, spins: o.spins, batches: o.batches, rounds: o.rounds });
    await page.goto(`${srv.url}thread-bench.html?${q}`);
    let r = null;
    for (let i = 0; i < 1200 && !r; i++) {
        r = await page.evaluate(() => window.__result ?? null).catch(() => null);
        if (!r) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    if (!r || r.error) throw new Error(r?.error ?? 'no result');
    console.log(`${engine}${o['force-shared-memory'] ? ' (shared memory forced)' : ''}: hardwareConcurrency ${r.cores}, ${o.batches} batches, median of ${o.rounds} rounds, samples/s`);
    for (const [name, median, runs] of r.results) console.log(`  ${name.padEnd(32)}${String(median).padStart(8)}   (${runs.join(' ')})`);
} finally {
    await page?.close();
    await browser?.close();
    await driver?.close();
    await srv.close();
}
