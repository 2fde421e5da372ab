/* wasm_api.c: the only file that knows it runs in WebAssembly. It adds the few exports whose C
 * signatures do not cross to JS as plain numbers (64-bit seeds, option and result structs):
 * options arrive as arguments, results leave as a double array the caller provides.
 * Every export is listed once, in src/wasm_exports.txt; web/nn.js wraps each one once. */
#include "nn.h"

#include <emscripten/emscripten.h>
#include <stdlib.h>

EMSCRIPTEN_KEEPALIVE void *nn_alloc(size_t n) { return malloc(n ? n : 1); }
EMSCRIPTEN_KEEPALIVE void nn_dealloc(void *p) { free(p); }

/* Seeds come as doubles: integers up to 2^53 are exact, more than any UI needs. */
EMSCRIPTEN_KEEPALIVE int wa_net_create(nn_net **out, int n_layers, const int *sizes,
                                       const int *acts, double seed) {
    nn_activation a[NN_MAX_LAYERS];
    if (acts) {
        if (n_layers < 1 || n_layers > NN_MAX_LAYERS) return NN_ERR_LAYERS;
        for (int l = 0; l < n_layers; l++) a[l] = (nn_activation)acts[l];
    }
    return nn_net_create(out, n_layers, sizes, acts ? a : NULL, (uint64_t)seed);
}

EMSCRIPTEN_KEEPALIVE int wa_trainer_create(nn_trainer **out, nn_net *net, const nn_dataset *ds,
                                           int optimizer, double lr, double rho, double momentum,
                                           double beta1, double beta2, double epsilon,
                                           int batch_size, int limit, double seed, int sparse,
                                           int threads) {
    nn_train_options o = nn_train_defaults();
    o.optimizer = (nn_optimizer)optimizer;
    o.learning_rate = (float)lr;
    o.rho = (float)rho;
    o.momentum = (float)momentum;
    o.beta1 = (float)beta1;
    o.beta2 = (float)beta2;
    o.epsilon = (float)epsilon;
    o.batch_size = batch_size;
    o.limit = limit;
    o.seed = seed >= 0 && seed < 18446744073709551616.0 ? (uint64_t)seed : 0;
    o.sparse = (nn_sparse_mode)sparse;
    o.threads = threads;
    return nn_trainer_create(out, net, ds, &o);
}

/* out[0..12]: epoch, batch, batches_per_epoch, epoch_done, samples, loss, accuracy, chunk_loss,
 * chunk_accuracy, chunk_batches, sparse_batches, threads. */
static void put_progress(double *out, const nn_progress *p) {
    out[0] = p->epoch, out[1] = p->batch, out[2] = p->batches_per_epoch, out[3] = p->epoch_done;
    out[4] = (double)p->samples, out[5] = p->loss, out[6] = p->accuracy, out[7] = p->chunk_loss;
    out[8] = p->chunk_accuracy, out[9] = p->chunk_batches, out[10] = p->sparse_batches;
    out[11] = p->threads;
}

EMSCRIPTEN_KEEPALIVE int wa_train(nn_trainer *tr, int max_batches, double *out) {
    nn_progress p = {0};
    int st = nn_train(tr, max_batches, &p);
    put_progress(out, &p);
    return st;
}

EMSCRIPTEN_KEEPALIVE void wa_trainer_progress(const nn_trainer *tr, double *out) {
    nn_progress p = {0};
    nn_trainer_progress(tr, &p);
    put_progress(out, &p);
}

/* out[0..NN_PHASES): milliseconds per phase of training (see nn.h) */
EMSCRIPTEN_KEEPALIVE void wa_trainer_timing(const nn_trainer *tr, double *out) {
    nn_trainer_timing(tr, out);
}

/* out[0..3]: loss, accuracy, correct, count */
EMSCRIPTEN_KEEPALIVE int wa_evaluate(nn_net *net, const nn_dataset *ds, int first, int count,
                                     double *out, uint8_t *predicted, float *confidence) {
    nn_eval e = {0};
    int st = nn_evaluate(net, ds, first, count, &e, predicted, confidence);
    out[0] = e.loss, out[1] = e.accuracy, out[2] = e.correct, out[3] = e.count;
    return st;
}

/* channels 1 (gray) or 4 (RGBA). info[0..8]: x0, y0, x1, y1, light_on_dark, ink_fraction,
 * com_x, com_y. */
EMSCRIPTEN_KEEPALIVE int wa_preprocess(const uint8_t *px, int width, int height, int channels,
                                       float *out784, float *info) {
    nn_preprocess_info pi = {0};
    int st = channels == 4   ? nn_preprocess_rgba(px, width, height, out784, &pi)
             : channels == 1 ? nn_preprocess_gray(px, width, height, out784, &pi)
                             : NN_ERR_ARG;
    info[0] = (float)pi.x0, info[1] = (float)pi.y0, info[2] = (float)pi.x1, info[3] = (float)pi.y1;
    info[4] = (float)pi.light_on_dark, info[5] = pi.ink_fraction, info[6] = pi.com_x;
    info[7] = pi.com_y;
    return st;
}

/* A written number (nn_preprocess_number): out784 holds max_digits x 784 floats, info max_digits
 * x 10 (x0, y0, x1, y1, light_on_dark, ink_fraction, com_x, com_y, lines, cut) and count[0] the
 * digits written. */
EMSCRIPTEN_KEEPALIVE int wa_number_max_digits(void) { return NN_NUMBER_MAX_DIGITS; }

EMSCRIPTEN_KEEPALIVE int wa_preprocess_number(const uint8_t *px, int width, int height,
                                              int channels, unsigned flags, int max_digits,
                                              float *out784, float *info, int *count) {
    nn_preprocess_info pi[NN_NUMBER_MAX_DIGITS];
    if (max_digits > NN_NUMBER_MAX_DIGITS) max_digits = NN_NUMBER_MAX_DIGITS;
    int st = nn_preprocess_number(px, channels, width, height, flags, max_digits, out784, pi, count);
    for (int d = 0; st == NN_OK && d < *count; d++) {
        float *o = info + 10 * d;
        o[0] = (float)pi[d].x0, o[1] = (float)pi[d].y0, o[2] = (float)pi[d].x1;
        o[3] = (float)pi[d].y1, o[4] = (float)pi[d].light_on_dark, o[5] = pi[d].ink_fraction;
        o[6] = pi[d].com_x, o[7] = pi[d].com_y, o[8] = (float)pi[d].lines, o[9] = (float)pi[d].cut;
    }
    return st;
}
