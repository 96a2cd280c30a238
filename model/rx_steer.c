/* rx_steer.c - multiqueue RX steering: a flow table written by transmitted frames, read when a received frame's receiveq is chosen. */
#include <string.h>

#include "model.h"

#define KEY_BYTES 38u     /* Ethernet + IPv4 without options + the two ports */
#define STEER_VALID 0x80u /* flow table entry: [7] valid, [6:0] queue pair */

_Static_assert(VDPU_STEER_ENTRIES == 16, "the flow index folds the hash to 4 bits");


/*
 * The flow table index of a key window w[0..37] holding `n` frame bytes (the rest 0). Symmetric in
 * source and destination, so a reply (addresses and ports swapped) finds its request's entry:
 * IPv4 (ethertype 0x0800, version 4): source ^ destination address, and for TCP/UDP in an
 * unfragmented datagram without options also source port ^ destination port; anything else: the
 * two MAC addresses. The 32-bit result is folded to 4 bits by XOR.
 */
static uint8_t flow_index(const uint8_t *w, unsigned n)
{
    uint32_t h;
    bool ipv4 = n >= 34 && w[12] == 0x08 && w[13] == 0x00 && (w[14] >> 4) == 4;
    if (ipv4) {
        h = le32_at(w + 26) ^ le32_at(w + 30);
        bool l4 = n >= KEY_BYTES && (w[14] & 0xF) == 5 && (w[23] == 6 || w[23] == 17) && (w[20] & 0x3F) == 0 &&
                  w[21] == 0;
        if (l4) h ^= le16_at(w + 34) ^ le16_at(w + 36);
    } else {
        h = le32_at(w) ^ le32_at(w + 6) ^ le16_at(w + 4) ^ le16_at(w + 10);
    }
    h ^= h >> 16;
    h ^= h >> 8;
    h ^= h >> 4;
    return (uint8_t)(h & 0xF);
}

/*
 * A beat of a frame taken by the wire or the device. The key is the first beat (bytes past its keep
 * 0), followed by the first six bytes of the second beat when the first one is full and not the
 * last: it is complete at beat 0 (a short or one-beat frame) or at beat 1. Returns true with the
 * flow index when this beat completes the key; *beat counts the frame's beats (saturating at 2).
 */
static bool key_beat(uint8_t *beat, uint8_t *b0, uint8_t *n0, const vdpu_ntx_t *bt, uint8_t *idx)
{
    unsigned k = model_keep_bytes(bt->keep);
    bool done = false;
    if (*beat == 0) {
        memset(b0, 0, NET_BEAT_BYTES);
        memcpy(b0, bt->data, k);
        *n0 = (uint8_t)k;
        if (bt->last || k < NET_BEAT_BYTES) {
            *idx = flow_index(b0, k);
            done = true;
        }
    } else if (*beat == 1 && *n0 == NET_BEAT_BYTES) {
        uint8_t w[KEY_BYTES];
        unsigned m = k < KEY_BYTES - NET_BEAT_BYTES ? k : KEY_BYTES - NET_BEAT_BYTES;
        memset(w, 0, sizeof w);
        memcpy(w, b0, NET_BEAT_BYTES);
        memcpy(w + NET_BEAT_BYTES, bt->data, m);
        *idx = flow_index(w, NET_BEAT_BYTES + m);
        done = true;
    }
    *beat = bt->last ? 0 : (uint8_t)(*beat < 2 ? *beat + 1 : 2);
    return done;
}

static bool rxq_usable(const struct vdpu_state *s, unsigned q)
{
    return q < VDPU_NUM_QUEUES && s->queue[q].enable && !(s->eng.qerr >> q & 1u);
}

/* The receiveq of the waiting frame (pre-edge state): its flow's pair (receiveq 0 for an unknown flow
 * or a pair not active). When that receiveq is not enabled (being reset) or stopped, the spec's
 * "re-select another queue": the lowest usable receiveq of an active pair; none usable: receiveq 0,
 * where the scheduler drops the frame ("If all receive queues are being reset, the device MUST drop
 * the packet"). */
uint16_t model_steer_rx_queue(const struct vdpu_state *s)
{
    uint8_t e = s->steer.tbl[s->steer.rx_idx[s->eng.rx_head]]; /* the oldest frame's */
    unsigned k = (e & STEER_VALID) ? (e & 0x7Fu) : 0;
    if (k >= s->steer.pairs) k = 0;
    if (rxq_usable(s, 2 * k)) return (uint16_t)(2 * k);
    for (unsigned p = 0; p < s->steer.pairs && p < VDPU_NUM_QUEUES / 2; p++)
        if (rxq_usable(s, 2 * p)) return (uint16_t)(2 * p);
    return 0;
}

uint32_t model_steer_flows(const struct vdpu_state *s)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < VDPU_STEER_ENTRIES; i++)
        if (s->steer.tbl[i] & STEER_VALID) v |= 1u << i;
    return v;
}

/*
 * One edge, after firmware (MQ_PAIRS write or DEV_RESET: e->steer_clear / e->dev_reset) and on the
 * network port's pre-edge registers. A clear empties the table and wins over a same-edge write; a
 * TX frame the clear finds in flight writes nothing (it was queued before the clear).
 */
void model_steer_edge(struct vdpu_edge *e, const vdpu_in_t *in)
{
    const struct vdpu_state *s = e->pre;
    const struct vdpu_steer *g = &s->steer;
    struct vdpu_steer *n = &e->next->steer;
    bool clr = e->dev_reset || e->steer_clear;
    uint8_t idx;

    if (clr) memset(n->tbl, 0, sizeof n->tbl);

    /* TX: the wire takes the beat in the ntx register */
    bool ntx_acc = s->eng.ntx_valid && in->ntx_ready;
    if (!s->eng.ntx_valid || in->ntx_ready) n->ntx_q = s->eng.q; /* the queue of a beat loaded now */
    if (ntx_acc) {
        bool done = key_beat(&n->tx_beat, n->tx_b0, &n->tx_n0, &s->eng.ntx, &idx);
        unsigned k = g->ntx_q >> 1;
        if (done && !g->tx_skip && !clr && (g->ntx_q & 1u) && k < g->pairs) n->tbl[idx] = (uint8_t)(STEER_VALID | k);
    }
    if (clr)
        n->tx_skip = (s->eng.ntx_valid || g->tx_beat != 0) && !(ntx_acc && s->eng.ntx.last);
    else if (ntx_acc && s->eng.ntx.last)
        n->tx_skip = false;

    /* RX: the device takes a beat, into the buffer of the arriving frame */
    if (in->nrx_valid && model_nrx_ready(s)) {
        vdpu_ntx_t bt;
        memcpy(bt.data, in->nrx.data, sizeof bt.data);
        bt.keep = in->nrx.keep;
        bt.last = in->nrx.last;
        if (key_beat(&n->rx_beat, n->rx_b0, &n->rx_n0, &bt, &idx)) n->rx_idx[model_rx_fill_slot(s)] = idx;
    }
}
