/* bridge.h - the vhost-user bridge's core: a frontend's rings served by the simulated device (no DPDK here). */
#ifndef VDPU_BRIDGE_H
#define VDPU_BRIDGE_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "pcap_io.h"
#include "session.h"
#include "virtio_ctrl.h"
#include "virtio_drv.h"

#define BR_MAX_REGIONS 8               /* vhost-user's VHOST_MEMORY_MAX_NREGIONS */
#define BR_MAX_VRINGS (2 * VDPU_MAX_QP) /* data queues only: the frontend keeps its control queue */

/* Where the bridge's own memory lives (its control queue): an address no frontend uses
 * (QEMU guest-physical addresses and user-space virtual addresses are below 2^63). */
#define BR_RAM_BASE 0x8000000000000000ull
#define BR_RAM_SIZE (4ull << 20)  /* the driver model allocates from 1 MiB up */
#define BR_MSI_BASE (BR_RAM_BASE + 0xFEE00000ull)
/* The bytemap of the device's dirty page log while a frontend logs (VHOST_F_LOG_ALL): one byte per 4 KiB
 * page of the frontend's memory, up to 16 GiB of it */
#define BR_LOG_BASE (BR_RAM_BASE + 0x100000000ull)
#define BR_LOG_SHIFT 12u
#define BR_LOG_MAX_PAGES (1u << 22)

/* One memory region of the frontend: guest-physical range and where it is mapped here. */
struct br_region {
    uint64_t gpa, size;
    uint8_t *hva;
};

/* One vring as the frontend set it up (ring addresses guest-physical). */
struct br_vring {
    uint64_t desc, driver, device;
    uint16_t size;
    uint16_t base;   /* SET_VRING_BASE (packed: bit 15 = wrap counter) */
    uint16_t used_base; /* packed: the used position QEMU sends in SET_VRING_BASE's [31:16] (else = base);
                         * split: unused (the used idx in guest memory is the position) */
    int kickfd, callfd;
    bool enabled;
};

/* What the frontend configured when it starts the device. */
struct br_frontend {
    uint64_t features; /* virtio feature bits it negotiated (vhost-user protocol bits removed) */
    bool log_all;      /* VHOST_F_LOG_ALL negotiated: every page the device writes goes into its log */
    unsigned nregions, nvrings;
    struct br_region region[BR_MAX_REGIONS];
    struct br_vring vring[BR_MAX_VRINGS];
};

/* A ring's position in vhost-user's encoding (GET_VRING_BASE): packed bit 15 = wrap counter. */
struct br_ring_state {
    uint16_t avail, used;
};

enum br_req {
    BR_REQ_NONE,
    BR_REQ_NEGOTIATE, /* SET_FEATURES: the firmware accepts or refuses the features */
    BR_REQ_START,     /* the frontend is ready: init sequence, DRIVER_OK, traffic */
    BR_REQ_STOP,      /* GET_VRING_BASE / disconnect / new memory table: suspend, read positions, reset */
    BR_REQ_PAIRS,     /* vring enable changed while running: VQ_PAIRS_SET on the bridge's control queue */
    BR_REQ_FDS,       /* a kick or call fd was replaced while running */
    BR_REQ_LOG,       /* VHOST_F_LOG_ALL changed while running: the device's dirty page log on or off */
};

struct br_params {
    bool loopback;          /* transmitted frames come back in (else: counted and dropped) */
    const char *pcap_out;   /* every transmitted frame, or NULL */
    struct pcap_frames rx;  /* frames offered to receiveq 0 after its first kick (--pcap-in) */
    bool verbose;
};

/* Counters of one connection (and of the whole run). */
struct br_stats {
    uint64_t kicks, doorbells, calls, tx_frames, tx_bytes, rx_offered;
};

typedef struct bridge {
    vdpu_session_t *s;
    struct br_params p;
    uint64_t offer;         /* the vhost-user feature offer (virtio bits), from the device's common cfg */
    uint64_t device_offer;  /* what the device offers, for the report */

    /* mailbox between the vhost-user thread (requests) and the simulation thread */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int wakefd;             /* eventfd: wakes the simulation thread */
    enum br_req req;
    bool req_done;
    int req_rc;
    char req_err[400];
    uint64_t req_features;
    struct br_frontend fe;
    unsigned req_pairs;
    bool req_log;
    struct br_ring_state state[BR_MAX_VRINGS];
    /* the frontend's log (VHOST_F_LOG_ALL + LOG_SHMFD): a page the device wrote is marked there
     * (rte_vhost_log_write), set by the vhost-user side */
    void (*log_page)(uint64_t gpa, uint64_t len);
    atomic_int quit;        /* SIGINT/SIGTERM or --exit-after reached */
    bool closed;            /* bridge_shutdown: requests are refused at once */

    /* simulation-thread state of the connection */
    bool running, failed;
    virtio_drv_t drv;
    struct drv_params dp;
    struct drv_given_ring rings[DRV_MAX_QUEUES];
    virtio_ctrl_t ctrl;
    bool have_ctrl;
    unsigned pairs, nvrings;
    int kickfd[BR_MAX_VRINGS], callfd[BR_MAX_VRINGS]; /* our dup()s */
    int vec_fd[VDPU_NUM_VECTORS];                      /* MSI-X vector -> callfd */
    uint64_t notify[BR_MAX_VRINGS];
    bool rx_started;        /* --pcap-in frames were offered on this connection */
    bool cfg_irq;           /* a config interrupt arrived: look at device_status */
    pcap_sink_t *pcap;
    bool out_failed;        /* the pcap file could not be written whole (bridge_fini) */
    struct br_stats conn, total;
    uint64_t conn_cycle0, connections;
    uint64_t conn_rx0, conn_rxb0;  /* network port receive counters when the connection started */
    uint64_t idle_tx, idle_rx;     /* counters at the last idle report */
    double conn_t0;
    /* the device's dirty page log while the frontend logs: [log_lo, log_lo + log_pages pages) */
    bool log_on, log_region;
    uint64_t log_lo, log_next;
    uint32_t log_pages;
    uint64_t log_marks;     /* pages passed to the frontend's log on this connection */
    uint8_t dev_pages[BR_LOG_MAX_PAGES / 8]; /* ... which ones (bit per page from log_lo), for -v's page CRCs */
} bridge_t;

/* Open the bridge over a session that is enumerated with MSI-X set up: reads the device's offer. */
int bridge_init(bridge_t *br, vdpu_session_t *s, const struct br_params *p);
void bridge_fini(bridge_t *br);

/* Requests from the vhost-user thread; each blocks until the simulation thread has acted.
 * 0, or -1 with the reason in err (and on stderr). */
int bridge_negotiate(bridge_t *br, uint64_t features, char *err, size_t errlen);
int bridge_start(bridge_t *br, const struct br_frontend *fe, char *err, size_t errlen);
/* With -v, when QEMU asks GET_STATUS before a start (its device start: the guest's vCPUs not yet running):
 * CRC-32s of the frontend's memory, one line in blocks ("memory crc at the start", 1 MiB, coarser past 256
 * blocks) and, for guests up to 1 GiB, every 4 KiB page ("memory page crc at the start from 0x<gpa>:", 512
 * CRCs a line). A stop prints the blocks too ("... at the stop") and the CRC of each page the device wrote
 * while the frontend logged ("device page crc at the stop:"). Nothing writes guest memory between a live
 * migration's source stop and destination start, so a device page that differs is a write the
 * destination's image lacks (tests/drivers/test_migration.c). */
void bridge_memory_crc_start(bridge_t *br, const struct br_region *region, unsigned nregions);
int bridge_stop(bridge_t *br, struct br_ring_state *state, unsigned n);
int bridge_set_pairs(bridge_t *br, unsigned pairs);
int bridge_refresh_fds(bridge_t *br, const struct br_frontend *fe);
int bridge_set_log(bridge_t *br, bool on, char *err, size_t errlen);
bool bridge_running(bridge_t *br);

/* The simulation thread: serve requests, run the device while connected, sleep when idle,
 * until quit is set. */
void bridge_run(bridge_t *br);
/* Ask bridge_run to return (async-signal-safe). */
void bridge_quit(bridge_t *br);
/* After bridge_run: stop the device if it runs; later requests fail at once. */
void bridge_shutdown(bridge_t *br);

#endif
