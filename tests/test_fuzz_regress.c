/* test_fuzz_regress.c: replays every input of tests/regress/<target>/ (each one an input that once
 * broke a fuzz target) and of the seed corpora tests/fuzz/corpus/<target>/ through the fuzz
 * targets themselves (tests/fuzz/fuzz_*.c, included here with FUZZ_REPLAY), whose FUZZ_CHECKs
 * become CHECKs: the same properties hold in every build, native, ASan and wasm (SIMD kernels).
 * The inputs come from tests/fuzz/regress_inputs.h, written by `node scripts/fuzz.mjs --embed`,
 * because Emscripten's standalone libc opens no files under WASI; the native builds check that
 * the header holds exactly the files of those directories, so a new crasher cannot be forgotten. */
#define _POSIX_C_SOURCE 200809L
#define FUZZ_REPLAY 1
#include "fuzz/fuzz_idx.c"
#include "fuzz/fuzz_model.c"
#include "fuzz/fuzz_preprocess.c"
#include "fuzz/fuzz_train.c"
#include "fuzz/regress_inputs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef int (*target_fn)(const uint8_t *data, size_t size);
static const struct {
    const char *name;
    target_fn fn;
} targets[] = {{"idx", fuzz_idx},
               {"model", fuzz_model},
               {"preprocess", fuzz_preprocess},
               {"train", fuzz_train}};

#ifndef __EMSCRIPTEN__
#include <dirent.h>
#include <sys/stat.h>

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *p = malloc(cap);
    while (p) {
        n += fread(p + n, 1, cap - n, f);
        if (n < cap) break;
        uint8_t *q = realloc(p, cap *= 2);
        if (!q) free(p);
        p = q;
    }
    if (p && ferror(f)) free(p), p = NULL;
    fclose(f);
    *len = n;
    return p;
}

/* Every file of dir is embedded with the same bytes; returns how many files there are. */
static int check_embedded(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int files = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char path[512];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0) continue;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        files++;
        size_t len = 0;
        uint8_t *data = read_file(path, &len);
        int same = 0;
        for (size_t i = 0; i < COUNT(fuzz_inputs) && data; i++)
            if (strcmp(fuzz_inputs[i].path, path) == 0)
                same = fuzz_inputs[i].size == len && memcmp(fuzz_inputs[i].data, data, len) == 0;
        CHECK(same);
        if (!same)
            fprintf(stderr,
                    "test_fuzz_regress: %s is not embedded as it is: run node "
                    "scripts/fuzz.mjs --embed\n",
                    path);
        free(data);
    }
    closedir(d);
    return files;
}

static void check_header(void) {
    int files = 0;
    for (size_t t = 0; t < COUNT(targets); t++) {
        char dir[128];
        snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", targets[t].name);
        files += check_embedded(dir);
        snprintf(dir, sizeof dir, "tests/regress/%s", targets[t].name);
        files += check_embedded(dir);
    }
    CHECK(files == (int)COUNT(fuzz_inputs)); /* and nothing embedded that is gone */
}
#endif

int main(void) {
#ifndef __EMSCRIPTEN__
    check_header();
#endif
    for (size_t t = 0; t < COUNT(targets); t++) {
        int seeds = 0, regress = 0;
        for (size_t i = 0; i < COUNT(fuzz_inputs); i++) {
            if (strcmp(fuzz_inputs[i].target, targets[t].name) != 0) continue;
            int before = check_failed_count;
            targets[t].fn(fuzz_inputs[i].data, fuzz_inputs[i].size);
            if (check_failed_count != before)
                fprintf(stderr, "test_fuzz_regress: ^ with %s\n", fuzz_inputs[i].path);
            if (strncmp(fuzz_inputs[i].path, "tests/regress/", 14) == 0) regress++;
            else seeds++;
        }
        CHECK(seeds > 0); /* the corpus is there: the replay can fail */
        fprintf(stderr, "test_fuzz_regress: %s: %d seeds, %d regression inputs\n", targets[t].name,
                seeds, regress);
    }
    return check_failures("test_fuzz_regress");
}
