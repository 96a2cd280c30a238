/* specmin.h - the fewest DMA requests and link bytes per packet the virtio spec allows for a ring configuration. */
#ifndef VDPU_SPECMIN_H
#define VDPU_SPECMIN_H

#include <stdbool.h>

#include "vdpu_regmap.h"

enum specmin_dir { SPECMIN_TX, SPECMIN_RX, SPECMIN_LOOPBACK };

/* What the minimum depends on. The assumptions behind every term are in docs/split-vs-packed.md
 * ("The spec minimum"): steady state, one-descriptor buffers, best-case alignment. */
struct specmin_cfg {
    bool packed;
    bool event_idx, in_order, notif_data; /* negotiated (INDIRECT_DESC is left out: a one-descriptor
                                           * buffer never gains from a table, so it lowers no term) */
    unsigned prefetch;   /* P: ring entries / descriptors one read may fetch (>= 1) */
    unsigned batch;      /* B: buffers per used write-back and per interrupt decision (>= 1) */
    unsigned pkt_size;   /* frame bytes 14..1514; 0 = IMIX 64/576/1500 in 7:4:1 */
    double imix_share[3]; /* IMIX: the mix of 64/576/1500 frames actually sent (all 0: the nominal 7:4:1) */
    enum specmin_dir dir;
    unsigned window;     /* W: buffers one look at the ring can reveal at most (the queue size) */
    unsigned hdr_len;    /* virtio_net_hdr bytes before each frame in the buffer */
    unsigned mps, mrrs, rcb, tlp_overhead; /* the link's */
    unsigned bytes_per_cycle;            /* ... each way: a TLP takes whole cycles of it (link_bound) */
};

struct specmin_count {
    double requests, bytes, tlps, link_bytes; /* per packet */
};

struct specmin {
    struct specmin_count p[VDPU_PURP_COUNT]; /* by VDPU_PURP_* */
    double requests, link_bytes;             /* totals per packet */
    /* link_bytes by direction: up (device -> host: read requests, writes with their data) and down
     * (host -> device: completions with data); up + down = link_bytes */
    double up_link_bytes, down_link_bytes;
    /* the cycles each direction is busy per packet as the simulated link moves TLPs: an upstream TLP
     * (a read request, a write with its data) holds it for ceil((data + overhead) / bytes_per_cycle)
     * cycles, a completion for ceil(overhead / bytes_per_cycle) + ceil(data / bytes_per_cycle)
     * (sim/harness/link.c) */
    double up_link_cycles, down_link_cycles;
};

/* The configuration with the link defaults of the simulator (MPS 256, MRRS 512, RCB 64, 24 B per TLP, 32 B
 * per cycle each way),
 * a 12-byte header and a 256-entry window; the caller sets the ring and the axes. */
void specmin_cfg_default(struct specmin_cfg *c);
/* Fill `out` (per packet; a loopback packet costs one TX and one RX buffer). */
void specmin_compute(const struct specmin_cfg *c, struct specmin *out);
/* The link-bound frame rate of the minimum: packets per cycle the link carries at most, each TLP taking
 * whole cycles of its direction as the simulated link moves it (the busier direction decides; 0 when the
 * minimum moves nothing). */
double specmin_link_bound(const struct specmin *m);

#endif
