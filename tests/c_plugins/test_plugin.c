/* A serlab plugin written in C against include/serlab_plugin.h. Built by the test suite in
 * several variants (-DVARIANT=...) to check that the host accepts a correct C plugin and refuses
 * broken ones with a clear reason. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "serlab_plugin.h"

#define GOOD 0
#define WRONG_VERSION 1
#define WRONG_SIZE 2
#define COUNT_MISMATCH 3
#define NULL_NAME 4
#define BAD_UTF8 5
#define NO_ENTRY 6
#define NULL_DESCRIPTOR 7
#define SLOW 8
#define SEGV_EXTRACT 9   /* dereferences NULL inside extract */
#define ABORT_LOAD 10    /* a static constructor that aborts while the library loads */
#define HANG_LOAD 11     /* a static constructor that never returns */
#define ALLOC_FOREVER 12 /* extract allocates (and touches) memory without end */
#define EXIT_EXTRACT 13  /* extract calls exit() */
#define SEGV_ON_LOUD 14  /* crashes only on clips whose first sample is above 0.9 */

#ifndef VARIANT
#define VARIANT GOOD
#endif

/* The faulty variants have names of their own, so that several can be listed side by side. */
#if VARIANT == SEGV_EXTRACT
#define PLUGIN_NAME "c-segv"
#elif VARIANT == ALLOC_FOREVER
#define PLUGIN_NAME "c-alloc"
#elif VARIANT == EXIT_EXTRACT
#define PLUGIN_NAME "c-exit"
#elif VARIANT == SEGV_ON_LOUD
#define PLUGIN_NAME "c-segv-loud"
#else
#define PLUGIN_NAME "c-energy"
#endif

static const char *const names[] = {"energy", "length_s", NULL, NULL};
static const char *const names_long[] = {"energy", "length_s", "extra", NULL};

static int32_t layout(const double *params, uint32_t param_count, uint32_t sample_rate,
                      uint64_t sample_count, uint32_t *features, uint64_t *frames,
                      char *names_buf, uint64_t names_capacity, uint64_t *names_len) {
    (void)params; (void)param_count; (void)sample_rate; (void)sample_count;
    static const char joined[] = "energy\nlength_s";
    if (features) *features = 2;
    if (frames) *frames = 1;
    if (names_len) *names_len = sizeof(joined);
    if (names_buf) {
        if (names_capacity < sizeof(joined)) return SERLAB_ERR_BUFFER_TOO_SMALL;
        memcpy(names_buf, joined, sizeof(joined));
    }
    return SERLAB_OK;
}

#if VARIANT == ABORT_LOAD
__attribute__((constructor)) static void broken_init(void) { abort(); }
#elif VARIANT == HANG_LOAD
__attribute__((constructor)) static void stuck_init(void) { for (;;) pause(); }
#endif

static int32_t extract(const serlab_extract_args_v1 *args) {
#if VARIANT == SLOW
    sleep(30); /* a plugin stuck in a loop or a lock */
#elif VARIANT == SEGV_EXTRACT
    volatile int *nowhere = NULL;
    *nowhere = 1;
#elif VARIANT == ALLOC_FOREVER
    for (;;) {
        char *block = malloc(1 << 20);
        memset(block, 1, 1 << 20); /* NULL once the limit is reached: a crash, as in real code */
    }
#elif VARIANT == EXIT_EXTRACT
    exit(7);
#elif VARIANT == SEGV_ON_LOUD
    if (args->sample_count > 0 && args->samples[0] > 0.9f) {
        volatile int *nowhere = NULL;
        *nowhere = 1;
    }
#endif
    if (args->out_capacity < 2) return SERLAB_ERR_BUFFER_TOO_SMALL;
    double energy = 0.0;
    for (uint64_t i = 0; i < args->sample_count; i++) energy += (double)args->samples[i] * args->samples[i];
    args->out[0] = (float)(args->sample_count ? energy / (double)args->sample_count : 0.0);
    args->out[1] = (float)((double)args->sample_count / (double)args->sample_rate);
    *args->out_frames = 1;
    return SERLAB_OK;
}

static serlab_plugin_descriptor_v1 descriptor = {
    SERLAB_PLUGIN_ABI_VERSION,
    sizeof(serlab_plugin_descriptor_v1),
    PLUGIN_NAME,
    "0.1.0",
    "mean energy and duration, written in C",
    SERLAB_OUTPUT_VECTOR,
    0.0,
    2,
    names,
    0,
    NULL,
    layout,
    extract,
};

#if VARIANT != NO_ENTRY
const serlab_plugin_descriptor_v1 *serlab_plugin_v1(void) {
#if VARIANT == WRONG_VERSION
    descriptor.abi_version = 7;
#elif VARIANT == WRONG_SIZE
    descriptor.struct_size = 24;
#elif VARIANT == COUNT_MISMATCH
    descriptor.feature_names = names_long; /* three names, count says two */
#elif VARIANT == NULL_NAME
    descriptor.name = NULL;
#elif VARIANT == BAD_UTF8
    descriptor.name = "bad\xff\xfename";
#elif VARIANT == NULL_DESCRIPTOR
    return NULL;
#endif
    return &descriptor;
}
#else
int not_a_plugin_entry(void) { return 42; }
#endif
