/* netport.h - the harness side of the device's network port: frames in (nrx), frames out (ntx). */
#ifndef VDPU_NETPORT_H
#define VDPU_NETPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "vdpu_regmap.h"

#define NET_MAX_FRAME 9216 /* the device's frame buffers */
#define NET_RXQ 4096       /* frames waiting to enter the device */

typedef struct netport {
    /* frames to present on nrx, oldest first */
    struct { uint8_t *data; uint16_t len; } rxq[NET_RXQ];
    unsigned rx_head, rx_n, rx_off;
    /* the frame being received from ntx */
    uint8_t tx_buf[NET_MAX_FRAME + 32];
    unsigned tx_len;
    bool loopback; /* frames from the device go straight back in */
    void (*on_tx_frame)(void *ctx, const uint8_t *frame, unsigned len);
    void *ctx;
    /* a tap on transmitted frames (pcap capture), with the cycle the last beat left */
    void (*tap)(void *ctx, const uint8_t *frame, unsigned len, uint64_t cycle);
    void *tap_ctx;
    uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes, rx_refused;
    char error[160];
} netport_t;

void netport_init(netport_t *n);
void netport_fini(netport_t *n);
/* Queue a frame for the device's RX; false when the queue is full (counted in rx_refused). */
bool netport_inject(netport_t *n, const uint8_t *frame, unsigned len);
/* Drop the queued frames that have not started on the wire (a frame half sent is finished:
 * the wire cannot take bytes back). */
void netport_flush_pending(netport_t *n);
/* The beat to present this cycle, if any. */
bool netport_rx_beat(const netport_t *n, vdpu_nrx_t *beat);
void netport_rx_taken(netport_t *n);
/* A beat the device sent. */
void netport_tx_beat(netport_t *n, const vdpu_ntx_t *beat, uint64_t cycle);

#endif
