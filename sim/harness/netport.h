/* netport.h - the harness side of the device's network port: frames in (nrx), frames out (ntx), and the
 * wire between them and the far end (a rate, or unlimited). */
#ifndef VDPU_NETPORT_H
#define VDPU_NETPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vdpu_regmap.h"

#define NET_MAX_FRAME 9216 /* the device's frame buffers */
#define NET_RXQ 4096       /* frames waiting to enter the device */

/* The wire (docs/architecture.md, "Network port"). Its rate is a whole number of Mbit/s, 100..64000
 * (0.1..64 Gbit/s; 64 Gbit/s is the port's own 32 bytes per 250 MHz cycle); 0 is unlimited. One byte
 * takes NET_WIRE_BYTE units of time, and `rate` units are one device cycle: 8 bits at 1 Mbit/s last
 * 8 us = 2000 cycles of 4 ns, so a byte lasts 2000 / rate cycles, exactly. Every frame costs its bytes
 * plus NET_WIRE_OVERHEAD: preamble and SFD (8) before it, FCS (4) and the inter-frame gap (12) after
 * it. No padding to the 64-byte minimum is added. */
#define NET_WIRE_BYTE 2000u
#define NET_WIRE_MIN_MBPS 100u
#define NET_WIRE_MAX_MBPS 64000u
#define NET_WIRE_PREAMBLE 8u /* preamble 7 + SFD 1 */
#define NET_WIRE_FCS 4u
#define NET_WIRE_IFG 12u
#define NET_WIRE_OVERHEAD (NET_WIRE_PREAMBLE + NET_WIRE_FCS + NET_WIRE_IFG)
/* The MAC's transmit FIFO: bytes taken from ntx that the wire has not sent yet. The device sends a
 * frame from its one TX frame buffer and fetches the next only then; the FIFO lets the wire go on
 * meanwhile, so a device fast enough is wire-bound (ntx_ready low once the FIFO is full). */
#define NET_WIRE_TX_FIFO 4096u

/* A point in wire time: cycle cyc plus rem/rate of a cycle (0 <= rem < rate). */
typedef struct wire_time {
    uint64_t cyc;
    uint32_t rem;
} wire_time_t;

typedef struct netport {
    /* frames to present on nrx, oldest first; each from cycle `due` on (the wire delivered it) */
    struct {
        uint8_t *data;
        uint16_t len;
        uint64_t due;
        wire_time_t end; /* where its slot on the RX wire ends (after its inter-frame gap) */
    } rxq[NET_RXQ];
    unsigned rx_head, rx_n, rx_off;
    /* the wire toward the device is held (a live migration's switch-over): no frame starts, a frame
     * half taken is finished; frames queue meanwhile */
    bool rx_hold;
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

    /* the wire: rate in Mbit/s (0: unlimited, frames move at the port's speed and ntx is always
     * taken), and the device's cycle counter, which says when a frame queued now starts on it */
    uint32_t wire_mbps;
    const uint64_t *clock;
    wire_time_t tx_free;  /* the TX wire has sent every byte taken so far (ends with an IFG) */
    wire_time_t rx_free;  /* the RX wire is free for the next frame's preamble */
    bool tx_started;      /* the current TX frame's preamble is paid */
    uint64_t tx_wire_stalls; /* cycles with ntx_valid and ntx_ready low because the wire was busy */
    char error[160];
} netport_t;

void netport_init(netport_t *n);
void netport_fini(netport_t *n);
/* Queue a frame for the device's RX; false when the queue is full (counted in rx_refused). With a wire
 * rate it starts on the wire once the frames before it are through (or now, *clock, if the wire is
 * idle) and is offered to the device when its FCS has arrived. */
bool netport_inject(netport_t *n, const uint8_t *frame, unsigned len);
/* Drop the queued frames the device has not started to take (a frame half taken is finished: the
 * wire cannot take bytes back); the RX wire is free from now on. */
void netport_flush_pending(netport_t *n);
/* A frame's first beat may be offered at cycle `now` (there is one and the wire has delivered it). */
bool netport_rx_due(const netport_t *n, uint64_t now);
/* The cycle the next queued frame is delivered (UINT64_MAX: none queued). */
uint64_t netport_rx_next_due(const netport_t *n);
/* The beat to present in cycle `now`, if any. */
bool netport_rx_beat(const netport_t *n, uint64_t now, vdpu_nrx_t *beat);
void netport_rx_taken(netport_t *n);
/* Whether the wire takes a TX beat in cycle `now`: it finishes the bytes before it within the cycle, or
 * they and the beat fit in the transmit FIFO (NET_WIRE_TX_FIFO). */
bool netport_tx_ready(const netport_t *n, uint64_t now);
/* A beat the device sent (taken in cycle `cycle`). */
void netport_tx_beat(netport_t *n, const vdpu_ntx_t *beat, uint64_t cycle);
/* Whole cycles a frame of len bytes occupies the wire at rate_mbps (overhead included), rounded up. */
uint64_t netport_wire_cycles(unsigned len, uint32_t rate_mbps);
/* The rate as Gbit/s, exactly ("10", "25.5", "0.125"), or "unlimited" for 0. */
void netport_wire_format(uint32_t mbps, char *buf, size_t n);

#endif
