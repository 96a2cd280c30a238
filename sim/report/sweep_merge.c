/* sweep_merge.c - per-point JSON + log -> checked results with measured and spec-minimum DMA per packet. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dma_report.h"
#include "json_file.h"
#include "sweep_merge.h"
#include "eng_storage.h"

void sweep_specmin_cfg(const struct sweep_spec *s, const struct sweep_point *p, struct specmin_cfg *c)
{
    specmin_cfg_default(c);
    unsigned m = sweep_features_mask(sweep_val(s, p, SWEEP_AX_FEATURES));
    const char *wl = sweep_val(s, p, SWEEP_AX_WORKLOAD), *pkt = sweep_val(s, p, SWEEP_AX_PKT);
    c->packed = !strcmp(sweep_val(s, p, SWEEP_AX_RING), "packed");
    c->event_idx = m & 1;
    c->in_order = m >> 2 & 1;
    c->notif_data = m >> 3 & 1;
    c->prefetch = (unsigned)atoi(sweep_val(s, p, SWEEP_AX_PREFETCH));
    c->batch = (unsigned)atoi(sweep_val(s, p, SWEEP_AX_BATCH));
    c->pkt_size = strcmp(pkt, "imix") ? (unsigned)atoi(pkt) : 0;
    c->dir = !strcmp(wl, "tx") ? SPECMIN_TX : !strcmp(wl, "rx") ? SPECMIN_RX : SPECMIN_LOOPBACK;
}

/* The IMIX mix a run drew, exactly, from its frame and byte counts: a + b + c = packets and
 * 64a + 576b + 1500c = bytes in integers. Solutions differ by 359 576-byte frames against 128 1500-byte
 * ones, so the one nearest the nominal 7:4:1 is the run's. false if there is none. */
static bool imix_mix(double packets, double bytes, double share[3])
{
    long long n = (long long)packets, s = (long long)bytes, best_d = -1;
    for (long long c = 0; c <= n; c++) {
        long long rem = s - 64 * n - 1436 * c;
        if (rem < 0) break;
        if (rem % 512) continue;
        long long b = rem / 512, a = n - b - c;
        if (a < 0) continue;
        long long da = 12 * a - 7 * n, db = 12 * b - 4 * n, dc = 12 * c - n, d = da * da + db * db + dc * dc;
        if (best_d < 0 || d < best_d) {
            best_d = d;
            share[0] = (double)a / (double)n;
            share[1] = (double)b / (double)n;
            share[2] = (double)c / (double)n;
        }
    }
    return best_d >= 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    if (b) b[len] = 0;
    fclose(f);
    return b;
}


/* the first line of the log that says what went wrong */
static void log_reason(const char *log, char *why, size_t n)
{
    static const char *const keys[] = {"MISMATCH", "stopped:", "failed", "refused", "error"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const char *at = strstr(log, keys[k]);
        if (!at) continue;
        while (at > log && at[-1] != '\n') at--;
        size_t len = strcspn(at, "\n");
        snprintf(why, n, "%.*s", (int)(len < 200 ? len : 200), at);
        return;
    }
    snprintf(why, n, "no 'result: PASS' in the log");
}

static bool has_feature(const cJSON *arr, const char *name)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, arr)
        if (cJSON_IsString(v) && !strcmp(v->valuestring, name)) return true;
    return false;
}

static void one(const char *dir, const struct sweep_spec *s, struct sweep_result *r)
{
    char path[4096];
    const struct sweep_point *p = r->pt;
    snprintf(path, sizeof path, "%s/points/p%u.log", dir, p->id);
    char *log = slurp(path);
    if (!log) {
        snprintf(r->why, sizeof r->why, "did not run (no points/p%u.log)", p->id);
        return;
    }
    r->mismatch = strstr(log, "cosim: ") != NULL;
    if (!strstr(log, "result: PASS")) {
        log_reason(log, r->why, sizeof r->why);
        free(log);
        return;
    }
    free(log);
    snprintf(path, sizeof path, "%s/points/p%u.json", dir, p->id);
    char *txt = slurp(path);
    cJSON *j = txt ? cJSON_Parse(txt) : NULL;
    free(txt);
    const cJSON *dma = cJSON_GetObjectItem(j, "dma"), *feat = cJSON_GetObjectItem(j, "features");
    const cJSON *link = cJSON_GetObjectItem(j, "link"), *lat = cJSON_GetObjectItem(j, "read_latency");
    const cJSON *ring = cJSON_GetObjectItem(j, "ring");
    if (!cJSON_IsObject(dma) || !cJSON_IsArray(feat) || !cJSON_IsObject(link) || !cJSON_IsObject(lat) ||
        !cJSON_IsString(ring)) {
        snprintf(r->why, sizeof r->why, "points/p%u.json missing or not a vdpu run JSON", p->id);
        cJSON_Delete(j);
        return;
    }
    /* the point measured what it names: ring and every switched feature as negotiated */
    if (strcmp(ring->valuestring, sweep_val(s, p, SWEEP_AX_RING))) {
        snprintf(r->why, sizeof r->why, "ran a %s ring, not %s", ring->valuestring, sweep_val(s, p, SWEEP_AX_RING));
        cJSON_Delete(j);
        return;
    }
    /* the ring size it names (JSON written before the size was recorded: the driver's default, 256) */
    const cJSON *qs = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "params"), "qsize");
    double qsize = cJSON_IsNumber(qs) ? qs->valuedouble : 256;
    if (qsize != atof(sweep_val(s, p, SWEEP_AX_QSIZE))) {
        snprintf(r->why, sizeof r->why, "ran with %g-entry rings, not %s", qsize, sweep_val(s, p, SWEEP_AX_QSIZE));
        cJSON_Delete(j);
        return;
    }
    /* and the wire rate of the sweep (JSON written before the wire existed: unlimited) */
    const cJSON *wm = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "params"), "wire_mbps");
    double wire = cJSON_IsNumber(wm) ? wm->valuedouble : 0;
    if (wire != (double)s->wire_mbps) {
        snprintf(r->why, sizeof r->why, "ran with a wire of %.0f Mbit/s, the sweep's is %u (0: unlimited)", wire,
                 s->wire_mbps);
        cJSON_Delete(j);
        return;
    }
    unsigned m = sweep_features_mask(sweep_val(s, p, SWEEP_AX_FEATURES));
    for (unsigned i = 0; i < SWEEP_NFEAT; i++)
        if (has_feature(feat, sweep_feature_names[i]) != (bool)(m >> i & 1)) {
            snprintf(r->why, sizeof r->why, "%s was %snegotiated, the point asks otherwise", sweep_feature_names[i],
                     m >> i & 1 ? "not " : "");
            cJSON_Delete(j);
            return;
        }
    /* every figure checked before it is used: a number in range, never a cast of NaN or 1e300 */
    uint64_t pk, bucket;
    double bytes, hmax, d;
    const double big = 1e18;
    if (!json_uint(j, "packets", 1, SWEEP_MAX_PACKETS, &pk) || !json_num(j, "bytes", 0, big, &bytes) ||
        !json_num(j, "cycles", 0, big, &r->cycles) || !json_num(j, "mpps", 0, big, &r->mpps) ||
        !json_num(j, "gbps", 0, big, &r->gbps) || !json_num(link, "up_utilization", 0, big, &r->up_util) ||
        !json_num(link, "down_utilization", 0, big, &r->down_util) || !json_num(lat, "mean", 0, big, &r->lat_mean) ||
        !json_uint(lat, "bucket_cycles", 1, 1000000, &bucket) || !json_num(lat, "max", 0, big, &hmax)) {
        snprintf(r->why, sizeof r->why, "points/p%u.json: a figure is missing, not a number or out of range", p->id);
        cJSON_Delete(j);
        return;
    }
    r->packets = (double)pk;
    r->frame_bytes = bytes / r->packets;
    r->wire_mpps = dma_wire_mpps(s->wire_mbps, r->frame_bytes);
    /* p50/p99 from the histogram, so JSON written before those keys existed merges too */
    double h[64] = {0};
    unsigned nb = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(lat, "histogram")) {
        if (nb == 64 || !cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0) {
            snprintf(r->why, sizeof r->why, "points/p%u.json: bad read latency histogram", p->id);
            cJSON_Delete(j);
            return;
        }
        h[nb++] = v->valuedouble;
    }
    r->lat_p50 = dma_lat_quantile(h, nb, (unsigned)bucket, hmax, 0.50);
    r->lat_p99 = dma_lat_quantile(h, nb, (unsigned)bucket, hmax, 0.99);
    for (unsigned pu = 0; pu < VDPU_PURP_COUNT; pu++) {
        const cJSON *c = cJSON_GetObjectItem(dma, dma_purpose_json[pu]);
        double f[4];
        static const char *const keys[4] = {"requests", "bytes", "tlps", "link_bytes"};
        for (unsigned k = 0; k < 4; k++)
            if (!json_num(c, keys[k], 0, big, &d)) {
                snprintf(r->why, sizeof r->why, "points/p%u.json: dma.%s.%s missing or out of range", p->id,
                         dma_purpose_json[pu], keys[k]);
                cJSON_Delete(j);
                return;
            } else {
                f[k] = d / r->packets;
            }
        r->m[pu].requests = f[0];
        r->m[pu].bytes = f[1];
        r->m[pu].tlps = f[2];
        r->m[pu].link_bytes = f[3];
        if (pu == VDPU_PURP_FW) continue;
        r->req += r->m[pu].requests;
        r->link += r->m[pu].link_bytes;
    }
    cJSON_Delete(j);
    struct specmin_cfg c;
    sweep_specmin_cfg(s, p, &c);
    if (!c.pkt_size && !imix_mix(r->packets, r->frame_bytes * r->packets, c.imix_share)) {
        snprintf(r->why, sizeof r->why, "frame and byte counts are no IMIX mix");
        return;
    }
    specmin_compute(&c, &r->min);
    r->link_mpps = specmin_link_bound(&r->min) * 250.0; /* every point runs on the default link but for its rtt */
    struct eng_storage es;
    eng_storage_of(c.prefetch, c.batch, (unsigned)atoi(sweep_val(s, p, SWEEP_AX_MAX_READS)),
                   (unsigned)atoi(sweep_val(s, p, SWEEP_AX_TX_FETCH)), &es);
    r->storage = es.total;
    r->ratio_req = r->min.requests > 0 ? r->req / r->min.requests : 0;
    r->ratio_link = r->min.link_bytes > 0 ? r->link / r->min.link_bytes : 0;
    r->ok = true;
}

int sweep_merge(const char *dir, const struct sweep_spec *s, const struct sweep_point *pts, unsigned n,
                struct sweep_result **out, char *err, size_t errlen)
{
    struct sweep_result *r = calloc(n ? n : 1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int failed = 0;
    for (unsigned k = 0; k < n; k++) {
        r[k].pt = &pts[k];
        one(dir, s, &r[k]);
        failed += !r[k].ok;
    }
    *out = r;
    return failed;
}
