/* netport.c - frame queues, beat framing and the wire rate of the network port (loopback, generators, pcap
 * plug in here). Wire time is integer: whole cycles plus a remainder in 1/rate of a cycle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netport.h"

void netport_init(netport_t *n) { memset(n, 0, sizeof *n); }

void netport_fini(netport_t *n)
{
    while (n->rx_n) {
        free(n->rxq[n->rx_head].data);
        n->rx_head = (n->rx_head + 1) % NET_RXQ;
        n->rx_n--;
    }
}

static uint64_t now_of(const netport_t *n) { return n->clock ? *n->clock : 0; }

/* t + bytes on the wire (bytes <= NET_MAX_FRAME + 64: the sum stays far below 2^64) */
static wire_time_t wt_add(wire_time_t t, uint64_t bytes, uint32_t rate)
{
    uint64_t r = t.rem + bytes * NET_WIRE_BYTE;
    t.cyc += r / rate;
    t.rem = (uint32_t)(r % rate);
    return t;
}

static bool wt_before(wire_time_t a, wire_time_t b) { return a.cyc < b.cyc || (a.cyc == b.cyc && a.rem < b.rem); }

/* the first whole cycle at or after t */
static uint64_t wt_ceil(wire_time_t t) { return t.cyc + (t.rem ? 1 : 0); }

uint64_t netport_wire_cycles(unsigned len, uint32_t rate_mbps)
{
    if (!rate_mbps) return 0;
    wire_time_t t = wt_add((wire_time_t){0, 0}, (uint64_t)len + NET_WIRE_OVERHEAD, rate_mbps);
    return wt_ceil(t);
}

static bool enqueue(netport_t *n, const uint8_t *frame, unsigned len, uint64_t due, wire_time_t end)
{
    if (n->rx_n == NET_RXQ || len == 0 || len > NET_MAX_FRAME) {
        n->rx_refused++;
        return false;
    }
    uint8_t *c = malloc(len);
    if (!c) return false;
    memcpy(c, frame, len);
    if (n->rx_n) { /* first in, first out: never offered before the frame ahead of it */
        uint64_t prev = n->rxq[(n->rx_head + n->rx_n - 1) % NET_RXQ].due;
        if (due < prev) due = prev;
    }
    unsigned i = (n->rx_head + n->rx_n) % NET_RXQ;
    n->rxq[i].data = c;
    n->rxq[i].len = (uint16_t)len;
    n->rxq[i].due = due;
    n->rxq[i].end = end;
    n->rx_n++;
    return true;
}

bool netport_inject(netport_t *n, const uint8_t *frame, unsigned len)
{
    if (!n->wire_mbps) return enqueue(n, frame, len, 0, (wire_time_t){0, 0});
    wire_time_t start = n->rx_free, now = {now_of(n), 0};
    if (wt_before(start, now)) start = now;
    /* offered once its FCS is in; the wire carries the next frame after the inter-frame gap */
    wire_time_t fcs = wt_add(start, NET_WIRE_PREAMBLE + (uint64_t)len + NET_WIRE_FCS, n->wire_mbps);
    wire_time_t end = wt_add(fcs, NET_WIRE_IFG, n->wire_mbps);
    if (!enqueue(n, frame, len, wt_ceil(fcs), end)) return false; /* refused: the wire stays free */
    n->rx_free = end;
    return true;
}

void netport_flush_pending(netport_t *n)
{
    unsigned keep = n->rx_n && n->rx_off ? 1 : 0;
    while (n->rx_n > keep) {
        unsigned last = (n->rx_head + n->rx_n - 1) % NET_RXQ;
        free(n->rxq[last].data);
        n->rx_n--;
    }
    if (!n->wire_mbps) return;
    /* the far end stops sending what it had queued: the wire is free now, or after the frame kept */
    wire_time_t now = {now_of(n), 0}, free_at = keep ? n->rxq[n->rx_head].end : now;
    if (wt_before(free_at, now)) free_at = now;
    if (wt_before(free_at, n->rx_free)) n->rx_free = free_at;
}

bool netport_rx_due(const netport_t *n, uint64_t now)
{
    return n->rx_n && n->rxq[n->rx_head].due <= now && (!n->rx_hold || n->rx_off);
}

uint64_t netport_rx_next_due(const netport_t *n)
{
    return n->rx_n && (!n->rx_hold || n->rx_off) ? n->rxq[n->rx_head].due : UINT64_MAX;
}

bool netport_rx_beat(const netport_t *n, uint64_t now, vdpu_nrx_t *beat)
{
    if (!netport_rx_due(n, now)) return false;
    const uint8_t *f = n->rxq[n->rx_head].data;
    unsigned len = n->rxq[n->rx_head].len, k = len - n->rx_off < 32 ? len - n->rx_off : 32;
    memset(beat, 0, sizeof *beat);
    memcpy(beat->data, f + n->rx_off, k);
    beat->keep = k == 32 ? 0xffffffffu : (1u << k) - 1;
    beat->last = n->rx_off + k == len;
    return true;
}

void netport_rx_taken(netport_t *n)
{
    if (!n->rx_n) return;
    unsigned len = n->rxq[n->rx_head].len;
    n->rx_off += len - n->rx_off < 32 ? len - n->rx_off : 32;
    if (n->rx_off == len) {
        free(n->rxq[n->rx_head].data);
        n->rx_head = (n->rx_head + 1) % NET_RXQ;
        n->rx_n--;
        n->rx_off = 0;
        n->rx_frames++;
        n->rx_bytes += len;
    }
}

/* A beat is taken in cycle `now` when the wire finishes the bytes before it within the cycle
 * (tx_free < now + 1), or when what it still has to send after the cycle and the beat's 32 bytes fit
 * in the MAC's transmit FIFO. A beat follows the bytes before it without a gap, so a device that keeps
 * the FIFO from running dry keeps the wire busy and the frame rate is exactly the wire's. */
bool netport_tx_ready(const netport_t *n, uint64_t now)
{
    if (!n->wire_mbps || n->tx_free.cyc <= now) return true;
    /* cycles beyond this one: at most (FIFO + a frame's overhead) bytes of wire time, far below 2^32 */
    uint64_t left = (n->tx_free.cyc - now - 1) * n->wire_mbps + n->tx_free.rem;
    return left + 32ull * NET_WIRE_BYTE <= (uint64_t)NET_WIRE_TX_FIFO * NET_WIRE_BYTE;
}

void netport_tx_beat(netport_t *n, const vdpu_ntx_t *beat, uint64_t cycle)
{
    unsigned k = ~beat->keep ? (unsigned)__builtin_ctz(~beat->keep) : 32u; /* contiguous low bytes */
    wire_time_t fcs_end = {0, 0};
    if (n->wire_mbps) {
        wire_time_t start = n->tx_free, now = {cycle, 0};
        if (wt_before(start, now)) start = now; /* the wire was idle */
        uint64_t bytes = k + (n->tx_started ? 0 : NET_WIRE_PREAMBLE) + (beat->last ? NET_WIRE_FCS : 0);
        fcs_end = wt_add(start, bytes, n->wire_mbps);
        n->tx_free = beat->last ? wt_add(fcs_end, NET_WIRE_IFG, n->wire_mbps) : fcs_end;
        n->tx_started = !beat->last;
    }
    if (n->tx_len + k > NET_MAX_FRAME) {
        if (!n->error[0]) snprintf(n->error, sizeof n->error, "network TX frame longer than %u bytes", NET_MAX_FRAME);
    } else {
        memcpy(n->tx_buf + n->tx_len, beat->data, k);
        n->tx_len += k;
    }
    if (!beat->last) return;
    n->tx_frames++;
    n->tx_bytes += n->tx_len;
    if (n->tap) n->tap(n->tap_ctx, n->tx_buf, n->tx_len, cycle);
    if (n->on_tx_frame) n->on_tx_frame(n->ctx, n->tx_buf, n->tx_len);
    if (n->loopback) {
        if (!n->wire_mbps) {
            netport_inject(n, n->tx_buf, n->tx_len);
        } else if (enqueue(n, n->tx_buf, n->tx_len, wt_ceil(fcs_end), n->tx_free)) {
            /* the cable's far end is our RX: the frame arrives as it is sent, FCS last */
            if (wt_before(n->rx_free, n->tx_free)) n->rx_free = n->tx_free;
        }
    }
    n->tx_len = 0;
}

void netport_wire_format(uint32_t mbps, char *buf, size_t n)
{
    if (!mbps) {
        snprintf(buf, n, "unlimited");
        return;
    }
    unsigned frac = mbps % 1000, digits = 3;
    while (frac && frac % 10 == 0) frac /= 10, digits--;
    if (frac) snprintf(buf, n, "%u.%0*u", mbps / 1000, (int)digits, frac);
    else snprintf(buf, n, "%u", mbps / 1000);
}
