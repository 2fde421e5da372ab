/* train.c: mini-batch training. The trainer binds a network and a training set, sizes every
 * buffer at creation (nothing is allocated while training), shuffles the sample order each
 * epoch from its seed, keeps the last partial batch, and rolls back to the weights at the start
 * of a call when a loss or an updated weight stops being finite. */
#include "internal.h"
#include "layers.h"
#include "optim.h"
#include "threads.h"
#include "kernels.h"

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

static float default_lr(nn_optimizer opt) { return opt == NN_OPT_SGD ? 0.01f : 0.001f; }

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
    if (o->threads < 1 || o->threads > 64) return NN_ERR_THREADS;
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
    for (int l = 0; l <= NN_MAX_LAYERS; l++) free(tr->act[l]);
    free(tr->delta[0]);
    free(tr->delta[1]);
    free(tr->batch_labels);
    free(tr->loss_rows);
    sparse_batch_release(&tr->sb);
    free(tr->sparse_scratch);
    free(tr);
}

nn_status nn_trainer_create(nn_trainer **out, nn_net *net, const nn_dataset *ds,
                            const nn_train_options *opt) {
    if (!out || !net || !ds) return NN_ERR_ARG;
    *out = NULL;
    nn_train_options o = opt ? *opt : nn_train_defaults();
    if (ds->rows * ds->cols != net->sizes[0] || ds->classes > net->sizes[net->n_layers])
        return NN_ERR_INPUT_SIZE;
    int n = o.limit > 0 && o.limit < ds->count ? o.limit : ds->count;
    nn_status st = check_options(&o, n);
    if (st != NN_OK) return st;
    if (o.learning_rate == 0.0f) o.learning_rate = default_lr(o.optimizer);

    nn_trainer *tr = calloc(1, sizeof *tr);
    if (!tr) return NN_ERR_NOMEM;
    tr->net = net;
    tr->ds = ds;
    tr->opt = o;
    tr->n = n;
    tr->batches_per_epoch = (n + o.batch_size - 1) / o.batch_size;
    size_t np = net->n_params, bs = (size_t)o.batch_size;
    int two_states = o.optimizer == NN_OPT_ADAM;
    tr->state_floats = np * (two_states ? 3 : 2);
    tr->perm = malloc((size_t)n * sizeof *tr->perm);
    tr->grads = malloc(np * sizeof(float));
    tr->state1 = calloc(np, sizeof(float));
    tr->state2 = two_states ? calloc(np, sizeof(float)) : NULL;
    tr->snapshot = malloc(tr->state_floats * sizeof(float));
    int ok = tr->perm && tr->grads && tr->state1 && (!two_states || tr->state2) && tr->snapshot;
    int widest_out = 0;
    for (int l = 0; l <= net->n_layers && ok; l++) {
        tr->act[l] = malloc(bs * net->sizes[l] * sizeof(float));
        ok = tr->act[l] != NULL;
        if (l > 0 && net->sizes[l] > widest_out) widest_out = net->sizes[l];
    }
    for (int i = 0; i < 2 && ok; i++) {
        tr->delta[i] = malloc(bs * (size_t)widest_out * sizeof(float));
        ok = tr->delta[i] != NULL;
    }
    tr->batch_labels = malloc(bs);
    tr->loss_rows = malloc(bs * sizeof(double));
    tr->threads = o.threads < team_size() ? o.threads : team_size();
    if (ok && o.sparse != NN_SPARSE_OFF)
        ok = sparse_batch_alloc(&tr->sb, o.batch_size, net->sizes[0]) == NN_OK &&
             (tr->sparse_scratch = malloc((size_t)tr->threads * SPARSE_SCRATCH(bs, net->sizes[0]) *
                                          sizeof(float)));
    if (!ok || !tr->batch_labels || !tr->loss_rows) {
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

/* ---- one training step, in phases that the team's threads share by fixed ranges (so that the
 * result does not depend on the number of threads): rows of the batch, rows of a weight matrix,
 * blocks of 32 output columns, pixels, or slices of the parameter array. ---- */
typedef struct step {
    nn_trainer *tr;
    const uint32_t *idx;
    int nb, sparse, layer;
    float *d, *dprev; /* gradient w.r.t. layer's pre-activation output; w.r.t. its input */
    int nnz[64], bad[64];
    int t; /* Adam's step */
} step;

/* Whole passes of the sparse kernels (SPARSE_BLOCK columns), when the layer is wide enough. */
static int col_align(int n) { return n >= 2 * SPARSE_BLOCK ? SPARSE_BLOCK : 4; }

static void phase_build(void *p, int t, int nt) {
    step *s = p;
    nn_trainer *tr = s->tr;
    int in = tr->net->sizes[0], i0, i1, r0, r1;
    team_range(in, t, nt, 16, &i0, &i1);
    team_range(s->nb, t, nt, 1, &r0, &r1);
    s->nnz[t] = sparse_batch_build(&tr->sb, tr->ds->pixels, s->idx, s->nb, in, nn_u8_scale, r0, r1,
                                   i0, i1);
    for (int r = r0; r < r1; r++) tr->batch_labels[r] = tr->ds->labels[s->idx[r]];
}

static void phase_gather(void *p, int t, int nt) {
    step *s = p;
    nn_trainer *tr = s->tr;
    int in = tr->net->sizes[0], r0, r1;
    team_range(s->nb, t, nt, 1, &r0, &r1);
    for (int r = r0; r < r1; r++) {
        const uint8_t *src = tr->ds->pixels + (size_t)s->idx[r] * in;
        float *dst = tr->act[0] + (size_t)r * in;
        for (int i = 0; i < in; i++) dst[i] = nn_u8_scale[src[i]];
        tr->batch_labels[r] = tr->ds->labels[s->idx[r]];
    }
}

static void phase_forward(void *p, int t, int nt) {
    step *s = p;
    nn_trainer *tr = s->tr;
    nn_net *net = tr->net;
    const int l = s->layer, in = net->sizes[l], out = net->sizes[l + 1];
    nn_activation act = net->acts[l] == NN_ACT_SOFTMAX ? NN_ACT_LINEAR : net->acts[l];
    if (l == 0 && s->sparse) {
        int j0, j1;
        team_range(out, t, nt, col_align(out), &j0, &j1);
        sparse_mm_nn(tr->act[1], &tr->sb, net->w[0], out, j0, j1,
                     tr->sparse_scratch + (size_t)t * SPARSE_SCRATCH(tr->sb.cap_b, in));
        bias_activation(tr->act[1], net->b[0], s->nb, out, j0, j1, act);
        return;
    }
    if (out >= 64) { /* wide: columns, so that each thread packs only its own panels of W */
        int j0, j1;
        team_range(out, t, nt, 8, &j0, &j1);
        mm_nn_cols(tr->act[l + 1], tr->act[l], net->w[l], s->nb, in, out, j0, j1);
        bias_activation(tr->act[l + 1], net->b[l], s->nb, out, j0, j1, act);
        return;
    }
    int r0, r1;
    team_range(s->nb, t, nt, 4, &r0, &r1);
    float *y = tr->act[l + 1] + (size_t)r0 * out;
    mm_nn(y, tr->act[l] + (size_t)r0 * in, net->w[l], r1 - r0, in, out);
    bias_activation(y, net->b[l], r1 - r0, out, 0, out, act);
}

static void phase_backward(void *p, int t, int nt) {
    step *s = p;
    nn_trainer *tr = s->tr;
    nn_net *net = tr->net;
    const int l = s->layer, in = net->sizes[l], out = net->sizes[l + 1], nb = s->nb;
    float *gw = tr->grads + (net->w[l] - net->params), *gb = tr->grads + (net->b[l] - net->params);
    int j0, j1;
    team_range(out, t, nt, col_align(out), &j0, &j1);
    bias_backward(gb, s->d, nb, out, j0, j1);
    if (l == 0 && s->sparse) {
        sparse_mm_tn(gw, &tr->sb, s->d, out, j0, j1,
                     tr->sparse_scratch + (size_t)t * SPARSE_SCRATCH(tr->sb.cap_b, in));
        return;
    }
    int i0, i1;
    team_range(in, t, nt, 4, &i0, &i1);
    mm_tn(gw + (size_t)i0 * out, tr->act[l] + i0, in, s->d, i1 - i0, nb, out);
    if (l == 0) return; /* the first layer needs no input gradient */
    int r0, r1;
    team_range(nb, t, nt, 8, &r0, &r1);
    float *dx = s->dprev + (size_t)r0 * in;
    mm_nt(dx, s->d + (size_t)r0 * out, net->w[l], r1 - r0, out, in);
    activation_backward(dx, tr->act[l] + (size_t)r0 * in, (size_t)(r1 - r0) * in, net->acts[l - 1]);
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

/* Adds the time since `since` to phase p; returns now. The phases' times are wall time of the
 * calling thread, so with several threads they are the parallel phases' elapsed time. */
static double lap(nn_trainer *tr, int p, double since) {
    double now = clock_ms();
    tr->phase_ms[p] += now - since;
    return now;
}

/* Forward and backward; the summed loss (not finite: the caller stops before any update). */
static double step_gradients(step *s, int *correct) {
    const double t0 = clock_ms();
    nn_trainer *tr = s->tr;
    nn_net *net = tr->net;
    const int L = net->n_layers, in = net->sizes[0], classes = net->sizes[L],
              nt = team_threads(tr->threads);
    s->sparse = 0;
    if (tr->opt.sparse != NN_SPARSE_OFF) {
        team_run(nt, phase_build, s);
        int nnz = 0;
        for (int t = 0; t < nt; t++) nnz += s->nnz[t];
        tr->sb.B = s->nb, tr->sb.nnz = nnz;
        s->sparse = tr->opt.sparse == NN_SPARSE_ON ||
                    nnz <= NN_SPARSE_MAX_DENSITY * (double)s->nb * in;
    }
    tr->last_sparse = s->sparse;
    if (!s->sparse) team_run(nt, phase_gather, s); /* the sparse build took the labels already */
    double t1 = lap(tr, 0, t0);
    for (s->layer = 0; s->layer < L; s->layer++) {
        team_run(nt, phase_forward, s);
        if (s->layer == 0) t1 = lap(tr, 1, t1);
    }
    *correct = softmax_rows(tr->act[L], s->nb, classes, tr->batch_labels, tr->loss_rows);
    double sum = 0.0;
    for (int r = 0; r < s->nb; r++) sum += tr->loss_rows[r];
    if (!isfinite(sum)) return sum;
    s->d = tr->delta[0], s->dprev = tr->delta[1];
    softmax_xent_backward(s->d, tr->act[L], tr->batch_labels, s->nb, classes);
    t1 = lap(tr, 2, t1);
    for (s->layer = L - 1; s->layer >= 0; s->layer--) {
        if (s->layer == 0) t1 = lap(tr, 3, t1);
        team_run(nt, phase_backward, s);
        float *t = s->d;
        s->d = s->dprev, s->dprev = t;
    }
    lap(tr, 4, t1);
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
    lap(tr, 5, t0);
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

void nn_trainer_timing(const nn_trainer *tr, double ms[NN_PHASES]) {
    for (int p = 0; p < NN_PHASES; p++) ms[p] = tr ? tr->phase_ms[p] : 0.0;
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
