/* ckpt.h - a checkpoint: tagged sections of a whole run's state in memory, written to and read from a file. */
#ifndef VDPU_CKPT_H
#define VDPU_CKPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A checkpoint holds every piece of a run that changes while it runs (device,
 * host memory, link, network port, firmware CPU, driver model, random
 * generators) as a sequence of sections, each a 4-character tag and its bytes.
 * Sections are written and read back in the same order; a reader that finds
 * another tag or another length than it expects fails with a named reason and
 * the run does not start. The file (docs/migration.md "Checkpoints"):
 *
 *   "VDCK" | u32 version | u64 layout | u64 raw length | u64 stored length | u32 crc32(raw) | u32 0
 *   then the sections, zlib-compressed (host memory is mostly zeros)
 *
 * `layout` is a signature of this build's state structures (their sizes): the
 * sections are the structures' bytes, so a checkpoint restores only into a
 * simulator built from the same sources.
 */

#define CKPT_VERSION 1

typedef struct ckpt {
    uint8_t *buf;
    size_t len, cap; /* written bytes / allocated */
    size_t pos;      /* reading: the next section */
    bool failed;     /* an allocation failed (writing) or a section did not match (reading) */
    char error[240];
} ckpt_t;

#define CKPT_TAG(s) ((uint32_t)(s)[0] | (uint32_t)(s)[1] << 8 | (uint32_t)(s)[2] << 16 | (uint32_t)(s)[3] << 24)

/* Append a section. */
void ckpt_put(ckpt_t *k, const char tag[4], const void *p, size_t n);
/* The next section, which must be `tag` with exactly n bytes: its bytes, or NULL (k->error says why). */
const void *ckpt_get(ckpt_t *k, const char tag[4], size_t n);
/* The next section, `tag`, of any length (stored in *n). */
const void *ckpt_get_any(ckpt_t *k, const char tag[4], size_t *n);
/* The next section, `tag` of exactly n bytes, copied into a fresh allocation (free it), or NULL. */
void *ckpt_dup(ckpt_t *k, const char tag[4], size_t n);
/* Copy the next section into p (n bytes): 0, or -1. */
int ckpt_take(ckpt_t *k, const char tag[4], void *p, size_t n);
/* The first failure (reading or writing) as "checkpoint: ..." in err: -1; or 0 when there was none. */
int ckpt_error(const ckpt_t *k, char *err, size_t errlen);

/* Write / read the file. 0, or -1 with a one-line reason in err. */
int ckpt_write_file(const ckpt_t *k, const char *path, uint64_t layout, char *err, size_t errlen);
int ckpt_read_file(ckpt_t *k, const char *path, uint64_t layout, char *err, size_t errlen);
void ckpt_free(ckpt_t *k);

/* FNV-1a over a list of structure sizes: the layout signature. */
uint64_t ckpt_layout(const size_t *sizes, unsigned n);

#endif
