/* bus.h - the harness cycle loop: drives one device's ports, monitors and logs every transaction. */
#ifndef VDPU_BUS_H
#define VDPU_BUS_H

#include <signal.h>
#include <stdio.h>

#include "host_mem.h"
#include "link.h"
#include "netport.h"
#include "rng.h"
#include "txn.h"
#include "vdpu_dev.h"

/* Something that masters the firmware port (the built-in firmware role, later the ISS).
 * step() is called once per cycle with the device outputs; it may return a
 * request to drive in this cycle. */
struct fw_agent {
    void *ctx;
    bool (*step)(void *ctx, const vdpu_out_t *out, vdpu_fwreq_t *req);
    /* Idle skipping (optional; without it the bus never skips): true when, seeing these outputs, the
     * agent would do nothing but count time before the absolute cycle *until (UINT64_MAX: never);
     * skip then lets n cycles pass as if stepped with the same outputs. */
    bool (*idle)(void *ctx, const vdpu_out_t *out, uint64_t now, uint64_t *until);
    void (*skip)(void *ctx, uint64_t n);
};

#define BUS_HQ_DEPTH 64

typedef struct vdpu_bus {
    vdpu_dev_t *dev;
    host_mem_t *mem;
    link_t link;       /* DMA timing, completions, accounting, memory guard */
    netport_t net;     /* the network port's far end */
    struct fw_agent fw;
    vdpu_out_t out; /* outputs of the current cycle */

    /* host request queue and completions by tag */
    vdpu_hreq_t hq[BUS_HQ_DEPTH];
    unsigned hq_head, hq_n;
    struct { bool pending, done; vdpu_hcpl_t cpl; } tags[256];
    uint8_t next_tag;

    /* a DMA read completion to present to the device (the link model injects
     * completions; with no reads outstanding any one is unexpected) */
    bool dmacpl_pending;
    vdpu_dmacpl_t dmacpl;

    /* status inputs driven every cycle: network link level, injected internal error */
    bool link_up;
    bool dp_err;
    /* the levels the device saw at its last edge (+1: none yet): a change is an input, never skipped */
    int8_t seen_link_up, seen_dp_err;

    /* host-side backpressure: percent of cycles the host refuses completions and DMA requests */
    unsigned stall_pct;
    rng_t stall_rng;

    /* monitor */
    uint64_t digest, ntxn, per_chan[VDPU_CH_COUNT];
    uint64_t diag_count[VDPU_DIAG_COUNT];
    uint16_t irq_prev;
    FILE *trace; /* one greppable line per transaction, or NULL */
    void (*on_txn)(void *ctx, const vdpu_txn_t *t);
    void *on_txn_ctx;
    /* called at the start of every cycle (event injection: link flaps, internal errors) */
    void (*on_cycle)(void *ctx, struct vdpu_bus *b);
    void *on_cycle_ctx;
    /* the next cycle on_cycle acts at (UINT64_MAX: never); idle skipping never passes it; 0 (the
     * default): on_cycle may act at any cycle, so the bus does not skip while it is set */
    uint64_t on_cycle_at;

    /* idle skipping (docs/architecture.md): on unless --no-skip; cycles skipped so far */
    bool skip_idle;
    uint64_t skipped;
    uint64_t skipped_timed; /* ... of which with a timer running (one warp edge each time) */

    /* set asynchronously (a signal handler: SIGINT, SIGTERM) to stop the run at the next cycle, or NULL */
    const volatile sig_atomic_t *interrupt;

    /* stop state */
    bool stopped;
    char stop_reason[160];
} vdpu_bus_t;

void vdpu_bus_init(vdpu_bus_t *b, vdpu_dev_t *dev, host_mem_t *mem);
void vdpu_bus_fini(vdpu_bus_t *b);
void vdpu_bus_step(vdpu_bus_t *b);
/* One cycle, or, when the device is quiet and nothing in the harness can act before, every cycle
 * up to (not past) the absolute cycle `horizon` at once (the caller's next own action). The
 * transaction log and digest are those of stepping one by one. Returns the cycles advanced. */
uint64_t vdpu_bus_advance(vdpu_bus_t *b, uint64_t horizon);
void vdpu_bus_stop(vdpu_bus_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Step until cond(ctx) is true (true), the bus stops or max_cycles pass (false). cond may only depend
 * on what transactions change (completions, messages, host memory), not on the cycle count: idle
 * cycles are skipped. */
bool vdpu_bus_run_until(vdpu_bus_t *b, bool (*cond)(void *ctx), void *ctx, uint64_t max_cycles);
void vdpu_bus_run_cycles(vdpu_bus_t *b, uint64_t n);
/* Step until the device has settled (true): no transaction for `quiet` cycles, nothing queued for the
 * host link, and no frame on the network port it could still take (one left `quiet` cycles past its
 * arrival is refused: no receive buffer). false if max_cycles pass first or the bus stops. Before a
 * stop that resets the device (vhost-user GET_VRING_BASE), so that frames already on the wire, looped
 * back or in the device's frame buffer, reach the driver instead of being lost with the reset. */
bool vdpu_bus_settle(vdpu_bus_t *b, uint64_t quiet, uint64_t max_cycles);

#endif
