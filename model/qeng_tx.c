/* qeng_tx.c - the queue engine's TX mover (rtl/vdpu_qeng_tx.sv): the TX frame buffer and the network port beats. */
#include <string.h>

#include "qeng.h"

/* Payload bytes of a read's completion beat at byte `pos` of the TX frame buffer (the chain's header + frame,
 * TX fetch frames side by side); the callers have cut `k` to what the read asked for, so it stays inside */
void qeng_tx_put(struct vdpu_edge *e, uint32_t pos, const uint8_t *data, unsigned k)
{
    memcpy(e->bufs->tx + pos, data, k);
}

/* One beat of the frame at tx_base (chain_len bytes with the header, which is not sent) into the free ntx
 * register: tx_pos bytes of it sent so far; returns true at its last beat (TX_OUT, PAY's TX fetch). */
bool qeng_tx_beat(struct vdpu_edge *e, uint32_t chain_len)
{
    const struct vdpu_eng *g = &e->pre->eng;
    vdpu_ntx_t b;
    uint32_t flen = chain_len - VDPU_NET_HDR_BYTES;
    uint32_t k = flen - g->tx_pos < NET_BEAT_BYTES ? flen - g->tx_pos : NET_BEAT_BYTES;

    memset(&b, 0, sizeof b);
    memcpy(b.data, e->bufs->tx + g->tx_base + VDPU_NET_HDR_BYTES + g->tx_pos, k);
    b.keep = k == NET_BEAT_BYTES ? 0xFFFFFFFFu : (1u << k) - 1;
    b.last = g->tx_pos + k == flen;
    model_ntx_load(e, &b);
    e->next->eng.tx_pos = g->tx_pos + k;
    return b.last;
}
