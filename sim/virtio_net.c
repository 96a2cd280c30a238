/* virtio_net.c - split/packed virtio-net driver model: post, kick, reap, and checked TX/RX/loopback traffic. */
#include <stdlib.h>
#include <string.h>

#include "host_link.h"
#include "virtio_net.h"
#include "virtio_spec.h"

#define PACKED_F_NEXT 1u
#define PACKED_F_WRITE 2u
#define PACKED_F_AVAIL (1u << 7)
#define PACKED_F_USED (1u << 15)

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

/* ---- frames --------------------------------------------------------------------------------- */

static unsigned frame_len(virtio_net_t *n)
{
    if (n->p.pkt_size) return n->p.pkt_size;
    unsigned k = rng_below(&n->rng, 12); /* IMIX 7:4:1 */
    return k < 7 ? 64 : k < 11 ? 576 : 1500;
}

/* Frame `seq`: to the device's MAC, a local ethertype, the sequence number, then seeded bytes. */
static unsigned make_frame(virtio_net_t *n, uint8_t *f)
{
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

/* ---- rings ---------------------------------------------------------------------------------- */

static void kick(virtio_net_t *n, struct net_vq *q)
{
    /* VIRTQ_USED_F_NO_NOTIFY (split) / device event suppression (packed): the device never asks
     * for silence in this version, but a driver must look */
    if (!q->packed && (rd16(n, q->device) & VRING_USED_F_NO_NOTIFY)) return;
    if (q->packed && rd16(n, q->device + 2) == 1 /* RING_EVENT_FLAGS_DISABLE */) return;
    host_mem_wr(&n->s->bus, q->notify, 2, q->idx);
    q->kicks++;
}

/* Post buffer `id` (slot) of the queue: bytes [0, len) of it are the buffer. */
static void post(virtio_net_t *n, struct net_vq *q, uint16_t id, uint32_t len)
{
    uint64_t addr = q->bufs + (uint64_t)id * NET_BUF_SIZE;
    if (!q->packed) {
        uint64_t d = q->desc + 16ull * id;
        wr64(n, d, addr);
        wr32(n, d + 8, len);
        wr16(n, d + 12, q->rx ? VRING_DESC_F_WRITE : 0);
        wr16(n, d + 14, 0);
        wr16(n, q->driver + 4 + 2ull * (q->avail_idx % q->size), id);
        q->avail_idx++;
        wr16(n, q->driver + 2, q->avail_idx); /* publish after the entry (the host runs between device cycles) */
    } else {
        uint64_t d = q->desc + 16ull * q->next_avail;
        wr64(n, d, addr);
        wr32(n, d + 8, len);
        wr16(n, d + 12, id);
        uint16_t fl = (uint16_t)((q->rx ? PACKED_F_WRITE : 0) | (q->avail_wrap ? PACKED_F_AVAIL : PACKED_F_USED));
        wr16(n, d + 14, fl);
        if (++q->next_avail == q->size) {
            q->next_avail = 0;
            q->avail_wrap = !q->avail_wrap;
        }
    }
    q->outstanding++;
    q->posted++;
}

/* Next used buffer: true with its id and length. */
static bool reap_one(virtio_net_t *n, struct net_vq *q, uint16_t *id, uint32_t *len)
{
    if (!q->packed) {
        uint16_t used = rd16(n, q->device + 2);
        if (used == q->last_used) return false;
        uint64_t e = q->device + 4 + 8ull * (q->last_used % q->size);
        *id = (uint16_t)rd32(n, e);
        *len = rd32(n, e + 4);
        q->last_used++;
    } else {
        uint64_t d = q->desc + 16ull * q->next_used;
        uint16_t fl = rd16(n, d + 14);
        bool avail = fl & PACKED_F_AVAIL, usedf = fl & PACKED_F_USED;
        if (avail != q->used_wrap || usedf != q->used_wrap) return false;
        *len = rd32(n, d + 8);
        *id = rd16(n, d + 12);
        if (++q->next_used == q->size) {
            q->next_used = 0;
            q->used_wrap = !q->used_wrap;
        }
    }
    if (*id >= q->size) {
        set_error(n, "device returned a buffer id out of range", *id);
        return false;
    }
    q->outstanding--;
    q->completed++;
    return true;
}

static bool has_packed(const virtio_net_t *n)
{
    return (n->d->negotiated[VIRTIO_F_RING_PACKED / 32] >> (VIRTIO_F_RING_PACKED % 32)) & 1;
}

static int setup_vq(virtio_net_t *n, struct net_vq *q, unsigned idx, bool rx)
{
    const struct drv_queue *dq = &n->d->q[idx];
    if (!dq->enabled) return -1;
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
    q->bufs = n->d->ram_next = (n->d->ram_next + 4095) & ~4095ull;
    n->d->ram_next += (uint64_t)q->size * NET_BUF_SIZE;
    if (n->d->ram_next > VDPU_HOST_RAM_SIZE) return -1;
    /* the memory guard: the device may write the used ring (packed: the ring) and receive buffers */
    link_t *l = &n->s->bus.link;
    if (q->packed) link_grant(l, q->desc, 16ull * q->size);
    else link_grant(l, q->device, 6 + 8ull * q->size);
    if (rx) link_grant(l, q->bufs, (uint64_t)q->size * NET_BUF_SIZE);
    return 0;
}

int virtio_net_open(virtio_net_t *n, virtio_drv_t *d, const struct net_params *p)
{
    memset(n, 0, sizeof *n);
    n->d = d;
    n->s = d->s;
    n->p = *p;
    n->rng.s = p->seed ^ 0x6e6574ull;
    if (setup_vq(n, &n->rx, 0, true) || setup_vq(n, &n->tx, 1, false)) {
        set_error(n, "receiveq 0 and transmitq 0 must be set up (and fit in host memory)", 0);
        return -1;
    }
    n->s->bus.net.on_tx_frame = on_wire;
    n->s->bus.net.ctx = n;
    n->s->bus.net.loopback = p->workload == NET_LOOPBACK;
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
    n->s->bus.net.on_tx_frame = NULL;
}

uint64_t virtio_net_packets(const virtio_net_t *n)
{
    return n->p.workload == NET_TX ? (n->tx.completed < n->wire_frames ? n->tx.completed : n->wire_frames)
                                   : n->rx_frames;
}

/* TX: completed buffers go back to the free pool (in-order ids: slot = completions so far) */
static void reap_tx(virtio_net_t *n)
{
    uint16_t id;
    uint32_t len;
    while (reap_one(n, &n->tx, &id, &len))
        if (len != 0) set_error(n, "TX used length must be 0 (the device writes nothing)", len);
}

static void reap_rx(virtio_net_t *n)
{
    uint16_t id;
    uint32_t len;
    bool reposted = false;
    static uint8_t buf[NET_BUF_SIZE];
    while (reap_one(n, &n->rx, &id, &len)) {
        if (len < NET_HDR_LEN || len > NET_BUF_SIZE) {
            set_error(n, "RX used length out of range", len);
            return;
        }
        host_mem_read(&n->s->mem, n->rx.bufs + (uint64_t)id * NET_BUF_SIZE, buf, len);
        uint16_t nbuf;
        memcpy(&nbuf, buf + 10, 2);
        if (nbuf != 1) set_error(n, "RX header num_buffers must be 1", nbuf);
        check(n, buf + NET_HDR_LEN, len - NET_HDR_LEN, "RX frame");
        n->rx_frames++;
        n->bytes += len - NET_HDR_LEN;
        post(n, &n->rx, id, NET_BUF_SIZE);
        reposted = true;
    }
    if (reposted) kick(n, &n->rx);
}

int virtio_net_run(virtio_net_t *n)
{
    vdpu_bus_t *b = &n->s->bus;
    host_mem_t *m = &n->s->mem;
    uint64_t limit = b->dev->cycle + n->p.max_cycles, sent = 0;
    uint64_t seen_tx = m->msi_count[PCI_MSI_DATA_BASE + n->tx.vector];
    uint64_t seen_rx = m->msi_count[PCI_MSI_DATA_BASE + n->rx.vector];
    static uint8_t frame[NET_BUF_SIZE];
    bool tx_side = n->p.workload != NET_RX, rx_side = n->p.workload != NET_TX;
    uint16_t tx_slot = 0;

    if (rx_side) {
        for (uint16_t i = 0; i < n->rx.size; i++) post(n, &n->rx, i, NET_BUF_SIZE);
        kick(n, &n->rx);
    }
    while (!b->stopped && !n->error[0] && b->dev->cycle < limit) {
        bool done = tx_side && !rx_side ? n->wire_frames >= n->p.packets && n->tx.completed >= n->p.packets
                                        : n->rx_frames >= n->p.packets;
        if (done) break;
        if (tx_side) {
            bool posted = false;
            while (sent < n->p.packets && n->tx.outstanding < n->tx.size && n->exp_n < 4000) {
                memset(frame, 0, NET_HDR_LEN); /* virtio_net_hdr: no offloads */
                unsigned len = make_frame(n, frame + NET_HDR_LEN);
                host_mem_write(m, n->tx.bufs + (uint64_t)tx_slot * NET_BUF_SIZE, frame, NET_HDR_LEN + len);
                post(n, &n->tx, tx_slot, NET_HDR_LEN + len);
                expect(n, frame + NET_HDR_LEN, len);
                tx_slot = (uint16_t)((tx_slot + 1) % n->tx.size);
                sent++;
                posted = true;
            }
            if (posted) kick(n, &n->tx);
        } else {
            /* the wire side of RX: keep the network port's queue topped up */
            while (sent < n->p.packets && b->net.rx_n < 64) {
                unsigned len = make_frame(n, frame);
                if (!netport_inject(&b->net, frame, len)) break;
                expect(n, frame, len);
                sent++;
            }
        }
        vdpu_bus_step(b);
        /* interrupt handlers: reap what the device completed */
        if (m->msi_count[PCI_MSI_DATA_BASE + n->tx.vector] != seen_tx) {
            seen_tx = m->msi_count[PCI_MSI_DATA_BASE + n->tx.vector];
            n->tx.irqs_seen++;
            reap_tx(n);
        }
        if (m->msi_count[PCI_MSI_DATA_BASE + n->rx.vector] != seen_rx) {
            seen_rx = m->msi_count[PCI_MSI_DATA_BASE + n->rx.vector];
            n->rx.irqs_seen++;
            reap_rx(n);
        }
    }
    if (!n->error[0] && b->dev->cycle >= limit) set_error(n, "traffic did not complete within the cycle limit",
                                                          n->p.max_cycles);
    if (!n->error[0] && n->bad_frames) set_error(n, "frames differed from the ones sent", n->bad_frames);
    return n->error[0] || b->stopped ? -1 : 0;
}
