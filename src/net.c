/* net.c: a network as a sequence of layers (layer.h): creation (each kind checks its own shapes and
 * draws its own initial weights), cloning, what each layer is, prediction and evaluation, and the
 * look inside (every layer's output for one input, in one call). One allocation holds all
 * parameters; prediction pushes up to predict_rows rows at a time through scratch sized at
 * creation, calling each layer's forward on one thread. */
#include "internal.h"
#include "layers.h"

#include <stdlib.h>
#include <string.h>

/* nn_u8_scale[v] = v / 255.0f, rounded once as Keras' float32 division rounds it. */
#define S4(i) (i) / 255.0f, (i + 1) / 255.0f, (i + 2) / 255.0f, (i + 3) / 255.0f
#define S16(i) S4(i), S4(i + 4), S4(i + 8), S4(i + 12)
#define S64(i) S16(i), S16(i + 16), S16(i + 32), S16(i + 48)
const float nn_u8_scale[256] = {S64(0.0f), S64(64.0f), S64(128.0f), S64(192.0f)};

static nn_status check_input(nn_shape s) {
    if (s.rank == 1) {
        if (s.h != 1 || s.w != 1) return NN_ERR_LAYERS;
    } else if (s.rank != 3 || s.h < 1 || s.w < 1) {
        return NN_ERR_LAYERS;
    }
    if (s.c < 1 || (int64_t)s.h * s.w * s.c > NN_MAX_UNITS) return NN_ERR_LAYERS;
    return NN_OK;
}

/* Kinds and activations first: softmax on the last layer, which must be dense, and nowhere else. */
static nn_status check_kinds(int n_layers, const nn_layer_spec *specs) {
    for (int i = 0; i < n_layers; i++) {
        const nn_layer_spec *s = &specs[i];
        if ((unsigned)s->kind >= NN_LAYER_KIND_COUNT) return NN_ERR_LAYERS;
        if ((unsigned)s->act >= NN_ACT_COUNT) return NN_ERR_ACTIVATION;
        if ((s->act == NN_ACT_SOFTMAX) != (i == n_layers - 1)) return NN_ERR_ACTIVATION;
    }
    return specs[n_layers - 1].kind == NN_LAYER_DENSE ? NN_OK : NN_ERR_ACTIVATION;
}

void nn_net_free(nn_net *net) {
    if (!net) return;
    free(net->params);
    free(net->scratch);
    free(net->layer_scratch);
    free(net->loss_rows);
    free(net);
}

nn_status net_plan(nn_net *net, nn_shape input, int n_layers, const nn_layer_spec *specs) {
    memset(net, 0, sizeof *net);
    if (n_layers < 1 || n_layers > NN_MAX_LAYERS) return NN_ERR_LAYERS;
    nn_status st = check_input(input);
    if (st == NN_OK) st = check_kinds(n_layers, specs);
    if (st != NN_OK) return st;
    net->input = input;
    net->n_in = input.h * input.w * input.c;
    net->n_layers = n_layers;
    net->max_width = net->n_in;
    net->max_bound = input.c;
    nn_shape in = input;
    uint64_t params = 0;
    for (int i = 0; i < n_layers; i++) {
        layer *l = &net->layers[i];
        l->spec = specs[i];
        l->in = in;
        l->n_in = in.h * in.w * in.c;
        st = layer_table[l->spec.kind]->setup(l);
        if (st != NN_OK) return st;
        int64_t n_out = (int64_t)l->out.h * l->out.w * l->out.c;
        if (n_out < 1 || n_out > NN_MAX_VALUES) return NN_ERR_LAYERS;
        l->n_out = (int)n_out;
        l->offset = (size_t)params;
        params += (uint64_t)l->n_w + l->n_b;
        if (params > PARAM_LIMIT) return NN_ERR_NOMEM;
        if (l->n_out > net->max_width) net->max_width = l->n_out;
        if (l->out.c > net->max_bound) net->max_bound = l->out.c;
        in = l->out;
    }
    int classes = net->layers[n_layers - 1].n_out;
    if (classes < 2 || classes > NN_MAX_CLASSES) return NN_ERR_LAYERS;
    net->n_params = (size_t)params;
    int rows = PREDICT_VALUES / net->max_width;
    net->predict_rows = rows < 1 ? 1 : rows > NN_PREDICT_ROWS ? NN_PREDICT_ROWS : rows;
    return NN_OK;
}

nn_status net_alloc(nn_net **out, nn_shape input, int n_layers, const nn_layer_spec *specs) {
    nn_net *net = malloc(sizeof *net);
    if (!net) return NN_ERR_NOMEM;
    nn_status st = net_plan(net, input, n_layers, specs);
    if (st != NN_OK) {
        free(net);
        return st;
    }
    uint64_t scratch = 0, per_thread = 0;
    for (int i = 0; i < n_layers; i++) {
        const layer *l = &net->layers[i];
        uint64_t a = ops_of(l)->scratch(l, net->predict_rows),
                 b = ops_of(l)->thread_scratch(l, net->predict_rows);
        scratch = a > scratch ? a : scratch, per_thread = b > per_thread ? b : per_thread;
    }
    if (scratch + per_thread >= SIZE_MAX / sizeof(float)) {
        free(net);
        return NN_ERR_NOMEM;
    }
    net->layer_floats = (size_t)scratch;
    net->params = malloc((net->n_params ? net->n_params : 1) * sizeof(float));
    net->scratch = malloc((size_t)2 * net->predict_rows * net->max_width * sizeof(float));
    net->layer_scratch = malloc((size_t)(scratch + per_thread + 1) * sizeof(float));
    net->loss_rows = malloc((size_t)net->predict_rows * sizeof(double));
    if (!net->params || !net->scratch || !net->layer_scratch || !net->loss_rows) {
        nn_net_free(net);
        return NN_ERR_NOMEM;
    }
    for (int i = 0; i < n_layers; i++) {
        layer *l = &net->layers[i];
        l->w = net->params + l->offset;
        l->b = l->w + l->n_w;
    }
    *out = net;
    return NN_OK;
}

nn_status nn_net_create_layers(nn_net **out, nn_shape input, int n_layers,
                               const nn_layer_spec *specs, uint64_t seed) {
    if (!out || (!specs && n_layers > 0)) return NN_ERR_ARG;
    *out = NULL;
    nn_net *net;
    nn_status st = net_alloc(&net, input, n_layers, specs);
    if (st != NN_OK) return st;
    nn_rng rng;
    nn_rng_seed(&rng, seed, 0x6e6e696e6974ULL /* "nninit" */);
    for (int i = 0; i < n_layers; i++) ops_of(&net->layers[i])->init(&net->layers[i], &rng);
    *out = net;
    return NN_OK;
}

nn_status nn_net_create(nn_net **out, int n_layers, const int *sizes, const nn_activation *acts,
                        uint64_t seed) {
    if (!out || !sizes) return NN_ERR_ARG;
    *out = NULL;
    if (n_layers < 1 || n_layers > NN_MAX_LAYERS) return NN_ERR_LAYERS;
    nn_layer_spec specs[NN_MAX_LAYERS];
    memset(specs, 0, sizeof specs);
    for (int l = 0; l < n_layers; l++) {
        specs[l].kind = NN_LAYER_DENSE;
        specs[l].units = sizes[l + 1];
        specs[l].act = acts ? acts[l] : l == n_layers - 1 ? NN_ACT_SOFTMAX : NN_ACT_RELU;
    }
    const nn_shape input = {1, 1, 1, sizes[0]};
    return nn_net_create_layers(out, input, n_layers, specs, seed);
}

nn_status nn_net_clone(nn_net **out, const nn_net *src) {
    if (!out || !src) return NN_ERR_ARG;
    *out = NULL;
    nn_layer_spec specs[NN_MAX_LAYERS];
    for (int i = 0; i < src->n_layers; i++) specs[i] = src->layers[i].spec;
    nn_net *net;
    nn_status st = net_alloc(&net, src->input, src->n_layers, specs);
    if (st != NN_OK) return st;
    memcpy(net->params, src->params, src->n_params * sizeof(float));
    *out = net;
    return NN_OK;
}

int nn_net_layers(const nn_net *net) { return net ? net->n_layers : 0; }
nn_shape nn_net_input_shape(const nn_net *net) { return net ? net->input : (nn_shape){0, 0, 0, 0}; }
int nn_net_size(const nn_net *net, int i) {
    if (!net || i < 0 || i > net->n_layers) return 0;
    return i == 0 ? net->n_in : net->layers[i - 1].n_out;
}
nn_activation nn_net_activation(const nn_net *net, int l) {
    return net && l >= 0 && l < net->n_layers ? net->layers[l].spec.act : NN_ACT_LINEAR;
}
size_t nn_net_param_count(const nn_net *net) { return net ? net->n_params : 0; }
float *nn_net_params(nn_net *net) { return net ? net->params : NULL; }

nn_status nn_net_layer_info(const nn_net *net, int i, nn_layer_info *out) {
    if (!net || !out || i < 0 || i >= net->n_layers) return NN_ERR_ARG;
    const layer *l = &net->layers[i];
    out->spec = l->spec;
    out->in = l->in;
    out->out = l->out;
    out->param_offset = l->offset;
    out->weights = l->n_w;
    out->biases = l->n_b;
    out->flops = ops_of(l)->flops(l);
    return NN_OK;
}

int net_needs_dx(const nn_net *net, int l) {
    for (int j = 0; j < l; j++)
        if (net->layers[j].n_w + net->layers[j].n_b > 0) return 1;
    return 0;
}

double nn_net_train_flops(const nn_net *net) {
    if (!net) return 0.0;
    double f = 0.0;
    for (int i = 0; i < net->n_layers; i++) {
        const layer *l = &net->layers[i];
        double fl = ops_of(l)->flops(l);
        f += (net_needs_dx(net, i) ? 3.0 : 2.0) * fl;
    }
    return f;
}

/* The layers' forward passes over rows already in net->scratch; returns the last layer's output
 * (the logits), inside scratch. With trace (rows = 1), each layer's output is copied there too,
 * one after the other (nn_net_activations' layout). */
static float *forward_layers(nn_net *net, int rows, float *trace) {
    float *x = net->scratch, *y = net->scratch + (size_t)net->predict_rows * net->max_width;
    for (int i = 0; i < net->n_layers; i++) {
        const layer *l = &net->layers[i];
        const layer_ops *ops = ops_of(l);
        layer_io io = {.B = rows,
                       .x = x,
                       .y = ops->in_place ? x : y,
                       .scratch = net->layer_scratch,
                       .thread_scratch = net->layer_scratch + net->layer_floats};
        ops->forward(l, &io, 0, 1);
        if (!ops->in_place) {
            float *t = x;
            x = y;
            y = t;
        }
        if (trace) {
            memcpy(trace, x, (size_t)l->n_out * sizeof(float));
            trace += l->n_out;
        }
    }
    return x;
}

const float *net_forward_scratch(nn_net *net, int rows, const uint8_t *labels, double *loss_sum,
                                 int *correct) {
    float *x = forward_layers(net, rows, NULL);
    int c = softmax_rows(x, rows, net_classes(net), labels, labels ? net->loss_rows : NULL);
    if (labels) {
        for (int r = 0; r < rows; r++) *loss_sum += net->loss_rows[r];
        *correct += c;
    }
    return x;
}

size_t nn_net_activations_size(const nn_net *net) {
    if (!net) return 0;
    size_t n = (size_t)net_classes(net);
    for (int i = 0; i < net->n_layers; i++) n += (size_t)net->layers[i].n_out;
    return n;
}

nn_status nn_net_activations(nn_net *net, const float *x, float *out, size_t cap) {
    if (!net || !x || !out || cap < nn_net_activations_size(net)) return NN_ERR_ARG;
    memcpy(net->scratch, x, (size_t)net->n_in * sizeof(float));
    float *logits = forward_layers(net, 1, out);
    const int classes = net_classes(net);
    softmax_rows(logits, 1, classes, NULL, NULL);
    memcpy(out + nn_net_activations_size(net) - classes, logits, (size_t)classes * sizeof(float));
    return NN_OK;
}

nn_status nn_net_predict(nn_net *net, const float *x, int n, float *probs) {
    if (!net || (!x && n > 0) || (!probs && n > 0) || n < 0) return NN_ERR_ARG;
    const int in = net->n_in, classes = net_classes(net), step = net->predict_rows;
    for (int r0 = 0; r0 < n; r0 += step) {
        int rows = n - r0 < step ? n - r0 : step;
        memcpy(net->scratch, x + (size_t)r0 * in, (size_t)rows * in * sizeof(float));
        const float *p = net_forward_scratch(net, rows, NULL, NULL, NULL);
        memcpy(probs + (size_t)r0 * classes, p, (size_t)rows * classes * sizeof(float));
    }
    return NN_OK;
}

static void scale_rows(float *dst, const uint8_t *src, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = nn_u8_scale[src[i]];
}

nn_status nn_net_predict_u8(nn_net *net, const uint8_t *pixels, int n, float *probs) {
    if (!net || (!pixels && n > 0) || (!probs && n > 0) || n < 0) return NN_ERR_ARG;
    const int in = net->n_in, classes = net_classes(net), step = net->predict_rows;
    for (int r0 = 0; r0 < n; r0 += step) {
        int rows = n - r0 < step ? n - r0 : step;
        scale_rows(net->scratch, pixels + (size_t)r0 * in, (size_t)rows * in);
        const float *p = net_forward_scratch(net, rows, NULL, NULL, NULL);
        memcpy(probs + (size_t)r0 * classes, p, (size_t)rows * classes * sizeof(float));
    }
    return NN_OK;
}

/* Whether ds's images are what net takes: as many pixels, and for an image-shaped input (h, w, 1)
 * the same rows and columns; and no label beyond the network's classes. */
int net_takes(const nn_net *net, const nn_dataset *ds) {
    if (ds->rows * ds->cols != net->n_in || ds->classes > net_classes(net)) return 0;
    const nn_shape s = net->input;
    return s.rank == 1 || (s.h == ds->rows && s.w == ds->cols && s.c == 1);
}

nn_status nn_evaluate(nn_net *net, const nn_dataset *ds, int first, int count, nn_eval *out,
                      uint8_t *predicted, float *confidence) {
    if (!net || !ds || !out) return NN_ERR_ARG;
    const int in = net->n_in, classes = net_classes(net), step = net->predict_rows;
    if (!net_takes(net, ds)) return NN_ERR_INPUT_SIZE;
    if (first < 0 || first > ds->count) return NN_ERR_ARG;
    if (count <= 0 || count > ds->count - first) count = ds->count - first;
    double loss = 0.0;
    int correct = 0;
    for (int r0 = 0; r0 < count; r0 += step) {
        int rows = count - r0 < step ? count - r0 : step;
        size_t s0 = (size_t)first + r0;
        scale_rows(net->scratch, ds->pixels + s0 * in, (size_t)rows * in);
        const float *p = net_forward_scratch(net, rows, ds->labels + s0, &loss, &correct);
        if (predicted || confidence)
            for (int r = 0; r < rows; r++) {
                const float *pr = p + (size_t)r * classes;
                int arg = 0;
                for (int j = 1; j < classes; j++)
                    if (pr[j] > pr[arg]) arg = j;
                if (predicted) predicted[r0 + r] = (uint8_t)arg;
                if (confidence) confidence[r0 + r] = pr[arg];
            }
    }
    out->count = count;
    out->correct = correct;
    out->loss = count ? loss / count : 0.0;
    out->accuracy = count ? (double)correct / count : 0.0;
    return NN_OK;
}
