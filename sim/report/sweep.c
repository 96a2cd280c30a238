/* sweep.c - sweep axes and their values, point generation (star/cross), per-point commands, the manifest. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json_file.h"
#include "sweep.h"
#include "vdpu_regmap.h"
#include "virtio_features.h"

/* One line per axis. `crossed` axes multiply (star design); the others are varied one at a time around the
 * base point (first value of each list), which keeps the default sweep small and every plot's slice in it.
 * New axes go after the first eight below (their order is the SWEEP_AX_* enum); tables, CSV, JSON and the
 * manifest pick them up by name. */
const struct sweep_axis sweep_axes[] = {
    {"ring", SWEEP_ENUM, "split,packed", 0, 0, "ring", "", "split,packed", true,
     "ring layout the driver asks for"},
    {"features", SWEEP_FEATURES, NULL, 0, 0, "features", "", "none,EVENT_IDX,all", true,
     "ring feature sets offered: none, all, NAME+NAME (EVENT_IDX, INDIRECT_DESC, IN_ORDER,\n"
     "NOTIFICATION_DATA), or every (all 16 sets); the rest of the offer is the default"},
    {"workload", SWEEP_ENUM, "tx,rx,loopback", 0, 0, "workload", "net-", "tx,rx,loopback", true,
     "traffic: frames the host sends, receives, or both through a loopback"},
    {"pkt-size", SWEEP_PKT, NULL, 0, 0, "pkt-size", "", "64,256,1500,imix", false,
     "frame bytes 14..1514, or imix (64/576/1500 in 7:4:1)"},
    {"rtt", SWEEP_INT, NULL, 1, 100000, "rtt", "", "200,100,400,800", false,
     "DMA read round trip of the link, device cycles (1..100000)"},
    {"prefetch", SWEEP_INT, NULL, 1, VDPU_ENG_PARAM_MAX, "prefetch", "", "1,2,4,8", false,
     "descriptor prefetch depth P of the queue engine (1..15)"},
    {"used-batch", SWEEP_INT, NULL, 1, VDPU_ENG_PARAM_MAX, "used-batch", "", "1,2,4,8", false,
     "used elements per write-back B of the queue engine (1..15)"},
    {"max-reads", SWEEP_INT, NULL, 1, VDPU_ENG_MAX_READS, "max-reads", "", "1", false,
     "read tags T of the queue engine: TX payload reads outstanding per descriptor (1..127; vdpu run --tags)"},
    {"tx-fetch", SWEEP_INT, NULL, 1, VDPU_ENG_PARAM_MAX, "tx-fetch", "", "1", false,
     "TX fetch K of the queue engine: cached one-descriptor frames whose payload one fetch reads (1..15;\n"
     "acts with max-reads above 1 on packed rings and split rings with IN_ORDER)"},
    {"qsize", SWEEP_INT, NULL, 2, VDPU_QSIZE_MAX, "qsize", "", "256", false,
     "queue size the driver asks for, 2..1024 (vdpu run --qsize; a split ring's is a power of two): a\n"
     "receive or a long round trip's stream may be bound by the ring"},
};
const unsigned sweep_naxes = sizeof sweep_axes / sizeof sweep_axes[0];
_Static_assert(VDPU_ENG_PARAM_MAX == 15 && VDPU_ENG_MAX_READS == 127 && VDPU_QSIZE_MAX == 1024,
               "the axis descriptions above say 1..15, 1..127 and 2..1024");

const char *const sweep_feature_names[SWEEP_NFEAT] = {"EVENT_IDX", "INDIRECT_DESC", "IN_ORDER", "NOTIFICATION_DATA"};
const char *const sweep_feature_short[SWEEP_NFEAT] = {"evt", "ind", "ord", "ntf"};

_Static_assert(sizeof sweep_axes / sizeof sweep_axes[0] <= SWEEP_MAX_AXES, "raise SWEEP_MAX_AXES");

int sweep_axis_find(const char *name)
{
    for (unsigned a = 0; a < sweep_naxes; a++)
        if (!strcmp(sweep_axes[a].name, name)) return (int)a;
    return -1;
}

/* ---- values ------------------------------------------------------------------------------------ */

/* digits only, no sign, no blank; false when out of lo..hi */
static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    if (!*s || strlen(s) > 9) return false;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p)) return false;
    unsigned long v = strtoul(s, NULL, 10);
    if (v < lo || v > hi) return false;
    *out = (unsigned)v;
    return true;
}

static int feature_index(const char *name)
{
    for (unsigned i = 0; i < SWEEP_NFEAT; i++)
        if (!strcasecmp(name, sweep_feature_short[i])) return (int)i;
    int bit = virtio_feature_bit(name); /* spec spelling, with or without the VIRTIO_*_F_ prefix */
    for (unsigned i = 0; i < SWEEP_NFEAT; i++)
        if (bit >= 0 && bit == virtio_feature_bit(sweep_feature_names[i])) return (int)i;
    return -1;
}

static void features_label(unsigned mask, char *buf, size_t n)
{
    if (mask == 0) {
        snprintf(buf, n, "none");
        return;
    }
    if (mask == (1u << SWEEP_NFEAT) - 1) {
        snprintf(buf, n, "all");
        return;
    }
    size_t at = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < SWEEP_NFEAT; i++)
        if (mask >> i & 1) at += (size_t)snprintf(buf + at, n - at, "%s%s", at ? "+" : "", sweep_feature_names[i]);
}

/* "none", "all" or NAME+NAME...; -1 with err */
static int parse_features(const char *s, unsigned *mask, char *err, size_t errlen)
{
    if (!strcasecmp(s, "none")) return *mask = 0, 0;
    if (!strcasecmp(s, "all")) return *mask = (1u << SWEEP_NFEAT) - 1, 0;
    char buf[SWEEP_VAL_LEN * 2];
    if (strlen(s) >= sizeof buf) {
        snprintf(err, errlen, "feature set too long: '%.40s...'", s);
        return -1;
    }
    strcpy(buf, s);
    *mask = 0;
    for (char *save = NULL, *tok = strtok_r(buf, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
        int i = feature_index(tok);
        if (i < 0) {
            snprintf(err, errlen, "unknown feature '%s' in --features (EVENT_IDX, INDIRECT_DESC, IN_ORDER, "
                                  "NOTIFICATION_DATA, joined by '+'; or none, all, every)", tok);
            return -1;
        }
        *mask |= 1u << i;
    }
    if (!buf[0] || s[strlen(s) - 1] == '+' || s[0] == '+') {
        snprintf(err, errlen, "bad feature set '%s' in --features (NAME+NAME, none, all or every)", s);
        return -1;
    }
    return 0;
}

unsigned sweep_features_mask(const char *label)
{
    unsigned m = 0;
    char err[8];
    return parse_features(label, &m, err, sizeof err) ? 0 : m;
}

void sweep_features_abbrev(const char *label, char *buf, size_t n)
{
    unsigned m = sweep_features_mask(label);
    if (m == 0 || m == (1u << SWEEP_NFEAT) - 1) {
        snprintf(buf, n, "%s", m ? "all" : "none");
        return;
    }
    size_t at = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < SWEEP_NFEAT && at < n; i++)
        if (m >> i & 1) at += (size_t)snprintf(buf + at, n - at, "%s%s", at ? "+" : "", sweep_feature_short[i]);
}

static int add_value(struct sweep_spec *s, unsigned a, const char *canon, char *err, size_t errlen)
{
    for (unsigned i = 0; i < s->n[a]; i++)
        if (!strcmp(s->v[a][i], canon)) {
            snprintf(err, errlen, "value '%s' given twice in --%s", canon, sweep_axes[a].name);
            return -1;
        }
    if (s->n[a] == SWEEP_MAX_VALUES) {
        snprintf(err, errlen, "more than %d values in --%s", SWEEP_MAX_VALUES, sweep_axes[a].name);
        return -1;
    }
    snprintf(s->v[a][s->n[a]++], SWEEP_VAL_LEN, "%s", canon);
    return 0;
}

/* one value of axis a into its canonical spelling(s) */
static int parse_value(struct sweep_spec *s, unsigned a, const char *tok, char *err, size_t errlen)
{
    const struct sweep_axis *ax = &sweep_axes[a];
    char canon[SWEEP_VAL_LEN];
    unsigned v;
    switch (ax->kind) {
    case SWEEP_ENUM: {
        char words[128];
        snprintf(words, sizeof words, "%s", ax->words);
        for (char *save = NULL, *w = strtok_r(words, ",", &save); w; w = strtok_r(NULL, ",", &save))
            if (!strcmp(w, tok)) return add_value(s, a, w, err, errlen);
        snprintf(err, errlen, "unknown %s '%s' (one of %s)", ax->name, tok, ax->words);
        return -1;
    }
    case SWEEP_INT:
        if (!parse_uint(tok, ax->lo, ax->hi, &v)) {
            snprintf(err, errlen, "bad value '%s' for --%s (an integer %u..%u)", tok, ax->name, ax->lo, ax->hi);
            return -1;
        }
        snprintf(canon, sizeof canon, "%u", v);
        return add_value(s, a, canon, err, errlen);
    case SWEEP_PKT:
        if (!strcasecmp(tok, "imix")) return add_value(s, a, "imix", err, errlen);
        if (!parse_uint(tok, 14, 1514, &v)) {
            snprintf(err, errlen, "bad value '%s' for --%s (frame bytes 14..1514, or imix)", tok, ax->name);
            return -1;
        }
        snprintf(canon, sizeof canon, "%u", v);
        return add_value(s, a, canon, err, errlen);
    case SWEEP_FEATURES:
        if (!strcasecmp(tok, "every")) {
            for (unsigned m = 0; m < 1u << SWEEP_NFEAT; m++) {
                features_label(m, canon, sizeof canon);
                if (add_value(s, a, canon, err, errlen)) return -1;
            }
            return 0;
        }
        if (parse_features(tok, &v, err, errlen)) return -1;
        features_label(v, canon, sizeof canon);
        return add_value(s, a, canon, err, errlen);
    }
    return -1;
}

int sweep_set_axis(struct sweep_spec *s, unsigned a, const char *list, char *err, size_t errlen)
{
    char buf[1024];
    if (!list || !*list || strlen(list) >= sizeof buf) {
        snprintf(err, errlen, "--%s needs a comma-separated list of values", sweep_axes[a].name);
        return -1;
    }
    strcpy(buf, list);
    s->n[a] = 0;
    size_t len = strlen(buf);
    if (buf[0] == ',' || buf[len - 1] == ',' || strstr(buf, ",,")) {
        snprintf(err, errlen, "empty value in --%s '%s'", sweep_axes[a].name, list);
        return -1;
    }
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (parse_value(s, a, tok, err, errlen)) return -1;
    return 0;
}

void sweep_spec_default(struct sweep_spec *s)
{
    char err[200];
    memset(s, 0, sizeof *s);
    snprintf(s->engine, sizeof s->engine, "model");
    s->packets = 1000;
    s->seed = 1;
    for (unsigned a = 0; a < sweep_naxes; a++)
        if (sweep_set_axis(s, a, sweep_axes[a].defaults, err, sizeof err)) abort(); /* the table is wrong */
}

/* ---- points ------------------------------------------------------------------------------------ */

const char *sweep_val(const struct sweep_spec *s, const struct sweep_point *p, unsigned axis)
{
    return s->v[axis][p->vi[axis]];
}

/* advance an odometer over the axes in `mask` (the others stay at 0); false after the last combination */
static bool next_combo(const struct sweep_spec *s, unsigned *vi, const bool *mask)
{
    for (int a = (int)sweep_naxes - 1; a >= 0; a--) {
        if (!mask[a]) continue;
        if (++vi[a] < s->n[a]) return true;
        vi[a] = 0;
    }
    return false;
}

unsigned sweep_points(const struct sweep_spec *s, struct sweep_point **out, char *err, size_t errlen)
{
    bool crossed[SWEEP_MAX_AXES];
    double ncross = 1, nvar = 1;
    for (unsigned a = 0; a < sweep_naxes; a++) {
        crossed[a] = s->cross || sweep_axes[a].crossed;
        if (crossed[a]) ncross *= s->n[a];
        else nvar += s->n[a] - 1;
    }
    double total = ncross * nvar;
    if (total > SWEEP_MAX_POINTS) {
        snprintf(err, errlen, "the sweep has %.0f points, more than %d: shorten the axis lists or use the star "
                 "design", total, SWEEP_MAX_POINTS);
        return 0;
    }
    struct sweep_point *p = calloc((size_t)total, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    unsigned n = 0, vi[SWEEP_MAX_AXES] = {0};
    do {
        /* the base point of this combination, then each non-crossed axis alone through its other values */
        p[n].id = n + 1;
        memcpy(p[n].vi, vi, sizeof vi);
        n++;
        for (unsigned a = 0; a < sweep_naxes; a++) {
            if (crossed[a]) continue;
            for (unsigned k = 1; k < s->n[a]; k++) {
                p[n].id = n + 1;
                memcpy(p[n].vi, vi, sizeof vi);
                p[n].vi[a] = k;
                n++;
            }
        }
    } while (next_combo(s, vi, crossed));
    *out = p;
    return n;
}

/* 'x' for the shell */
static size_t shq(char *buf, size_t n, const char *s)
{
    size_t at = 0;
    if (at < n) buf[at++] = '\'';
    for (; *s && at + 5 < n; s++) {
        if (*s == '\'') {
            memcpy(buf + at, "'\\''", 4);
            at += 4;
        } else {
            buf[at++] = *s;
        }
    }
    if (at < n) buf[at++] = '\'';
    if (at < n) buf[at] = 0;
    return at;
}

int sweep_point_cmd(const struct sweep_spec *s, const struct sweep_point *p, const char *vdpu, const char *dir,
                    char *buf, size_t n)
{
    char path[4096];
    size_t at = shq(buf, n, vdpu);
    at += (size_t)snprintf(buf + at, n > at ? n - at : 0, " run --engine %s --quiet --seed %llu --packets %llu",
                           s->engine, (unsigned long long)s->seed, (unsigned long long)s->packets);
    if (s->wire_mbps && at < n) { /* exactly the rate given: whole Mbit/s as Gbit/s with 3 decimals */
        at += (size_t)snprintf(buf + at, n - at, " --wire-gbps %u.%03u", s->wire_mbps / 1000, s->wire_mbps % 1000);
    }
    for (unsigned a = 0; a < sweep_naxes && at < n; a++) {
        const struct sweep_axis *ax = &sweep_axes[a];
        const char *v = sweep_val(s, p, a);
        if (ax->kind == SWEEP_FEATURES) {
            /* every switched feature explicitly on or off, relative to the device's default offer */
            unsigned m = sweep_features_mask(v);
            at += (size_t)snprintf(buf + at, n - at, " --%s ", ax->run_opt);
            for (unsigned i = 0; i < SWEEP_NFEAT && at < n; i++)
                at += (size_t)snprintf(buf + at, n - at, "%s%c%s", i ? "," : "", m >> i & 1 ? '+' : '-',
                                       sweep_feature_names[i]);
        } else {
            at += (size_t)snprintf(buf + at, n - at, " --%s %s%s", ax->run_opt, ax->run_prefix, v);
        }
    }
    if (at >= n) return -1;
    snprintf(path, sizeof path, "%s/points/p%u.json", dir, p->id);
    at += (size_t)snprintf(buf + at, n - at, " --json ");
    if (at < n) at += shq(buf + at, n - at, path);
    snprintf(path, sizeof path, "%s/points/p%u.log", dir, p->id);
    if (at < n) at += (size_t)snprintf(buf + at, n - at, " >");
    if (at < n) at += shq(buf + at, n - at, path);
    if (at < n) at += (size_t)snprintf(buf + at, n - at, " 2>&1");
    return at < n ? 0 : -1;
}

/* ---- manifest ---------------------------------------------------------------------------------- */

int sweep_manifest_write(const char *path, const struct sweep_spec *s, const struct sweep_point *pts, unsigned n,
                         char *err, size_t errlen)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "design", s->cross ? "cross" : "star");
    cJSON_AddStringToObject(root, "engine", s->engine);
    cJSON_AddNumberToObject(root, "packets", (double)s->packets);
    cJSON_AddNumberToObject(root, "seed", (double)s->seed);
    if (s->wire_mbps) cJSON_AddNumberToObject(root, "wire_mbps", s->wire_mbps); /* absent: unlimited */
    cJSON *axes = cJSON_AddObjectToObject(root, "axes");
    for (unsigned a = 0; a < sweep_naxes; a++) {
        cJSON *arr = cJSON_AddArrayToObject(axes, sweep_axes[a].name);
        for (unsigned i = 0; i < s->n[a]; i++) cJSON_AddItemToArray(arr, cJSON_CreateString(s->v[a][i]));
    }
    cJSON *arr = cJSON_AddArrayToObject(root, "points");
    for (unsigned k = 0; k < n; k++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", pts[k].id);
        for (unsigned a = 0; a < sweep_naxes; a++) cJSON_AddStringToObject(o, sweep_axes[a].name, sweep_val(s, &pts[k], a));
        cJSON_AddItemToArray(arr, o);
    }
    return json_write_file(root, path, err, errlen);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 65536, len = 0;
    char *b = malloc(cap);
    size_t k;
    while (b && (k = fread(b + len, 1, cap - len - 1, f)) > 0) {
        len += k;
        if (cap - len < 2) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) free(b);
            b = nb;
        }
    }
    fclose(f);
    if (b) b[len] = 0;
    return b;
}

int sweep_manifest_read(const char *path, struct sweep_spec *s, struct sweep_point **pts, unsigned *n, char *err,
                        size_t errlen)
{
    char *txt = slurp(path);
    if (!txt) {
        snprintf(err, errlen, "cannot read %s (run the sweep first, or give the directory it wrote)", path);
        return -1;
    }
    cJSON *root = cJSON_Parse(txt);
    free(txt);
    memset(s, 0, sizeof *s);
    *pts = NULL;
    *n = 0;
    const cJSON *eng = cJSON_GetObjectItem(root, "engine"), *design = cJSON_GetObjectItem(root, "design");
    const cJSON *axes = cJSON_GetObjectItem(root, "axes"), *arr = cJSON_GetObjectItem(root, "points");
    if (!cJSON_IsString(eng) || !cJSON_IsString(design) || !cJSON_IsObject(axes) || !cJSON_IsArray(arr)) {
        snprintf(err, errlen, "%s is not a vdpu compare manifest", path);
        goto bad;
    }
    snprintf(s->engine, sizeof s->engine, "%s", eng->valuestring);
    s->cross = !strcmp(design->valuestring, "cross");
    if (!json_uint(root, "packets", 1, SWEEP_MAX_PACKETS, &s->packets) || !json_uint(root, "seed", 0, 1ull << 53, &s->seed)) {
        snprintf(err, errlen, "%s: 'packets' (1..%llu) or 'seed' (0..2^53) is not an integer in range", path,
                 (unsigned long long)SWEEP_MAX_PACKETS);
        goto bad;
    }
    uint64_t wire = 0;
    if (cJSON_GetObjectItem(root, "wire_mbps") && !json_uint(root, "wire_mbps", 100, 64000, &wire)) {
        snprintf(err, errlen, "%s: 'wire_mbps' is not an integer 100..64000", path);
        goto bad;
    }
    s->wire_mbps = (uint32_t)wire;
    bool absent[SWEEP_MAX_AXES] = {false};
    for (unsigned a = 0; a < sweep_naxes; a++) {
        const cJSON *vals = cJSON_GetObjectItem(axes, sweep_axes[a].name), *v;
        if (!vals) { /* written by a vdpu that had no such axis: its points ran at the axis's base value */
            absent[a] = true;
            size_t len = strcspn(sweep_axes[a].defaults, ",");
            snprintf(s->v[a][0], SWEEP_VAL_LEN, "%.*s", (int)len, sweep_axes[a].defaults);
            s->n[a] = 1;
            continue;
        }
        if (!cJSON_IsArray(vals) || !cJSON_GetArraySize(vals)) {
            snprintf(err, errlen, "%s: axis '%s' missing", path, sweep_axes[a].name);
            goto bad;
        }
        cJSON_ArrayForEach(v, vals) {
            if (!cJSON_IsString(v) || s->n[a] == SWEEP_MAX_VALUES) {
                snprintf(err, errlen, "%s: bad values of axis '%s'", path, sweep_axes[a].name);
                goto bad;
            }
            snprintf(s->v[a][s->n[a]++], SWEEP_VAL_LEN, "%s", v->valuestring);
        }
    }
    unsigned cnt = (unsigned)cJSON_GetArraySize(arr), k = 0;
    struct sweep_point *p = calloc(cnt ? cnt : 1, sizeof *p);
    if (!p) goto bad;
    const cJSON *o;
    cJSON_ArrayForEach(o, arr) {
        uint64_t id;
        if (!json_uint(o, "id", 1, SWEEP_MAX_POINTS, &id)) {
            snprintf(err, errlen, "%s: point %u has no 'id' in 1..%u", path, k + 1, SWEEP_MAX_POINTS);
            free(p);
            goto bad;
        }
        p[k].id = (unsigned)id;
        for (unsigned a = 0; a < sweep_naxes; a++) {
            const cJSON *v = cJSON_GetObjectItem(o, sweep_axes[a].name);
            unsigned i = 0;
            if (absent[a] && !v) { /* the axis's base value (above) */
                p[k].vi[a] = 0;
                continue;
            }
            while (cJSON_IsString(v) && i < s->n[a] && strcmp(s->v[a][i], v->valuestring)) i++;
            if (!cJSON_IsString(v) || i == s->n[a]) {
                snprintf(err, errlen, "%s: point %u has no valid '%s'", path, p[k].id, sweep_axes[a].name);
                free(p);
                goto bad;
            }
            p[k].vi[a] = i;
        }
        k++;
    }
    cJSON_Delete(root);
    *pts = p;
    *n = cnt;
    return 0;
bad:
    cJSON_Delete(root);
    return -1;
}
