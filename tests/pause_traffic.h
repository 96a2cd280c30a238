/* pause_traffic.h - traffic with pauses at chosen points, for the driver's SUSPEND (test_suspend.c) and
 * the hypervisor's MIG stop (test_mig.c) alike: the driver's loop calls a hook between its steps; a pause
 * lasts PAUSE_HOLD cycles while the driver keeps posting and kicking; then no DMA and no interrupt may have
 * happened, every buffer the device consumed is used, the used index the device reports is what the ring
 * shows and the driver reaped it all; then the resume, and at the end every frame exactly once, in order. */
#ifndef VDPU_TEST_PAUSE_TRAFFIC_H
#define VDPU_TEST_PAUSE_TRAFFIC_H

#include "harness.h"

#define PAUSE_HOLD 20000u /* cycles a pause lasts */
#define PAUSE_MAX_POINTS 4

struct pause_ops {
    const char *what;       /* "suspension", "stop": for messages */
    void (*pause)(struct tctx *t, virtio_drv_t *d);  /* asserts it took */
    void (*resume)(struct tctx *t, virtio_drv_t *d); /* asserts it took */
    uint8_t status_paused;  /* device_status the driver reads while paused */
    bool accept_suspend;    /* the driver accepts VIRTIO_F_SUSPEND */
};

struct pause_point {
    uint64_t frames, delay; /* pause `delay` cycles after `frames` completed */
};

struct pause_opts {
    enum drv_ring ring;
    enum net_workload w;
    uint64_t packets;
    unsigned pkt_size, qsize;
    bool no_in_order;       /* the driver leaves IN_ORDER out */
    struct pause_point at[PAUSE_MAX_POINTS]; /* ascending frames; {0, 0} ends the list */
};

struct pause_result {
    unsigned points, done;
    uint64_t owed;     /* pauses where the ring showed used buffers the driver had not reaped */
    uint64_t owed_msi; /* ... and their interrupt arrived before the pause completed */
};

struct pause_result t_traffic_with_pauses(struct tctx *t, const struct pause_opts *o, const struct pause_ops *ops);

/* A driver brought up to DRIVER_OK with the default offer (accepting VIRTIO_F_SUSPEND if asked); the
 * caller frees it. */
virtio_drv_t *t_live_driver(struct tctx *t, bool accept_suspend);
/* A short 64-byte TX run on a live driver: the data path works. */
void t_short_tx(struct tctx *t, virtio_drv_t *d, uint64_t frames);

/* The checks of a pause in random traffic (net-random's hook, the device paused already): 3,000 cycles
 * with doorbells on both queues and no DMA of any purpose, then every buffer the device consumed used. */
void t_paused_quiet(virtio_net_t *n, uint64_t seed, const char *what);
/* One net-random seed on engine e with `turn` as the driver's hook (the seed's PCIe fault left out: pauses,
 * not faults; accept_suspend: the driver takes VIRTIO_F_SUSPEND), max_cycles * mul + add for the
 * pauses; asserts a clean run (cosim: no mismatch). */
void t_netrand_with_hook(enum vdpu_engine e, uint64_t seed, bool accept_suspend, void (*turn)(virtio_net_t *, void *),
                         void *ctx, uint64_t mul, uint64_t add);

#endif
