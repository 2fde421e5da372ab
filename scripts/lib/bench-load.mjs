#!/usr/bin/env node
// bench-load.mjs: threaded training under load, the last section of `npm run bench`, or alone:
//   node scripts/lib/bench-load.mjs [--quick]
// An epoch of the Keras recipe on 1 thread (nn.wasm), on as many threads as cores (sleeping while
// they wait, and spinning: Engine.useThreads), on twice as many (a browser that reports more cores
// than there are), and as the page trains (ThreadTuner over twice as many threads, chunks of
// ~70 ms, 3 epochs); each on an idle machine and with a busy process on one core (pinned with
// taskset when there is one). Rounds interleave the configurations; each ratio is the median of
// per-round ratios against 1 thread under the same load. The goal: threads never slower than one.
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { ThreadTuner, loadNN } from '../../web/nn.js';
import { loadIdxFiles } from './data.mjs';
import { cores as coreCount } from './threads.mjs';

const BATCHES_PER_EPOCH = 469;
const CHUNK_TARGET_MS = 70; // as web/worker-core.js

const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, d = 2) => (x == null || Number.isNaN(x) ? '-' : x.toFixed(d));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A process that keeps one core busy until stopped: pinned to the last core when possible. */
async function busyCore(cores) {
    const pin = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
    const loop = [process.execPath, '-e', 'for (;;);'];
    const args = pin ? ['taskset', '-c', String(cores - 1), ...loop] : loop;
    const child = spawn(args[0], args.slice(1), { stdio: 'ignore' });
    await sleep(300); // started and spinning
    return { pinned: pin, stop: () => child.kill('SIGKILL') };
}

/**
 * batches batches from a fresh network (seed 1). threads: a count, or 'auto' for the page's
 * way (the tuner sets the count and the spin chunk by chunk). Returns {samplesPerSecond, threads:
 * the counts used, chosen: the tuner's last choice}.
 */
function train(engine, set, threads, batches, spin = false) {
    const net = engine.createNetwork({ seed: 1 });
    const trainer = engine.createTrainer(net, set, { seed: 1, threads: engine.threads });
    const tuner = threads === 'auto' ? new ThreadTuner(engine.threads) : null;
    if (!tuner) engine.useThreads(threads, { spin });
    trainer.train(4); // untimed: the first batches allocate and touch the scratch
    const used = new Set();
    let chunk = 2;
    let done = 0;
    const t0 = performance.now();
    while (done < batches) {
        if (tuner) engine.useThreads(tuner.threads, { spin: tuner.spin });
        const c0 = performance.now();
        const before = trainer.progress().samples;
        const p = trainer.train(Math.min(chunk, batches - done));
        const ms = performance.now() - c0;
        tuner?.record(p.samples - before, ms);
        used.add(p.threads);
        done += p.chunkBatches;
        if (p.chunkBatches > 0) chunk = Math.max(1, Math.round(CHUNK_TARGET_MS / Math.max(ms / p.chunkBatches, 0.01)));
    }
    const secs = (performance.now() - t0) / 1000;
    trainer.free();
    net.free();
    return { samplesPerSecond: (done * 128) / secs, threads: [...used].sort((a, b) => a - b), chosen: tuner && `${tuner.choice.threads}${tuner.choice.spin ? ' spin' : ''}` };
}

/** The section: prints its table and returns the figures (for bench.mjs' JSON line). */
export async function benchUnderLoad({ quick = false, data = null, log = console.log } = {}) {
    const cores = coreCount();
    const many = Math.min(64, 2 * cores);
    const rounds = quick ? 1 : 3;
    const batches = quick ? 160 : BATCHES_PER_EPOCH;
    // the tuner spends its first second or so measuring: it is timed over a page's training, 3
    // epochs, so that its figure is the page's, not only its start's
    const pageBatches = quick ? 320 : 3 * BATCHES_PER_EPOCH;
    const loadBefore = os.loadavg()[0];
    data ??= await loadIdxFiles();
    const one = await loadNN();
    const mt = await loadNN(undefined, { threads: many });
    const sets = new Map([
        [one, one.createDataset(data.trainImages, data.trainLabels)],
        [mt, mt.createDataset(data.trainImages, data.trainLabels)],
    ]);
    const configs = [
        ['1 thread', one, 1],
        [`${cores} threads (the cores)`, mt, cores],
        [`${cores} threads (the cores), spinning`, mt, cores, true],
        [`${many} threads (twice the cores)`, mt, many],
        [`as the page trains: tuner over ${many} threads (${quick ? '320 batches' : '3 epochs'})`, mt, 'auto'],
    ];
    log(
        `\n== threads under load: ${rounds > 1 ? `median of ${rounds} interleaved rounds of ` : ''}${batches === BATCHES_PER_EPOCH ? 'an epoch' : `${batches} batches`}, ${cores} cores`,
    );
    // warm-up: V8 tiers the hot functions up on first use
    for (const [, engine, threads, spin] of configs) train(engine, sets.get(engine), threads === 'auto' ? many : threads, 30, spin);
    const runs = {};
    let pinned = null;
    for (let r = 0; r < rounds; r++) {
        for (const load of ['idle', 'busy']) {
            const busy = load === 'busy' ? await busyCore(cores) : null;
            pinned ??= busy?.pinned ?? null;
            try {
                for (const [name, engine, threads, spin] of configs)
                    (runs[`${load}|${name}`] ??= []).push(train(engine, sets.get(engine), threads, threads === 'auto' ? pageBatches : batches, spin));
            } finally {
                busy?.stop();
            }
            await sleep(100);
        }
    }
    const result = { cores, threads: many, rounds, batches, busyPinned: pinned, loadAverage: os.loadavg()[0], idle: {}, busy: {} };
    log(`${'configuration'.padEnd(62)}${'idle'.padEnd(16)}${'busy core'.padEnd(16)}vs 1 thread (idle / busy)`);
    for (const [name] of configs) {
        const cells = [];
        const ratios = [];
        for (const load of ['idle', 'busy']) {
            const mine = runs[`${load}|${name}`];
            const base = runs[`${load}|1 thread`];
            const ratio = median(mine.map((x, i) => x.samplesPerSecond / base[i].samplesPerSecond));
            const used = [...new Set(mine.flatMap((x) => x.threads))].sort((a, b) => a - b);
            result[load][name] = {
                samplesPerSecond: median(mine.map((x) => x.samplesPerSecond)),
                vsOneThread: ratio,
                threadsUsed: used,
                chosen: mine.map((x) => x.chosen).filter((x) => x != null),
                roundSamplesPerSecond: mine.map((x) => Math.round(x.samplesPerSecond)),
            };
            cells.push(`${fmt(result[load][name].samplesPerSecond, 0)} /s`);
            ratios.push(`${fmt(ratio)}x`);
        }
        const chosen = result.busy[name].chosen.length ? `  (chose ${result.idle[name].chosen.join(',')} / ${result.busy[name].chosen.join(',')})` : '';
        log(`${name.padEnd(62)}${cells[0].padEnd(16)}${cells[1].padEnd(16)}${ratios.join(' / ')}${chosen}`);
    }
    const worst = (load, name) => result[load][name].vsOneThread;
    const [, coresRow, , manyRow, pageRow] = configs.map(([name]) => name);
    result.goals = {
        moreThreadsThanCoresVsOne: worst('idle', manyRow),
        busyCoreVsOne: worst('busy', coresRow),
        busyCoreMoreThreadsVsOne: worst('busy', manyRow),
        pageIdleVsOne: worst('idle', pageRow),
        pageBusyVsOne: worst('busy', pageRow),
    };
    const g = result.goals;
    log(`${`${many} threads on ${cores} cores vs 1 thread (goal >= 1x)`.padEnd(62)}${fmt(g.moreThreadsThanCoresVsOne)}x`);
    log(`${`${cores} threads with a busy core vs 1 thread (goal >= 1x)`.padEnd(62)}${fmt(g.busyCoreVsOne)}x`);
    log(`${`${many} threads with a busy core vs 1 thread (goal >= 1x)`.padEnd(62)}${fmt(g.busyCoreMoreThreadsVsOne)}x`);
    log(`${'the page (tuner) vs 1 thread, idle / busy core (goal >= 1x)'.padEnd(62)}${fmt(g.pageIdleVsOne)}x / ${fmt(g.pageBusyVsOne)}x`);
    log(
        `(busy core: one \`node -e 'for (;;);'\`${pinned ? `, pinned to core ${cores - 1} with taskset` : ', not pinned'}; ` +
            `load average ${fmt(loadBefore)} before, ${fmt(result.loadAverage)} after: other programs count as load too)`,
    );
    for (const [engine, set] of sets) {
        set.free();
        engine.terminate();
    }
    return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    const result = await benchUnderLoad({ quick: process.argv.includes('--quick') });
    console.log(JSON.stringify(result));
}
