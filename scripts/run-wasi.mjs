#!/usr/bin/env node
// Runs a C test program built as a standalone WebAssembly module (WASI) under Node, so that
// CTest can run the wasm build of the tests (the SIMD kernels meet their scalar twins there).
//   node scripts/run-wasi.mjs build/wasm/test_kernels.wasm [args...]
// The program's exit status becomes ours. The working directory is preopened as "/".
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

process.removeAllListeners('warning'); // node:wasi is "experimental" in Node 20: keep CTest output clean
const [file, ...args] = process.argv.slice(2);
if (!file) {
    console.error('usage: node scripts/run-wasi.mjs PROGRAM.wasm [args...]');
    process.exit(2);
}
const wasi = new WASI({
    version: 'preview1',
    args: [file, ...args],
    env: {},
    preopens: { '/': process.cwd() },
    returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, {
    ...wasi.getImportObject(),
    env: { emscripten_notify_memory_growth() {}, nn_clock_ms: () => performance.now() },
});
process.exitCode = wasi.start(instance);
