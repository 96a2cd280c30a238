/* dma_report.c - per-purpose DMA cost per packet, link utilization, throughput; schema in docs/dma-accounting.md. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "json_file.h"
#include "dma_report.h"
#include "eng_storage.h"
#include "vdpu_regmap.h"
#include "netport.h"
#include "virtio_features.h"

#define CLOCK_HZ 250e6

const char *const dma_purpose_json[VDPU_PURP_COUNT] = {
    "avail_idx", "avail_ring", "desc", "indirect", "event", "payload_rd", "payload_wr", "used", "used_idx", "msix", "fw",
    "dirty_log",
};
_Static_assert(VDPU_PURP_COUNT == 12, "a JSON name for every DMA purpose");

double dma_wire_mpps(uint32_t wire_mbps, double frame_bytes)
{
    return wire_mbps ? (double)wire_mbps / (8.0 * (frame_bytes + NET_WIRE_OVERHEAD)) : 0.0;
}

/* v over n, 0 when n is 0: a count per packet; a direction's busy cycles over the run's (a TLP takes whole
 * cycles, as the link bound counts them) */
static double ratio(uint64_t v, uint64_t n) { return n ? (double)v / (double)n : 0.0; }

double dma_lat_quantile(const double *hist, unsigned n, unsigned step, double max, double q)
{
    double total = 0, seen = 0;
    for (unsigned i = 0; i < n; i++) total += hist[i];
    if (total <= 0) return 0.0;
    for (unsigned i = 0; i < n; i++) {
        seen += hist[i];
        if (seen >= q * total) {
            double edge = (double)(i + 1) * step;
            return i + 1 < n && edge < max ? edge : max;
        }
    }
    return max;
}

static void lat_quantiles(const struct link_stats *st, double *p50, double *p99)
{
    double h[LINK_LAT_BUCKETS];
    for (unsigned i = 0; i < LINK_LAT_BUCKETS; i++) h[i] = (double)st->lat_hist[i];
    *p50 = dma_lat_quantile(h, LINK_LAT_BUCKETS, LINK_LAT_STEP, (double)st->lat_max, 0.50);
    *p99 = dma_lat_quantile(h, LINK_LAT_BUCKETS, LINK_LAT_STEP, (double)st->lat_max, 0.99);
}

void dma_report_table(FILE *out, const struct link_stats *st, const struct link_params *lp,
                      const struct run_summary *r)
{
    double secs = (double)r->cycles / CLOCK_HZ;
    fprintf(out, "DMA per packet (%llu packets, %s ring, %s; prefetch %u, used batch %u, reads outstanding %u, "
                 "tx fetch %u, %s):\n",
            (unsigned long long)r->packets, r->ring, r->workload, r->prefetch, r->used_batch, r->max_reads,
            r->tx_fetch ? r->tx_fetch : 1, r->coal_cycles ? "coalescing on" : "no coalescing");
    fprintf(out, "  %-11s %10s %10s %10s %12s %12s\n", "purpose", "requests", "reqs/pkt", "bytes/pkt", "TLPs/pkt",
            "link B/pkt");
    for (unsigned p = 0; p < VDPU_PURP_COUNT; p++) {
        const struct dma_count *c = &st->total[p];
        if (!c->requests) continue;
        fprintf(out, "  %-11s %10llu %10.3f %10.1f %12.3f %12.1f\n", dma_purpose_json[p],
                (unsigned long long)c->requests, ratio(c->requests, r->packets), ratio(c->bytes, r->packets),
                ratio(c->tlps, r->packets), ratio(c->link_bytes, r->packets));
    }
    fprintf(out, "  link utilization: device->host %.1f%%, host->device %.1f%% (busy cycles: %u B each, a TLP in whole "
                 "ones with %u B of overhead)\n",
            100.0 * ratio(st->up_link_cycles, r->cycles), 100.0 * ratio(st->down_link_cycles, r->cycles),
            lp->bytes_per_cycle, lp->tlp_overhead);
    if (st->lat_n) {
        double p50, p99;
        lat_quantiles(st, &p50, &p99);
        fprintf(out, "  DMA read latency: mean %.1f cycles, p50 <= %.0f, p99 <= %.0f, max %llu (round trip %u)\n",
                (double)st->lat_sum / (double)st->lat_n, p50, p99, (unsigned long long)st->lat_max, lp->rtt);
        fprintf(out, "  DMA reads outstanding at most: %u (read tags in use at once; the engine has %u)\n", st->rd_peak,
                VDPU_QENG_TAGS);
    }
    struct eng_storage es;
    char sto[320]; /* the longest line (TX fetch, eight read ahead) is about 250 characters */
    eng_storage_of(r->prefetch, r->used_batch, r->max_reads, r->tx_fetch, &es);
    eng_storage_format(&es, r->prefetch, r->used_batch, r->max_reads, r->tx_fetch, sto, sizeof sto);
    fprintf(out, "  on-chip storage of the queue engine at this setting: %s\n", sto);
    fprintf(out, "  throughput: %.3f Mpps, %.3f Gbit/s over %llu cycles (%.3f us at 250 MHz)\n",
            secs > 0 ? (double)r->packets / secs / 1e6 : 0.0, secs > 0 ? (double)r->bytes * 8 / secs / 1e9 : 0.0,
            (unsigned long long)r->cycles, secs * 1e6);
    if (r->wire_mbps && r->packets) {
        char g[32];
        netport_wire_format(r->wire_mbps, g, sizeof g);
        double mean = (double)r->bytes / (double)r->packets, bound = dma_wire_mpps(r->wire_mbps, mean);
        fprintf(out, "  wire: %s Gbit/s bounds %.3f Mpps at %.1f bytes a frame (+%u of Ethernet overhead); this run: "
                     "%.1f%% of it\n",
                g, bound, mean, NET_WIRE_OVERHEAD, secs > 0 ? 100.0 * (double)r->packets / secs / 1e6 / bound : 0.0);
    }
}

static cJSON *count_obj(const struct dma_count *c)
{
    return json_count_obj((double)c->requests, (double)c->bytes, (double)c->tlps, (double)c->link_bytes);
}

int dma_report_json(const char *path, const struct link_stats *st, const struct link_params *lp,
                    const struct run_summary *r)
{
    cJSON *root = cJSON_CreateObject();
    double secs = (double)r->cycles / CLOCK_HZ;
    cJSON_AddStringToObject(root, "engine", r->engine);
    cJSON_AddStringToObject(root, "workload", r->workload);
    cJSON_AddStringToObject(root, "ring", r->ring);
    cJSON_AddNumberToObject(root, "seed", (double)r->seed);
    cJSON_AddNumberToObject(root, "pkt_size", r->pkt_size);
    cJSON_AddNumberToObject(root, "packets", (double)r->packets);
    cJSON_AddNumberToObject(root, "bytes", (double)r->bytes);
    cJSON_AddNumberToObject(root, "cycles", (double)r->cycles);
    cJSON *par = cJSON_AddObjectToObject(root, "params");
    cJSON_AddNumberToObject(par, "prefetch", r->prefetch);
    cJSON_AddNumberToObject(par, "used_batch", r->used_batch);
    cJSON_AddNumberToObject(par, "max_reads", r->max_reads);
    cJSON_AddNumberToObject(par, "tx_fetch", r->tx_fetch ? r->tx_fetch : 1);
    cJSON_AddNumberToObject(par, "qsize", r->qsize);
    cJSON_AddNumberToObject(par, "coalesce_frames", r->coal_frames);
    cJSON_AddNumberToObject(par, "coalesce_cycles", r->coal_cycles);
    cJSON_AddNumberToObject(par, "rx_buf_size", r->rx_buf_size);
    cJSON_AddNumberToObject(par, "pairs", r->pairs);
    cJSON_AddNumberToObject(par, "rtt", lp->rtt);
    cJSON_AddNumberToObject(par, "wire_mbps", r->wire_mbps);
    struct eng_storage es;
    eng_storage_of(r->prefetch, r->used_batch, r->max_reads, r->tx_fetch, &es);
    cJSON *sto = cJSON_AddObjectToObject(root, "storage_bytes"); /* what the setting costs on chip */
    cJSON_AddNumberToObject(sto, "desc_cache", es.desc_cache);
    cJSON_AddNumberToObject(sto, "used_batch", es.used_batch);
    cJSON_AddNumberToObject(sto, "read_slots", es.read_slots);
    cJSON_AddNumberToObject(sto, "mrg", es.mrg);
    cJSON_AddNumberToObject(sto, "frame_bufs", es.frame_bufs);
    cJSON_AddNumberToObject(sto, "in_order", es.in_order);
    cJSON_AddNumberToObject(sto, "beside", es.beside);
    cJSON_AddNumberToObject(sto, "tx_fetch", es.tx_fetch);
    cJSON_AddNumberToObject(sto, "total", es.total);
    cJSON *feat = cJSON_AddArrayToObject(root, "features");
    for (unsigned bit = 0; bit < 128; bit++)
        if ((r->features[bit / 32] >> (bit % 32)) & 1) {
            const char *nm = virtio_feature_name(bit);
            char tmp[16];
            snprintf(tmp, sizeof tmp, "bit%u", bit);
            cJSON_AddItemToArray(feat, cJSON_CreateString(nm ? nm : tmp));
        }
    cJSON *dma = cJSON_AddObjectToObject(root, "dma");
    for (unsigned p = 0; p < VDPU_PURP_COUNT; p++) cJSON_AddItemToObject(dma, dma_purpose_json[p], count_obj(&st->total[p]));
    cJSON *perq = cJSON_AddArrayToObject(root, "dma_by_queue");
    for (unsigned q = 0; q < LINK_QUEUES; q++) {
        cJSON *qo = cJSON_CreateObject();
        bool any = false;
        for (unsigned p = 0; p < VDPU_PURP_COUNT; p++)
            if (st->by[q][p].requests) {
                cJSON_AddItemToObject(qo, dma_purpose_json[p], count_obj(&st->by[q][p]));
                any = true;
            }
        if (!any) {
            cJSON_Delete(qo);
            continue;
        }
        cJSON_AddNumberToObject(qo, "queue", q == LINK_QUEUES - 1 ? -1 : (double)q);
        cJSON_AddItemToArray(perq, qo);
    }
    cJSON *link = cJSON_AddObjectToObject(root, "link");
    cJSON_AddNumberToObject(link, "up_bytes", (double)st->up_link_bytes);
    cJSON_AddNumberToObject(link, "down_bytes", (double)st->down_link_bytes);
    cJSON_AddNumberToObject(link, "up_utilization", ratio(st->up_link_cycles, r->cycles));
    cJSON_AddNumberToObject(link, "down_utilization", ratio(st->down_link_cycles, r->cycles));
    cJSON_AddNumberToObject(link, "rtt", lp->rtt);
    cJSON_AddNumberToObject(link, "tlp_overhead", lp->tlp_overhead);
    cJSON_AddNumberToObject(link, "reads_outstanding_max", st->rd_peak);
    cJSON *lat = cJSON_AddObjectToObject(root, "read_latency");
    cJSON_AddNumberToObject(lat, "count", (double)st->lat_n);
    cJSON_AddNumberToObject(lat, "mean", st->lat_n ? (double)st->lat_sum / (double)st->lat_n : 0.0);
    cJSON_AddNumberToObject(lat, "max", (double)st->lat_max);
    double p50, p99;
    lat_quantiles(st, &p50, &p99);
    cJSON_AddNumberToObject(lat, "p50", p50);
    cJSON_AddNumberToObject(lat, "p99", p99);
    cJSON_AddNumberToObject(lat, "bucket_cycles", LINK_LAT_STEP);
    cJSON *h = cJSON_AddArrayToObject(lat, "histogram");
    for (unsigned i = 0; i < LINK_LAT_BUCKETS; i++) cJSON_AddItemToArray(h, cJSON_CreateNumber((double)st->lat_hist[i]));
    cJSON_AddNumberToObject(root, "mpps", secs > 0 ? (double)r->packets / secs / 1e6 : 0.0);
    cJSON_AddNumberToObject(root, "gbps", secs > 0 ? (double)r->bytes * 8 / secs / 1e9 : 0.0);
    if (r->wire_mbps && r->packets)
        cJSON_AddNumberToObject(root, "wire_mpps", dma_wire_mpps(r->wire_mbps, (double)r->bytes / (double)r->packets));
    else
        cJSON_AddNullToObject(root, "wire_mpps");
    cJSON_AddNumberToObject(root, "msix_messages", (double)r->msix);

    char err[300];
    int rc = json_write_file(root, path, err, sizeof err);
    if (rc) fprintf(stderr, "vdpu: %s\n", err);
    return rc;
}
