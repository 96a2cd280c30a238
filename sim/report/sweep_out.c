/* sweep_out.c - terminal tables, CSV, JSON and markdown of a merged sweep. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_file.h"
#include "dma_report.h"
#include "netport.h"
#include "out_file.h"
#include "sweep_out.h"

/* purposes shown per packet in the table (firmware DMA is not traffic) and their column titles */
static const unsigned shown[] = {VDPU_PURP_AVAIL_IDX, VDPU_PURP_AVAIL_RING, VDPU_PURP_DESC, VDPU_PURP_INDIRECT,
                                 VDPU_PURP_EVENT, VDPU_PURP_PAYLOAD_RD, VDPU_PURP_PAYLOAD_WR, VDPU_PURP_USED,
                                 VDPU_PURP_USED_IDX, VDPU_PURP_MSIX};
static const char *const shown_title[] = {"a.idx", "a.ring", "desc", "ind", "event", "pay.rd", "pay.wr", "used",
                                          "u.idx", "msix"};
#define NSHOWN (sizeof shown / sizeof shown[0])

const struct sweep_result *sweep_find(const struct sweep_result *r, unsigned n, const unsigned *vi)
{
    for (unsigned k = 0; k < n; k++) {
        if (!r[k].ok) continue;
        bool eq = true;
        for (unsigned a = 0; a < sweep_naxes && eq; a++) eq = r[k].pt->vi[a] == vi[a];
        if (eq) return &r[k];
    }
    return NULL;
}

int sweep_best_features(const struct sweep_spec *s, const struct sweep_result *r, unsigned n, const unsigned *vi)
{
    unsigned v[SWEEP_MAX_AXES];
    memcpy(v, vi, sizeof v);
    int best = -1;
    double best_link = 0;
    unsigned best_bits = 0;
    for (unsigned f = 0; f < s->n[SWEEP_AX_FEATURES]; f++) {
        v[SWEEP_AX_FEATURES] = f;
        const struct sweep_result *x = sweep_find(r, n, v);
        if (!x) continue;
        unsigned bits = (unsigned)__builtin_popcount(sweep_features_mask(s->v[SWEEP_AX_FEATURES][f]));
        /* a feature the engine does not use yet leaves the figures as they are: on a tie (same link bytes to
         * 0.01%) the smaller set wins, since nothing more is needed for that figure */
        bool tie = best >= 0 && x->link > best_link * (1 - 1e-4) && x->link < best_link * (1 + 1e-4);
        if (best < 0 || (tie ? bits < best_bits : x->link < best_link)) {
            best = (int)f;
            best_link = x->link;
            best_bits = bits;
        }
    }
    return best;
}

static void config_cols(FILE *out, const struct sweep_spec *s, const struct sweep_point *p)
{
    char feat[32];
    sweep_features_abbrev(sweep_val(s, p, SWEEP_AX_FEATURES), feat, sizeof feat);
    fprintf(out, "%4u  %-6s %-11s %-8s %5s %5s %2s %2s", p->id, sweep_val(s, p, SWEEP_AX_RING), feat,
            sweep_val(s, p, SWEEP_AX_WORKLOAD), sweep_val(s, p, SWEEP_AX_PKT), sweep_val(s, p, SWEEP_AX_RTT),
            sweep_val(s, p, SWEEP_AX_PREFETCH), sweep_val(s, p, SWEEP_AX_BATCH));
    /* axes added after the seven above: their values at the end of the configuration */
    for (unsigned a = SWEEP_AX_BATCH + 1; a < sweep_naxes; a++) fprintf(out, " %6s", sweep_val(s, p, a));
}

static void config_head(FILE *out)
{
    fprintf(out, "%4s  %-6s %-11s %-8s %5s %5s %2s %2s", "#", "ring", "features", "workload", "size", "rtt", "P", "B");
    for (unsigned a = SWEEP_AX_BATCH + 1; a < sweep_naxes; a++) fprintf(out, " %6.6s", sweep_axes[a].name);
}

void sweep_table(FILE *out, const struct sweep_spec *s, const struct sweep_result *r, unsigned n)
{
    fprintf(out, "DMA requests per packet by purpose (measured), total and spec minimum "
                 "(features: evt EVENT_IDX, ind INDIRECT_DESC, ord IN_ORDER, ntf NOTIFICATION_DATA):\n");
    config_head(out);
    fprintf(out, " |");
    for (unsigned i = 0; i < NSHOWN; i++) fprintf(out, " %6s", shown_title[i]);
    fprintf(out, " | %6s %6s %5s\n", "total", "min", "ratio");
    for (unsigned k = 0; k < n; k++) {
        if (!r[k].ok) continue;
        config_cols(out, s, r[k].pt);
        fprintf(out, " |");
        for (unsigned i = 0; i < NSHOWN; i++) fprintf(out, " %6.3f", r[k].m[shown[i]].requests);
        fprintf(out, " | %6.3f %6.3f %5.2f\n", r[k].req, r[k].min.requests, r[k].ratio_req);
    }
    fprintf(out, "\nLink bytes per packet (TLP overhead included) with the spec minimum, throughput, link "
                 "utilization, DMA read latency (cycles):\n");
    config_head(out);
    fprintf(out, " | %8s %8s %5s | %7s %7s", "link B", "min", "ratio", "Mpps", "bound");
    if (s->wire_mbps) fprintf(out, " %7s", "wire"); /* the frame rate the wire allows */
    fprintf(out, " %7s %6s %6s | %5s %5s\n", "Gbit/s", "up%", "down%", "p50", "p99");
    for (unsigned k = 0; k < n; k++) {
        if (!r[k].ok) continue;
        config_cols(out, s, r[k].pt);
        fprintf(out, " | %8.1f %8.1f %5.2f | %7.3f %7.3f", r[k].link, r[k].min.link_bytes, r[k].ratio_link, r[k].mpps,
                r[k].link_mpps);
        if (s->wire_mbps) fprintf(out, " %7.3f", r[k].wire_mpps);
        fprintf(out, " %7.3f %6.1f %6.1f | %5.0f %5.0f\n", r[k].gbps, 100 * r[k].up_util, 100 * r[k].down_util,
                r[k].lat_p50, r[k].lat_p99);
    }
    fprintf(out, "(bound: the frame rate the link allows for the spec minimum's traffic, the busier direction at "
                 "32 bytes per cycle, each TLP in whole cycles)\n");
    if (s->wire_mbps) {
        char g[32];
        netport_wire_format(s->wire_mbps, g, sizeof g);
        fprintf(out, "(wire: the frame rate a %s Gbit/s wire allows at the point's mean frame size, %u bytes of "
                     "Ethernet overhead a frame)\n", g, NET_WIRE_OVERHEAD);
    }
    bool any = false;
    for (unsigned k = 0; k < n; k++)
        if (!r[k].ok) {
            if (!any) fprintf(out, "\nFailed points (the command is line # of points.txt):\n");
            any = true;
            fprintf(out, "%4u  %s\n", r[k].pt->id, r[k].why);
        }
}

/* the value index of `val` on axis a, -1 if not swept */
static int value_index(const struct sweep_spec *s, unsigned a, const char *val)
{
    for (unsigned i = 0; i < s->n[a]; i++)
        if (!strcmp(s->v[a][i], val)) return (int)i;
    return -1;
}

void sweep_headline(FILE *out, const struct sweep_spec *s, const struct sweep_result *r, unsigned n, bool md)
{
    static const char *const sizes[] = {"64", "1500"};
    bool wire = s->wire_mbps != 0; /* a column of the frame rate the wire allows, after Mpps */
    if (md)
        fprintf(out, "| workload | frame | ring | best features | DMA req/pkt | spec min | ratio | link B/pkt | spec min | "
                     "ratio | Mpps | link-bound Mpps |%s Gbit/s | spec min, any set |\n"
                     "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|%s---:|---|\n",
                wire ? " wire Mpps |" : "", wire ? "---:|" : "");
    else
        fprintf(out, "%-8s %5s %-6s %-24s %7s %7s %5s %8s %8s %5s %7s %7s%s %7s  %s\n", "workload", "frame", "ring",
                "best features", "req/pkt", "min", "ratio", "link B", "min", "ratio", "Mpps", "bound", wire ? "    wire" : "",
                "Gbit/s", "spec min of any set swept: req/pkt (set)");
    for (unsigned w = 0; w < s->n[SWEEP_AX_WORKLOAD]; w++)
        for (unsigned z = 0; z < 2; z++) {
            int zi = value_index(s, SWEEP_AX_PKT, sizes[z]);
            if (zi < 0) continue;
            for (unsigned g = 0; g < s->n[SWEEP_AX_RING]; g++) {
                unsigned vi[SWEEP_MAX_AXES] = {0};
                vi[SWEEP_AX_WORKLOAD] = w;
                vi[SWEEP_AX_PKT] = (unsigned)zi;
                vi[SWEEP_AX_RING] = g;
                int f = sweep_best_features(s, r, n, vi);
                if (f < 0) continue;
                vi[SWEEP_AX_FEATURES] = (unsigned)f;
                const struct sweep_result *x = sweep_find(r, n, vi);
                const char *wl = s->v[SWEEP_AX_WORKLOAD][w], *ring = s->v[SWEEP_AX_RING][g];
                const char *feat = s->v[SWEEP_AX_FEATURES][f];
                /* what the spec would allow with the richest set swept: the headroom beyond this engine */
                const struct sweep_result *lo = x;
                for (unsigned k = 0; k < s->n[SWEEP_AX_FEATURES]; k++) {
                    vi[SWEEP_AX_FEATURES] = k;
                    const struct sweep_result *y = sweep_find(r, n, vi);
                    if (y && y->min.requests < lo->min.requests - 1e-9) lo = y;
                }
                char any[96], wcol[32] = "";
                snprintf(any, sizeof any, "%.3f (%s)", lo->min.requests, sweep_val(s, lo->pt, SWEEP_AX_FEATURES));
                if (wire) snprintf(wcol, sizeof wcol, md ? " %.3f |" : " %7.3f", x->wire_mpps);
                if (md)
                    fprintf(out, "| %s | %s B | %s | %s | %.3f | %.3f | %.2f | %.1f | %.1f | %.2f | %.3f | %.3f |%s %.3f | %s |\n",
                            wl, sizes[z], ring, feat, x->req, x->min.requests, x->ratio_req, x->link,
                            x->min.link_bytes, x->ratio_link, x->mpps, x->link_mpps, wcol, x->gbps, any);
                else
                    fprintf(out, "%-8s %5s %-6s %-24s %7.3f %7.3f %5.2f %8.1f %8.1f %5.2f %7.3f %7.3f%s %7.3f  %s\n", wl,
                            sizes[z], ring, feat, x->req, x->min.requests, x->ratio_req, x->link, x->min.link_bytes,
                            x->ratio_link, x->mpps, x->link_mpps, wcol, x->gbps, any);
            }
        }
}

static void base_label(FILE *out, const struct sweep_spec *s)
{
    fprintf(out, "%s B frames, rtt %s cycles, prefetch %s, used batch %s", s->v[SWEEP_AX_PKT][0], s->v[SWEEP_AX_RTT][0],
            s->v[SWEEP_AX_PREFETCH][0], s->v[SWEEP_AX_BATCH][0]);
    for (unsigned a = SWEEP_AX_BATCH + 1; a < sweep_naxes; a++) fprintf(out, ", %s %s", sweep_axes[a].name, s->v[a][0]);
}

void sweep_markdown(FILE *out, const struct sweep_spec *s, const struct sweep_result *r, unsigned n)
{
    fprintf(out, "Engine %s, %llu packets per point, seed %llu, %s design", s->engine, (unsigned long long)s->packets,
            (unsigned long long)s->seed, s->cross ? "cross" : "star");
    if (s->wire_mbps) {
        char g[32];
        netport_wire_format(s->wire_mbps, g, sizeof g);
        fprintf(out, ", a %s Gbit/s wire (wire Mpps: the frame rate it allows at the mean frame size, %u bytes of "
                     "Ethernet overhead a frame)", g, NET_WIRE_OVERHEAD);
    }
    fprintf(out, ".\n\n");
    fprintf(out, "#### Best feature set per ring (other axes at their first value)\n\n");
    sweep_headline(out, s, r, n, true);
    fprintf(out, "\n#### Every feature set at the base point (");
    base_label(out, s);
    bool wire = s->wire_mbps != 0;
    fprintf(out, ")\n\n| workload | ring | features | DMA req/pkt | spec min | ratio | link B/pkt | spec min | ratio | "
                 "Mpps | link-bound Mpps |%s Gbit/s | read p50 | read p99 |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|%s---:|---:|---:|\n",
            wire ? " wire Mpps |" : "", wire ? "---:|" : "");
    unsigned vi[SWEEP_MAX_AXES] = {0};
    for (unsigned w = 0; w < s->n[SWEEP_AX_WORKLOAD]; w++)
        for (unsigned g = 0; g < s->n[SWEEP_AX_RING]; g++)
            for (unsigned f = 0; f < s->n[SWEEP_AX_FEATURES]; f++) {
                vi[SWEEP_AX_WORKLOAD] = w;
                vi[SWEEP_AX_RING] = g;
                vi[SWEEP_AX_FEATURES] = f;
                const struct sweep_result *x = sweep_find(r, n, vi);
                if (!x) continue;
                char wcol[32] = "";
                if (wire) snprintf(wcol, sizeof wcol, " %.3f |", x->wire_mpps);
                fprintf(out, "| %s | %s | %s | %.3f | %.3f | %.2f | %.1f | %.1f | %.2f | %.3f | %.3f |%s %.3f | %.0f | %.0f |\n",
                        s->v[SWEEP_AX_WORKLOAD][w], s->v[SWEEP_AX_RING][g], s->v[SWEEP_AX_FEATURES][f], x->req,
                        x->min.requests, x->ratio_req, x->link, x->min.link_bytes, x->ratio_link, x->mpps, x->link_mpps,
                        wcol, x->gbps,
                        x->lat_p50, x->lat_p99);
            }
    fprintf(out, "\n#### DMA requests per packet by purpose at the base point: measured / spec minimum\n\n"
                 "| workload | ring | features |");
    for (unsigned i = 0; i < NSHOWN; i++) fprintf(out, " %s |", dma_purpose_json[shown[i]]);
    fprintf(out, "\n|---|---|---|");
    for (unsigned i = 0; i < NSHOWN; i++) fprintf(out, "---:|");
    fprintf(out, "\n");
    for (unsigned w = 0; w < s->n[SWEEP_AX_WORKLOAD]; w++)
        for (unsigned g = 0; g < s->n[SWEEP_AX_RING]; g++)
            for (unsigned f = 0; f < s->n[SWEEP_AX_FEATURES]; f++) {
                vi[SWEEP_AX_WORKLOAD] = w;
                vi[SWEEP_AX_RING] = g;
                vi[SWEEP_AX_FEATURES] = f;
                const struct sweep_result *x = sweep_find(r, n, vi);
                if (!x) continue;
                fprintf(out, "| %s | %s | %s |", s->v[SWEEP_AX_WORKLOAD][w], s->v[SWEEP_AX_RING][g],
                        s->v[SWEEP_AX_FEATURES][f]);
                for (unsigned i = 0; i < NSHOWN; i++) {
                    double m = x->m[shown[i]].requests, lo = x->min.p[shown[i]].requests;
                    if (m == 0 && lo == 0) fprintf(out, " - |");
                    else fprintf(out, " %.3f / %.3f |", m, lo);
                }
                fprintf(out, "\n");
            }
}

static void csv_count(FILE *f, const struct specmin_count *c)
{
    fprintf(f, ",%.6g,%.6g,%.6g,%.6g", c->requests, c->bytes, c->tlps, c->link_bytes);
}

int sweep_csv(const char *path, const struct sweep_spec *s, const struct sweep_result *r, unsigned n, char *err,
              size_t errlen)
{
    errno = 0;
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write CSV '%s': %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "id");
    for (unsigned a = 0; a < sweep_naxes; a++) fprintf(f, ",%s", sweep_axes[a].name);
    fprintf(f, ",engine,ok,packets,frame_bytes,cycles,mpps,gbps,up_utilization,down_utilization,lat_mean,lat_p50,"
               "lat_p99,req_per_pkt,min_req_per_pkt,ratio_req,link_bytes_per_pkt,min_link_bytes_per_pkt,ratio_link,link_mpps,storage_bytes");
    if (s->wire_mbps) fprintf(f, ",wire_mbps,wire_mpps");
    for (unsigned p = 0; p < VDPU_PURP_COUNT; p++)
        fprintf(f, ",%1$s_req,%1$s_bytes,%1$s_tlps,%1$s_link,min_%1$s_req,min_%1$s_bytes,min_%1$s_tlps,min_%1$s_link",
                dma_purpose_json[p]);
    fprintf(f, "\n");
    for (unsigned k = 0; k < n; k++) {
        const struct sweep_result *x = &r[k];
        fprintf(f, "%u", x->pt->id);
        for (unsigned a = 0; a < sweep_naxes; a++) fprintf(f, ",%s", sweep_val(s, x->pt, a));
        fprintf(f, ",%s,%d,%.0f,%.6g,%.0f,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g", s->engine,
                x->ok, x->packets, x->frame_bytes, x->cycles, x->mpps, x->gbps, x->up_util, x->down_util, x->lat_mean,
                x->lat_p50, x->lat_p99, x->req, x->min.requests, x->ratio_req, x->link, x->min.link_bytes,
                x->ratio_link);
        fprintf(f, ",%.6g,%u", x->link_mpps, x->storage);
        if (s->wire_mbps) fprintf(f, ",%u,%.6g", s->wire_mbps, x->wire_mpps);
        for (unsigned p = 0; p < VDPU_PURP_COUNT; p++) {
            csv_count(f, &x->m[p]);
            csv_count(f, &x->min.p[p]);
        }
        fprintf(f, "\n");
    }
    return out_close(f, path, "CSV", err, errlen);
}

static cJSON *count_obj(const struct specmin_count *c)
{
    return json_count_obj(c->requests, c->bytes, c->tlps, c->link_bytes);
}

int sweep_json(const char *path, const struct sweep_spec *s, const struct sweep_result *r, unsigned n, char *err,
               size_t errlen)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "design", s->cross ? "cross" : "star");
    cJSON_AddStringToObject(root, "engine", s->engine);
    cJSON_AddNumberToObject(root, "packets", (double)s->packets);
    cJSON_AddNumberToObject(root, "seed", (double)s->seed);
    if (s->wire_mbps) cJSON_AddNumberToObject(root, "wire_mbps", s->wire_mbps);
    cJSON *arr = cJSON_AddArrayToObject(root, "points");
    for (unsigned k = 0; k < n; k++) {
        const struct sweep_result *x = &r[k];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", x->pt->id);
        cJSON *cfg = cJSON_AddObjectToObject(o, "config");
        for (unsigned a = 0; a < sweep_naxes; a++) cJSON_AddStringToObject(cfg, sweep_axes[a].name, sweep_val(s, x->pt, a));
        cJSON_AddBoolToObject(o, "ok", x->ok);
        if (!x->ok) {
            cJSON_AddStringToObject(o, "error", x->why);
            cJSON_AddItemToArray(arr, o);
            continue;
        }
        cJSON *m = cJSON_AddObjectToObject(o, "measured");
        cJSON_AddNumberToObject(m, "packets", x->packets);
        cJSON_AddNumberToObject(m, "frame_bytes", x->frame_bytes);
        cJSON_AddNumberToObject(m, "cycles", x->cycles);
        cJSON_AddNumberToObject(m, "mpps", x->mpps);
        cJSON_AddNumberToObject(m, "link_mpps", x->link_mpps);
        cJSON_AddNumberToObject(m, "storage_bytes", x->storage);
        if (s->wire_mbps) cJSON_AddNumberToObject(m, "wire_mpps", x->wire_mpps);
        cJSON_AddNumberToObject(m, "gbps", x->gbps);
        cJSON_AddNumberToObject(m, "up_utilization", x->up_util);
        cJSON_AddNumberToObject(m, "down_utilization", x->down_util);
        cJSON *lat = cJSON_AddObjectToObject(m, "read_latency");
        cJSON_AddNumberToObject(lat, "mean", x->lat_mean);
        cJSON_AddNumberToObject(lat, "p50", x->lat_p50);
        cJSON_AddNumberToObject(lat, "p99", x->lat_p99);
        cJSON_AddNumberToObject(m, "requests_per_packet", x->req);
        cJSON_AddNumberToObject(m, "link_bytes_per_packet", x->link);
        cJSON *md = cJSON_AddObjectToObject(m, "dma_per_packet");
        for (unsigned p = 0; p < VDPU_PURP_COUNT; p++) cJSON_AddItemToObject(md, dma_purpose_json[p], count_obj(&x->m[p]));
        cJSON *sm = cJSON_AddObjectToObject(o, "spec_min");
        cJSON_AddNumberToObject(sm, "requests_per_packet", x->min.requests);
        cJSON_AddNumberToObject(sm, "link_bytes_per_packet", x->min.link_bytes);
        cJSON *sd = cJSON_AddObjectToObject(sm, "dma_per_packet");
        for (unsigned p = 0; p < VDPU_PURP_COUNT; p++) cJSON_AddItemToObject(sd, dma_purpose_json[p], count_obj(&x->min.p[p]));
        cJSON *ra = cJSON_AddObjectToObject(o, "ratio");
        cJSON_AddNumberToObject(ra, "requests", x->ratio_req);
        cJSON_AddNumberToObject(ra, "link_bytes", x->ratio_link);
        cJSON_AddItemToArray(arr, o);
    }
    return json_write_file(root, path, err, errlen);
}
