/* virtio_drv.h - the host's virtio-net driver model: Linux-like init to DRIVER_OK, config interrupts, timeline. */
#ifndef VDPU_VIRTIO_DRV_H
#define VDPU_VIRTIO_DRV_H

#include <stdio.h>

#include "ckpt.h"
#include "session.h"

#define DRV_MAX_QUEUES 16
#define DRV_MAX_STEPS 128

enum drv_ring { DRV_RING_SPLIT, DRV_RING_PACKED };

/* Rings a host brings itself (the vhost-user bridge: the frontend's rings), per queue index. */
struct drv_given_ring {
    uint16_t size; /* 0: the driver allocates this queue's rings in its RAM as usual */
    uint64_t desc, driver, device;
};

/* What the driver asks for; the defaults are what Linux virtio_net would do. */
struct drv_params {
    enum drv_ring ring;   /* accept RING_PACKED only when packed */
    unsigned queues;      /* virtqueues to set up (rx/tx pairs + control if negotiated), 0 = all */
    unsigned qsize;       /* requested queue size (capped by the device's maximum) */
    uint32_t accept[4];   /* features the driver understands (intersected with the offer) */
    bool use_msix;        /* route config and queue interrupts to MSI-X vectors */
    uint32_t force[4];    /* misbehaving driver: accept these bits even if not offered */
    uint32_t drop[4];     /* ... or leave these out even if offered (e.g. VERSION_1) */
    unsigned data_queues; /* data queues 0..N-1 to set up, then the control queue if negotiated (0: as
                           * `queues` says); fewer than the device offers leaves the rest disabled */
    const struct drv_given_ring *rings; /* DRV_MAX_QUEUES entries by queue index, or NULL */
    bool hold_driver_ok;  /* virtio_drv_start stops with the queues enabled, before DRIVER_OK (a test's
                           * window; virtio_drv_driver_ok finishes) */
};

struct drv_queue {
    uint16_t size, vector, notify_off;
    uint64_t desc, driver, device; /* ring areas in host memory */
    bool enabled;
};

struct drv_step {
    uint64_t cycle;
    char what[160];
};

enum drv_result {
    DRV_OK = 0,          /* DRIVER_OK reached */
    DRV_REFUSED = 1,     /* the device refused (FEATURES_OK not kept, queue not enabled, NEEDS_RESET) */
    DRV_ERROR = -1,      /* the link or the harness failed (timeout, bus stopped) */
};

typedef struct virtio_drv {
    vdpu_session_t *s;
    uint64_t cc, dc;          /* common cfg / device cfg addresses */
    uint32_t offered[4], negotiated[4];
    uint8_t status;
    unsigned nq;
    struct drv_queue q[DRV_MAX_QUEUES]; /* by queue index */
    uint16_t qidx[DRV_MAX_QUEUES];      /* the queue indices set up, in order */
    uint64_t ram_next, ram_end; /* bump allocator in host RAM */
    struct drv_step steps[DRV_MAX_STEPS];
    unsigned nsteps;
    uint64_t cfg_irqs_handled;
    uint16_t net_status, mtu;
    uint8_t mac[6];
    char refusal[256];        /* why, when DRV_REFUSED */
    bool no_answer;           /* the refusal came from held reads ending by timeout: nobody answered */
    uint64_t held_timeouts0;  /* HELD_TIMEOUT diagnostics before this driver started */
    bool link_error;          /* a host-link access failed (UR, timeout): the init reports DRV_ERROR */
} virtio_drv_t;

void drv_params_default(struct drv_params *p);
/* Full init: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queues, DRIVER_OK.
 * Needs pci_enumerate (and pci_msix_setup when use_msix). Equal to negotiate then start. */
enum drv_result virtio_drv_init(virtio_drv_t *d, vdpu_session_t *s, const struct drv_params *p);
/* The first half: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK (kept or refused), net config. */
enum drv_result virtio_drv_negotiate(virtio_drv_t *d, vdpu_session_t *s, const struct drv_params *p);
/* The second half, after a negotiate that reached FEATURES_OK: config vector, queues, DRIVER_OK. */
enum drv_result virtio_drv_start(virtio_drv_t *d, const struct drv_params *p);
/* DRIVER_OK and its re-read (the last step of virtio_drv_start). */
enum drv_result virtio_drv_driver_ok(virtio_drv_t *d);
/* Reset the device the Linux way (write 0, wait until it reads 0). */
enum drv_result virtio_drv_reset(virtio_drv_t *d);
/* RING_RESET of queue i the way virtio_pci_modern does it (queue_reset = 1, poll until it reads 0,
 * queue_enable then reads 0), then the same ring areas, size and vector programmed again and the
 * queue enabled: the caller starts its rings over from index 0. */
enum drv_result virtio_drv_queue_reset(virtio_drv_t *d, unsigned i);
/* Handle config-change interrupts that arrived (re-read config_generation and net status). */
void virtio_drv_poll(virtio_drv_t *d);
/* Record a timeline step at the current cycle. */
void drv_step(virtio_drv_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the control-plane timeline: simulated time (ns at 250 MHz) and cycle of each step. */
void virtio_drv_print_timeline(const virtio_drv_t *d, FILE *out);
/* Checkpoints: the driver's state as one section; load makes d that driver again on session s. */
void virtio_drv_save(const virtio_drv_t *d, ckpt_t *k);
int virtio_drv_load(virtio_drv_t *d, vdpu_session_t *s, ckpt_t *k);

/* Raw accessors used by the driver and by tests that misbehave on purpose. */
int drv_rd(virtio_drv_t *d, uint32_t off, unsigned size, uint64_t *v);   /* common cfg */
int drv_wr(virtio_drv_t *d, uint32_t off, unsigned size, uint64_t v);
uint8_t drv_status(virtio_drv_t *d);                                      /* read device_status */
int drv_set_status(virtio_drv_t *d, uint8_t v);                          /* write it */

#endif
