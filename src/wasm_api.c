/* wasm_api.c: the module's exports: the few whose C signatures do not cross to JS as plain numbers
 * (64-bit seeds, option and result structs): options and results cross as double arrays in
 * memory the caller provides, with each field's index named here. (The library's other wasm-only
 * parts: the imported clock of clock.c, the atomics of threads.c.) Every export is listed once, in
 * src/wasm_exports.txt; web/nn.js wraps each one once. */
#include "nn.h"

#include <emscripten/emscripten.h>
#include <limits.h>
#include <stdlib.h>

EMSCRIPTEN_KEEPALIVE void *nn_alloc(size_t n) { return malloc(n ? n : 1); }
EMSCRIPTEN_KEEPALIVE void nn_dealloc(void *p) { free(p); }

/* Seeds come as doubles: integers up to 2^53 are exact, more than any UI needs; anything that
 * is not a number in [0, 2^64) becomes 0 rather than undefined behaviour. */
static uint64_t seed_of(double seed) {
    return seed >= 0 && seed < 18446744073709551616.0 ? (uint64_t)seed : 0;
}

EMSCRIPTEN_KEEPALIVE int wa_net_create(nn_net **out, int n_layers, const int *sizes,
                                       const int *acts, double seed) {
    nn_activation a[NN_MAX_LAYERS];
    if (acts) {
        if (n_layers < 1 || n_layers > NN_MAX_LAYERS) return NN_ERR_LAYERS;
        for (int l = 0; l < n_layers; l++) a[l] = (nn_activation)acts[l];
    }
    return nn_net_create(out, n_layers, sizes, acts ? a : NULL, seed_of(seed));
}

/* input: rank, h, w, c; specs: n_layers x {kind, act, units, kh, kw, sh, sw, padding} */
EMSCRIPTEN_KEEPALIVE int wa_net_create_layers(nn_net **out, const int *input, int n_layers,
                                              const int *specs, double seed) {
    nn_layer_spec s[NN_MAX_LAYERS];
    if (n_layers < 1 || n_layers > NN_MAX_LAYERS) return NN_ERR_LAYERS;
    for (int l = 0; l < n_layers; l++) {
        const int *f = specs + 8 * l;
        s[l] = (nn_layer_spec){.kind = (nn_layer_kind)f[0],
                               .act = (nn_activation)f[1],
                               .units = f[2],
                               .kh = f[3],
                               .kw = f[4],
                               .sh = f[5],
                               .sw = f[6],
                               .padding = (nn_padding)f[7]};
    }
    const nn_shape in = {input[0], input[1], input[2], input[3]};
    return nn_net_create_layers(out, in, n_layers, s, seed_of(seed));
}

static void put_shape(double *out, nn_shape s) {
    out[0] = s.rank, out[1] = s.h, out[2] = s.w, out[3] = s.c;
}

/* out[0..4): the input's rank, h, w, c */
EMSCRIPTEN_KEEPALIVE void wa_net_input_shape(const nn_net *net, double *out) {
    put_shape(out, nn_net_input_shape(net));
}

/* out[0..20): kind, act, units, kh, kw, sh, sw, padding, the input's rank h w c, the output's,
 * param_offset, weights, biases, flops */
EMSCRIPTEN_KEEPALIVE int wa_net_layer_info(const nn_net *net, int layer, double *out) {
    nn_layer_info li;
    int st = nn_net_layer_info(net, layer, &li);
    if (st != NN_OK) return st;
    const nn_layer_spec *s = &li.spec;
    out[0] = s->kind, out[1] = s->act, out[2] = s->units, out[3] = s->kh, out[4] = s->kw;
    out[5] = s->sh, out[6] = s->sw, out[7] = s->padding;
    put_shape(out + 8, li.in);
    put_shape(out + 12, li.out);
    out[16] = (double)li.param_offset, out[17] = (double)li.weights, out[18] = (double)li.biases;
    out[19] = li.flops;
    return NN_OK;
}

/* nn_train_options as an array of doubles in this order, the order of web/nn.js TRAIN_FIELDS: a
 * new option is a field here, one in wa_train_defaults and wa_trainer_create, and its name there.
 * The optimiser and the sparse mode go by their enum values. */
enum {
    WA_OPTIMIZER,
    WA_LEARNING_RATE,
    WA_RHO,
    WA_MOMENTUM,
    WA_BETA1,
    WA_BETA2,
    WA_EPSILON,
    WA_BATCH_SIZE,
    WA_LIMIT,
    WA_SEED,
    WA_SPARSE,
    WA_THREADS,
    WA_TRAIN_FIELDS
};

/* out[0..WA_TRAIN_FIELDS): nn_train_defaults(); returns WA_TRAIN_FIELDS, for JS to check. */
EMSCRIPTEN_KEEPALIVE int wa_train_defaults(double *out) {
    nn_train_options o = nn_train_defaults();
    out[WA_OPTIMIZER] = o.optimizer, out[WA_LEARNING_RATE] = o.learning_rate, out[WA_RHO] = o.rho;
    out[WA_MOMENTUM] = o.momentum, out[WA_BETA1] = o.beta1, out[WA_BETA2] = o.beta2;
    out[WA_EPSILON] = o.epsilon, out[WA_BATCH_SIZE] = o.batch_size, out[WA_LIMIT] = o.limit;
    out[WA_SEED] = (double)o.seed, out[WA_SPARSE] = o.sparse, out[WA_THREADS] = o.threads;
    return WA_TRAIN_FIELDS;
}

/* A whole number in int's range, or `bad` (the status of the field: no silent wrap-around). */
static int int_of(double v, int bad, int *out) {
    if (!(v >= INT_MIN && v <= INT_MAX) || v != (double)(int)v) return bad;
    *out = (int)v;
    return NN_OK;
}

/* opt[0..WA_TRAIN_FIELDS): the options, all given (web/nn.js starts from wa_train_defaults). */
EMSCRIPTEN_KEEPALIVE int wa_trainer_create(nn_trainer **out, nn_net *net, const nn_dataset *ds,
                                           const double *opt) {
    nn_train_options o = nn_train_defaults();
    int optimizer, sparse, st;
    if ((st = int_of(opt[WA_OPTIMIZER], NN_ERR_OPTIMIZER, &optimizer)) != NN_OK ||
        (st = int_of(opt[WA_BATCH_SIZE], NN_ERR_BATCH_SIZE, &o.batch_size)) != NN_OK ||
        (st = int_of(opt[WA_LIMIT], NN_ERR_ARG, &o.limit)) != NN_OK ||
        (st = int_of(opt[WA_SPARSE], NN_ERR_ARG, &sparse)) != NN_OK ||
        (st = int_of(opt[WA_THREADS], NN_ERR_THREADS, &o.threads)) != NN_OK)
        return st;
    o.optimizer = (nn_optimizer)optimizer;
    o.learning_rate = (float)opt[WA_LEARNING_RATE];
    o.rho = (float)opt[WA_RHO];
    o.momentum = (float)opt[WA_MOMENTUM];
    o.beta1 = (float)opt[WA_BETA1];
    o.beta2 = (float)opt[WA_BETA2];
    o.epsilon = (float)opt[WA_EPSILON];
    o.seed = seed_of(opt[WA_SEED]);
    o.sparse = (nn_sparse_mode)sparse;
    return nn_trainer_create(out, net, ds, &o);
}

/* The limits JS needs before it asks C: NN_MAX_THREADS (loadNN) and NN_MAX_LAYERS (nn_timing). */
EMSCRIPTEN_KEEPALIVE int wa_max_threads(void) { return NN_MAX_THREADS; }
EMSCRIPTEN_KEEPALIVE int wa_max_layers(void) { return NN_MAX_LAYERS; }

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

/* out[0..3 + 2 NN_MAX_LAYERS): milliseconds of the input, the loss, the update, each layer's
 * forward, each layer's backward (nn_timing) */
EMSCRIPTEN_KEEPALIVE void wa_trainer_timing(const nn_trainer *tr, double *out) {
    nn_timing t;
    nn_trainer_timing(tr, &t);
    out[0] = t.input_ms, out[1] = t.loss_ms, out[2] = t.update_ms;
    for (int l = 0; l < NN_MAX_LAYERS; l++)
        out[3 + l] = t.forward_ms[l], out[3 + NN_MAX_LAYERS + l] = t.backward_ms[l];
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
    int st = nn_preprocess_number(px, channels, width, height, flags, max_digits, out784, pi,
                                  count);
    for (int d = 0; st == NN_OK && d < *count; d++) {
        float *o = info + 10 * d;
        o[0] = (float)pi[d].x0, o[1] = (float)pi[d].y0, o[2] = (float)pi[d].x1;
        o[3] = (float)pi[d].y1, o[4] = (float)pi[d].light_on_dark, o[5] = pi[d].ink_fraction;
        o[6] = pi[d].com_x, o[7] = pi[d].com_y, o[8] = (float)pi[d].lines, o[9] = (float)pi[d].cut;
    }
    return st;
}
