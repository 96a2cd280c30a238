/* netrand.h - seeded random virtio-net traffic: ring layout, queue size, frame sizes, descriptor
 * chain shapes, buffer placement, interrupt/poll mode, link round trip, TX / RX / loopback. */
#ifndef VDPU_NETRAND_H
#define VDPU_NETRAND_H

#include <stdio.h>

#include "virtio_net.h"

enum netrand_size { NETRAND_FIXED, NETRAND_IMIX, NETRAND_RANDOM };

#define NETRAND_MAX_RESETS 2

#define NETRAND_MAX_MIGRATIONS 2

struct netrand_cfg {
    uint64_t seed;
    enum drv_ring ring;
    unsigned qsize;          /* split: power of two 8..256; packed: 8..256 */
    enum netrand_size size;
    unsigned rtt;            /* link round trip, cycles */
    unsigned stall_pct;      /* host backpressure: percent of cycles dmareq_ready / hcpl_ready are low */
    unsigned prefetch, used_batch; /* descriptor prefetch and used batching (ENG_PARAM, 1..8): session options, so they must be
                                    * in place before the session opens (netrand_session_opts) */
    struct net_params np;    /* workload, packets (20..200), pkt_size, seed, max_cycles */
    struct net_opts no;      /* chain shapes, gaps, placement, poll */
    unsigned pairs;          /* queue pairs of the final phase: 2 = VQ_PAIRS_SET 2 and the multiqueue
                              * driver (flows over both transmitqs, steering checked), else 1 */
    unsigned resets;         /* device resets in the middle of the traffic (0..NETRAND_MAX_RESETS) */
    uint64_t reset_at[NETRAND_MAX_RESETS]; /* cycles into each interrupted phase */
    bool no_event_idx;       /* the driver leaves EVENT_IDX out (the engine's rules without it) */
    bool no_notif_data;      /* ... NOTIFICATION_DATA (doorbells then carry no data the engine uses) */
    unsigned max_reads;      /* payload reads outstanding (ENG_PARAM[14:8]), a session option likewise */
    unsigned tx_fetch;       /* TX frames fetched together (ENG_PARAM[18:15]), likewise */
    bool link_reorder;       /* the link completes reads out of request order (link_params.reorder) */
    unsigned coal_frames, coal_cycles; /* interrupt coalescing (ENG_COAL; cycles 0: off): session options
                                        * like prefetch and used batch */
    bool no_in_order;        /* the driver leaves IN_ORDER out (one used entry per buffer whatever B) */
    bool suspend;            /* the driver accepts VIRTIO_F_SUSPEND (never picked: a caller sets it, with
                              * an on_turn hook in `no` that suspends and resumes, tests/test_suspend.c) */
    /* live migrations (sim/host/mig.c) during the traffic, cycles after its start (ascending): to the
     * other engine (model <-> rtl), cosim to cosim; a fifth of the seeds without a PCIe fault; only when
     * the caller set no on_turn hook of its own (which would replace the migrations' one) */
    unsigned migrations;
    uint64_t migrate_at[NETRAND_MAX_MIGRATIONS];
    struct link_faults faults; /* PCIe faults (a sixth of the seeds: one, on a read early in the traffic,
                                * drawn from a generator of their own): a fault phase of traffic first,
                                * which must end in DEVICE_NEEDS_RESET, then a reset and the rest */
};

struct netrand_result {
    uint64_t packets, cycles, descs, chains, kicks, irqs;
    uint64_t dropped, wrap_chains, edge_bufs, ring_laps, merged, indirect; /* coverage */
    uint64_t resets, cut_packets; /* device resets done; frames completed before them */
    uint64_t faults, fault_packets; /* PCIe faults injected (each answered by DEVICE_NEEDS_RESET and a
                                     * reset); frames completed before them */
    uint64_t migrations;            /* live migrations done */
};

/* Everything from the seed alone. */
void netrand_pick(uint64_t seed, struct netrand_cfg *c);
/* The seed's engine parameters into the options of the session to open; explicit non-default
 * values (vdpu run --prefetch/--used-batch) win. */
void netrand_session_opts(uint64_t seed, struct vdpu_opts *o);
/* One line: the parameters. */
void netrand_describe(const struct netrand_cfg *c, char *buf, size_t len);
/* On an enumerated session with MSI-X set up: init to DRIVER_OK with the chosen ring and queue
 * size, then the checked traffic. 0 when every frame completed and checked; else -1 and a reason
 * in err. (A cosim mismatch stops the bus: also -1; vdpu_session_finish has the final word.) */
int netrand_run(vdpu_session_t *s, const struct netrand_cfg *c, struct netrand_result *r, char *err, size_t errlen);
/* `vdpu run --workload net-random`: pick, print, run, print the outcome; the configuration and the
 * result into cfg_out / res_out when not NULL (functional coverage). */
int netrand_workload(vdpu_session_t *s, uint64_t seed, FILE *out, struct netrand_cfg *cfg_out,
                     struct netrand_result *res_out);

#endif
