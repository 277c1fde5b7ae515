/* serlab feature-extraction plugin ABI, version 1.
 *
 * A plugin is a shared library exporting one symbol, `serlab_plugin_v1`, that returns a pointer
 * to a static descriptor. The host checks `abi_version` and `struct_size` before reading anything
 * else, never unloads the library, and owns every buffer the plugin writes into. New capabilities
 * arrive as new versioned symbols (serlab_plugin_v2, ...); these structs never change shape.
 * The Rust definitions in serlab-plugin-api/src/lib.rs are the same layout. */
#ifndef SERLAB_PLUGIN_H
#define SERLAB_PLUGIN_H

#include <stdint.h>

#define SERLAB_PLUGIN_ABI_VERSION 1

#define SERLAB_OUTPUT_VECTOR   0u  /* one row of features per clip */
#define SERLAB_OUTPUT_SEQUENCE 1u  /* frames at frame_rate per second */

#define SERLAB_PARAM_FLOAT 0u
#define SERLAB_PARAM_INT   1u
#define SERLAB_PARAM_BOOL  2u

#define SERLAB_OK                    0
#define SERLAB_ERR_INVALID_INPUT     1
#define SERLAB_ERR_BUFFER_TOO_SMALL  2
#define SERLAB_ERR_INTERNAL          3
#define SERLAB_ERR_PANIC             4

typedef struct {
    const char *name;
    uint32_t    kind;
    double      default_value;
    double      min;
    double      max;
    const char *description;
} serlab_param_v1;

typedef struct {
    uint32_t      struct_size;
    const float  *samples;
    uint64_t      sample_count;
    uint32_t      sample_rate;
    const double *params;
    uint32_t      param_count;
    float        *out;
    uint64_t      out_capacity;
    uint64_t     *out_frames;
    char         *error;
    uint32_t      error_capacity;
} serlab_extract_args_v1;

typedef struct {
    uint32_t abi_version;
    uint32_t struct_size;
    const char *name;
    const char *version;
    const char *description;
    uint32_t output_kind;
    double   frame_rate;
    uint32_t feature_count;
    const char *const *feature_names;   /* feature_count entries, then NULL */
    uint32_t param_count;
    const serlab_param_v1 *params;
    int32_t (*layout)(const double *params, uint32_t param_count, uint32_t sample_rate,
                      uint64_t sample_count, uint32_t *features, uint64_t *frames,
                      char *names_buf, uint64_t names_capacity, uint64_t *names_len);
    int32_t (*extract)(const serlab_extract_args_v1 *args);
} serlab_plugin_descriptor_v1;

const serlab_plugin_descriptor_v1 *serlab_plugin_v1(void);

#endif
