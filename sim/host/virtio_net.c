/* virtio_net.c - split/packed virtio-net driver model: descriptor chains, post, kick, reap, and checked
 * TX/RX/loopback traffic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_link.h"
#include "virtio_net.h"
#include "virtio_net_ring.h"
#include "virtio_spec.h"

#define PACKED_F_NEXT 1u
#define PACKED_F_WRITE 2u
#define PACKED_F_INDIRECT 4u
#define PACKED_F_AVAIL (1u << 7)
#define PACKED_F_USED (1u << 15)
#define NET_MIN_FRAME 14
#define NET_OVERRUN_BUFS 2 /* rx_overrun: receive buffers posted at most, refilled every few round trips */
#define RX_POISON 0xA5 /* receive buffers are filled with this before they are posted */

static void wr16(virtio_net_t *n, uint64_t a, uint16_t v) { host_mem_write(&n->s->mem, a, &v, 2); }
static void wr32(virtio_net_t *n, uint64_t a, uint32_t v) { host_mem_write(&n->s->mem, a, &v, 4); }
static void wr64(virtio_net_t *n, uint64_t a, uint64_t v) { host_mem_write(&n->s->mem, a, &v, 8); }
static uint16_t rd16(virtio_net_t *n, uint64_t a)
{
    uint16_t v = 0;
    host_mem_read(&n->s->mem, a, &v, 2);
    return v;
}
static uint32_t rd32(virtio_net_t *n, uint64_t a)
{
    uint32_t v = 0;
    host_mem_read(&n->s->mem, a, &v, 4);
    return v;
}

static void set_error(virtio_net_t *n, const char *msg, uint64_t v)
{
    if (!n->error[0]) snprintf(n->error, sizeof n->error, "%s (%llu)", msg, (unsigned long long)v);
}

const char *net_chain_name(enum net_chain c)
{
    static const char *const names[] = {"one", "hdr+frame", "random"};
    return (unsigned)c < 3 ? names[c] : "?";
}

const char *net_workload_name(enum net_workload w)
{
    static const char *const names[] = {"tx", "rx", "loopback"};
    return (unsigned)w < 3 ? names[w] : "?";
}

/* ---- frames --------------------------------------------------------------------------------- */

static unsigned frame_len(virtio_net_t *n)
{
    if (n->o.pkt_random) return NET_MIN_FRAME + rng_below(&n->rng, NET_MAX_FRAME_LEN - NET_MIN_FRAME + 1);
    if (n->p.pkt_size) return n->p.pkt_size;
    unsigned k = rng_below(&n->rng, 12); /* IMIX 7:4:1 */
    return k < 7 ? 64 : k < 11 ? 576 : 1500;
}

/* Frame `seq`: to the device's MAC, a local ethertype, the sequence number, then seeded bytes. */
static unsigned make_frame(virtio_net_t *n, uint8_t *f)
{
    if (n->o.replay) { /* --pcap-in: the capture's frames, in order, as often as needed */
        size_t k = (size_t)(n->gen_seq++ % n->o.replay->n);
        memcpy(f, n->o.replay->data[k], n->o.replay->len[k]);
        return n->o.replay->len[k];
    }
    unsigned len = frame_len(n);
    memcpy(f, n->d->mac, 6);
    const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x01};
    memcpy(f + 6, src, 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    uint64_t seq = n->gen_seq++;
    for (unsigned i = 14; i < len; i++) f[i] = (uint8_t)rng_next(&n->rng);
    if (len >= 22) memcpy(f + 14, &seq, 8);
    return len;
}

static void expect(virtio_net_t *n, const uint8_t *f, unsigned len)
{
    if (n->exp_n == sizeof n->exp / sizeof n->exp[0]) {
        set_error(n, "too many frames in flight for the checker", n->exp_n);
        return;
    }
    unsigned i = (n->exp_head + n->exp_n) % (sizeof n->exp / sizeof n->exp[0]);
    n->exp[i].data = malloc(len);
    if (!n->exp[i].data) return;
    memcpy(n->exp[i].data, f, len);
    n->exp[i].len = (uint16_t)len;
    n->exp_n++;
}

/* The next frame to arrive must be the oldest one sent: count, order and bytes. */
static void check(virtio_net_t *n, const uint8_t *f, unsigned len, const char *where)
{
    if (!n->exp_n) {
        n->bad_frames++;
        set_error(n, where, 0);
        return;
    }
    unsigned i = n->exp_head;
    if (n->o.rx_overrun && n->p.workload == NET_RX) {
        /* frames the device dropped (no buffer) are skipped; the one received must be a later one */
        unsigned k = 0, cap = sizeof n->exp / sizeof n->exp[0];
        while (k < n->exp_n) {
            unsigned j = (n->exp_head + k) % cap;
            if (n->exp[j].len == len && !memcmp(n->exp[j].data, f, len)) break;
            k++;
        }
        if (k == n->exp_n) {
            n->bad_frames++;
            set_error(n, "RX frame matches none of the frames sent and not yet received", len);
            return;
        }
        while (k--) {
            free(n->exp[n->exp_head].data);
            n->exp_head = (n->exp_head + 1) % cap;
            n->exp_n--;
            n->dropped++;
        }
        i = n->exp_head;
    }
    if (n->exp[i].len != len || memcmp(n->exp[i].data, f, len)) {
        n->bad_frames++;
        char msg[120];
        snprintf(msg, sizeof msg, "%s: frame differs from the one sent (expected %u bytes, got %u)", where,
                 n->exp[i].len, len);
        set_error(n, msg, n->wire_frames + n->rx_frames);
    }
    free(n->exp[i].data);
    n->exp_head = (n->exp_head + 1) % (sizeof n->exp / sizeof n->exp[0]);
    n->exp_n--;
}

static void on_wire(void *ctx, const uint8_t *f, unsigned len)
{
    virtio_net_t *n = ctx;
    n->wire_frames++;
    if (n->p.workload == NET_TX) {
        check(n, f, len, "TX frame on the wire");
        n->bytes += len;
    }
}

/* ---- buffer shapes -------------------------------------------------------------------------- */

/* Cut `total` bytes into descriptor lengths; returns how many. */
static unsigned shape(virtio_net_t *n, enum net_chain c, uint32_t total, uint32_t *len)
{
    if (c == NET_CHAIN_ONE || total < 2) {
        len[0] = total;
        return 1;
    }
    if (c == NET_CHAIN_HDR) {
        len[0] = NET_HDR_LEN;
        len[1] = total - NET_HDR_LEN;
        return 2;
    }
    unsigned k = 1 + rng_below(&n->rng, NET_MAX_CHAIN);
    if (k > total) k = total;
    uint32_t cut[NET_MAX_CHAIN + 1];
    unsigned m = 0;
    cut[m++] = 0;
    while (m < k) {
        uint32_t x;
        unsigned how = rng_below(&n->rng, 4);
        if (how == 0 && m == 1) x = NET_HDR_LEN;                       /* the header alone */
        else if (how == 1) x = 1 + rng_below(&n->rng, total - 1 < 64 ? total - 1 : 64); /* a tiny first piece */
        else if (how == 2) x = total - 1 - rng_below(&n->rng, total - 1 < 64 ? total - 1 : 64); /* a tiny last one */
        else x = 1 + rng_below(&n->rng, total - 1);
        if (x == 0 || x >= total) continue;
        bool dup = false;
        for (unsigned j = 0; j < m; j++) dup |= cut[j] == x;
        if (!dup) cut[m++] = x;
    }
    /* sort the cut points (k <= 4) */
    for (unsigned i = 1; i < m; i++)
        for (unsigned j = i; j > 0 && cut[j - 1] > cut[j]; j--) {
            uint32_t t = cut[j];
            cut[j] = cut[j - 1];
            cut[j - 1] = t;
        }
    cut[m] = total;
    for (unsigned i = 0; i < k; i++) len[i] = cut[i + 1] - cut[i];
    return k;
}

/* Lay the pieces out in buffer `id`'s region: addresses, with optional gaps. */
static void place(virtio_net_t *n, struct net_vq *q, uint16_t id, struct net_buf *b)
{
    uint32_t gap[NET_MAX_CHAIN], span = 0;
    for (unsigned i = 0; i < b->n; i++) {
        gap[i] = n->o.gaps ? rng_below(&n->rng, 32) : 0;
        span += gap[i] + b->len[i];
    }
    uint64_t base = q->bufs + (uint64_t)id * NET_REGION;
    uint64_t a = n->o.place == NET_PLACE_TOP ? base + NET_REGION - span : base;
    for (unsigned i = 0; i < b->n; i++) {
        a += gap[i];
        b->addr[i] = a;
        a += b->len[i];
    }
}

/* ---- rings ---------------------------------------------------------------------------------- */

static bool has_feature(const virtio_net_t *n, unsigned bit)
{
    return (n->d->negotiated[bit / 32] >> (bit % 32)) & 1;
}

/* the spec's vring_need_event: has the index moved past event_idx since old? */
static bool need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old);
}

/* EVENT_IDX: ask for an interrupt at the next completion (virtqueue_enable_cb), or, polling,
 * for none (an event index half the ring space away is never crossed in one go). */
static void arm_interrupt(virtio_net_t *n, struct net_vq *q)
{
    if (!has_feature(n, VIRTIO_RING_F_EVENT_IDX)) return;
    if (!q->packed) {
        wr16(n, q->driver + 4 + 2ull * q->size, (uint16_t)(q->last_used + (n->o.poll ? 0x8000 : 0)));
    } else if (!n->o.poll) {
        wr16(n, q->driver, (uint16_t)(q->next_used | (q->used_wrap ? 0x8000 : 0))); /* off_wrap */
        wr16(n, q->driver + 2, 2);                                                   /* RING_EVENT_FLAGS_DESC */
    }
}

static void kick(virtio_net_t *n, struct net_vq *q)
{
    /* EVENT_IDX (split): kick only when the device asked for it through avail_event, as
     * virtqueue_kick_prepare does with the entries added since the last decision */
    if (!q->packed && has_feature(n, VIRTIO_RING_F_EVENT_IDX)) {
        uint16_t avail_event = rd16(n, q->device + 4 + 8ull * q->size), old = q->kick_idx;
        q->kick_idx = q->avail_idx;
        if (!need_event(avail_event, q->avail_idx, old)) {
            q->kicks_suppressed++;
            return;
        }
    }
    /* VIRTQ_USED_F_NO_NOTIFY (split) / device event suppression (packed): the device never asks
     * for silence in this version, but a driver must look */
    if (!q->packed && (rd16(n, q->device) & VRING_USED_F_NO_NOTIFY)) return;
    if (q->packed && rd16(n, q->device + 2) == 1 /* RING_EVENT_FLAGS_DISABLE */) return;
    if ((n->d->negotiated[VIRTIO_F_NOTIFICATION_DATA / 32] >> (VIRTIO_F_NOTIFICATION_DATA % 32)) & 1) {
        /* VIRTIO_F_NOTIFICATION_DATA: 32 bits {vqn, next_off (15 bits), next_wrap} as Linux's
         * vp_notify_with_data writes them (split: next_off is the avail idx) */
        uint32_t data = q->packed ? (uint32_t)q->next_avail << 16 | (uint32_t)q->avail_wrap << 31
                                  : (uint32_t)q->avail_idx << 16;
        host_mem_wr(&n->s->bus, q->notify, 4, q->idx | data);
    } else {
        host_mem_wr(&n->s->bus, q->notify, 2, q->idx);
    }
    q->kicks++;
}

/* Take a free entry (split: descriptor, packed: buffer id) at a random place of the free list, so
 * chains link through scattered descriptors and ids come back in any order. With IN_ORDER the
 * spec has the driver use descriptors in ring order (from 0, wrapping at the table's end), and
 * ids likewise here: the next one in sequence, which is free because the device returns buffers
 * in order. */
static uint16_t take_free(virtio_net_t *n, struct net_vq *q)
{
    unsigned i = q->in_order ? 0 : rng_below(&n->rng, q->nfree);
    if (q->in_order) {
        while (i < q->nfree && q->free_list[i] != q->io_next) i++;
        if (i == q->nfree) { /* a device that completed out of order left it busy */
            set_error(n, "IN_ORDER: the next descriptor/id in ring order is still in use", q->io_next);
            i = 0;
        }
        q->io_next = (uint16_t)(q->io_next + 1 == q->size ? 0 : q->io_next + 1);
    }
    uint16_t v = q->free_list[i];
    q->free_list[i] = q->free_list[--q->nfree];
    return v;
}

/* An indirect table's place in buffer id's region: at the end the pieces leave free (they start at the
 * region's base, or end flush with its top; they span at most NET_BUF_SIZE + gaps < NET_REGION - 64). */
static uint64_t table_addr(const virtio_net_t *n, const struct net_vq *q, uint16_t id)
{
    uint64_t base = q->bufs + (uint64_t)id * NET_REGION;
    return n->o.place == NET_PLACE_TOP ? base : base + NET_REGION - 16 * NET_MAX_CHAIN;
}

/* The indirect table of buffer b as the driver writes it (and as it must stay: the device only reads
 * it). Split: chained by NEXT/next within the table; packed: in order, WRITE the only flag, the
 * reserved id fields left 0. */
static void table_bytes(const struct net_vq *q, const struct net_buf *b, uint8_t *t)
{
    memset(t, 0, 16 * NET_MAX_CHAIN);
    for (unsigned i = 0; i < b->n; i++) {
        uint8_t *d = t + 16 * i;
        bool more = i + 1 < b->n;
        uint16_t fl = q->packed ? (q->rx ? PACKED_F_WRITE : 0)
                                : (uint16_t)((q->rx ? VRING_DESC_F_WRITE : 0) | (more ? VRING_DESC_F_NEXT : 0));
        uint16_t next = !q->packed && more ? (uint16_t)(i + 1) : 0;
        memcpy(d, &b->addr[i], 8);
        memcpy(d + 8, &b->len[i], 4);
        memcpy(d + 12, q->packed ? &(uint16_t){0} : &fl, 2);
        memcpy(d + 14, q->packed ? &fl : &next, 2);
    }
}

static bool can_post(const struct net_vq *q, unsigned k)
{
    return q->packed ? q->nfree > 0 && q->free_slots >= k : q->nfree >= k;
}

/* Post a buffer of k pieces with these lengths. TX: `data` (header + frame) is copied into the
 * pieces; RX: the pieces are poisoned. Returns the buffer id. The caller checked can_post. */
static uint16_t post(virtio_net_t *n, struct net_vq *q, unsigned k, const uint32_t *len, const uint8_t *data)
{
    host_mem_t *m = &n->s->mem;
    uint16_t id;
    struct net_buf b;
    memset(&b, 0, sizeof b);
    b.busy = true;
    b.n = (uint8_t)k;
    for (unsigned i = 0; i < k; i++) {
        b.len[i] = len[i];
        b.total += len[i];
    }
    /* (the draw only when asked for, so runs without indirect tables keep their random stream) */
    bool ind = n->o.indirect_pct && has_feature(n, VIRTIO_RING_F_INDIRECT_DESC) && rng_pct(&n->rng, n->o.indirect_pct);
    b.slots = ind ? 1 : b.n;
    if (!q->packed) {
        for (unsigned i = 0; i < b.slots; i++) b.desc[i] = take_free(n, q);
        id = b.desc[0];
    } else {
        id = take_free(n, q);
        uint16_t slot = q->next_avail;
        for (unsigned i = 0; i < b.slots; i++) {
            b.desc[i] = slot;
            slot = (uint16_t)(slot + 1 == q->size ? 0 : slot + 1);
        }
    }
    place(n, q, id, &b);
    if (ind) b.table = table_addr(n, q, id);
    if (q->rx) {
        uint8_t poison[NET_REGION];
        memset(poison, RX_POISON, sizeof poison);
        host_mem_write(m, q->bufs + (uint64_t)id * NET_REGION, poison, NET_REGION);
    } else {
        uint32_t off = 0;
        for (unsigned i = 0; i < k; i++) {
            host_mem_write(m, b.addr[i], data + off, b.len[i]);
            off += b.len[i];
        }
    }
    q->buf[id] = b;
    if (ind) {
        uint8_t t[16 * NET_MAX_CHAIN];
        table_bytes(q, &b, t);
        host_mem_write(m, b.table, t, 16ull * k);
        q->indirect_posted++;
    }
    if (!q->packed && ind) {
        /* one descriptor naming the table (WRITE on it is ignored by the device: left clear, as Linux) */
        uint64_t d = q->desc + 16ull * b.desc[0];
        wr64(n, d, b.table);
        wr32(n, d + 8, 16u * k);
        wr16(n, d + 12, VRING_DESC_F_INDIRECT);
        wr16(n, d + 14, (uint16_t)rng_next(&n->rng)); /* no NEXT: garbage the device must ignore */
        wr16(n, q->driver + 4 + 2ull * (q->avail_idx % q->size), id);
        q->avail_idx++;
        wr16(n, q->driver + 2, q->avail_idx);
    } else if (!q->packed) {
        for (unsigned i = 0; i < k; i++) {
            uint64_t d = q->desc + 16ull * b.desc[i];
            bool more = i + 1 < k;
            wr64(n, d, b.addr[i]);
            wr32(n, d + 8, b.len[i]);
            wr16(n, d + 12, (uint16_t)((q->rx ? VRING_DESC_F_WRITE : 0) | (more ? VRING_DESC_F_NEXT : 0)));
            /* without NEXT the field is meaningless: garbage the device must ignore */
            wr16(n, d + 14, more ? b.desc[i + 1] : (uint16_t)rng_next(&n->rng));
        }
        wr16(n, q->driver + 4 + 2ull * (q->avail_idx % q->size), id);
        q->avail_idx++;
        wr16(n, q->driver + 2, q->avail_idx); /* publish after the entry (the host runs between device cycles) */
    } else if (ind) {
        uint64_t d = q->desc + 16ull * b.desc[0];
        wr64(n, d, b.table);
        wr32(n, d + 8, 16u * k);
        wr16(n, d + 12, id);
        wr16(n, d + 14, (uint16_t)(PACKED_F_INDIRECT | (q->avail_wrap ? PACKED_F_AVAIL : PACKED_F_USED)));
        if (b.desc[0] == q->size - 1) q->avail_wrap = !q->avail_wrap;
        q->next_avail = (uint16_t)((q->next_avail + 1) % q->size);
        q->free_slots -= 1;
    } else {
        /* the head's flags last: the chain becomes visible at once; the buffer id is in the last
         * descriptor, the others carry garbage ids the device must ignore */
        bool wrap = q->avail_wrap;
        uint16_t head_flags = 0;
        for (unsigned i = 0; i < k; i++) {
            uint64_t d = q->desc + 16ull * b.desc[i];
            bool more = i + 1 < k;
            uint16_t fl = (uint16_t)((q->rx ? PACKED_F_WRITE : 0) | (more ? PACKED_F_NEXT : 0) |
                                     (wrap ? PACKED_F_AVAIL : PACKED_F_USED));
            wr64(n, d, b.addr[i]);
            wr32(n, d + 8, b.len[i]);
            wr16(n, d + 12, more ? (uint16_t)rng_next(&n->rng) : id);
            if (i) wr16(n, d + 14, fl);
            else head_flags = fl;
            if (b.desc[i] == q->size - 1) wrap = !wrap;
        }
        wr16(n, q->desc + 16ull * b.desc[0] + 14, head_flags);
        q->next_avail = (uint16_t)((q->next_avail + k) % q->size);
        q->avail_wrap = wrap;
        q->free_slots -= k;
    }
    if (q->packed && b.desc[b.slots - 1] < b.desc[0]) q->wrap_chains++;
    if (b.addr[k - 1] + b.len[k - 1] == VDPU_HOST_RAM_BASE + VDPU_HOST_RAM_SIZE) q->edge_bufs++;
    q->order[(q->ord_head + q->ord_n++) % q->size] = id; /* at most size buffers are outstanding */
    q->outstanding++;
    q->posted++;
    q->descs_posted += k;
    if (k > 1) q->chains_posted++;
    return id;
}

/*
 * IN_ORDER: the next used entry (split: at last_used, packed: at next_used) names buffer x; it
 * completes every outstanding buffer up to x, oldest first (split-ring.tex / packed-ring.tex
 * "In-order use of descriptors": the skipped buffers are used completely; the entry sits where the
 * batch's first buffer was made available, and the driver skips the whole batch). Returns the batch
 * size, 0 when no entry is there or on an error.
 */
static unsigned in_order_batch(virtio_net_t *n, struct net_vq *q)
{
    uint32_t x;
    if (!q->packed) {
        uint16_t used = rd16(n, q->device + 2);
        if (used == q->last_used) return 0;
        uint16_t moved = (uint16_t)(used - q->last_used);
        if (moved > q->outstanding) {
            set_error(n, "used idx moved past the buffers outstanding", used);
            return 0;
        }
        uint64_t e = q->device + 4 + 8ull * (q->last_used % q->size);
        x = rd32(n, e);
        q->io_len = rd32(n, e + 4);
        if (x >= q->size || !q->buf[x].busy) {
            set_error(n, "device returned a buffer id that is not outstanding", x);
            return 0;
        }
        unsigned k = 1;
        while (k <= q->ord_n && q->order[(q->ord_head + k - 1) % q->size] != x) k++;
        if (k > moved) { /* the entry names a buffer beyond what the used idx publishes */
            set_error(n, "in-order used entry covers more buffers than the used idx moved", k);
            return 0;
        }
        return k;
    }
    uint64_t d = q->desc + 16ull * q->next_used;
    uint16_t fl = rd16(n, d + 14);
    bool avail = fl & PACKED_F_AVAIL, usedf = fl & PACKED_F_USED;
    if (avail != q->used_wrap || usedf != q->used_wrap) return 0;
    q->io_len = rd32(n, d + 8);
    x = rd16(n, d + 12);
    if (x >= q->size || !q->buf[x].busy) {
        set_error(n, "device returned a buffer id that is not outstanding", x);
        return 0;
    }
    if (q->buf[q->order[q->ord_head]].desc[0] != q->next_used) {
        set_error(n, "packed used descriptor not at the slot of its batch's first descriptor", q->next_used);
        return 0;
    }
    unsigned k = 1;
    while (q->order[(q->ord_head + k - 1) % q->size] != x) k++; /* x is outstanding: it is in the FIFO */
    return k;
}

/* Next used buffer: true with its id and length. */
static bool reap_one(virtio_net_t *n, struct net_vq *q, uint16_t *id, uint32_t *len)
{
    if (n->error[0]) return false;
    if (q->in_order) {
        if (!q->io_left) {
            q->io_left = in_order_batch(n, q);
            if (!q->io_left) return false;
            q->io_entries++;
        }
        *id = q->order[q->ord_head];
        /* a skipped buffer was used completely (TX: the device writes nothing either way) */
        *len = q->io_left == 1 ? q->io_len : q->rx ? q->buf[*id].total : 0;
        q->io_left--;
        struct net_buf *b = &q->buf[*id];
        if (!q->packed) {
            q->last_used++;
            if (q->last_used % q->size == 0) q->ring_laps++;
            for (unsigned i = 0; i < b->slots; i++) q->free_list[q->nfree++] = b->desc[i];
        } else {
            unsigned nu = q->next_used + b->slots;
            if (nu >= q->size) {
                nu -= q->size;
                q->used_wrap = !q->used_wrap;
                q->ring_laps++;
            }
            q->next_used = (uint16_t)nu;
            q->free_slots += b->slots;
            q->free_list[q->nfree++] = *id;
        }
        q->ord_head = (q->ord_head + 1) % q->size;
        q->ord_n--;
        b->busy = false;
        q->outstanding--;
        q->completed++;
        return true;
    }
    if (!q->packed) {
        uint16_t used = rd16(n, q->device + 2);
        if (used == q->last_used) return false;
        if ((uint16_t)(used - q->last_used) > q->outstanding) {
            set_error(n, "used idx moved past the buffers outstanding", used);
            return false;
        }
        uint64_t e = q->device + 4 + 8ull * (q->last_used % q->size);
        uint32_t id32 = rd32(n, e);
        *len = rd32(n, e + 4);
        if (id32 >= q->size || !q->buf[id32].busy) {
            set_error(n, "device returned a buffer id that is not outstanding", id32);
            return false;
        }
        *id = (uint16_t)id32;
        q->last_used++;
        if (q->last_used % q->size == 0) q->ring_laps++;
        struct net_buf *b = &q->buf[*id];
        for (unsigned i = 0; i < b->slots; i++) q->free_list[q->nfree++] = b->desc[i];
    } else {
        uint64_t d = q->desc + 16ull * q->next_used;
        uint16_t fl = rd16(n, d + 14);
        bool avail = fl & PACKED_F_AVAIL, usedf = fl & PACKED_F_USED;
        if (avail != q->used_wrap || usedf != q->used_wrap) return false;
        *len = rd32(n, d + 8);
        *id = rd16(n, d + 12);
        if (*id >= q->size || !q->buf[*id].busy) {
            set_error(n, "device returned a buffer id that is not outstanding", *id);
            return false;
        }
        struct net_buf *b = &q->buf[*id];
        if (b->desc[0] != q->next_used) {
            set_error(n, "packed used descriptor not at the slot of its chain's first descriptor", q->next_used);
            return false;
        }
        /* the used descriptor stands for the whole chain: skip its slots */
        unsigned nu = q->next_used + b->slots;
        if (nu >= q->size) {
            nu -= q->size;
            q->used_wrap = !q->used_wrap;
            q->ring_laps++;
        }
        q->next_used = (uint16_t)nu;
        q->free_slots += b->slots;
        q->free_list[q->nfree++] = *id;
    }
    q->buf[*id].busy = false;
    q->outstanding--;
    q->completed++;
    return true;
}

static bool has_packed(const virtio_net_t *n)
{
    return (n->d->negotiated[VIRTIO_F_RING_PACKED / 32] >> (VIRTIO_F_RING_PACKED % 32)) & 1;
}

static void zero_mem(virtio_net_t *n, uint64_t a, uint64_t len)
{
    static const uint8_t zero[4096];
    for (uint64_t off = 0; off < len; off += sizeof zero)
        host_mem_write(&n->s->mem, a + off, zero, len - off < sizeof zero ? len - off : sizeof zero);
}

static int setup_vq(virtio_net_t *n, struct net_vq *q, unsigned idx, bool rx)
{
    const struct drv_queue *dq = &n->d->q[idx];
    if (!dq->enabled || dq->size == 0) return -1;
    memset(q, 0, sizeof *q);
    q->idx = idx;
    q->rx = rx;
    q->packed = has_packed(n);
    q->size = dq->size;
    q->vector = dq->vector;
    q->desc = dq->desc;
    q->driver = dq->driver;
    q->device = dq->device;
    q->notify = n->s->pci.vcap[VIRTIO_PCI_CAP_NOTIFY_CFG].addr + (uint64_t)dq->notify_off * n->s->pci.notify_mult;
    q->avail_wrap = q->used_wrap = true;
    q->free_slots = q->size;
    q->buf = calloc(q->size, sizeof *q->buf);
    q->free_list = calloc(q->size, sizeof *q->free_list);
    q->order = calloc(q->size, sizeof *q->order);
    if (!q->buf || !q->free_list || !q->order) return -1;
    q->in_order = (n->d->negotiated[VIRTIO_F_IN_ORDER / 32] >> (VIRTIO_F_IN_ORDER % 32)) & 1;
    q->io_next = 0;
    for (unsigned i = 0; i < q->size; i++) q->free_list[i] = (uint16_t)i;
    q->nfree = q->size;
    uint64_t pool = (uint64_t)q->size * NET_REGION;
    if (n->o.place == NET_PLACE_TOP) {
        /* transmitq at the very top, receiveq right below it */
        q->bufs = VDPU_HOST_RAM_BASE + VDPU_HOST_RAM_SIZE - pool * (rx ? 2 : 1);
        if (q->bufs < n->d->ram_next) return -1;
    } else {
        q->bufs = n->d->ram_next = (n->d->ram_next + 4095) & ~4095ull;
        n->d->ram_next += pool;
        if (n->d->ram_next > VDPU_HOST_RAM_BASE + VDPU_HOST_RAM_SIZE) return -1;
    }
    /* fresh rings: zeroed, like the pages vring_create gets (a re-initialized queue must not see the
     * previous incarnation's descriptors) */
    zero_mem(n, q->desc, 16ull * q->size);
    zero_mem(n, q->driver, q->packed ? 4 : 6 + 2ull * q->size);
    zero_mem(n, q->device, q->packed ? 4 : 6 + 8ull * q->size);
    /* the memory guard: the device may write the used ring (packed: the ring) and receive buffers */
    link_t *l = &n->s->bus.link;
    if (q->packed) link_grant(l, q->desc, 16ull * q->size);
    else link_grant(l, q->device, 6 + 8ull * q->size);
    if (rx) link_grant(l, q->bufs, pool);
    return 0;
}

int virtio_net_open(virtio_net_t *n, virtio_drv_t *d, const struct net_params *p)
{
    return virtio_net_open_opts(n, d, p, NULL);
}

int virtio_net_open_opts(virtio_net_t *n, virtio_drv_t *d, const struct net_params *p, const struct net_opts *o)
{
    memset(n, 0, sizeof *n);
    n->d = d;
    n->s = d->s;
    n->p = *p;
    if (o) n->o = *o;
    n->rng.s = p->seed ^ 0x6e6574ull;
    n->data_vqs = 2;
    /* the frames this driver builds fit its buffers (tx_frame, NET_BUF_SIZE): a larger size is a
     * caller's error, said here rather than overrunning them */
    if (p->pkt_size && (p->pkt_size < NET_MIN_FRAME || p->pkt_size > NET_MAX_FRAME_LEN)) {
        set_error(n, "frame size out of range (14..1514 bytes)", p->pkt_size);
        return -1;
    }
    n->s->bus.net.on_tx_frame = on_wire;
    n->s->bus.net.ctx = n;
    n->s->bus.net.loopback = p->workload == NET_LOOPBACK;
    if (setup_vq(n, &n->rx, 0, true) || setup_vq(n, &n->tx, 1, false)) {
        set_error(n, "receiveq 0 and transmitq 0 must be set up (and fit in host memory)", 0);
        return -1;
    }
    n->mrg = has_feature(n, VIRTIO_NET_F_MRG_RXBUF);
    n->rx_buf = n->o.rx_buf_size ? n->o.rx_buf_size : NET_BUF_SIZE;
    /* a frame that does not fit one buffer needs MRG_RXBUF; the spec wants every buffer to hold at
     * least the header then */
    unsigned full = NET_HDR_LEN + NET_MAX_FRAME_LEN;
    if (n->rx_buf > NET_REGION || n->rx_buf < NET_HDR_LEN || (n->rx_buf < full && !n->mrg)) {
        set_error(n, "receive buffer size out of range (below 12 + 1514 bytes it needs MRG_RXBUF)", n->rx_buf);
        return -1;
    }
    n->rx_need = (full + n->rx_buf - 1) / n->rx_buf;
    /* a full frame's buffers, each of up to this many descriptors, must fit in the ring at once */
    unsigned per = n->o.rx_chain == NET_CHAIN_ONE ? 1 : n->o.rx_chain == NET_CHAIN_HDR ? 2 : NET_MAX_CHAIN;
    if (n->rx_need * per > n->rx.size) {
        set_error(n, "receive buffers too small: a full frame needs more descriptors than the queue holds",
                  n->rx_need * per);
        return -1;
    }
    if (n->o.poll) {
        /* no interrupts please: VRING_AVAIL_F_NO_INTERRUPT / driver event flags DISABLE */
        struct net_vq *qs[2] = {&n->rx, &n->tx};
        for (int i = 0; i < 2; i++) wr16(n, qs[i]->packed ? qs[i]->driver + 2 : qs[i]->driver, 1);
    }
    arm_interrupt(n, &n->rx);
    arm_interrupt(n, &n->tx);
    return 0;
}

void virtio_net_close(virtio_net_t *n)
{
    if (!n->s) return; /* never opened */
    while (n->exp_n) {
        free(n->exp[n->exp_head].data);
        n->exp_head = (n->exp_head + 1) % (sizeof n->exp / sizeof n->exp[0]);
        n->exp_n--;
    }
    free(n->rx.buf);
    free(n->rx.free_list);
    free(n->rx.order);
    free(n->tx.buf);
    free(n->tx.free_list);
    free(n->tx.order);
    n->rx.buf = n->tx.buf = NULL;
    n->rx.free_list = n->tx.free_list = NULL;
    if (n->s->bus.net.ctx == n) {
        n->s->bus.net.on_tx_frame = NULL;
        n->s->bus.net.ctx = NULL;
        n->s->bus.net.loopback = false;
    }
}

/* Checkpoints: the struct's bytes, then what its pointers own (each queue's buffer table, free list
 * and order ring; the frames sent and not yet seen). */
void virtio_net_save(const virtio_net_t *n, ckpt_t *k)
{
    ckpt_put(k, "VNET", n, sizeof *n);
    const struct net_vq *qs[2] = {&n->rx, &n->tx};
    for (int i = 0; i < 2; i++) vnet_vq_save(qs[i], k);
    for (unsigned i = 0; i < n->exp_n; i++) {
        unsigned j = (n->exp_head + i) % (sizeof n->exp / sizeof n->exp[0]);
        ckpt_put(k, "VEXP", n->exp[j].data, n->exp[j].len);
    }
}

void vnet_vq_save(const struct net_vq *q, ckpt_t *k)
{
    ckpt_put(k, "VQBF", q->buf, q->size * sizeof *q->buf);
    ckpt_put(k, "VQFL", q->free_list, q->size * sizeof *q->free_list);
    ckpt_put(k, "VQOR", q->order, q->size * sizeof *q->order);
}

int vnet_vq_load(struct net_vq *q, ckpt_t *k)
{
    q->buf = ckpt_dup(k, "VQBF", q->size * sizeof *q->buf);
    q->free_list = q->buf ? ckpt_dup(k, "VQFL", q->size * sizeof *q->free_list) : NULL;
    q->order = q->free_list ? ckpt_dup(k, "VQOR", q->size * sizeof *q->order) : NULL;
    return q->order ? 0 : -1;
}

int virtio_net_load(virtio_net_t *n, virtio_drv_t *d, const struct net_opts *o, ckpt_t *k)
{
    const virtio_net_t *f = ckpt_get(k, "VNET", sizeof *f);
    if (!f) return -1;
    const size_t nexp = sizeof f->exp / sizeof f->exp[0];
    const struct net_vq *fq[2] = {&f->rx, &f->tx};
    bool bad = f->exp_head >= nexp || f->exp_n > nexp;
    for (int i = 0; i < 2; i++) /* the queues the restored driver set up, their counts within them */
        bad |= fq[i]->idx != (unsigned)i || fq[i]->size != d->q[i].size || fq[i]->nfree > fq[i]->size ||
               fq[i]->ord_head >= fq[i]->size || fq[i]->ord_n > fq[i]->size || fq[i]->pend_n > NET_MAX_CHAIN;
    if (bad) {
        k->failed = true;
        snprintf(k->error, sizeof k->error, "section VNET: a queue or count that does not fit the driver");
        return -1;
    }
    memcpy(n, f, sizeof *n);
    n->d = d;
    n->s = d->s;
    memset(&n->o, 0, sizeof n->o);
    if (o) n->o = *o;
    n->exp_n = 0; /* filled again below; what close frees */
    struct net_vq *qs[2] = {&n->rx, &n->tx};
    for (int i = 0; i < 2; i++) qs[i]->buf = NULL, qs[i]->free_list = NULL, qs[i]->order = NULL;
    for (int i = 0; i < 2; i++)
        if (vnet_vq_load(qs[i], k)) return -1;
    for (unsigned i = 0, want = f->exp_n; i < want; i++) {
        unsigned j = (n->exp_head + i) % (sizeof n->exp / sizeof n->exp[0]);
        if (!(n->exp[j].data = ckpt_dup(k, "VEXP", n->exp[j].len))) return -1;
        n->exp_n++;
    }
    n->s->bus.net.on_tx_frame = on_wire;
    n->s->bus.net.ctx = n;
    n->run.resume = true;
    return 0;
}

uint64_t virtio_net_packets(const virtio_net_t *n)
{
    return n->p.workload == NET_TX ? (n->tx.completed < n->wire_frames ? n->tx.completed : n->wire_frames)
                                   : n->rx_frames;
}

static void reap_tx(virtio_net_t *n)
{
    uint16_t id;
    uint32_t len;
    while (reap_one(n, &n->tx, &id, &len))
        if (len != 0) set_error(n, "TX used length must be 0 (the device writes nothing)", len);
    arm_interrupt(n, &n->tx);
}

/* Post receive buffers while descriptors last; a shape that does not fit waits for the next time. */
static bool fill_rx(virtio_net_t *n)
{
    struct net_vq *q = &n->rx;
    bool posted = false;
    for (;;) {
        if (n->o.rx_overrun && q->outstanding >= NET_OVERRUN_BUFS * n->rx_need) break;
        if (!q->pend) {
            uint32_t total = n->rx_buf;
            if (n->o.rx_chain == NET_CHAIN_RANDOM && !n->o.rx_buf_size) /* anything that still holds a full frame */
                total = NET_HDR_LEN + NET_MAX_FRAME_LEN + rng_below(&n->rng, NET_BUF_SIZE - NET_HDR_LEN - NET_MAX_FRAME_LEN + 1);
            q->pend_n = (uint8_t)shape(n, n->o.rx_chain, total, q->pend_len);
            q->pend = true;
        }
        if (!can_post(q, q->pend_n)) break;
        post(n, q, q->pend_n, q->pend_len, NULL);
        q->pend = false;
        posted = true;
    }
    return posted;
}

/* The next used receive buffer, appended to pkt at *got: the bytes the device wrote across its
 * pieces, with poison everywhere else in its region. False when none is used (or on an error). */
/* Buffer id of receive queue q came back with len bytes: copy them (header + frame, across its pieces)
 * to out and check that the device wrote nothing else in the buffer's region - the rest of the pieces
 * and the gaps still poison, an indirect table as the driver wrote it. */
bool vnet_rx_region(virtio_net_t *n, const struct net_vq *q, uint16_t id, uint32_t len, uint8_t *out)
{
    static uint8_t region[NET_REGION];
    const struct net_buf *b = &q->buf[id];
    uint64_t base = q->bufs + (uint64_t)id * NET_REGION;
    host_mem_read(&n->s->mem, base, region, NET_REGION);
    uint32_t done = 0;
    for (unsigned i = 0; i < b->n && done < len; i++) {
        uint32_t k = len - done < b->len[i] ? len - done : b->len[i];
        uint8_t *p = region + (b->addr[i] - base);
        memcpy(out + done, p, k);
        memset(p, RX_POISON, k); /* what remains must be untouched */
        done += k;
    }
    if (b->table) {
        uint8_t t[16 * NET_MAX_CHAIN];
        table_bytes(q, b, t);
        uint8_t *p = region + (b->table - base);
        if (memcmp(p, t, 16u * b->n) != 0) {
            set_error(n, "RX: the device wrote into the buffer's indirect table (its address)", b->table);
            return false;
        }
        memset(p, RX_POISON, 16u * b->n);
    }
    /* A frame dropped for want of buffers (MRG_RXBUF, overrun) may leave bytes in buffers that stay
     * posted and are used again: the spec lets the device write more than the used length. */
    bool stale_ok = n->mrg && n->o.rx_overrun;
    for (unsigned i = 0; i < NET_REGION && !stale_ok; i++)
        if (region[i] != RX_POISON) {
            set_error(n, "RX: the device wrote outside header+frame in the buffer's pieces (offset in region)", i);
            return false;
        }
    return true;
}

static bool rx_take(virtio_net_t *n, uint8_t *pkt, size_t cap, uint32_t *got, uint32_t *len, uint32_t *total)
{
    uint16_t id;
    if (!reap_one(n, &n->rx, &id, len)) return false;
    const struct net_buf *b = &n->rx.buf[id];
    *total = b->total;
    if (*len == 0 || *len > b->total || *got + *len > cap) {
        set_error(n, "RX used length out of range", *len);
        return false;
    }
    if (!vnet_rx_region(n, &n->rx, id, *len, pkt + *got)) return false;
    *got += *len;
    n->rx_bufs_used++;
    return true;
}

/* Received frames: the first buffer starts with the header, whose num_buffers says how many used
 * buffers hold the frame (MRG_RXBUF; else 1); all but the last are full, and the device makes them
 * used together, so they are all there when the first one is. */
static void reap_rx(virtio_net_t *n)
{
    static uint8_t pkt[NET_HDR_LEN + NET_MRG_MAX_BUFS * NET_REGION];
    uint32_t got, len, total;
    for (;;) {
        got = 0;
        if (!rx_take(n, pkt, sizeof pkt, &got, &len, &total)) break;
        if (len < NET_HDR_LEN) {
            set_error(n, "RX: the first buffer of a frame must hold the whole header", len);
            return;
        }
        uint16_t nbuf;
        memcpy(&nbuf, pkt + 10, 2);
        if (!n->mrg && nbuf != 1) set_error(n, "RX header num_buffers must be 1 without MRG_RXBUF", nbuf);
        if (nbuf == 0 || nbuf > NET_MRG_MAX_BUFS) set_error(n, "RX header num_buffers out of range", nbuf);
        if (n->error[0]) return;
        for (unsigned k = 1; k < nbuf; k++) {
            if (len != total) {
                set_error(n, "RX: a buffer before the last one of a frame must be used completely", len);
                return;
            }
            if (!rx_take(n, pkt, sizeof pkt, &got, &len, &total)) {
                set_error(n, "RX: fewer used buffers than num_buffers (they must be used together)", k);
                return;
            }
        }
        if (nbuf > 1) n->rx_merged++;
        if (got < NET_HDR_LEN + NET_MIN_FRAME) {
            set_error(n, "RX frame shorter than an Ethernet header", got);
            return;
        }
        for (unsigned i = 0; i < 10; i++)
            if (pkt[i]) set_error(n, "RX header flags/gso/csum fields must be 0", i);
        check(n, pkt + NET_HDR_LEN, got - NET_HDR_LEN, "RX frame");
        n->rx_frames++;
        n->bytes += got - NET_HDR_LEN;
    }
    arm_interrupt(n, &n->rx);
    if (!n->o.rx_overrun && fill_rx(n)) kick(n, &n->rx); /* overrun: refilled by the clock */
}

/* Room for one more frame on its way to the receive queue: every frame sent and not received yet may
 * take rx_need buffers (MRG_RXBUF with small buffers; else one each). */
static bool rx_room(const virtio_net_t *n, uint64_t sent)
{
    return (sent - n->rx_frames + 1) * n->rx_need <= n->rx.outstanding;
}

int virtio_net_run(virtio_net_t *n)
{
    vdpu_bus_t *b = &n->s->bus;
    host_mem_t *m = &n->s->mem;
    struct net_run *r = &n->run;
    uint8_t *frame = n->tx_frame;
    bool resume = r->resume;
    r->resume = false;
    if (!resume) {
        r->limit = b->dev->cycle + n->p.max_cycles;
        r->sent = 0;
        /* MSI-X, or (no vectors) the INTx line and the ISR, which a read clears */
        r->intx = n->tx.vector >= VDPU_NUM_VECTORS || n->rx.vector >= VDPU_NUM_VECTORS;
        r->vtx = r->intx ? 0 : n->tx.vector;
        r->vrx = r->intx ? 0 : n->rx.vector;
        r->seen_tx = m->msi_count[PCI_MSI_DATA_BASE + r->vtx];
        r->seen_rx = m->msi_count[PCI_MSI_DATA_BASE + r->vrx];
        r->tx_side = n->p.workload != NET_RX;
        r->rx_side = n->p.workload != NET_TX;
        r->next_poll = r->quiet_since = r->next_refill = b->dev->cycle;
        r->last_rx = 0;
        n->cfg_seen = m->msi_count[PCI_MSI_DATA_BASE + 0];
        if (r->rx_side && fill_rx(n)) kick(n, &n->rx);
    }
    const uint64_t limit = r->limit;
    const bool intx = r->intx, tx_side = r->tx_side, rx_side = r->rx_side;
    const unsigned vtx = r->vtx, vrx = r->vrx;
    if (resume) goto resume_after_turn; /* a restored checkpoint: its hook ran at this turn */
    while (!b->stopped && !n->error[0] && b->dev->cycle < limit) {
        /* done when every frame arrived and every transmit buffer came back (loopback: the last TX
         * completions may trail the last RX frame) */
        bool done = tx_side && !rx_side ? n->wire_frames >= n->p.packets && n->tx.completed >= n->p.packets
                                        : n->rx_frames + n->dropped >= n->p.packets &&
                                              (!tx_side || n->tx.completed >= n->p.packets);
        if (done) break;
        if (n->o.rx_overrun && !tx_side) {
            /* the frames still expected after a quiet spell with nothing left on the wire were dropped;
             * the spell outlasts the interrupt coalescing timer, which may hold the interrupt of the
             * frames that did arrive that long (seeds 7262 and 7374 ended before it fired) */
            if (n->rx_frames != r->last_rx || b->net.rx_n) {
                r->last_rx = n->rx_frames;
                r->quiet_since = b->dev->cycle;
            } else if (r->sent == n->p.packets &&
                       b->dev->cycle - r->quiet_since > 5000 + 20ull * b->link.p.rtt + n->s->opts.coal_cycles) {
                n->dropped += n->exp_n;
                while (n->exp_n) {
                    free(n->exp[n->exp_head].data);
                    n->exp_head = (n->exp_head + 1) % (sizeof n->exp / sizeof n->exp[0]);
                    n->exp_n--;
                }
                continue;
            }
        }
        if (tx_side) {
            bool posted = false;
            /* loopback: never more frames in flight than receive buffers posted (a dropped frame is
             * the driver's fault then, not the device's) */
            while (r->sent < n->p.packets && n->exp_n < 4000 &&
                   (!rx_side || rx_room(n, r->sent))) {
                if (!n->tx_pend) {
                    memset(frame, 0, NET_HDR_LEN); /* virtio_net_hdr: no offloads */
                    if (n->o.tx_hdr_noise) {
                        frame[0] = (uint8_t)(0xFE & rng_next(&n->rng)); /* flags: never NEEDS_CSUM (bit 0) */
                        for (unsigned k = 2; k < NET_HDR_LEN; k++) frame[k] = (uint8_t)rng_next(&n->rng);
                        frame[1] = 0; /* gso_type NONE */
                    }
                    n->tx_pend_len = NET_HDR_LEN + make_frame(n, frame + NET_HDR_LEN);
                    n->tx.pend_n = (uint8_t)shape(n, n->o.tx_chain, n->tx_pend_len, n->tx.pend_len);
                    n->tx_pend = true;
                }
                if (!can_post(&n->tx, n->tx.pend_n)) break;
                post(n, &n->tx, n->tx.pend_n, n->tx.pend_len, frame);
                expect(n, frame + NET_HDR_LEN, n->tx_pend_len - NET_HDR_LEN);
                n->tx_pend = false;
                r->sent++;
                posted = true;
            }
            if (posted) kick(n, &n->tx);
        } else {
            /* the wire side of RX: keep the network port's queue topped up, never beyond the
             * receive buffers posted */
            while (r->sent < n->p.packets && b->net.rx_n < 64 &&
                   (n->o.rx_overrun || rx_room(n, r->sent))) {
                unsigned len = make_frame(n, frame);
                if (!netport_inject(&b->net, frame, len)) break;
                expect(n, frame, len);
                r->sent++;
            }
        }
        if (n->o.rx_overrun && b->dev->cycle >= r->next_refill) {
            r->next_refill = b->dev->cycle + 500 + 4ull * b->link.p.rtt;
            if (fill_rx(n)) kick(n, &n->rx);
        }
        if (n->o.on_turn && b->dev->cycle >= n->o.on_turn_from) {
            n->o.on_turn(n, n->o.on_turn_ctx);
            if (n->error[0] || b->stopped) break;
        }
    resume_after_turn:;
        /* the driver's next own action (idle cycles before it may be skipped): the cycle limit, its
         * poll, its refill and the end of the quiet spell of an overrun run; every turn with a hook
         * (from the hook's first cycle on) */
        uint64_t h = limit;
        if (n->o.on_turn) {
            uint64_t t = n->o.on_turn_from > b->dev->cycle ? n->o.on_turn_from : b->dev->cycle + 1;
            if (t < h) h = t;
        }
        if (n->o.poll && r->next_poll < h) h = r->next_poll;
        if (n->o.rx_overrun) {
            uint64_t spell = r->quiet_since + 5001 + 20ull * b->link.p.rtt + n->s->opts.coal_cycles;
            if (r->next_refill < h) h = r->next_refill;
            if (spell < h) h = spell;
        }
        vdpu_bus_advance(b, h);
        bool irq_tx = !intx && m->msi_count[PCI_MSI_DATA_BASE + vtx] != r->seen_tx;
        bool irq_rx = !intx && m->msi_count[PCI_MSI_DATA_BASE + vrx] != r->seen_rx;
        r->seen_tx = m->msi_count[PCI_MSI_DATA_BASE + vtx];
        r->seen_rx = m->msi_count[PCI_MSI_DATA_BASE + vrx];
        if (intx && b->out.intx) { /* vp_interrupt: read ISR (clears it and the line), bit 0 = a queue */
            uint64_t isr = 0;
            if (host_mem_rd(b, n->s->pci.vcap[VIRTIO_PCI_CAP_ISR_CFG].addr, 1, &isr) != VDPU_CPL_SC)
                set_error(n, "ISR read failed", 0);
            n->isr_reads++;
            irq_tx = irq_rx = (isr & 1) != 0;
            if (isr & 2) vnet_config_irq(n, true);
        } else if (!intx) {
            vnet_config_irq(n, false);
        }
        if (n->o.poll) {
            if (irq_tx || irq_rx) set_error(n, "a queue interrupt arrived although the driver suppressed them (queue)",
                                            irq_tx ? n->tx.idx : n->rx.idx);
            if (b->dev->cycle >= r->next_poll) {
                r->next_poll = b->dev->cycle + n->o.poll;
                reap_tx(n);
                reap_rx(n);
            }
            continue;
        }
        /* interrupt handlers: reap what the device completed */
        if (irq_tx) {
            n->tx.irqs_seen++;
            reap_tx(n);
        }
        if (irq_rx) {
            n->rx.irqs_seen++;
            reap_rx(n);
        }
    }
    if (!n->error[0] && b->dev->cycle >= limit) {
        n->timed_out = true;
        set_error(n, "traffic did not complete within the cycle limit", n->p.max_cycles);
    }
    if (!n->error[0] && n->bad_frames) set_error(n, "frames differed from the ones sent", n->bad_frames);
    if (!n->error[0] && tx_side && (n->tx.outstanding || n->tx.completed != r->sent))
        set_error(n, "transmit buffers not returned by the device", n->tx.outstanding);
    return n->error[0] || b->stopped ? -1 : 0;
}

void vnet_config_irq(virtio_net_t *n, bool isr_cfg)
{
    uint64_t c = n->s->mem.msi_count[PCI_MSI_DATA_BASE + 0];
    if (!isr_cfg && c == n->cfg_seen) return;
    n->cfg_seen = c;
    uint8_t st = drv_status(n->d);
    if (st & VIRTIO_CONFIG_S_NEEDS_RESET) {
        n->device_failed = true;
        if (!n->error[0])
            snprintf(n->error, sizeof n->error, "the device set DEVICE_NEEDS_RESET (device_status 0x%02x): it stopped "
                     "its queues", st);
    }
}

/* ---- ring primitives for other drivers of the same rings (virtio_net_mq.c) -------------------- */

int vnet_setup_vq(virtio_net_t *n, struct net_vq *q, unsigned idx, bool rx) { return setup_vq(n, q, idx, rx); }
bool vnet_can_post(const struct net_vq *q, unsigned k) { return can_post(q, k); }
uint16_t vnet_post(virtio_net_t *n, struct net_vq *q, unsigned k, const uint32_t *len, const uint8_t *data)
{
    return post(n, q, k, len, data);
}
bool vnet_reap_one(virtio_net_t *n, struct net_vq *q, uint16_t *id, uint32_t *len) { return reap_one(n, q, id, len); }
void vnet_kick(virtio_net_t *n, struct net_vq *q) { kick(n, q); }
void vnet_arm_interrupt(virtio_net_t *n, struct net_vq *q) { arm_interrupt(n, q); }
unsigned vnet_shape(virtio_net_t *n, enum net_chain c, uint32_t total, uint32_t *len) { return shape(n, c, total, len); }
unsigned vnet_frame_len(virtio_net_t *n) { return frame_len(n); }
void vnet_set_error(virtio_net_t *n, const char *msg, uint64_t v) { set_error(n, msg, v); }
