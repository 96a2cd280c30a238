/* ckpt.c - checkpoint sections in memory, and the compressed, CRC-checked file that holds them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ckpt.h"
#include "out_file.h"

struct ckpt_hdr {
    char magic[4];
    uint32_t version;
    uint64_t layout;
    uint64_t raw_len, stored_len;
    uint32_t crc, zero;
};
_Static_assert(sizeof(struct ckpt_hdr) == 40, "the file header is 40 bytes");

struct sec_hdr {
    uint32_t tag, zero;
    uint64_t len;
};

#define CKPT_MAX_RAW (1ull << 32) /* a checkpoint larger than this is no file of ours */

static void fail(ckpt_t *k, const char *fmt, const char *tag, size_t a, size_t b)
{
    if (k->failed) return;
    k->failed = true;
    snprintf(k->error, sizeof k->error, fmt, tag, a, b);
}

static bool grow(ckpt_t *k, size_t n)
{
    if (k->failed) return false;
    if (k->len + n <= k->cap) return true;
    size_t cap = k->cap ? k->cap : 1u << 16;
    while (cap < k->len + n) cap *= 2;
    uint8_t *b = realloc(k->buf, cap);
    if (!b) {
        fail(k, "out of memory writing section %s (%zu bytes, %zu so far)", "", n, k->len);
        return false;
    }
    k->buf = b;
    k->cap = cap;
    return true;
}

void ckpt_put(ckpt_t *k, const char tag[4], const void *p, size_t n)
{
    struct sec_hdr h = {CKPT_TAG(tag), 0, n};
    if (!grow(k, sizeof h + n)) return;
    memcpy(k->buf + k->len, &h, sizeof h);
    if (n) memcpy(k->buf + k->len + sizeof h, p, n);
    k->len += sizeof h + n;
}

const void *ckpt_get_any(ckpt_t *k, const char tag[4], size_t *n)
{
    char want[5] = {tag[0], tag[1], tag[2], tag[3], 0};
    if (k->failed) return NULL;
    struct sec_hdr h;
    if (k->len - k->pos < sizeof h) {
        fail(k, "section %s missing (the file ends after %zu of %zu bytes)", want, k->pos, k->len);
        return NULL;
    }
    memcpy(&h, k->buf + k->pos, sizeof h);
    if (h.tag != CKPT_TAG(tag)) {
        char got[5];
        memcpy(got, &h.tag, 4);
        got[4] = 0;
        for (int i = 0; i < 4; i++)
            if (got[i] < 0x20 || got[i] > 0x7e) got[i] = '?';
        k->failed = true;
        snprintf(k->error, sizeof k->error, "section %s expected at byte %zu, found '%s'", want, k->pos, got);
        return NULL;
    }
    if (h.len > k->len - k->pos - sizeof h) {
        fail(k, "section %s: %zu bytes, more than the %zu left", want, (size_t)h.len, k->len - k->pos - sizeof h);
        return NULL;
    }
    const void *p = k->buf + k->pos + sizeof h;
    k->pos += sizeof h + h.len;
    *n = h.len;
    return p;
}

const void *ckpt_get(ckpt_t *k, const char tag[4], size_t n)
{
    size_t got;
    const void *p = ckpt_get_any(k, tag, &got);
    if (p && got != n) {
        char want[5] = {tag[0], tag[1], tag[2], tag[3], 0};
        fail(k, "section %s: %zu bytes, expected %zu", want, got, n);
        return NULL;
    }
    return p;
}

void *ckpt_dup(ckpt_t *k, const char tag[4], size_t n)
{
    const void *s = ckpt_get(k, tag, n);
    void *p = s ? malloc(n ? n : 1) : NULL;
    if (s && !p && !k->failed) {
        k->failed = true;
        snprintf(k->error, sizeof k->error, "out of memory restoring %zu bytes", n);
    }
    if (p) memcpy(p, s, n);
    return p;
}

int ckpt_take(ckpt_t *k, const char tag[4], void *p, size_t n)
{
    const void *s = ckpt_get(k, tag, n);
    if (!s) return -1;
    memcpy(p, s, n);
    return 0;
}

int ckpt_error(const ckpt_t *k, char *err, size_t errlen)
{
    if (!k->failed) return 0;
    snprintf(err, errlen, "checkpoint: %s", k->error);
    return -1;
}

int ckpt_write_file(const ckpt_t *k, const char *path, uint64_t layout, char *err, size_t errlen)
{
    if (ckpt_error(k, err, errlen)) return -1;
    uLongf zlen = compressBound(k->len);
    uint8_t *z = malloc(zlen);
    if (!z || compress2(z, &zlen, k->buf, k->len, 1) != Z_OK) {
        free(z);
        snprintf(err, errlen, "cannot compress the checkpoint (%zu bytes)", k->len);
        return -1;
    }
    struct ckpt_hdr h = {{'V', 'D', 'C', 'K'}, CKPT_VERSION, layout, k->len, zlen, (uint32_t)crc32(0, k->buf, k->len), 0};
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(z);
        snprintf(err, errlen, "cannot write the checkpoint '%s': %s", path, strerror(errno));
        return -1;
    }
    fwrite(&h, sizeof h, 1, f);
    fwrite(z, 1, zlen, f);
    free(z);
    return out_close(f, path, "the checkpoint", err, errlen);
}

int ckpt_read_file(ckpt_t *k, const char *path, uint64_t layout, char *err, size_t errlen)
{
    memset(k, 0, sizeof *k);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read the checkpoint '%s': %s", path, strerror(errno));
        return -1;
    }
    struct ckpt_hdr h;
    const char *why = NULL;
    uint8_t *z = NULL;
    if (fread(&h, sizeof h, 1, f) != 1 || memcmp(h.magic, "VDCK", 4)) why = "not a vdpu checkpoint (no VDCK header)";
    else if (h.version != CKPT_VERSION) why = "a checkpoint of another format version";
    else if (h.layout != layout) why = "written by a vdpu built from other sources (state layout differs)";
    else if (h.raw_len > CKPT_MAX_RAW || h.stored_len > CKPT_MAX_RAW || !h.raw_len) why = "corrupt (impossible length)";
    if (!why) {
        z = malloc(h.stored_len ? h.stored_len : 1);
        k->buf = malloc(h.raw_len);
        if (!z || !k->buf) why = "out of memory";
        else if (fread(z, 1, h.stored_len, f) != h.stored_len) why = "truncated";
        else if (fgetc(f) != EOF) why = "corrupt (bytes after the end)";
    }
    if (!why) {
        uLongf rl = h.raw_len;
        if (uncompress(k->buf, &rl, z, h.stored_len) != Z_OK || rl != h.raw_len) why = "corrupt (does not decompress)";
        else if ((uint32_t)crc32(0, k->buf, rl) != h.crc) why = "corrupt (CRC mismatch)";
    }
    bool ioerr = ferror(f) != 0;
    fclose(f);
    free(z);
    if (ioerr && !why) why = "read error";
    if (why) {
        snprintf(err, errlen, "checkpoint '%s': %s", path, why);
        ckpt_free(k);
        return -1;
    }
    k->len = k->cap = h.raw_len;
    return 0;
}

void ckpt_free(ckpt_t *k)
{
    free(k->buf);
    memset(k, 0, sizeof *k);
}

uint64_t ckpt_layout(const size_t *sizes, unsigned n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned i = 0; i < n; i++)
        for (unsigned b = 0; b < 8; b++) {
            h ^= (sizes[i] >> (8 * b)) & 0xff;
            h *= 0x100000001b3ull;
        }
    return h;
}
