/* virtio_net.h - the host's virtio-net data path driver (split and packed), traffic workloads and checks. */
#ifndef VDPU_VIRTIO_NET_H
#define VDPU_VIRTIO_NET_H

#include "rng.h"
#include "virtio_drv.h"

#define NET_BUF_SIZE 2048  /* one receive or transmit buffer: 12-byte header + a 1514-byte frame fits */
#define NET_HDR_LEN 12     /* struct virtio_net_hdr_v1 (num_buffers included, VERSION_1) */

enum net_workload { NET_TX, NET_RX, NET_LOOPBACK };

struct net_params {
    enum net_workload workload;
    uint64_t packets;
    unsigned pkt_size;   /* frame bytes (14..1514); 0 = IMIX 64/576/1500 in 7:4:1 */
    uint64_t seed;
    uint64_t max_cycles; /* give up (failure) after this many cycles */
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
    uint64_t outstanding, posted, completed, kicks, irqs_seen;
};

typedef struct virtio_net {
    virtio_drv_t *d;
    vdpu_session_t *s;
    struct net_params p;
    struct net_vq rx, tx;
    rng_t rng;
    /* frames sent and not yet seen at the far end, oldest first (the check) */
    struct { uint8_t *data; uint16_t len; } exp[4096];
    unsigned exp_head, exp_n;
    uint64_t gen_seq;        /* frames generated */
    uint64_t wire_frames, rx_frames, bad_frames;
    uint64_t bytes;          /* frame bytes completed */
    char error[200];
} virtio_net_t;

/* Needs virtio_drv_init to DRIVER_OK with queues 0 and 1 set up. */
int virtio_net_open(virtio_net_t *n, virtio_drv_t *d, const struct net_params *p);
/* Run the workload to completion; 0 when every frame arrived intact and in order. */
int virtio_net_run(virtio_net_t *n);
void virtio_net_close(virtio_net_t *n);
/* Frames completed (TX: on the wire and reaped; RX/loopback: received and checked). */
uint64_t virtio_net_packets(const virtio_net_t *n);

#endif
