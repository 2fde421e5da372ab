// library_nn.js: the functions the wasm modules import from JS (an Emscripten JS library, so
// that emcc knows they come from outside). web/nn.js and scripts/run-wasi.mjs provide them.
mergeInto(LibraryManager.library, {
  // A monotonic clock in milliseconds, for the trainer's per-phase timing (src/clock.c).
  nn_clock_ms: function () {
    return performance.now();
  },
});
