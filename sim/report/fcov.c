/* fcov.c - functional coverage of the random traffic (net-random): crosses, bins, JSON db, table, steering. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fcov.h"
#include "rng.h"

static const char *const *const axis_vals[FCOV_AXES] = {
    [FCOV_RING] = (const char *const[]){"split", "packed", NULL},
    [FCOV_WORKLOAD] = (const char *const[]){"tx", "rx", "loopback", NULL},
    [FCOV_EVIDX] = (const char *const[]){"no-event-idx", "event-idx", NULL},
    [FCOV_NDATA] = (const char *const[]){"no-notif-data", "notif-data", NULL},
    [FCOV_INORDER] = (const char *const[]){"no-in-order", "in-order", NULL},
    [FCOV_TXCHAIN] = (const char *const[]){"tx-one", "tx-hdr", "tx-random", NULL},
    [FCOV_RXCHAIN] = (const char *const[]){"rx-one", "rx-hdr", "rx-random", NULL},
    [FCOV_INDIRECT] = (const char *const[]){"direct", "indirect", NULL},
    [FCOV_WRAP] = (const char *const[]){"no-wrap", "wrap", NULL},
    [FCOV_MRG] = (const char *const[]){"one-buffer", "mrg-spans", NULL},
    [FCOV_RESET] = (const char *const[]){"no-reset", "1-reset", "2-resets", NULL},
    [FCOV_IRQ] = (const char *const[]){"interrupts", "polled", NULL},
    [FCOV_COAL] = (const char *const[]){"coal-off", "coal-frames", "coal-timer", NULL},
    [FCOV_READS] = (const char *const[]){"1-read", "n-reads", "n-reads-reordered", NULL},
    [FCOV_PAIRS] = (const char *const[]){"1-pair", "2-pairs", NULL},
    /* in enum link_fault_kind's order, the kinds the random draw makes */
    [FCOV_FAULT] = (const char *const[]){"no-fault", "ca", "ur", "poison", "timeout", "drop", "dup", NULL},
    [FCOV_MIGRATE] = (const char *const[]){"no-migration", "1-migration", "2-migrations", NULL},
    [FCOV_BATCH] = (const char *const[]){"p1-b1", "p-b-to-8", "p-b-above-8", NULL},
};
_Static_assert(LINK_FAULT_DRAWN == 7, "FCOV_FAULT names every link fault kind the random draw makes");

static const char *const axis_names[FCOV_AXES] = {
    "ring", "workload", "event_idx", "notif_data", "in_order", "tx_chain", "rx_chain", "indirect",
    "wrap", "mrg_rxbuf", "resets", "interrupts", "coalescing", "payload_reads", "pairs", "pcie_fault",
    "migrations", "batching",
};

/* The crosses: each a product of a few axes, the ring layout first in every one (split vs packed
 * is what vdpu compares). Changing this table changes the db format: fcov_load refuses old files. */
static const struct fcov_cross crosses[] = {
    {"features", 4, {FCOV_RING, FCOV_EVIDX, FCOV_NDATA, FCOV_INORDER}},
    {"chains", 4, {FCOV_RING, FCOV_TXCHAIN, FCOV_RXCHAIN, FCOV_INDIRECT}},
    {"wrap_mrg", 3, {FCOV_RING, FCOV_WRAP, FCOV_MRG}},
    {"reset_irq_coal", 4, {FCOV_RING, FCOV_RESET, FCOV_IRQ, FCOV_COAL}},
    {"engine", 4, {FCOV_RING, FCOV_WORKLOAD, FCOV_READS, FCOV_PAIRS}},
    {"faults", 3, {FCOV_RING, FCOV_WORKLOAD, FCOV_FAULT}},
    {"migrations", 3, {FCOV_RING, FCOV_WORKLOAD, FCOV_MIGRATE}},
    {"batching", 3, {FCOV_RING, FCOV_WORKLOAD, FCOV_BATCH}},
};
#define NCROSS (sizeof crosses / sizeof crosses[0])
_Static_assert(NCROSS <= 8, "struct fcov_db holds 8 crosses");

unsigned fcov_ncross(void) { return NCROSS; }
const struct fcov_cross *fcov_cross(unsigned i) { return i < NCROSS ? &crosses[i] : NULL; }
const char *fcov_axis_name(enum fcov_axis a) { return axis_names[a]; }
const char *fcov_value_name(enum fcov_axis a, unsigned v) { return v < fcov_axis_values(a) ? axis_vals[a][v] : "?"; }

unsigned fcov_axis_values(enum fcov_axis a)
{
    unsigned n = 0;
    while (axis_vals[a][n]) n++;
    return n;
}

unsigned fcov_cross_bins(const struct fcov_cross *c)
{
    unsigned b = 1;
    for (unsigned i = 0; i < c->n; i++) b *= fcov_axis_values(c->axis[i]);
    return b;
}

/* The bin of a sample in a cross: mixed radix, first axis most significant. */
static unsigned bin_of(const struct fcov_cross *c, const struct fcov_sample *s)
{
    unsigned b = 0;
    for (unsigned i = 0; i < c->n; i++) b = b * fcov_axis_values(c->axis[i]) + s->v[c->axis[i]];
    return b;
}

static void bin_label(const struct fcov_cross *c, unsigned b, char *buf, size_t len)
{
    unsigned v[FCOV_MAX_CROSS_AXES];
    for (unsigned i = c->n; i-- > 0;) {
        unsigned n = fcov_axis_values(c->axis[i]);
        v[i] = b % n;
        b /= n;
    }
    buf[0] = 0;
    for (unsigned i = 0; i < c->n; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, len - l, "%s%s", i ? " " : "", fcov_value_name(c->axis[i], v[i]));
    }
}

void fcov_sample_of(const struct netrand_cfg *c, const struct netrand_result *r, struct fcov_sample *s)
{
    memset(s, 0, sizeof *s);
    s->v[FCOV_RING] = c->ring == DRV_RING_PACKED;
    s->v[FCOV_WORKLOAD] = c->np.workload == NET_TX ? 0 : c->np.workload == NET_RX ? 1 : 2;
    s->v[FCOV_EVIDX] = !c->no_event_idx;
    s->v[FCOV_NDATA] = !c->no_notif_data;
    s->v[FCOV_INORDER] = !c->no_in_order;
    s->v[FCOV_TXCHAIN] = (unsigned)c->no.tx_chain;
    s->v[FCOV_RXCHAIN] = (unsigned)c->no.rx_chain;
    s->v[FCOV_INDIRECT] = r ? r->indirect > 0 : c->no.indirect_pct > 0;
    /* Without a result (steering judges a configuration before running it), what the run is likely to
     * reach: frames span receive buffers when the largest frame and its header outgrow one, and a ring
     * wraps when the buffers used outnumber its entries. */
    unsigned maxf = c->size == NETRAND_FIXED ? c->np.pkt_size : NET_MAX_FRAME_LEN, rxb = c->no.rx_buf_size;
    bool spans = c->np.workload != NET_TX && rxb && maxf + NET_HDR_LEN > rxb;
    uint64_t bufs = c->np.packets * (spans ? (maxf + NET_HDR_LEN + rxb - 1) / rxb : 1);
    s->v[FCOV_WRAP] = r ? r->ring_laps || r->wrap_chains : bufs >= c->qsize;
    s->v[FCOV_MRG] = r ? r->merged > 0 : spans;
    s->v[FCOV_RESET] = c->resets > 2 ? 2 : c->resets;
    s->v[FCOV_IRQ] = c->no.poll != 0;
    s->v[FCOV_COAL] = !c->coal_cycles ? 0 : c->coal_frames ? 1 : 2;
    s->v[FCOV_READS] = c->max_reads <= 1 ? 0 : c->link_reorder ? 2 : 1;
    s->v[FCOV_PAIRS] = c->pairs == 2;
    s->v[FCOV_FAULT] = c->faults.n && (!r || r->faults) ? c->faults.f[0].kind : LINK_FAULT_NONE;
    /* drawn, and (with a result) done: a point after the end of a short traffic is not reached */
    uint64_t mig = r ? r->migrations : c->migrations;
    s->v[FCOV_MIGRATE] = mig > 2 ? 2 : (unsigned)mig;
    unsigned pb = c->prefetch > c->used_batch ? c->prefetch : c->used_batch;
    s->v[FCOV_BATCH] = pb <= 1 ? 0 : pb <= 8 ? 1 : 2;
}

unsigned fcov_new_bins(const struct fcov_db *db, const struct fcov_sample *s)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NCROSS; i++) n += db->hits[i][bin_of(&crosses[i], s)] == 0;
    return n;
}

unsigned fcov_add(struct fcov_db *db, const struct fcov_sample *s)
{
    unsigned n = fcov_new_bins(db, s);
    for (unsigned i = 0; i < NCROSS; i++) db->hits[i][bin_of(&crosses[i], s)]++;
    db->runs++;
    return n;
}

void fcov_totals(const struct fcov_db *db, unsigned *hit, unsigned *total)
{
    *hit = *total = 0;
    for (unsigned i = 0; i < NCROSS; i++) {
        unsigned nb = fcov_cross_bins(&crosses[i]);
        *total += nb;
        for (unsigned b = 0; b < nb; b++) *hit += db->hits[i][b] != 0;
    }
}

uint64_t fcov_steer(const struct fcov_db *db, uint64_t seed, unsigned cands)
{
    uint64_t best = seed;
    unsigned best_new = 0;
    rng_t r = {seed ^ 0x667363766f76ull}; /* "fcovsv": the candidates depend on the seed alone */
    for (unsigned k = 0; k < cands; k++) {
        uint64_t s = k ? rng_next(&r) : seed;
        struct netrand_cfg c;
        struct fcov_sample smp;
        netrand_pick(s, &c);
        fcov_sample_of(&c, NULL, &smp);
        unsigned n = fcov_new_bins(db, &smp);
        if (n > best_new) {
            best_new = n;
            best = s;
        }
    }
    return best;
}

/* ---- the db file ------------------------------------------------------------------ */

static cJSON *db_json(const struct fcov_db *db)
{
    cJSON *o = cJSON_CreateObject(), *cs = cJSON_AddArrayToObject(o, "crosses");
    cJSON_AddNumberToObject(o, "version", 1);
    cJSON_AddNumberToObject(o, "runs", (double)db->runs);
    for (unsigned i = 0; i < NCROSS; i++) {
        const struct fcov_cross *c = &crosses[i];
        cJSON *x = cJSON_CreateObject(), *ax = cJSON_AddArrayToObject(x, "axes"), *bins = cJSON_AddArrayToObject(x, "bins");
        cJSON_AddStringToObject(x, "name", c->name);
        for (unsigned a = 0; a < c->n; a++) cJSON_AddItemToArray(ax, cJSON_CreateString(axis_names[c->axis[a]]));
        for (unsigned b = 0; b < fcov_cross_bins(c); b++) {
            char label[160];
            bin_label(c, b, label, sizeof label);
            cJSON *bo = cJSON_CreateObject();
            cJSON_AddStringToObject(bo, "bin", label);
            cJSON_AddNumberToObject(bo, "hits", (double)db->hits[i][b]);
            cJSON_AddItemToArray(bins, bo);
        }
        cJSON_AddItemToArray(cs, x);
    }
    return o;
}

int fcov_save(const struct fcov_db *db, const char *path, char *err, size_t errlen)
{
    cJSON *o = db_json(db);
    char *txt = cJSON_Print(o);
    cJSON_Delete(o);
    FILE *f = txt ? fopen(path, "w") : NULL;
    bool ok = f && fputs(txt, f) >= 0 && fputc('\n', f) != EOF;
    if (f && fclose(f)) ok = false;
    free(txt);
    if (!ok) snprintf(err, errlen, "cannot write the coverage db '%s': %s", path, strerror(errno));
    return ok ? 0 : -1;
}

int fcov_load(struct fcov_db *db, const char *path, char *err, size_t errlen)
{
    memset(db, 0, sizeof *db);
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "cannot read the coverage db '%s': %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            char *nb = cap < (64u << 20) ? realloc(buf, 2 * cap + 1) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    bool rd_err = ferror(f);
    fclose(f);
    if (!buf || rd_err) {
        free(buf);
        snprintf(err, errlen, "cannot read the coverage db '%s'", path);
        return -1;
    }
    buf[n] = 0;
    cJSON *o = cJSON_Parse(buf);
    free(buf);
    const cJSON *cs = cJSON_GetObjectItem(o, "crosses");
    bool ok = cJSON_IsArray(cs) && cJSON_GetArraySize(cs) == (int)NCROSS &&
              cJSON_GetNumberValue(cJSON_GetObjectItem(o, "version")) == 1;
    for (unsigned i = 0; ok && i < NCROSS; i++) {
        const cJSON *x = cJSON_GetArrayItem(cs, (int)i), *bins = cJSON_GetObjectItem(x, "bins");
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(x, "name"));
        unsigned nb = fcov_cross_bins(&crosses[i]);
        ok = name && !strcmp(name, crosses[i].name) && cJSON_IsArray(bins) && cJSON_GetArraySize(bins) == (int)nb;
        for (unsigned b = 0; ok && b < nb; b++) {
            double h = cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetArrayItem(bins, (int)b), "hits"));
            ok = h >= 0 && h < 1e15;
            if (ok) db->hits[i][b] = (uint64_t)h;
        }
    }
    double runs = cJSON_GetNumberValue(cJSON_GetObjectItem(o, "runs"));
    if (ok && runs >= 0 && runs < 1e15) db->runs = (uint64_t)runs;
    else ok = false;
    cJSON_Delete(o);
    if (!ok) {
        memset(db, 0, sizeof *db);
        snprintf(err, errlen, "'%s' is not a coverage db of these crosses (delete it to start again)", path);
        return -1;
    }
    return 0;
}

/* ---- reports ------------------------------------------------------------------------ */

void fcov_print(const struct fcov_db *db, FILE *f, unsigned max_unhit)
{
    unsigned hit, total;
    fcov_totals(db, &hit, &total);
    fprintf(f, "functional coverage: %u of %u bins hit over %llu run(s)\n", hit, total, (unsigned long long)db->runs);
    fprintf(f, "  %-16s %5s %5s  %s\n", "cross", "hit", "bins", "axes");
    for (unsigned i = 0; i < NCROSS; i++) {
        const struct fcov_cross *c = &crosses[i];
        unsigned nb = fcov_cross_bins(c), h = 0;
        for (unsigned b = 0; b < nb; b++) h += db->hits[i][b] != 0;
        char axes[160] = "";
        for (unsigned a = 0; a < c->n; a++) {
            size_t l = strlen(axes);
            snprintf(axes + l, sizeof axes - l, "%s%s", a ? " x " : "", axis_names[c->axis[a]]);
        }
        fprintf(f, "  %-16s %5u %5u  %s\n", c->name, h, nb, axes);
    }
    for (unsigned i = 0; i < NCROSS && max_unhit; i++) {
        const struct fcov_cross *c = &crosses[i];
        unsigned shown = 0, nb = fcov_cross_bins(c), miss = 0;
        for (unsigned b = 0; b < nb; b++) miss += db->hits[i][b] == 0;
        if (!miss) continue;
        fprintf(f, "  unhit in %s (%u):", c->name, miss);
        for (unsigned b = 0; b < nb && shown < max_unhit; b++) {
            if (db->hits[i][b]) continue;
            char label[160];
            bin_label(c, b, label, sizeof label);
            fprintf(f, "%s [%s]", shown ? "," : "", label);
            shown++;
        }
        fprintf(f, "%s\n", miss > shown ? ", ..." : "");
    }
}

int fcov_write_html(const struct fcov_db *db, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    unsigned hit, total;
    fcov_totals(db, &hit, &total);
    fprintf(f, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>vdpu functional coverage</title>"
               "<style>td,th{padding:2px 8px;text-align:left}.z{background:#fcc}</style></head><body>\n"
               "<h1>vdpu functional coverage</h1><p>%u of %u bins hit over %llu net-random runs "
               "(docs/verification.md).</p>\n",
            hit, total, (unsigned long long)db->runs);
    for (unsigned i = 0; i < NCROSS; i++) {
        const struct fcov_cross *c = &crosses[i];
        fprintf(f, "<h2>%s</h2><table><tr><th>bin</th><th>runs</th></tr>\n", c->name);
        for (unsigned b = 0; b < fcov_cross_bins(c); b++) {
            char label[160];
            bin_label(c, b, label, sizeof label);
            fprintf(f, "<tr%s><td>%s</td><td>%llu</td></tr>\n", db->hits[i][b] ? "" : " class=\"z\"", label,
                    (unsigned long long)db->hits[i][b]);
        }
        fprintf(f, "</table>\n");
    }
    fprintf(f, "</body></html>\n");
    bool bad = ferror(f);
    if (fclose(f) || bad) {
        snprintf(err, errlen, "cannot write '%s'", path);
        return -1;
    }
    return 0;
}
