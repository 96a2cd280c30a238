/* netport.c - frame queues and beat framing for the network port (loopback, generators, pcap plug in here). */
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

bool netport_inject(netport_t *n, const uint8_t *frame, unsigned len)
{
    if (n->rx_n == NET_RXQ || len == 0 || len > NET_MAX_FRAME) {
        n->rx_refused++;
        return false;
    }
    uint8_t *c = malloc(len);
    if (!c) return false;
    memcpy(c, frame, len);
    unsigned i = (n->rx_head + n->rx_n) % NET_RXQ;
    n->rxq[i].data = c;
    n->rxq[i].len = (uint16_t)len;
    n->rx_n++;
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
}

bool netport_rx_beat(const netport_t *n, vdpu_nrx_t *beat)
{
    if (!n->rx_n) return false;
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

void netport_tx_beat(netport_t *n, const vdpu_ntx_t *beat, uint64_t cycle)
{
    unsigned k = 0;
    while (k < 32 && ((beat->keep >> k) & 1)) k++;
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
    if (n->loopback) netport_inject(n, n->tx_buf, n->tx_len);
    n->tx_len = 0;
}
