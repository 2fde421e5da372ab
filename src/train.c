/* train.c: mini-batch training. The trainer binds a network and a training set, sizes every
 * buffer at creation (nothing is allocated while training), shuffles the sample order each
 * epoch from its seed, keeps the last partial batch, and rolls back to the weights at the start
 * of a call when a loss or an updated weight stops being finite. It knows no layer kind: a step
 * loops over the layers' forward and (in reverse) backward passes (layer.h), and the optimisers
 * run over the one flat parameter array. */
#include "internal.h"
#include "layers.h"
#include "optim.h"
#include "threads.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

nn_train_options nn_train_defaults(void) {
    nn_train_options o;
    memset(&o, 0, sizeof o);
    o.optimizer = NN_OPT_RMSPROP;
    o.learning_rate = 0.0f;
    o.rho = 0.9f;
    o.momentum = 0.9f;
    o.beta1 = 0.9f;
    o.beta2 = 0.999f;
    o.epsilon = 1e-7f;
    o.batch_size = 128;
    o.limit = 0;
    o.seed = 1;
    o.sparse = NN_SPARSE_AUTO;
    o.threads = 1;
    return o;
}

float nn_optimizer_default_lr(nn_optimizer opt) { return opt == NN_OPT_SGD ? 0.01f : 0.001f; }

static int in_unit(float x) { return x >= 0.0f && x < 1.0f; }

static nn_status check_options(const nn_train_options *o, int n) {
    if ((unsigned)o->optimizer >= NN_OPT_COUNT) return NN_ERR_OPTIMIZER;
    if (!(o->learning_rate >= 0.0f) || isinf(o->learning_rate)) return NN_ERR_LEARNING_RATE;
    if (!in_unit(o->rho) || !in_unit(o->momentum) || !in_unit(o->beta1) || !in_unit(o->beta2) ||
        !(o->epsilon > 0.0f) || isinf(o->epsilon))
        return NN_ERR_OPTIMIZER;
    if (o->limit < 0) return NN_ERR_ARG;
    if (o->batch_size < 1 || o->batch_size > n) return NN_ERR_BATCH_SIZE;
    if ((unsigned)o->sparse > NN_SPARSE_ON) return NN_ERR_ARG;
    if (o->threads < 1 || o->threads > NN_MAX_THREADS) return NN_ERR_THREADS;
    return NN_OK;
}

static void shuffle(nn_trainer *tr) {
    for (uint32_t i = (uint32_t)tr->n - 1; i > 0; i--) {
        uint32_t j = nn_rng_below(&tr->rng, i + 1);
        uint32_t t = tr->perm[i];
        tr->perm[i] = tr->perm[j];
        tr->perm[j] = t;
    }
}

void nn_trainer_free(nn_trainer *tr) {
    if (!tr) return;
    free(tr->perm);
    free(tr->grads);
    free(tr->state1);
    free(tr->state2);
    free(tr->snapshot);
    for (int i = 0; i < tr->n_owned; i++) free(tr->owned[i]);
    for (int l = 0; l < NN_MAX_LAYERS; l++) free(tr->scratch[l]);
    free(tr->thread_scratch);
    free(tr->batch_labels);
    free(tr->loss_rows);
    sparse_batch_release(&tr->sb);
    free(tr);
}

/* n floats, or NULL when their bytes do not fit in size_t (wasm's is 32 bits) or memory is out */
static float *floats(uint64_t n) {
    if (n > SIZE_MAX / sizeof(float)) return NULL;
    return malloc(n ? (size_t)n * sizeof(float) : sizeof(float));
}
static float *owned_floats(nn_trainer *tr, uint64_t n) {
    float *p = floats(n);
    if (p) tr->owned[tr->n_owned++] = p;
    return p;
}

/* Each layer's output and, where some layer below has parameters, the gradient w.r.t. its input;
 * a layer that works in place shares both buffers with its input. */
static int alloc_activations(nn_trainer *tr, uint64_t B) {
    const nn_net *net = tr->net;
    const int L = net->n_layers;
    if (!(tr->act[0] = owned_floats(tr, B * net->n_in))) return 0;
    for (int l = 0; l < L; l++) {
        const layer *ly = &net->layers[l];
        tr->act[l + 1] = ops_of(ly)->in_place ? tr->act[l] : owned_floats(tr, B * ly->n_out);
        if (!tr->act[l + 1]) return 0;
    }
    if (!(tr->dact[L] = owned_floats(tr, B * net_classes(net)))) return 0;
    for (int l = L - 1; l >= 1; l--) {
        const layer *ly = &net->layers[l];
        if (!net_needs_dx(net, l)) continue;
        tr->dact[l] = ops_of(ly)->in_place ? tr->dact[l + 1] : owned_floats(tr, B * ly->n_in);
        if (!tr->dact[l]) return 0;
    }
    uint64_t per_thread = 0;
    for (int l = 0; l < L; l++) {
        const layer *ly = &net->layers[l];
        uint64_t n = ops_of(ly)->scratch(ly, (int)B);
        if (n && !(tr->scratch[l] = floats(n))) return 0;
        uint64_t t = ops_of(ly)->thread_scratch(ly, (int)B);
        per_thread = t > per_thread ? t : per_thread;
    }
    tr->thread_stride = (size_t)per_thread;
    return (tr->thread_scratch = floats(per_thread * (uint64_t)tr->threads)) != NULL;
}

nn_status nn_trainer_create(nn_trainer **out, nn_net *net, const nn_dataset *ds,
                            const nn_train_options *opt) {
    if (!out || !net || !ds) return NN_ERR_ARG;
    *out = NULL;
    nn_train_options o = opt ? *opt : nn_train_defaults();
    if (!net_takes(net, ds)) return NN_ERR_INPUT_SIZE;
    int n = o.limit > 0 && o.limit < ds->count ? o.limit : ds->count;
    nn_status st = check_options(&o, n);
    if (st != NN_OK) return st;
    if (o.learning_rate == 0.0f) o.learning_rate = nn_optimizer_default_lr(o.optimizer);

    nn_trainer *tr = calloc(1, sizeof *tr);
    if (!tr) return NN_ERR_NOMEM;
    tr->net = net;
    tr->ds = ds;
    tr->opt = o;
    tr->n = n;
    tr->batches_per_epoch = (n + o.batch_size - 1) / o.batch_size;
    tr->threads = o.threads < team_size() ? o.threads : team_size();
    size_t np = net->n_params, bs = (size_t)o.batch_size;
    int two_states = o.optimizer == NN_OPT_ADAM;
    tr->state_floats = np * (two_states ? 3 : 2);
    tr->perm = malloc((size_t)n * sizeof *tr->perm);
    tr->grads = floats(np);
    tr->state1 = calloc(np ? np : 1, sizeof(float));
    tr->state2 = two_states ? calloc(np ? np : 1, sizeof(float)) : NULL;
    tr->snapshot = floats(tr->state_floats);
    tr->batch_labels = malloc(bs);
    tr->loss_rows = malloc(bs * sizeof(double));
    int ok = tr->perm && tr->grads && tr->state1 && (!two_states || tr->state2) && tr->snapshot &&
             tr->batch_labels && tr->loss_rows && alloc_activations(tr, bs);
    tr->use_sb = ops_of(&net->layers[0])->sparse_input && o.sparse != NN_SPARSE_OFF;
    if (ok && tr->use_sb) ok = sparse_batch_alloc(&tr->sb, o.batch_size, net->n_in) == NN_OK;
    if (!ok) {
        nn_trainer_free(tr);
        return NN_ERR_NOMEM;
    }
    for (int i = 0; i < n; i++) tr->perm[i] = (uint32_t)i;
    nn_rng_seed(&tr->rng, o.seed, 0x73687566666c65ULL /* "shuffle" */);
    shuffle(tr);
    nn_trainer_progress(tr, &tr->last);
    *out = tr;
    return NN_OK;
}

/* ---- one training step: the batch's input, each layer's forward, the loss, each layer's
 * backward in reverse order, the update. Each is a parallel region that the team's threads
 * share by fixed ranges (rows of the batch, pixels, output columns, slices of the parameters),
 * so that the result does not depend on the number of threads. ---- */
typedef struct step {
    nn_trainer *tr;
    const uint32_t *idx;
    int nb, sparse, layer, pass;
    int nnz[NN_MAX_THREADS], bad[NN_MAX_THREADS];
    int t; /* Adam's step */
} step;

static void phase_build(void *p, int t, int nt) {
    step *s = p;
    nn_trainer *tr = s->tr;
    int in = tr->net->n_in, i0, i1, r0, r1;
    team_range(in, t, nt, 16, &i0, &i1);
    team_range(s->nb, t, nt, 1, &r0, &r1);
    s->nnz[t] = sparse_batch_build(&tr->sb, tr->ds->pixels, s->idx, s->nb, in, nn_u8_scale, r0, r1,
                                   i0, i1);
    for (int r = r0; r < r1; r++) tr->batch_labels[r] = tr->ds->labels[s->idx[r]];
}

static void phase_gather(void *p, int t, int nt) {
    step *s = p;
    nn_trainer *tr = s->tr;
    int in = tr->net->n_in, r0, r1;
    team_range(s->nb, t, nt, 1, &r0, &r1);
    for (int r = r0; r < r1; r++) {
        const uint8_t *src = tr->ds->pixels + (size_t)s->idx[r] * in;
        float *dst = tr->act[0] + (size_t)r * in;
        for (int i = 0; i < in; i++) dst[i] = nn_u8_scale[src[i]];
        tr->batch_labels[r] = tr->ds->labels[s->idx[r]];
    }
}

/* What layer l works on in this step. */
static layer_io layer_io_of(const step *s, int l) {
    nn_trainer *tr = s->tr;
    const layer *ly = &tr->net->layers[l];
    layer_io io = {.B = s->nb,
                   .x = tr->act[l],
                   .y = tr->act[l + 1],
                   .dy = tr->dact[l + 1],
                   .dx = tr->dact[l],
                   .gw = tr->grads + ly->offset,
                   .gb = tr->grads + ly->offset + ly->n_w,
                   .scratch = tr->scratch[l],
                   .thread_scratch = tr->thread_scratch,
                   .thread_stride = tr->thread_stride,
                   .sb = l == 0 && s->sparse ? &tr->sb : NULL,
                   .sparse = tr->opt.sparse};
    return io;
}

static void phase_forward(void *p, int t, int nt) {
    const step *s = p;
    const layer *ly = &s->tr->net->layers[s->layer];
    layer_io io = layer_io_of(s, s->layer);
    ops_of(ly)->forward(ly, &io, t, nt);
}

static void phase_backward(void *p, int t, int nt) {
    const step *s = p;
    const layer *ly = &s->tr->net->layers[s->layer];
    layer_io io = layer_io_of(s, s->layer);
    ops_of(ly)->backward(ly, &io, s->pass, t, nt);
}

static void phase_update(void *p, int t, int nt) {
    step *s = p;
    nn_trainer *tr = s->tr;
    const nn_train_options *o = &tr->opt;
    int n = (int)tr->net->n_params, i0, i1;
    team_range(n, t, nt, 4, &i0, &i1);
    float *w = tr->net->params + i0, *g = tr->grads + i0, *s1 = tr->state1 + i0;
    size_t len = (size_t)(i1 - i0);
    switch (o->optimizer) {
    case NN_OPT_SGD: s->bad[t] = sgd_update(w, g, s1, len, o->learning_rate, o->momentum); break;
    case NN_OPT_ADAM:
        s->bad[t] = adam_update(w, g, s1, tr->state2 + i0, len, o->learning_rate, o->beta1,
                                o->beta2, o->epsilon, s->t);
        break;
    default: s->bad[t] = rmsprop_update(w, g, s1, len, o->learning_rate, o->rho, o->epsilon); break;
    }
}

/* Adds the time since `since` to *phase; returns now. The phases' times are wall time of the
 * calling thread, so with several threads they are the parallel phases' elapsed time. */
static double lap(double *phase, double since) {
    double now = clock_ms();
    *phase += now - since;
    return now;
}

/* Forward and backward; the summed loss (not finite: the caller stops before any update). */
static double step_gradients(step *s, int *correct) {
    double t1 = clock_ms();
    nn_trainer *tr = s->tr;
    nn_net *net = tr->net;
    nn_timing *tm = &tr->timing;
    const int L = net->n_layers, in = net->n_in, classes = net_classes(net),
              nt = team_threads(tr->threads);
    s->sparse = 0;
    if (tr->use_sb) {
        team_run(nt, phase_build, s);
        int nnz = 0;
        for (int t = 0; t < nt; t++) nnz += s->nnz[t];
        tr->sb.B = s->nb, tr->sb.nnz = nnz;
        s->sparse = tr->opt.sparse == NN_SPARSE_ON ||
                    nnz <= NN_SPARSE_MAX_DENSITY * (double)s->nb * in;
    }
    tr->last_sparse = s->sparse;
    if (!s->sparse) team_run(nt, phase_gather, s); /* the sparse build took the labels already */
    t1 = lap(&tm->input_ms, t1);
    for (s->layer = 0; s->layer < L; s->layer++) {
        if (ops_of(&net->layers[s->layer])->in_place) continue; /* its output is its input */
        team_run(nt, phase_forward, s);
        t1 = lap(&tm->forward_ms[s->layer], t1);
    }
    *correct = softmax_rows(tr->act[L], s->nb, classes, tr->batch_labels, tr->loss_rows);
    double sum = 0.0;
    for (int r = 0; r < s->nb; r++) sum += tr->loss_rows[r];
    if (!isfinite(sum)) return sum;
    softmax_xent_backward(tr->dact[L], tr->act[L], tr->batch_labels, s->nb, classes);
    t1 = lap(&tm->loss_ms, t1);
    for (s->layer = L - 1; s->layer >= 0; s->layer--) {
        const layer *ly = &net->layers[s->layer];
        const int passes = ops_of(ly)->backward_passes(ly);
        for (s->pass = 0; s->pass < passes; s->pass++) team_run(nt, phase_backward, s);
        t1 = lap(&tm->backward_ms[s->layer], t1);
    }
    return sum;
}

double trainer_gradients(nn_trainer *tr, const uint32_t *idx, int nb, int *correct) {
    step s = {.tr = tr, .idx = idx, .nb = nb};
    return step_gradients(&s, correct);
}

/* One step on the samples idx[0..nb): gradients, then the update. Returns 0, or 1 if the loss or
 * an updated weight is not finite (the caller rolls back). */
static int train_batch(nn_trainer *tr, const uint32_t *idx, int nb, double *loss, int *correct) {
    step s = {.tr = tr, .idx = idx, .nb = nb};
    *loss = step_gradients(&s, correct);
    if (!isfinite(*loss)) return 1;
    s.t = ++tr->pos.step;
    double t0 = clock_ms();
    const int nt = team_threads(tr->threads);
    team_run(nt, phase_update, &s);
    lap(&tr->timing.update_ms, t0);
    int bad = 0;
    for (int t = 0; t < nt; t++) bad |= s.bad[t];
    return bad;
}

static void save_state(nn_trainer *tr) {
    size_t np = tr->net->n_params;
    memcpy(tr->snapshot, tr->net->params, np * sizeof(float));
    memcpy(tr->snapshot + np, tr->state1, np * sizeof(float));
    if (tr->state2) memcpy(tr->snapshot + 2 * np, tr->state2, np * sizeof(float));
}

static void restore_state(nn_trainer *tr) {
    size_t np = tr->net->n_params;
    memcpy(tr->net->params, tr->snapshot, np * sizeof(float));
    memcpy(tr->state1, tr->snapshot + np, np * sizeof(float));
    if (tr->state2) memcpy(tr->state2, tr->snapshot + 2 * np, np * sizeof(float));
}

nn_status nn_train(nn_trainer *tr, int max_batches, nn_progress *progress) {
    if (!tr || max_batches < 1) return NN_ERR_ARG;
    save_state(tr);
    struct position saved = tr->pos;
    const int bs = tr->opt.batch_size;
    double chunk_loss = 0.0;
    int chunk_correct = 0, chunk_seen = 0, done = 0, epoch_done = 0, sparse_batches = 0;
    while (done < max_batches && !epoch_done) {
        struct position *p = &tr->pos;
        if (p->batch == 0) p->epoch_loss = 0.0, p->epoch_correct = 0, p->epoch_seen = 0;
        int start = p->batch * bs;
        int nb = tr->n - start < bs ? tr->n - start : bs;
        double loss;
        int correct;
        if (train_batch(tr, tr->perm + start, nb, &loss, &correct)) {
            restore_state(tr);
            tr->pos = saved;
            nn_trainer_progress(tr, progress);
            return NN_ERR_DIVERGED;
        }
        chunk_loss += loss, chunk_correct += correct, chunk_seen += nb, done++;
        sparse_batches += tr->last_sparse;
        p->epoch_loss += loss, p->epoch_correct += correct, p->epoch_seen += nb;
        p->samples += nb;
        if (++p->batch == tr->batches_per_epoch) {
            p->batch = 0;
            p->epoch++;
            epoch_done = 1;
            shuffle(tr); /* the next epoch's order; only after the last batch of this one */
        }
    }
    nn_trainer_progress(tr, &tr->last);
    tr->last.epoch_done = epoch_done;
    tr->last.chunk_batches = done;
    tr->last.sparse_batches = sparse_batches;
    tr->last.chunk_loss = chunk_seen ? chunk_loss / chunk_seen : 0.0;
    tr->last.chunk_accuracy = chunk_seen ? (double)chunk_correct / chunk_seen : 0.0;
    if (progress) *progress = tr->last;
    return NN_OK;
}

void nn_trainer_timing(const nn_trainer *tr, nn_timing *out) {
    if (!out) return;
    if (tr) *out = tr->timing;
    else memset(out, 0, sizeof *out);
}

void nn_trainer_progress(const nn_trainer *tr, nn_progress *progress) {
    if (!tr || !progress) return;
    const struct position *p = &tr->pos;
    memset(progress, 0, sizeof *progress);
    progress->epoch = p->epoch;
    progress->batch = p->batch;
    progress->batches_per_epoch = tr->batches_per_epoch;
    progress->threads = team_threads(tr->threads);
    progress->samples = p->samples;
    progress->loss = p->epoch_seen ? p->epoch_loss / p->epoch_seen : 0.0;
    progress->accuracy = p->epoch_seen ? (double)p->epoch_correct / p->epoch_seen : 0.0;
}
