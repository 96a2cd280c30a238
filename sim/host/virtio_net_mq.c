/* virtio_net_mq.c - multiqueue virtio-net traffic: UDP flows over N transmitqs, receive buffers on N receiveqs, per-flow order and steering checks. */
#include <stdlib.h>
#include <string.h>

#include "host_link.h"
#include "virtio_net_mq.h"
#include "virtio_net_ring.h"
#include "virtio_spec.h"

#define FLOW_SPORT 0x8000u /* + flow id: flows differ in one nibble of a port, so the device's 16-entry
                            * flow table (docs/queue-engine.md) gives every flow its own entry */
#define FLOW_DPORT 5001u
#define FLOW_ID_OFF 42u    /* after Ethernet (14), IPv4 (20) and UDP (8) headers */

static void put_be16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static unsigned get_be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

static unsigned mq_frame_len(virtio_net_mq_t *m)
{
    virtio_net_t *n = &m->n;
    if (n->o.pkt_random) return NET_MQ_MIN_FRAME + rng_below(&n->rng, NET_MAX_FRAME_LEN - NET_MQ_MIN_FRAME + 1);
    unsigned len = vnet_frame_len(n); /* --pkt-size or IMIX */
    return len < NET_MQ_MIN_FRAME ? NET_MQ_MIN_FRAME : len;
}

/* Frame of flow f: to the device's MAC, IPv4/UDP 10.0.0.1:(0x8000+f) -> 10.0.0.2:5001, then the
 * flow id, its per-flow sequence number and seeded bytes. */
static unsigned make_flow_frame(virtio_net_mq_t *m, unsigned f, uint8_t *fr)
{
    virtio_net_t *n = &m->n;
    unsigned len = mq_frame_len(m);
    uint64_t seq = m->flow_seq[f]++;
    static const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x01};
    memset(fr, 0, FLOW_ID_OFF);
    memcpy(fr, n->d->mac, 6);
    memcpy(fr + 6, src, 6);
    fr[12] = 0x08; /* IPv4 */
    uint8_t *ip = fr + 14;
    ip[0] = 0x45; /* version 4, 20-byte header */
    put_be16(ip + 2, len - 14);
    put_be16(ip + 4, (unsigned)seq);
    ip[8] = 64;
    ip[9] = 17; /* UDP */
    const uint8_t sa[4] = {10, 0, 0, 1}, da[4] = {10, 0, 0, 2};
    memcpy(ip + 12, sa, 4);
    memcpy(ip + 16, da, 4);
    uint32_t sum = 0;
    for (unsigned i = 0; i < 20; i += 2) sum += get_be16(ip + i);
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    put_be16(ip + 10, ~sum & 0xFFFF);
    uint8_t *udp = ip + 20;
    put_be16(udp, FLOW_SPORT + f);
    put_be16(udp + 2, FLOW_DPORT);
    put_be16(udp + 4, len - 34);
    fr[FLOW_ID_OFF] = (uint8_t)f;
    memcpy(fr + FLOW_ID_OFF + 1, &seq, 8);
    for (unsigned i = FLOW_ID_OFF + 9; i < len; i++) fr[i] = (uint8_t)rng_next(&n->rng);
    return len;
}

/* The receiveq flow f must arrive on: the pair of its transmitq in loopback, else receiveq 0. */
static unsigned want_rxq(const virtio_net_mq_t *m, unsigned f)
{
    return m->n.p.workload == NET_LOOPBACK && !m->rx_all_q0 ? f % m->pairs : 0;
}

static void expect(virtio_net_mq_t *m, unsigned f, const uint8_t *fr, unsigned len)
{
    if (m->exp_n[f] == NET_MQ_EXP) {
        vnet_set_error(&m->n, "too many frames of one flow in flight for the checker", f);
        return;
    }
    struct net_mq_exp *e = &m->exp[f][(m->exp_head[f] + m->exp_n[f]) % NET_MQ_EXP];
    e->data = malloc(len);
    if (!e->data) {
        vnet_set_error(&m->n, "out of memory for the checker", len);
        return;
    }
    memcpy(e->data, fr, len);
    e->len = (uint16_t)len;
    m->exp_n[f]++;
    m->in_flight++;
    m->flow_sent[f]++;
}

/* A frame at the far end: its flow's oldest frame (order per flow, bytes); RX frames (rxq >= 0) must
 * come on the receiveq the device should steer the flow to. */
static void check(virtio_net_mq_t *m, const uint8_t *fr, unsigned len, int rxq, const char *where)
{
    virtio_net_t *n = &m->n;
    char msg[160];
    unsigned f = len > FLOW_ID_OFF ? fr[FLOW_ID_OFF] : NET_MQ_FLOWS;
    if (f >= NET_MQ_FLOWS || len < 14 + 28 || get_be16(fr + 34) != FLOW_SPORT + f) {
        snprintf(msg, sizeof msg, "%s: a frame of no flow the driver sent (%u bytes)", where, len);
        vnet_set_error(n, msg, m->wire_frames + m->rx_frames);
        return;
    }
    if (!m->exp_n[f]) {
        snprintf(msg, sizeof msg, "%s: flow %u has no frame in flight", where, f);
        vnet_set_error(n, msg, m->flow_got[f]);
        return;
    }
    struct net_mq_exp *e = &m->exp[f][m->exp_head[f]];
    if (e->len != len || memcmp(e->data, fr, len)) {
        snprintf(msg, sizeof msg, "%s: flow %u: frame differs from the next one sent on the flow (expected %u bytes, "
                                  "got %u; per-flow frame number)", where, f, e->len, len);
        vnet_set_error(n, msg, m->flow_got[f]);
    }
    if (rxq >= 0) {
        unsigned want = want_rxq(m, f);
        if ((unsigned)rxq != want) {
            snprintf(msg, sizeof msg, "%s: flow %u arrived on receiveq %d, expected receiveq %u (%s; frame of the flow)",
                     where, f, rxq, want,
                     want ? "the pair of its transmitq" : "an unknown flow or one pair: receiveq 0");
            vnet_set_error(n, msg, m->flow_got[f]);
        }
    }
    free(e->data);
    e->data = NULL;
    m->exp_head[f] = (m->exp_head[f] + 1) % NET_MQ_EXP;
    m->exp_n[f]--;
    m->in_flight--;
    m->flow_got[f]++;
}

static void on_wire(void *ctx, const uint8_t *fr, unsigned len)
{
    virtio_net_mq_t *m = ctx;
    m->wire_frames++;
    if (m->n.p.workload == NET_TX) {
        check(m, fr, len, -1, "TX frame on the wire");
        m->bytes += len;
    }
}

int virtio_net_mq_open(virtio_net_mq_t *m, virtio_drv_t *d, const struct net_params *p, const struct net_opts *o,
                       unsigned pairs)
{
    virtio_net_t *n = &m->n;
    memset(m, 0, sizeof *m);
    n->d = d;
    n->s = d->s;
    n->p = *p;
    if (o) n->o = *o;
    n->rng.s = p->seed ^ 0x6e6574ull;
    m->pairs = pairs;
    if (pairs < 1 || pairs > NET_MQ_MAX_PAIRS) {
        vnet_set_error(n, "queue pairs out of range for the multiqueue driver", pairs);
        return -1;
    }
    if (p->pkt_size > NET_MAX_FRAME_LEN) {
        vnet_set_error(n, "frame size out of range (14..1514 bytes)", p->pkt_size);
        return -1;
    }
    if (n->o.replay || n->o.rx_overrun || n->o.place != NET_PLACE_LOW) {
        vnet_set_error(n, "the multiqueue driver generates its own flows (no replay, overrun or top placement)", 0);
        return -1;
    }
    for (unsigned f = 0; f < NET_MQ_FLOWS; f++)
        if (!(m->exp[f] = calloc(NET_MQ_EXP, sizeof *m->exp[f]))) {
            vnet_set_error(n, "out of memory for the checker", f);
            return -1;
        }
    n->data_vqs = 2 * pairs;
    n->s->bus.net.on_tx_frame = on_wire;
    n->s->bus.net.ctx = m;
    n->s->bus.net.loopback = p->workload == NET_LOOPBACK;
    for (unsigned k = 0; k < pairs; k++) {
        if (vnet_setup_vq(n, &m->rx[k], 2 * k, true) || vnet_setup_vq(n, &m->tx[k], 2 * k + 1, false)) {
            vnet_set_error(n, "every receiveq and transmitq of the pairs must be set up (and fit in host memory); pair",
                           k);
            return -1;
        }
        struct net_vq *qs[2] = {&m->rx[k], &m->tx[k]};
        for (int i = 0; i < 2; i++) {
            if (n->o.poll) { /* no interrupts please: VRING_AVAIL_F_NO_INTERRUPT / driver event DISABLE */
                uint16_t one = 1;
                host_mem_write(&n->s->mem, qs[i]->packed ? qs[i]->driver + 2 : qs[i]->driver, &one, 2);
            }
            vnet_arm_interrupt(n, qs[i]);
        }
    }
    return 0;
}

/* Checkpoints: the struct's bytes, then what its pointers own (every pair's queues, every flow's frames
 * in flight). */
void virtio_net_mq_save(const virtio_net_mq_t *m, ckpt_t *k)
{
    ckpt_put(k, "VNMQ", m, sizeof *m);
    for (unsigned p = 0; p < m->pairs; p++) {
        vnet_vq_save(&m->rx[p], k);
        vnet_vq_save(&m->tx[p], k);
    }
    for (unsigned f = 0; f < NET_MQ_FLOWS; f++)
        for (unsigned i = 0; i < m->exp_n[f]; i++) {
            const struct net_mq_exp *e = &m->exp[f][(m->exp_head[f] + i) % NET_MQ_EXP];
            ckpt_put(k, "VEXP", e->data, e->len);
        }
}

int virtio_net_mq_load(virtio_net_mq_t *m, virtio_drv_t *d, const struct net_opts *o, ckpt_t *k)
{
    const virtio_net_mq_t *f = ckpt_get(k, "VNMQ", sizeof *f);
    if (!f) return -1;
    bool bad = f->pairs < 1 || f->pairs > NET_MQ_MAX_PAIRS;
    for (unsigned p = 0; !bad && p < f->pairs; p++)
        bad = f->rx[p].size != d->q[2 * p].size || f->tx[p].size != d->q[2 * p + 1].size;
    for (unsigned g = 0; !bad && g < NET_MQ_FLOWS; g++) bad = f->exp_head[g] >= NET_MQ_EXP || f->exp_n[g] > NET_MQ_EXP;
    if (bad) {
        k->failed = true;
        snprintf(k->error, sizeof k->error, "section VNMQ: a queue or count that does not fit the driver");
        return -1;
    }
    memcpy(m, f, sizeof *m);
    virtio_net_t *n = &m->n;
    n->d = d;
    n->s = d->s;
    memset(&n->o, 0, sizeof n->o);
    if (o) n->o = *o;
    for (unsigned p = 0; p < NET_MQ_MAX_PAIRS; p++) {
        struct net_vq *qs[2] = {&m->rx[p], &m->tx[p]};
        for (int i = 0; i < 2; i++) qs[i]->buf = NULL, qs[i]->free_list = NULL, qs[i]->order = NULL;
    }
    for (unsigned g = 0; g < NET_MQ_FLOWS; g++) {
        m->exp[g] = NULL;
        m->exp_n[g] = 0;
    }
    for (unsigned p = 0; p < m->pairs; p++)
        if (vnet_vq_load(&m->rx[p], k) || vnet_vq_load(&m->tx[p], k)) return -1;
    for (unsigned g = 0; g < NET_MQ_FLOWS; g++) {
        if (!(m->exp[g] = calloc(NET_MQ_EXP, sizeof *m->exp[g]))) return -1;
        for (unsigned i = 0; i < f->exp_n[g]; i++) {
            struct net_mq_exp *e = &m->exp[g][(m->exp_head[g] + i) % NET_MQ_EXP];
            size_t len;
            const void *data = ckpt_get_any(k, "VEXP", &len); /* the entry's length is its section's */
            if (!data || len > NET_MAX_FRAME_LEN || !(e->data = malloc(len ? len : 1))) return -1;
            memcpy(e->data, data, len);
            e->len = (uint16_t)len;
            m->exp_n[g]++;
        }
    }
    n->s->bus.net.on_tx_frame = on_wire;
    n->s->bus.net.ctx = m;
    m->run.resume = true;
    return 0;
}

void virtio_net_mq_close(virtio_net_mq_t *m)
{
    if (!m->n.s) return; /* never opened */
    for (unsigned f = 0; f < NET_MQ_FLOWS; f++) {
        if (!m->exp[f]) continue;
        for (unsigned i = 0; i < NET_MQ_EXP; i++) free(m->exp[f][i].data);
        free(m->exp[f]);
        m->exp[f] = NULL;
    }
    for (unsigned k = 0; k < NET_MQ_MAX_PAIRS; k++) {
        free(m->rx[k].buf);
        free(m->rx[k].free_list);
        free(m->rx[k].order);
        free(m->tx[k].buf);
        free(m->tx[k].free_list);
        free(m->tx[k].order);
        m->rx[k].buf = m->tx[k].buf = NULL;
        m->rx[k].free_list = m->tx[k].free_list = NULL;
    }
    if (m->n.s->bus.net.ctx == m) {
        m->n.s->bus.net.on_tx_frame = NULL;
        m->n.s->bus.net.ctx = NULL;
        m->n.s->bus.net.loopback = false;
    }
}

uint64_t virtio_net_mq_packets(const virtio_net_mq_t *m)
{
    uint64_t done = 0;
    for (unsigned k = 0; k < m->pairs; k++) done += m->tx[k].completed;
    return m->n.p.workload == NET_TX ? (done < m->wire_frames ? done : m->wire_frames) : m->rx_frames;
}

static void reap_tx(virtio_net_mq_t *m, struct net_vq *q)
{
    uint16_t id;
    uint32_t len;
    while (vnet_reap_one(&m->n, q, &id, &len))
        if (len != 0) vnet_set_error(&m->n, "TX used length must be 0 (the device writes nothing)", len);
    vnet_arm_interrupt(&m->n, q);
}

/* Post receive buffers while descriptors last (a shape that does not fit waits for the next time). */
static bool fill_rx(virtio_net_mq_t *m, struct net_vq *q)
{
    bool posted = false;
    for (;;) {
        if (!q->pend) {
            uint32_t total = NET_BUF_SIZE;
            if (m->n.o.rx_chain == NET_CHAIN_RANDOM) /* anything that still holds a full frame */
                total = NET_HDR_LEN + NET_MAX_FRAME_LEN +
                        rng_below(&m->n.rng, NET_BUF_SIZE - NET_HDR_LEN - NET_MAX_FRAME_LEN + 1);
            q->pend_n = (uint8_t)vnet_shape(&m->n, m->n.o.rx_chain, total, q->pend_len);
            q->pend = true;
        }
        if (!vnet_can_post(q, q->pend_n)) break;
        vnet_post(&m->n, q, q->pend_n, q->pend_len, NULL);
        q->pend = false;
        posted = true;
    }
    return posted;
}

/* Received buffers of receiveq k: header + frame across the pieces, poison everywhere else. */
static void reap_rx(virtio_net_mq_t *m, unsigned k)
{
    virtio_net_t *n = &m->n;
    struct net_vq *q = &m->rx[k];
    uint16_t id;
    uint32_t len;
    static uint8_t pkt[NET_REGION];
    while (vnet_reap_one(n, q, &id, &len)) {
        const struct net_buf *b = &q->buf[id];
        if (len < NET_HDR_LEN + 14 || len > b->total) {
            vnet_set_error(n, "RX used length out of range", len);
            return;
        }
        if (!vnet_rx_region(n, q, id, len, pkt)) return;
        uint16_t nbuf;
        memcpy(&nbuf, pkt + 10, 2);
        if (nbuf != 1) vnet_set_error(n, "RX header num_buffers must be 1", nbuf);
        for (unsigned i = 0; i < 10; i++)
            if (pkt[i]) vnet_set_error(n, "RX header flags/gso/csum fields must be 0", i);
        check(m, pkt + NET_HDR_LEN, len - NET_HDR_LEN, (int)k, "RX frame");
        m->rx_got[k]++;
        m->rx_frames++;
        m->bytes += len - NET_HDR_LEN;
    }
    vnet_arm_interrupt(n, q);
    if (fill_rx(m, q)) vnet_kick(n, q);
}

static void reap_all(virtio_net_mq_t *m)
{
    for (unsigned k = 0; k < m->pairs; k++) {
        reap_tx(m, &m->tx[k]);
        reap_rx(m, k);
    }
}

int virtio_net_mq_run(virtio_net_mq_t *m)
{
    virtio_net_t *n = &m->n;
    vdpu_bus_t *b = &n->s->bus;
    host_mem_t *mem = &n->s->mem;
    struct net_mq_run *r = &m->run;
    bool tx_side = n->p.workload != NET_RX, rx_side = n->p.workload != NET_TX;
    unsigned nq = 2 * m->pairs;
    struct net_vq *qs[2 * NET_MQ_MAX_PAIRS];
    uint64_t *seen = r->seen;
    for (unsigned k = 0; k < m->pairs; k++) {
        qs[2 * k] = &m->rx[k];
        qs[2 * k + 1] = &m->tx[k];
    }
    bool resume = r->resume;
    r->resume = false;
    if (!resume) {
        r->limit = b->dev->cycle + n->p.max_cycles;
        r->next_poll = b->dev->cycle;
        /* MSI-X, one vector per queue as the driver programmed them, or (no vectors) INTx and the ISR */
        r->intx = false;
        for (unsigned i = 0; i < nq; i++) r->intx |= qs[i]->vector >= VDPU_NUM_VECTORS;
        for (unsigned i = 0; i < nq; i++) seen[i] = r->intx ? 0 : mem->msi_count[PCI_MSI_DATA_BASE + qs[i]->vector];
        n->cfg_seen = mem->msi_count[PCI_MSI_DATA_BASE + 0];
        if (rx_side)
            for (unsigned k = 0; k < m->pairs; k++)
                if (fill_rx(m, &m->rx[k])) vnet_kick(n, &m->rx[k]);
    }
    const uint64_t limit = r->limit;
    const bool intx = r->intx;
    if (resume) goto resume_after_turn; /* a restored checkpoint: its hook ran at this turn */
    while (!b->stopped && !n->error[0] && b->dev->cycle < limit) {
        uint64_t tx_done = 0;
        for (unsigned k = 0; k < m->pairs; k++) tx_done += m->tx[k].completed;
        bool done = tx_side && !rx_side ? m->wire_frames >= n->p.packets && tx_done >= n->p.packets
                                        : m->rx_frames >= n->p.packets && (!tx_side || tx_done >= n->p.packets);
        if (done) break;
        if (tx_side) {
            unsigned posted = 0; /* transmitqs to kick, by bit */
            while (m->sent < n->p.packets && m->in_flight < 4000) {
                if (!m->pend) {
                    memset(m->frame, 0, NET_HDR_LEN); /* virtio_net_hdr: no offloads */
                    m->pend_flow = rng_below(&n->rng, NET_MQ_FLOWS);
                    m->pend_len = NET_HDR_LEN + make_flow_frame(m, m->pend_flow, m->frame + NET_HDR_LEN);
                    m->pend_n = (uint8_t)vnet_shape(n, n->o.tx_chain, m->pend_len, m->pend_dlen);
                    m->pend = true;
                }
                unsigned k = m->pend_flow % m->pairs, r = want_rxq(m, m->pend_flow);
                /* loopback: never more frames for a receiveq in flight than buffers posted on it */
                if (rx_side && m->rx_want[r] - m->rx_got[r] >= m->rx[r].outstanding) break;
                if (!vnet_can_post(&m->tx[k], m->pend_n)) break;
                vnet_post(n, &m->tx[k], m->pend_n, m->pend_dlen, m->frame);
                expect(m, m->pend_flow, m->frame + NET_HDR_LEN, m->pend_len - NET_HDR_LEN);
                m->pend = false;
                m->sent++;
                m->tx_sent[k]++;
                if (rx_side) m->rx_want[r]++;
                posted |= 1u << k;
            }
            for (unsigned k = 0; k < m->pairs; k++)
                if (posted >> k & 1) vnet_kick(n, &m->tx[k]);
        } else {
            /* the wire side: flows nothing was transmitted for, so all of them belong to receiveq 0 */
            while (m->sent < n->p.packets && b->net.rx_n < 64 && m->rx_want[0] - m->rx_got[0] < m->rx[0].outstanding) {
                unsigned f = rng_below(&n->rng, NET_MQ_FLOWS);
                unsigned len = make_flow_frame(m, f, m->frame);
                if (!netport_inject(&b->net, m->frame, len)) {
                    vnet_set_error(n, "the network port refused a frame", len);
                    break;
                }
                expect(m, f, m->frame, len);
                m->sent++;
                m->rx_want[0]++;
            }
        }
        if (n->o.on_turn && b->dev->cycle >= n->o.on_turn_from) { /* as virtio_net_run's (net_opts) */
            n->o.on_turn(n, n->o.on_turn_ctx);
            if (n->error[0] || b->stopped) break;
        }
    resume_after_turn:;
        /* the driver's own next action: its poll, or the cycle limit; every turn with a hook */
        uint64_t h = n->o.poll && r->next_poll < limit ? r->next_poll : limit;
        if (n->o.on_turn) {
            uint64_t t = n->o.on_turn_from > b->dev->cycle ? n->o.on_turn_from : b->dev->cycle + 1;
            if (t < h) h = t;
        }
        vdpu_bus_advance(b, h);
        bool irq[2 * NET_MQ_MAX_PAIRS] = {false}, any = false;
        if (intx) {
            if (b->out.intx) { /* vp_interrupt: read ISR (clears it and the line), bit 0 = a queue */
                uint64_t isr = 0;
                if (host_mem_rd(b, n->s->pci.vcap[VIRTIO_PCI_CAP_ISR_CFG].addr, 1, &isr) != VDPU_CPL_SC)
                    vnet_set_error(n, "ISR read failed", 0);
                m->isr_reads++;
                for (unsigned i = 0; i < nq; i++) irq[i] = (isr & 1) != 0;
                if (isr & 2) vnet_config_irq(n, true);
            }
        } else {
            vnet_config_irq(n, false);
            for (unsigned i = 0; i < nq; i++) {
                uint64_t c = mem->msi_count[PCI_MSI_DATA_BASE + qs[i]->vector];
                irq[i] = c != seen[i];
                seen[i] = c;
            }
        }
        for (unsigned i = 0; i < nq; i++) any |= irq[i];
        if (n->o.poll) {
            if (any) vnet_set_error(n, "a queue interrupt arrived although the driver suppressed them", 0);
            if (b->dev->cycle >= r->next_poll) {
                r->next_poll = b->dev->cycle + n->o.poll;
                reap_all(m);
            }
            continue;
        }
        /* the interrupt handler of each queue's vector */
        for (unsigned i = 0; i < nq; i++) {
            if (!irq[i]) continue;
            qs[i]->irqs_seen++;
            if (i % 2) reap_tx(m, qs[i]);
            else reap_rx(m, i / 2);
        }
    }
    if (!n->error[0] && b->dev->cycle >= limit) {
        n->timed_out = true;
        vnet_set_error(n, "traffic did not complete within the cycle limit", n->p.max_cycles);
    }
    for (unsigned k = 0; k < m->pairs && !n->error[0]; k++) {
        if (tx_side && (m->tx[k].outstanding || m->tx[k].completed != m->tx_sent[k]))
            vnet_set_error(n, "transmit buffers not returned by the device (transmitq pair)", k);
        else if (rx_side && m->rx_got[k] != m->rx_want[k])
            vnet_set_error(n, "frames received on a receiveq differ from the frames steered to it (pair)", k);
    }
    return n->error[0] || b->stopped ? -1 : 0;
}

void virtio_net_mq_report(const virtio_net_mq_t *m, FILE *f)
{
    for (unsigned k = 0; k < m->pairs; k++)
        fprintf(f, "[host] pair %u: transmitq %u sent %llu frames (%llu interrupts), receiveq %u received %llu "
                   "(%llu interrupts)\n",
                k, m->tx[k].idx, (unsigned long long)m->tx_sent[k], (unsigned long long)m->tx[k].irqs_seen, m->rx[k].idx,
                (unsigned long long)m->rx_got[k], (unsigned long long)m->rx[k].irqs_seen);
    fprintf(f, "[host] flows:");
    for (unsigned i = 0; i < NET_MQ_FLOWS; i++)
        fprintf(f, " %u:%llu/%llu", i, (unsigned long long)m->flow_got[i], (unsigned long long)m->flow_sent[i]);
    fprintf(f, " (checked/sent)\n");
}
