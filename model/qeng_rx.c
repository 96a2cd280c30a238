/* qeng_rx.c - the queue engine's RX mover (rtl/vdpu_qeng_rx.sv): DMA write bytes of header + frame. */
#include "qeng.h"

/* Byte p of header+frame: the header is all zero except num_buffers = 1 (bytes 10-11); an MRG_RXBUF frame
 * gets its count patched by the engine (the commit's write). */
static uint8_t rx_byte(const struct vdpu_edge *e, uint32_t p)
{
    if (p >= VDPU_NET_HDR_BYTES) return e->bufs->rx[e->pre->eng.rx_head][p - VDPU_NET_HDR_BYTES];
    return p == VDPU_NET_NUMBUF_OFF ? 1 : 0;
}

/* The k bytes of a payload write beat from header+frame byte `pos` on */
void qeng_rx_beat(const struct vdpu_edge *e, uint32_t pos, uint32_t k, uint8_t *out)
{
    for (uint32_t i = 0; i < k; i++) out[i] = rx_byte(e, pos + i);
}
