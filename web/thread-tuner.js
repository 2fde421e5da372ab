// thread-tuner.js: how many of an engine's threads training uses, and whether they spin while they
// wait, chosen by measuring as it trains (web/worker-core.js, scripts/lib/bench-load.mjs). Pure
// arithmetic over reported chunk rates: no wasm, no clock of its own. Also exported by web/nn.js.

/**
 * Picks the threads training uses, by measuring: more threads are not always faster (another busy
 * process, more threads than cores, a browser reporting cores it does not have), and threads that
 * spin while they wait (Engine.useThreads) are faster on cores of their own and much slower on
 * shared ones. The candidates are settings {threads, spin}: all the threads, half of them, ...,
 * one, each sleeping, and spinning for counts above one. Chunks of training go round the sleeping
 * settings for a few rounds, skipping the first chunks (the engine's warm-up); after each round,
 * the spinning ones that may pay, smallest count first: the smallest always (the cost of waking
 * sleeping threads may hide a core's gain), a larger count only if spinning paid at the smaller
 * one and its sleeping rate is clearly above the smaller count's (its threads have cores). A
 * spinning setting at less than half its sleeping twin's rate is not tried again in that
 * measurement: such chunks are slow. The fastest median rate
 * wins, and a near tie (within `tie`) goes to fewer threads, then to sleeping ones. After
 * recheckMs of training it measures again (in fewer rounds), since the load changes, and keeps
 * its setting unless another is faster by more than `keep`. The setting never changes the
 * results, only the speed.
 *   const tuner = new ThreadTuner(engine.threads);
 *   each chunk: engine.useThreads(tuner.threads, { spin: tuner.spin }); ...train...; tuner.record(samples, ms)
 */
export class ThreadTuner {
    constructor(max, { rounds = 3, recheckRounds = 2, recheckMs = 10000, tie = 0.03, keep = 0.05, skip = 2, spin = true } = {}) {
        this.candidates = [];
        for (let c = Math.max(1, Math.trunc(max)); ; c = Math.ceil(c / 2)) {
            this.candidates.push({ threads: c, spin: false });
            if (c === 1) break;
            if (spin) this.candidates.push({ threads: c, spin: true });
        }
        this.sleeping = this.candidates.filter((c) => !c.spin); // all the threads first
        this.spinning = this.candidates.filter((c) => c.spin).reverse(); // the fewest first
        this.options = { recheckRounds, recheckMs, tie, keep };
        this.decided = false;
        this.choice = this.candidates[0]; // until measured: all the threads, sleeping
        this.skip = this.candidates.length > 1 ? skip : 0;
        this.sinceProbe = 0;
        this.#probe(rounds);
    }

    #probe(rounds) {
        this.queue = [];
        this.rates = new Map(this.candidates.map((c) => [c, []]));
        this.dropped = new Set();
        // alternate the order from round to round, so that a drift of the machine's speed hits all
        // alike; each round ends with the spinning settings that may pay (SPINNERS: chosen then)
        for (let r = 0; r < rounds; r++) this.queue.push(...(r % 2 ? [...this.sleeping].reverse() : this.sleeping), SPINNERS);
        if (this.candidates.length === 1) this.queue = [];
    }

    /** The rate so far of a setting (its median), or undefined. */
    #rate(setting) {
        const xs = this.rates.get(setting);
        return xs?.length ? median(xs) : undefined;
    }

    /** The index in `sleeping` of a setting's thread count. */
    #sleepingIndex(setting) {
        return this.sleeping.findIndex((c) => c.threads === setting.threads);
    }

    /** Replaces a round's SPINNERS mark with the spinning settings worth a chunk now. */
    #expand() {
        while (this.queue[0] === SPINNERS) {
            const picked = [];
            for (const setting of this.spinning) {
                const i = this.#sleepingIndex(setting);
                const twin = this.#rate(this.sleeping[i]);
                const fewer = this.#rate(this.sleeping[i + 1]); // the next smaller count, sleeping
                if (this.dropped.has(setting) || twin === undefined || fewer === undefined) break;
                // the smallest count always (sleeping, the cost of waking may hide a core's gain);
                // above it: clearly faster than the smaller count, or those threads lack cores
                if (picked.length && twin <= (1 + this.options.tie) * fewer) break;
                picked.push(setting);
                const spun = this.#rate(setting);
                if (spun === undefined || spun <= twin) break; // unmeasured, or no gain: no larger count
            }
            this.queue.splice(0, 1, ...picked);
        }
    }

    get #next() {
        return this.skip > 0 || !this.queue.length ? this.choice : this.queue[0];
    }

    /** The thread count for the next chunk. */
    get threads() {
        return this.#next.threads;
    }

    /** Whether the threads of the next chunk spin while they wait. */
    get spin() {
        return this.#next.spin;
    }

    /** The thread count chosen (for display, while measuring too). */
    get chosen() {
        return this.choice.threads;
    }

    /** Whether the next chunk is a measurement. */
    get probing() {
        return this.skip === 0 && this.queue.length > 0;
    }

    /** Reports the chunk just trained with the setting of `threads` and `spin`: samples in ms milliseconds. */
    record(samples, ms) {
        if (!(samples > 0 && ms > 0)) return;
        if (this.skip > 0) {
            this.skip--;
            return;
        }
        if (!this.queue.length) {
            this.sinceProbe += ms;
            if (this.sinceProbe >= this.options.recheckMs && this.candidates.length > 1) this.#probe(this.options.recheckRounds);
            return;
        }
        const setting = this.queue.shift();
        this.rates.get(setting).push(samples / ms);
        if (setting.spin && samples / ms < 0.5 * this.#rate(this.sleeping[this.#sleepingIndex(setting)])) this.dropped.add(setting);
        this.#expand();
        if (this.queue.length) return;
        this.measured = new Map([...this.rates].filter(([, xs]) => xs.length).map(([c, xs]) => [c, median(xs)]));
        const best = Math.max(...this.measured.values());
        const near = (rate, margin) => rate >= best * (1 - margin);
        // a recheck keeps the setting in use unless another is clearly faster: noise does not flip it
        const current = this.measured.get(this.choice);
        if (!(this.decided && current !== undefined && near(current, this.options.keep))) {
            const ties = [...this.measured].filter(([, rate]) => near(rate, this.options.tie)).map(([c]) => c);
            this.choice = ties.reduce((a, b) => (b.threads < a.threads || (b.threads === a.threads && !b.spin) ? b : a));
        }
        this.decided = true;
        this.sinceProbe = 0;
    }
}

const SPINNERS = Symbol('the spinning settings of a round');

function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
