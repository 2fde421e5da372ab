// thread-tuner.js: how many of an engine's threads training uses, chosen by measuring as it
// trains (web/worker-core.js, scripts/lib/bench-load.mjs). Pure arithmetic over reported chunk
// rates: no wasm, no clock of its own. Also exported by web/nn.js.

/**
 * Picks how many of an engine's threads training uses, by measuring: more threads are not always
 * faster (another busy process, more threads than cores, a browser reporting cores it does not
 * have). Chunks of training go round the candidates (all the threads, half, ..., 1) for a few
 * rounds, skipping the first chunks (the engine's warm-up); the fastest median rate wins, and
 * fewer threads win a near tie (within `tie`). After recheckMs of training it measures again (in
 * fewer rounds), since the load changes, and keeps its count unless another is faster by more
 * than `keep`. The count never changes the results, only the speed.
 *   const tuner = new ThreadTuner(engine.threads);
 *   each chunk: engine.useThreads(tuner.threads); ...train...; tuner.record(samples, ms)
 */
export class ThreadTuner {
    constructor(max, { rounds = 3, recheckRounds = 2, recheckMs = 10000, tie = 0.03, keep = 0.05, skip = 2 } = {}) {
        this.candidates = [];
        for (let c = Math.max(1, Math.trunc(max)); ; c = Math.ceil(c / 2)) {
            this.candidates.push(c);
            if (c === 1) break;
        }
        this.options = { recheckRounds, recheckMs, tie, keep };
        this.decided = false;
        this.chosen = this.candidates[0]; // until measured: all of them
        this.skip = this.candidates.length > 1 ? skip : 0;
        this.sinceProbe = 0;
        this.#probe(rounds);
    }

    #probe(rounds) {
        this.queue = [];
        this.rates = new Map(this.candidates.map((c) => [c, []]));
        // alternate the order from round to round, so that a drift of the machine's speed hits all alike
        for (let r = 0; r < rounds; r++) this.queue.push(...(r % 2 ? [...this.candidates].reverse() : this.candidates));
        if (this.candidates.length === 1) this.queue = [];
    }

    /** The thread count for the next chunk. */
    get threads() {
        return this.skip > 0 || !this.queue.length ? this.chosen : this.queue[0];
    }

    /** Whether the next chunk is a measurement (for display: the count shown is `chosen`). */
    get probing() {
        return this.skip === 0 && this.queue.length > 0;
    }

    /** Reports the chunk just trained with `threads` threads: samples in ms milliseconds. */
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
        this.rates.get(this.queue.shift()).push(samples / ms);
        if (this.queue.length) return;
        const median = (xs) => {
            const s = [...xs].sort((a, b) => a - b);
            return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        };
        this.measured = new Map([...this.rates].map(([c, xs]) => [c, median(xs)]));
        const best = Math.max(...this.measured.values());
        const near = (rate, margin) => rate >= best * (1 - margin);
        // a recheck keeps the count in use unless another is clearly faster: noise does not flip it
        if (!(this.decided && near(this.measured.get(this.chosen), this.options.keep)))
            this.chosen = Math.min(...[...this.measured].filter(([, rate]) => near(rate, this.options.tie)).map(([c]) => c));
        this.decided = true;
        this.sinceProbe = 0;
    }
}
