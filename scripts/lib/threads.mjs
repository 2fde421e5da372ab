// threads.mjs: threads in the Node tools: the cores this process may use, and the rule of the
// tools with a fixed thread count (train.mjs --threads, the bench), which have no ThreadTuner:
// threads with a core each spin while they wait; more threads than cores sleep.
import os from 'node:os';

/** The cores this process may run on. */
export const cores = () => os.availableParallelism?.() ?? os.cpus().length;

/** Trains on all of engine's threads, spinning when each has a core (Engine.useThreads). */
export function useAllThreads(engine) {
    return engine.useThreads(engine.threads, { spin: engine.threads <= cores() });
}
