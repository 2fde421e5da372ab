/* nn_train.c: the native build of the same training, for comparison with the wasm module
 * (`npm run bench` runs it) and for quick checks. Reads the four plain IDX files of a folder.
 *   build/native/nn_train DIR [--epochs N] [--batch-size N] [--lr X] [--optimizer rmsprop|sgd|adam]
 *                             [--seed N] [--limit N] [--dense|--sparse]
 *                             [--out MODEL]
 * Prints one line per epoch, then one JSON object as the last line. */
#define _POSIX_C_SOURCE 200809L
#include "nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint8_t *read_file(const char *dir, const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "nn_train: cannot open %s\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "nn_train: cannot read %s\n", path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static nn_dataset *load_set(const char *dir, const char *images, const char *labels) {
    size_t il, ll;
    uint8_t *im = read_file(dir, images, &il), *lb = im ? read_file(dir, labels, &ll) : NULL;
    nn_dataset *ds = NULL;
    nn_status st = lb ? nn_dataset_create(&ds, im, il, lb, ll, 10) : NN_ERR_ARG;
    if (st != NN_OK) {
        if (lb) fprintf(stderr, "nn_train: %s: %s\n", images, nn_status_str(st));
        free(im);
        free(lb);
        return NULL;
    }
    return ds;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr,
                "usage: nn_train DIR [--epochs N] [--batch-size N] [--lr X] "
                "[--optimizer rmsprop|sgd|adam] [--seed N] [--limit N] [--dense|--sparse]\n");
        return 2;
    }
    nn_train_options o = nn_train_defaults();
    int epochs = 5;
    const char *out_path = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--epochs")) epochs = atoi(v), i++;
        else if (!strcmp(a, "--batch-size")) o.batch_size = atoi(v), i++;
        else if (!strcmp(a, "--lr")) o.learning_rate = (float)atof(v), i++;
        else if (!strcmp(a, "--seed")) o.seed = strtoull(v, NULL, 10), i++;
        else if (!strcmp(a, "--limit")) o.limit = atoi(v), i++;
        else if (!strcmp(a, "--out")) out_path = v, i++;
        else if (!strcmp(a, "--dense")) o.sparse = NN_SPARSE_OFF;
        else if (!strcmp(a, "--sparse")) o.sparse = NN_SPARSE_ON;
        else if (!strcmp(a, "--optimizer")) {
            i++;
            o.optimizer = !strcmp(v, "sgd")    ? NN_OPT_SGD
                          : !strcmp(v, "adam") ? NN_OPT_ADAM
                                               : NN_OPT_RMSPROP;
        } else {
            fprintf(stderr, "nn_train: unknown option %s\n", a);
            return 2;
        }
    }
    nn_dataset *train = load_set(argv[1], "train-images-idx3-ubyte", "train-labels-idx1-ubyte");
    nn_dataset *test = train ? load_set(argv[1], "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
                             : NULL;
    if (!test) return 1;
    int sizes[3] = {nn_dataset_rows(train) * nn_dataset_cols(train), 512, 10};
    nn_net *net = NULL;
    nn_trainer *tr = NULL;
    nn_status st = nn_net_create(&net, 2, sizes, NULL, o.seed);
    if (st == NN_OK) st = nn_trainer_create(&tr, net, train, &o);
    if (st != NN_OK) {
        fprintf(stderr, "nn_train: %s\n", nn_status_str(st));
        return 1;
    }
    double t_all = now(), epoch_s[64] = {0};
    nn_progress pg;
    for (int e = 0; e < epochs && e < 64; e++) {
        double t0 = now();
        do {
            st = nn_train(tr, 1 << 30, &pg);
        } while (st == NN_OK && !pg.epoch_done);
        if (st != NN_OK) {
            fprintf(stderr, "nn_train: %s\n", nn_status_str(st));
            return 1;
        }
        epoch_s[e] = now() - t0;
        nn_eval ev;
        nn_evaluate(net, test, 0, 0, &ev, NULL, NULL);
        printf("epoch %d: loss %.4f acc %.4f  test loss %.4f acc %.4f  %.2f s\n", e + 1, pg.loss,
               pg.accuracy, ev.loss, ev.accuracy, epoch_s[e]);
        fflush(stdout);
    }
    double total = now() - t_all;
    nn_eval ev;
    nn_evaluate(net, test, 0, 0, &ev, NULL, NULL);
    printf("{\"engine\":\"native\",\"epochs\":%d,\"test_accuracy\":%.6f,\"test_loss\":%.6f,"
           "\"seconds\":%.3f,\"epoch_seconds\":[",
           epochs, ev.accuracy, ev.loss, total);
    for (int e = 0; e < epochs && e < 64; e++) printf("%s%.4f", e ? "," : "", epoch_s[e]);
    printf("]}\n");
    int rc = 0;
    if (out_path) {
        size_t size = nn_model_size(net);
        uint8_t *buf = malloc(size);
        FILE *f = fopen(out_path, "wb");
        if (!buf || !f || nn_model_save(net, buf, size, NULL) != NN_OK ||
            fwrite(buf, 1, size, f) != size) {
            fprintf(stderr, "nn_train: cannot write %s\n", out_path);
            rc = 1;
        }
        if (f) fclose(f);
        free(buf);
    }
    nn_trainer_free(tr);
    nn_net_free(net);
    nn_dataset_free(train);
    nn_dataset_free(test);
    return rc;
}
