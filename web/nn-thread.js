// nn-thread.js: one helper thread of the threaded module (nn-mt.wasm). Started by loadNN in
// web/nn.js as a module Worker (page) or a worker_threads Worker (Node); it instantiates the same
// module on the shared memory, takes its own C stack and runs its share of every parallel region
// of training (nn_thread_main) until the engine stops the team.
import { moduleImports } from './nn.js';

const IS_NODE = typeof globalThis.process?.versions?.node === 'string';

async function run({ module, memory, stack, stackSize, index }, post) {
  let exports;
  const instance = await WebAssembly.instantiate(module, moduleImports(module, memory, () => exports));
  exports = instance.exports;
  exports.emscripten_stack_set_limits(stack + stackSize, stack);
  exports.stackRestore(stack + stackSize);
  post('ready');
  exports.nn_thread_main(index); // returns once nn_threads_stop is called
  post('stopped');
}

if (IS_NODE) {
  const { parentPort, workerData } = await import('node:worker_threads');
  await run(workerData, (m) => parentPort.postMessage(m));
} else {
  self.addEventListener('message', (e) => run(e.data, (m) => self.postMessage(m)), { once: true });
}
