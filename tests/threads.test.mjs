// threads.test.mjs: the choice of a thread count and of spinning or sleeping threads (web/nn.js
// ThreadTuner) against simulated machines, where the rate of each setting is known, and the tuner
// on the real threaded engine: chunk after chunk it sets the limit and the spin it reports, and
// the weights stay those of one thread.
// (The bits of 1, 2 and 4 threads are compared in exactness.test.mjs; speed in `npm run bench`.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThreadTuner, loadNN, threadSupport } from '../web/nn.js';
import { loadIdxFiles } from '../scripts/lib/data.mjs';

/**
 * Runs chunks on a simulated machine; rate(threads, chunkIndex, spin) is samples per ms. Returns
 * the thread counts used (or, with {settings: true}, 'N' and 'N spin').
 */
function simulate(tuner, rate, chunks, { samples = 1280, settings = false } = {}) {
    const used = [];
    for (let i = 0; i < chunks; i++) {
        const n = tuner.threads;
        const spin = tuner.spin;
        assert.ok(!(spin && n === 1), 'one thread has nobody to wait for');
        used.push(settings ? `${n}${spin ? ' spin' : ''}` : n);
        tuner.record(samples, samples / rate(n, i, spin));
    }
    return used;
}
const counts = (tuner) => [...new Set(tuner.candidates.map((c) => c.threads))];

test('the candidates: all the threads, then halves, down to one; sleeping, then spinning', () => {
    assert.deepEqual(new ThreadTuner(1).candidates, [{ threads: 1, spin: false }]);
    assert.deepEqual(new ThreadTuner(2).candidates, [
        { threads: 2, spin: false },
        { threads: 2, spin: true },
        { threads: 1, spin: false },
    ]);
    assert.deepEqual(counts(new ThreadTuner(4)), [4, 2, 1]);
    assert.deepEqual(counts(new ThreadTuner(6)), [6, 3, 2, 1]);
    assert.deepEqual(counts(new ThreadTuner(64)), [64, 32, 16, 8, 4, 2, 1]);
    assert.equal(new ThreadTuner(64).candidates.length, 13);
    assert.deepEqual(new ThreadTuner(4, { spin: false }).candidates.map((c) => c.spin), [false, false, false]);
});

test('one thread: nothing to measure, never more than one', () => {
    const tuner = new ThreadTuner(1);
    assert.deepEqual(simulate(tuner, () => 50, 20), new Array(20).fill(1));
    assert.equal(tuner.probing, false);
});

test('4 threads on 2 cores: picks 2, and never uses more threads than the engine has', () => {
    const rates = { 4: 30, 2: 60, 1: 40 };
    const tuner = new ThreadTuner(4);
    const used = simulate(tuner, (n) => rates[n], 40);
    assert.ok(used.every((n) => n >= 1 && n <= 4));
    assert.deepEqual(used.slice(0, 2), [4, 4], 'the warm-up chunks run on all threads, unmeasured');
    assert.deepEqual(new Set(used.slice(2, 14)), new Set([4, 2, 1]), 'then each candidate in turn (2 spinning too: 2 sleeping beat 1)');
    assert.equal(tuner.chosen, 2);
    assert.equal(tuner.choice.spin, false, 'spinning is no faster here: a tie goes to sleeping threads');
    assert.deepEqual(new Set(used.slice(14)), new Set([2]));
});

test('spinning threads: tried where they may pay, chosen when faster, dropped at half their sleeping twin\'s rate', () => {
    // idle cores: spinning threads skip the wake-ups
    const idle = new ThreadTuner(2);
    const used = simulate(idle, (n, i, spin) => (n === 2 ? (spin ? 75 : 55) : 40), 20, { settings: true });
    assert.deepEqual(used.slice(0, 2), ['2', '2'], 'the warm-up chunks do not spin');
    assert.deepEqual(used.slice(2, 11), ['2', '1', '2 spin', '1', '2', '2 spin', '2', '1', '2 spin'], 'rounds of sleeping settings, each followed by the spinning one');
    assert.deepEqual(idle.choice, { threads: 2, spin: true });
    assert.equal(idle.spin, true);
    assert.deepEqual(new Set(used.slice(11)), new Set(['2 spin']));
    // a busy core: a spinning thread waits for one that has no core; its chunks are slow, so it is
    // measured once, and a larger count is not tried spinning at all
    const busy = new ThreadTuner(4);
    const slow = simulate(busy, (n, i, spin) => ({ 4: 30, 2: 60, 1: 40 })[n] / (spin ? 5 : 1), 40, { settings: true });
    assert.deepEqual(busy.choice, { threads: 2, spin: false });
    assert.equal(slow.filter((x) => x === '2 spin').length, 1);
    assert.equal(slow.filter((x) => x === '4 spin').length, 0);
    assert.equal(slow.filter((x) => x === '2').length, 3 + 40 - 2 - 10, 'the sleeping ones three times each, then the choice');
    // 4 threads that have 4 cores: spinning pays at 2, and 4 sleeping beat 2: 4 spinning is tried
    const four = new ThreadTuner(4);
    simulate(four, (n, i, spin) => ({ 4: 100, 2: 60, 1: 35 })[n] * (spin ? 1.3 : 1), 40);
    assert.deepEqual(four.choice, { threads: 4, spin: true });
    // a browser that reports 4 cores of 2: 4 sleeping are no faster than 2, so 4 never spin
    const lying = new ThreadTuner(4);
    const told = simulate(lying, (n, i, spin) => (spin ? { 4: 7, 2: 85 } : { 4: 55, 2: 57, 1: 53 })[n], 40, { settings: true });
    assert.deepEqual(lying.choice, { threads: 2, spin: true });
    assert.equal(told.filter((x) => x === '4 spin').length, 0);
});

test('more threads slower than one (a busy core): falls back to one; faster: keeps them all', () => {
    const slower = new ThreadTuner(2);
    simulate(slower, (n) => (n === 2 ? 20 : 40), 20);
    assert.equal(slower.chosen, 1);
    const faster = new ThreadTuner(2);
    simulate(faster, (n) => (n === 2 ? 75 : 40), 20);
    assert.equal(faster.chosen, 2);
});

test('a near tie goes to fewer threads; a single slow chunk does not decide', () => {
    const tie = new ThreadTuner(2);
    simulate(tie, (n) => (n === 2 ? 40.5 : 40), 20);
    assert.equal(tie.chosen, 1, 'within 3%: the other tabs get the core');
    const noisy = new ThreadTuner(2);
    // the 2-thread chunk of the first measured round is hit by a hiccup of the machine
    simulate(noisy, (n, i) => (n === 2 ? (i === 2 ? 5 : 75) : 40), 20);
    assert.equal(noisy.chosen, 2);
});

test('a recheck keeps the count in use when another is within noise of it', () => {
    const tuner = new ThreadTuner(2, { recheckMs: 100 });
    simulate(tuner, (n) => (n === 2 ? 80 : 40), 10);
    assert.equal(tuner.chosen, 2);
    // now 1 thread measures 3% faster: within `keep` (5%), the choice stays
    const used = simulate(tuner, (n) => (n === 1 ? 82.4 : 80), 60);
    assert.ok(used.includes(1), 'it did measure again');
    assert.equal(tuner.chosen, 2);
    // 10% faster is no noise: it switches
    simulate(tuner, (n) => (n === 1 ? 88 : 80), 60);
    assert.equal(tuner.chosen, 1);
});

test('measures again after recheckMs of training, and follows a change of load', () => {
    const tuner = new ThreadTuner(2, { recheckMs: 1000 });
    let busy = false;
    const rate = (n) => (busy ? (n === 2 ? 20 : 40) : n === 2 ? 80 : 40);
    simulate(tuner, rate, 10);
    assert.equal(tuner.chosen, 2);
    busy = true; // another program takes a core
    // 1280 samples at 80/ms: 16 ms a chunk; 1000 ms later it measures again
    const used = simulate(tuner, rate, 120);
    assert.equal(tuner.chosen, 1);
    assert.equal(used.at(-1), 1);
    busy = false;
    simulate(tuner, rate, 200);
    assert.equal(tuner.chosen, 2, 'and back when the core is free');
});

test('on the threaded engine, each chunk runs on the tuner\'s count, with one thread\'s weights', async () => {
    assert.equal(threadSupport().ok, true, 'Node shares memory with worker_threads');
    const data = await loadIdxFiles();
    const results = [];
    for (const threads of [1, 3]) {
        const nn = await loadNN(undefined, { threads });
        try {
            const set = nn.createDataset(data.trainImages, data.trainLabels);
            const net = nn.createNetwork({ seed: 5 });
            const trainer = nn.createTrainer(net, set, { seed: 5, threads, limit: 3840 });
            const tuner = threads > 1 ? new ThreadTuner(nn.threads, { skip: 0, recheckMs: 0 }) : null;
            const used = new Set();
            let p;
            do {
                if (tuner) nn.useThreads(tuner.threads, { spin: tuner.spin });
                const t0 = performance.now();
                const before = trainer.progress().samples;
                p = trainer.train(2);
                tuner?.record(p.samples - before, performance.now() - t0);
                if (tuner) assert.equal(p.threads, nn.activeThreads);
                used.add(`${p.threads}${nn.spinning ? ' spin' : ''}`);
            } while (!p.epochDone);
            results.push({ bits: new Uint32Array(net.params().buffer), used });
        } finally {
            nn.terminate();
        }
    }
    assert.deepEqual([...results[1].used].filter((x) => !x.endsWith('spin')).sort(), ['1', '2', '3'], 'with recheckMs 0 it keeps measuring every count');
    const [one, tuned] = results.map((r) => r.bits);
    let differ = 0;
    for (let i = 0; i < one.length; i++) if (one[i] !== tuned[i]) differ++;
    assert.equal(differ, 0, `${differ} weights differ from one thread's`);
});
