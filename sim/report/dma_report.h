/* dma_report.h - the DMA accounting table and its JSON (cJSON) for traffic runs. */
#ifndef VDPU_DMA_REPORT_H
#define VDPU_DMA_REPORT_H

#include <stdio.h>

#include "link.h"

struct run_summary {
    const char *engine, *workload, *ring;
    uint64_t seed, packets, bytes, cycles, msix;
    uint32_t features[4];
    unsigned pkt_size; /* 0 = IMIX */
    /* the queue-engine parameters the firmware programmed (ENG_PARAM, ENG_COAL) and the driver's
     * shape of the run, so a JSON file says what it measured */
    unsigned prefetch, used_batch, max_reads, coal_frames, coal_cycles, rx_buf_size, pairs;
    unsigned tx_fetch; /* ENG_PARAM[18:15] (0 as 1) */
    unsigned qsize;    /* the queue size the driver's queue 0 got */
    uint32_t wire_mbps; /* the network port's wire rate (--wire-gbps), Mbit/s; 0: unlimited */
};

/* The frame rate (Mpps) a wire of wire_mbps allows for frames of mean size frame_bytes: each frame
 * costs its bytes plus the 24 of Ethernet overhead (netport.h). 0 when the wire is unlimited. */
double dma_wire_mpps(uint32_t wire_mbps, double frame_bytes);

/* JSON names of the purposes ("avail_idx", ...), indexed by VDPU_PURP_*. */
extern const char *const dma_purpose_json[VDPU_PURP_COUNT];

/* Read latency quantile q (0..1) of a histogram of n buckets `step` cycles wide: the upper edge of the bucket
 * holding it, capped by the largest latency seen (the last bucket also counts everything beyond it). 0 if empty. */
double dma_lat_quantile(const double *hist, unsigned n, unsigned step, double max, double q);

void dma_report_table(FILE *out, const struct link_stats *st, const struct link_params *lp,
                      const struct run_summary *r);
/* Write the JSON document; 0 ok, -1 with a message on stderr. */
int dma_report_json(const char *path, const struct link_stats *st, const struct link_params *lp,
                    const struct run_summary *r);

#endif
