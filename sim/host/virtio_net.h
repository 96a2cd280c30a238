/* virtio_net.h - the host's virtio-net data path driver (split and packed), traffic workloads and checks. */
#ifndef VDPU_VIRTIO_NET_H
#define VDPU_VIRTIO_NET_H

#include "pcap_io.h"
#include "rng.h"
#include "ckpt.h"
#include "virtio_drv.h"

#define NET_BUF_SIZE 2048  /* one receive buffer (all its descriptors together): 12 + 1514 bytes fit */
#define NET_HDR_LEN 12     /* struct virtio_net_hdr_v1 (num_buffers included, VERSION_1) */
#define NET_MAX_FRAME_LEN 1514
#define NET_MAX_CHAIN 4    /* descriptors per buffer at most */
#define NET_REGION 4096    /* host memory per buffer id: the chain's pieces (and the gaps between them) */
#define NET_MRG_MAX_BUFS 64 /* MRG_RXBUF: num_buffers the driver accepts (its reassembly buffer) */

enum net_workload { NET_TX, NET_RX, NET_LOOPBACK };

/* How a buffer is cut into descriptors. */
enum net_chain {
    NET_CHAIN_ONE = 0, /* one descriptor */
    NET_CHAIN_HDR,     /* the 12-byte virtio_net_hdr alone, then the rest (Linux without ANY_LAYOUT) */
    NET_CHAIN_RANDOM,  /* 1..NET_MAX_CHAIN descriptors cut at random points (sometimes the header alone) */
};

/* Where the buffers live. */
enum net_place {
    NET_PLACE_LOW = 0, /* above the rings, pieces from the start of each buffer's region */
    NET_PLACE_TOP,     /* at the top of host RAM, pieces flush with the end of each region: the last
                        * buffer id's last piece ends exactly at the end of the host memory window */
};

struct net_params {
    enum net_workload workload;
    uint64_t packets;
    unsigned pkt_size;   /* frame bytes (14..1514); 0 = IMIX 64/576/1500 in 7:4:1 */
    uint64_t seed;
    uint64_t max_cycles; /* give up (failure) after this many cycles */
};

typedef struct virtio_net virtio_net_t;

/* Buffer shapes and driver behavior beyond the defaults (all zero: one descriptor per buffer,
 * buffers above the rings, interrupt driven - the plain virtio_net_open). A separate struct so
 * that existing positional net_params initializers stay complete. */
struct net_opts {
    bool pkt_random;     /* frame bytes uniform in 14..1514 (pkt_size ignored) */
    enum net_chain tx_chain, rx_chain;
    bool gaps;           /* random gaps (0..31 bytes) before and between a buffer's pieces */
    enum net_place place;
    unsigned poll;       /* 0: interrupt driven; N: suppress queue interrupts (avail flags / driver event
                          * DISABLE), reap every N cycles and fail if a queue interrupt arrives anyway */
    const struct pcap_frames *replay; /* frames to send instead of generated ones (cycled in order) */
    bool rx_overrun;     /* NET_RX only: the wire does not wait for receive buffers, the driver keeps at
                          * most 2 posted and refills every 500 + 4 rtt cycles; the device drops frames
                          * that find none, the check skips them (order and bytes still checked) */
    unsigned rx_buf_size; /* 0: NET_BUF_SIZE; else every receive buffer (all its pieces) holds this many
                           * bytes (>= NET_HDR_LEN); below NET_HDR_LEN + NET_MAX_FRAME_LEN it needs
                           * MRG_RXBUF: frames span several buffers, reassembled from num_buffers */
    /* called at every turn of virtio_net_run's loop, between device cycles, after the driver posted
     * and kicked: a test may make blocking host accesses there (suspend and resume the device), the
     * driver carries on afterwards and notices the interrupts that arrived meanwhile */
    void (*on_turn)(virtio_net_t *n, void *ctx);
    void *on_turn_ctx;
    uint64_t on_turn_from; /* ... at the turns from this cycle on (0: every turn); the loop keeps a turn
                            * at this cycle (a checkpoint's) */
    unsigned indirect_pct; /* with INDIRECT_DESC negotiated: percent of buffers posted as one ring descriptor
                            * pointing at an indirect table of their pieces (0: never) */
    bool tx_hdr_noise;   /* the TX virtio_net_hdr carries flag bits the device does not know (all but
                          * NEEDS_CSUM) and random csum_start/csum_offset/hdr_len/gso_size/num_buffers
                          * with gso_type NONE: the device must ignore them all (virtio-net 5.1.6.2.2) */
};

/* One posted buffer (descriptor chain), by buffer id (split: the head descriptor; packed: the id). */
struct net_buf {
    bool busy;
    uint8_t n;                    /* pieces (descriptors, in the ring or in the indirect table) */
    uint8_t slots;                /* descriptors in the ring: n, or 1 for an indirect table */
    uint16_t desc[NET_MAX_CHAIN]; /* split: descriptor indices; packed: ring slots (the first `slots`) */
    uint64_t table;               /* the indirect table's address (0: direct) */
    uint64_t addr[NET_MAX_CHAIN];
    uint32_t len[NET_MAX_CHAIN];
    uint32_t total;
};

struct net_vq {
    unsigned idx;
    bool rx, packed;
    uint16_t size, vector;
    uint64_t desc, driver, device, notify, bufs;
    /* split */
    uint16_t avail_idx, last_used;
    /* packed */
    uint16_t next_avail, next_used;
    bool avail_wrap, used_wrap;
    unsigned free_slots;          /* packed: ring slots the driver owns */
    /* split: free descriptor indices; packed: free buffer ids */
    uint16_t *free_list;
    unsigned nfree;
    struct net_buf *buf;          /* [size] */
    /* a buffer shaped but not posted yet (not enough free descriptors): kept until it fits */
    bool pend;
    uint8_t pend_n;
    uint32_t pend_len[NET_MAX_CHAIN];
    uint64_t outstanding, posted, completed, kicks, irqs_seen, descs_posted, chains_posted, indirect_posted;
    uint16_t kick_idx;            /* split EVENT_IDX: avail idx at the last kick decision */
    uint64_t kicks_suppressed;    /* split EVENT_IDX: kicks the device's avail_event made unnecessary */
    uint64_t wrap_chains;  /* packed: chains that run across the end of the ring */
    uint64_t edge_bufs;    /* buffers whose last byte is the last byte of host RAM */
    uint64_t ring_laps;    /* split: used idx wraps of the ring; packed: used wrap counter flips */
    /* IN_ORDER negotiated: buffers are used in the order they were posted, and one used entry may
     * stand for a batch (every outstanding buffer up to the one it names) */
    bool in_order;
    uint16_t io_next; /* IN_ORDER: the descriptor (split) / buffer id (packed) the driver takes next */
    uint16_t *order;       /* [size] ids of the outstanding buffers, oldest first (a ring) */
    unsigned ord_head, ord_n;
    unsigned io_left;      /* buffers of the current in-order batch not yet handed out */
    uint32_t io_len;       /* ... the used entry's length (its last buffer's) */
    uint64_t io_entries;   /* used entries read in in-order mode (batches) */
};

typedef struct virtio_net {
    virtio_drv_t *d;
    vdpu_session_t *s;
    struct net_params p;
    struct net_opts o;
    struct net_vq rx, tx;
    rng_t rng;
    /* frames sent and not yet seen at the far end, oldest first (the check) */
    struct { uint8_t *data; uint16_t len; } exp[4096];
    unsigned exp_head, exp_n;
    uint64_t gen_seq;        /* frames generated */
    uint64_t wire_frames, rx_frames, bad_frames, dropped;
    bool mrg;                /* MRG_RXBUF negotiated */
    unsigned rx_buf;         /* bytes per receive buffer */
    unsigned rx_need;        /* receive buffers a frame may need at most (1 without MRG_RXBUF) */
    uint64_t rx_merged;      /* frames received in more than one buffer */
    uint64_t rx_bufs_used;   /* receive buffers the device returned */
    uint64_t isr_reads;      /* INTx mode: interrupt handler runs */
    uint64_t bytes;          /* frame bytes completed */
    /* the TX frame generated and waiting for descriptors */
    bool tx_pend;
    unsigned tx_pend_len;
    /* virtio_net_run's loop between turns (a checkpoint resumes it where the on_turn hook ran) */
    struct net_run {
        bool resume;         /* set by virtio_net_load: the next virtio_net_run goes on after the hook */
        bool intx;           /* no MSI-X vectors: the INTx line and the ISR */
        bool tx_side, rx_side;
        unsigned vtx, vrx;
        uint64_t limit, sent, seen_tx, seen_rx, next_poll, quiet_since, last_rx, next_refill;
    } run;
    uint8_t tx_frame[NET_HDR_LEN + NET_MAX_FRAME_LEN]; /* the frame being posted (kept while tx_pend) */
    unsigned data_vqs;       /* the traffic's data queues are 0..data_vqs-1 (2; the multiqueue driver 2 x pairs) */
    bool timed_out;          /* virtio_net_run stopped at max_cycles (nothing else went wrong) */
    bool device_failed;      /* ... stopped because the device set DEVICE_NEEDS_RESET */
    uint64_t cfg_seen;       /* config interrupts (MSI-X vector 0) handled */
    char error[200];
} virtio_net_t;

/* Needs virtio_drv_init to DRIVER_OK with queues 0 and 1 set up. Zeroes the rings (a fresh
 * allocation, as Linux's vring_create) and grants the device the areas it may write. */
int virtio_net_open(virtio_net_t *n, virtio_drv_t *d, const struct net_params *p);
/* The same with buffer shapes and driver options (o may be NULL). */
int virtio_net_open_opts(virtio_net_t *n, virtio_drv_t *d, const struct net_params *p, const struct net_opts *o);
/* Run the workload to completion; 0 when every frame arrived intact and in order. Called again on a
 * traffic restored from a checkpoint, it goes on from the turn the checkpoint was taken at. */
int virtio_net_run(virtio_net_t *n);
/* Checkpoints: the driver model's traffic state (rings, buffers, frames in flight, its generator and
 * loop) as sections; load makes n (closed or zeroed, with the driver d restored) that traffic again,
 * with the options o of this run (the callbacks). 0, or -1 (k->error says why). */
void virtio_net_save(const virtio_net_t *n, ckpt_t *k);
int virtio_net_load(virtio_net_t *n, virtio_drv_t *d, const struct net_opts *o, ckpt_t *k);
void virtio_net_close(virtio_net_t *n);
/* Frames completed (TX: on the wire and reaped; RX/loopback: received and checked). */
uint64_t virtio_net_packets(const virtio_net_t *n);
/* Short names for reports. */
const char *net_chain_name(enum net_chain c);
const char *net_workload_name(enum net_workload w);

#endif
