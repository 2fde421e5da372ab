// nn-thread.js: one helper thread of the threaded module (nn-mt.wasm). Started by startHelper in
// web/nn-loader.js as a module Worker (page) or a worker_threads Worker (Node); it instantiates the same
// module on the shared memory, takes its own C stack and runs its share of every parallel region
// of training (nn_thread_main) until the engine stops the team, coming back to its event loop
// whenever it has been idle for a while.
import { moduleImports } from './nn-loader.js';

const IS_NODE = typeof globalThis.process?.versions?.node === 'string';

async function run({ module, memory, stack, stackSize, index }, post) {
    let exports;
    const instance = await WebAssembly.instantiate(module, moduleImports(module, memory, () => exports));
    exports = instance.exports;
    exports.emscripten_stack_set_limits(stack + stackSize, stack);
    exports.stackRestore(stack + stackSize);
    post('ready');
    // nn_thread_main returns 1 when it had no work for a while: let this worker's event loop run
    // (the browser may need it, e.g. Firefox to navigate away), then go back in; 0 once stopped.
    const channel = new MessageChannel();
    const loop = () => {
        if (exports.nn_thread_main(index)) channel.port2.postMessage(0);
        else {
            channel.port1.close();
            post('stopped');
        }
    };
    channel.port1.onmessage = loop;
    loop();
}

if (IS_NODE) {
    const { parentPort, workerData } = await import('node:worker_threads');
    await run(workerData, (m) => parentPort.postMessage(m));
} else {
    self.addEventListener('message', (e) => run(e.data, (m) => self.postMessage(m)), { once: true });
    self.postMessage('loaded'); // the data comes once this listener is there (startHelper)
}
