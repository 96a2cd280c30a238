/* run_workloads.h - the workloads of `vdpu run` (init, traffic) and the event injector, apart from option parsing. */
#ifndef VDPU_RUN_WORKLOADS_H
#define VDPU_RUN_WORKLOADS_H

#include <stdio.h>

#include "pcap_io.h"
#include "ckpt.h"
#include "session.h"
#include "virtio_drv.h"
#include "virtio_net.h"

#define RUN_MAX_MIGRATIONS 8
#define RUN_PRECOPY_INTERVAL 10000 /* cycles between pre-copy rounds */

struct run_cfg {
    const char *workload;
    struct net_params net;
    const char *json, *pcap_out, *pcap_in;
    const char *fcov; /* net-random: functional coverage db (--fcov), or NULL */
    const char *ctrl; /* --ctrl: control-queue commands after DRIVER_OK (NULL: none) */
    unsigned pairs;   /* queue pairs the --ctrl list (or --pairs) leaves active (0: not set, one pair) */
    struct pcap_frames replay;
    bool pkt_random;
    bool packets_set;
    bool net_opts;
    unsigned rtt;
    unsigned rx_buf_size; /* --rx-buf-size (0: the driver's default) */
    uint64_t accesses, flap_at, dperr_at, until;
    bool flap, dperr, quiet;
    struct drv_params drv;
    /* --migrate-at / --migrate-to: live migrations during the traffic (sim/host/mig.c) */
    uint64_t migrate_at[RUN_MAX_MIGRATIONS];
    enum vdpu_engine migrate_to[RUN_MAX_MIGRATIONS];
    unsigned migrations;
    unsigned migrate_rounds; /* --migrate-rounds: pre-copy rounds before each (0: none) */
    const char *state_out;   /* --state-out: the state moved at each migration written here (the last stays) */
    /* --checkpoint FILE --checkpoint-at C: the whole run saved at the traffic's first turn at or after C;
     * --restore: the checkpoint this run goes on from (loaded, its session sections already applied) */
    const char *checkpoint;
    uint64_t checkpoint_at;
    const char *const *ckpt_args; /* the run's own arguments (after "run"), stored in the checkpoint */
    unsigned ckpt_nargs;
    ckpt_t *restore;
};
/* The layout signature of this build's checkpoints (sim/harness/session_ckpt.h, with the driver's). */
uint64_t run_ckpt_layout(void);

/* Injected events, applied at the start of their cycle whatever the host is doing. */
struct injector {
    const struct run_cfg *c;
    virtio_drv_t *d; /* for the timeline, once the driver exists */
};

/* the most frames a net-* run sends (--packets): its cycle budget stays far from 2^64 */
#define RUN_MAX_PACKETS 1000000000ull
/* the cycle budget of the traffic phase: frames, DMA round trip, coalescing timer */
uint64_t run_net_budget(const struct run_cfg *c, const struct vdpu_opts *o);
/* bus on_cycle hook: apply --link-flap-at / --dp-error-at at their cycle */
void run_inject(void *ctx, vdpu_bus_t *b);
/* run to c->until, servicing config interrupts when d is set */
void run_events(vdpu_session_t *s, virtio_drv_t *d, const struct run_cfg *c);
/* init to DRIVER_OK, timeline, config interrupts (0: DRIVER_OK) */
int run_workload_init(vdpu_session_t *s, struct run_cfg *c, struct injector *inj, FILE *rep);
/* init, then --packets frames through the queue engine, then the DMA table (and JSON) */
int run_workload_net(vdpu_session_t *s, struct run_cfg *c, const struct vdpu_opts *o, struct injector *inj, FILE *rep);

#endif
