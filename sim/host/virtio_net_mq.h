/* virtio_net_mq.h - the host's virtio-net driver over several queue pairs: flows spread over the transmitqs, every receiveq served, steering checked. */
#ifndef VDPU_VIRTIO_NET_MQ_H
#define VDPU_VIRTIO_NET_MQ_H

#include <stdio.h>

#include "virtio_net.h"

#define NET_MQ_MAX_PAIRS 8
#define NET_MQ_FLOWS 8        /* UDP flows the generator interleaves (source port 0x8000 + flow id) */
#define NET_MQ_MIN_FRAME 60   /* Ethernet + IPv4 + UDP + flow id + per-flow sequence number fit */
#define NET_MQ_EXP 4096       /* frames in flight per flow the checker can hold */

struct net_mq_exp {
    uint8_t *data;
    uint16_t len;
};

typedef struct virtio_net_mq {
    virtio_net_t n; /* the ring primitives' context: session, driver, generator, options, first error */
    unsigned pairs;
    bool rx_all_q0; /* every frame is expected on receiveq 0 (the device steers for one pair only) */
    struct net_vq rx[NET_MQ_MAX_PAIRS], tx[NET_MQ_MAX_PAIRS];
    /* per flow: frames sent and not yet seen at the far end, oldest first */
    struct net_mq_exp *exp[NET_MQ_FLOWS];
    unsigned exp_head[NET_MQ_FLOWS], exp_n[NET_MQ_FLOWS];
    uint64_t flow_seq[NET_MQ_FLOWS]; /* frames generated per flow */
    uint64_t flow_sent[NET_MQ_FLOWS], flow_got[NET_MQ_FLOWS];
    uint64_t in_flight; /* frames sent and not yet checked, all flows */
    uint64_t sent, wire_frames, rx_frames, bytes, isr_reads;
    uint64_t tx_sent[NET_MQ_MAX_PAIRS];  /* frames posted on transmitq k */
    uint64_t rx_want[NET_MQ_MAX_PAIRS];  /* frames sent that must arrive on receiveq k */
    uint64_t rx_got[NET_MQ_MAX_PAIRS];   /* frames received on receiveq k */
    /* the frame generated and waiting for descriptors on its transmitq */
    bool pend;
    unsigned pend_flow, pend_len;
    uint8_t pend_n;
    uint32_t pend_dlen[NET_MAX_CHAIN];
    uint8_t frame[NET_HDR_LEN + NET_MAX_FRAME_LEN];
    /* virtio_net_mq_run's loop between turns (a checkpoint resumes it where the on_turn hook ran) */
    struct net_mq_run {
        bool resume; /* set by virtio_net_mq_load */
        bool intx;
        uint64_t limit, next_poll;
        uint64_t seen[2 * NET_MQ_MAX_PAIRS];
    } run;
} virtio_net_mq_t;

/* Needs virtio_drv_init to DRIVER_OK with queues 0 .. 2*pairs-1 set up and VQ_PAIRS_SET(pairs)
 * acked. TX frames of flow f go to transmitq f % pairs; loopback frames must come back on the
 * receiveq of that pair, frames from the wire (nothing transmitted) on receiveq 0. */
int virtio_net_mq_open(virtio_net_mq_t *m, virtio_drv_t *d, const struct net_params *p, const struct net_opts *o,
                       unsigned pairs);
/* Run the workload; 0 when every frame arrived intact, in order per flow, on its receiveq. Called again
 * on a traffic restored from a checkpoint, it goes on from the turn the checkpoint was taken at. */
int virtio_net_mq_run(virtio_net_mq_t *m);
/* Checkpoints, as virtio_net_save / virtio_net_load (the queues of every pair, the frames in flight of
 * every flow). */
void virtio_net_mq_save(const virtio_net_mq_t *m, ckpt_t *k);
int virtio_net_mq_load(virtio_net_mq_t *m, virtio_drv_t *d, const struct net_opts *o, ckpt_t *k);
void virtio_net_mq_close(virtio_net_mq_t *m);
/* Frames completed (TX: on the wire and reaped; RX/loopback: received and checked). */
uint64_t virtio_net_mq_packets(const virtio_net_mq_t *m);
/* One line per queue pair: frames sent on its transmitq, received on its receiveq, interrupts. */
void virtio_net_mq_report(const virtio_net_mq_t *m, FILE *f);

#endif
