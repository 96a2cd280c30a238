/* virtio_drv.c - virtio-net driver model: the init sequence of Linux's virtio_dev_probe over the modern PCI transport. */
#include <stdarg.h>
#include <string.h>

#include "host_link.h"
#include "virtio_drv.h"
#include "virtio_features.h"
#include "virtio_spec.h"

#define S_ACK VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRIVER VIRTIO_CONFIG_S_DRIVER
#define S_FEATURES_OK VIRTIO_CONFIG_S_FEATURES_OK
#define S_DRIVER_OK VIRTIO_CONFIG_S_DRIVER_OK
#define S_NEEDS_RESET VIRTIO_CONFIG_S_NEEDS_RESET
#define RAM_RINGS_BASE 0x100000ull /* rings are allocated upward from 1 MiB of host RAM */

static bool has(const uint32_t f[4], unsigned bit) { return (f[bit / 32] >> (bit % 32)) & 1; }

void drv_params_default(struct drv_params *p)
{
    memset(p, 0, sizeof *p);
    p->ring = DRV_RING_SPLIT;
    p->qsize = 256;
    p->use_msix = true;
    /* what Linux virtio_net + virtio_ring understand of our device's offer */
    const unsigned bits[] = {VIRTIO_NET_F_MAC, VIRTIO_NET_F_MTU, VIRTIO_NET_F_STATUS, VIRTIO_NET_F_CTRL_VQ,
                             VIRTIO_NET_F_CTRL_RX, VIRTIO_NET_F_MRG_RXBUF, VIRTIO_NET_F_MQ, VIRTIO_NET_F_CTRL_MAC_ADDR,
                             VIRTIO_RING_F_INDIRECT_DESC, VIRTIO_RING_F_EVENT_IDX, VIRTIO_F_VERSION_1,
                             VIRTIO_F_RING_PACKED, VIRTIO_F_IN_ORDER, VIRTIO_F_NOTIFICATION_DATA,
                             VIRTIO_F_RING_RESET};
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) p->accept[bits[i] / 32] |= 1u << (bits[i] % 32);
}

void drv_step(virtio_drv_t *d, const char *fmt, ...)
{
    if (d->nsteps == DRV_MAX_STEPS) return;
    struct drv_step *st = &d->steps[d->nsteps++];
    st->cycle = d->s->bus.dev->cycle;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->what, sizeof st->what, fmt, ap);
    va_end(ap);
}

void virtio_drv_save(const virtio_drv_t *d, ckpt_t *k) { ckpt_put(k, "VDRV", d, sizeof *d); }

int virtio_drv_load(virtio_drv_t *d, vdpu_session_t *s, ckpt_t *k)
{
    if (ckpt_take(k, "VDRV", d, sizeof *d)) return -1;
    d->s = s;
    if (d->nq > DRV_MAX_QUEUES || d->nsteps > DRV_MAX_STEPS) {
        k->failed = true;
        snprintf(k->error, sizeof k->error, "section VDRV: %u queues, %u steps out of range", d->nq, d->nsteps);
        return -1;
    }
    return 0;
}

void virtio_drv_print_timeline(const virtio_drv_t *d, FILE *out)
{
    fprintf(out, "[host] control-plane timeline (250 MHz device clock):\n");
    for (unsigned i = 0; i < d->nsteps; i++)
        fprintf(out, "[host] %10llu ns  cycle %8llu  %s\n", (unsigned long long)(d->steps[i].cycle * 4),
                (unsigned long long)d->steps[i].cycle, d->steps[i].what);
}

int drv_rd(virtio_drv_t *d, uint32_t off, unsigned size, uint64_t *v)
{
    if (host_mem_rd(&d->s->bus, d->cc + off, size, v) == VDPU_CPL_SC) return 0;
    d->link_error = true;
    return -1;
}

int drv_wr(virtio_drv_t *d, uint32_t off, unsigned size, uint64_t v)
{
    if (host_mem_wr(&d->s->bus, d->cc + off, size, v)) return 0;
    d->link_error = true;
    return -1;
}

uint8_t drv_status(virtio_drv_t *d)
{
    uint64_t v = 0xff;
    drv_rd(d, VDPU_COMMON_STATUS, 1, &v);
    return (uint8_t)v;
}

int drv_set_status(virtio_drv_t *d, uint8_t v) { return drv_wr(d, VDPU_COMMON_STATUS, 1, v); }

static enum drv_result refuse(virtio_drv_t *d, const char *why)
{
    /* a held read that ended by its timeout means nobody decided: the firmware did not answer (a
     * stuck or absent event service), which is not the device refusing */
    uint64_t timeouts = d->s->bus.diag_count[VDPU_DIAG_HELD_TIMEOUT] - d->held_timeouts0;
    d->no_answer = timeouts != 0;
    if (timeouts)
        snprintf(d->refusal, sizeof d->refusal, "the firmware did not answer (%llu held reads ended by HOLD_TIMEOUT); "
                 "then: %s", (unsigned long long)timeouts, why);
    else
        snprintf(d->refusal, sizeof d->refusal, "%s", why);
    drv_step(d, "%s: %s", timeouts ? "NO ANSWER" : "REFUSED", why);
    /* a failed access is not the device's decision: never report it as a refusal */
    return d->s->bus.stopped || d->link_error ? DRV_ERROR : DRV_REFUSED;
}

/* add_status(): read-modify-write, as virtio_add_status does */
static int add_status(virtio_drv_t *d, uint8_t bit, const char *name)
{
    uint8_t st = drv_status(d);
    if (d->link_error || drv_set_status(d, (uint8_t)(st | bit))) return -1;
    drv_step(d, "%s (device_status 0x%02x)", name, st | bit);
    return d->s->bus.stopped ? -1 : 0;
}

enum drv_result virtio_drv_reset(virtio_drv_t *d)
{
    if (drv_set_status(d, 0)) return DRV_ERROR;
    drv_step(d, "reset: device_status <- 0");
    for (unsigned tries = 0; tries < 1000; tries++) {
        uint64_t v;
        if (drv_rd(d, VDPU_COMMON_STATUS, 1, &v)) return DRV_ERROR;
        if (v == 0) {
            drv_step(d, "reset complete: device_status reads 0");
            d->status = 0;
            return DRV_OK;
        }
    }
    return refuse(d, "device_status never read 0 after reset");
}

static uint64_t alloc(virtio_drv_t *d, uint64_t len, uint64_t align)
{
    d->ram_next = (d->ram_next + align - 1) & ~(align - 1);
    uint64_t a = d->ram_next;
    d->ram_next += len;
    return a;
}

static bool ram_exhausted(const virtio_drv_t *d) { return d->ram_next > d->ram_end; }

/* One virtqueue, in the order Linux's vp_modern setup_vq programs it: check it is not live,
 * size, ring addresses, notify offset, then the MSI-X vector (vp_find_vqs_msix). Enabling
 * comes later, for all queues at once. */
static enum drv_result setup_queue(virtio_drv_t *d, const struct drv_params *p, unsigned i, bool packed)
{
    struct drv_queue *q = &d->q[i];
    uint64_t v;
    if (drv_wr(d, VDPU_COMMON_Q_SELECT, 2, i) || drv_rd(d, VDPU_COMMON_Q_ENABLE, 2, &v)) return DRV_ERROR;
    if (v) return refuse(d, "queue already enabled before setup");
    if (drv_rd(d, VDPU_COMMON_Q_SIZE, 2, &v)) return DRV_ERROR;
    if (v == 0) return refuse(d, "queue not available (queue_size 0)");
    const struct drv_given_ring *given = p->rings && p->rings[i].size ? &p->rings[i] : NULL;
    if (given && given->size > v) {
        char why[96];
        snprintf(why, sizeof why, "queue %u: size %u above the device's maximum %llu", i, given->size,
                 (unsigned long long)v);
        return refuse(d, why);
    }
    uint16_t size = given ? given->size : (uint16_t)(p->qsize && p->qsize < v ? p->qsize : v);
    q->size = size;
    if (drv_wr(d, VDPU_COMMON_Q_SIZE, 2, size) || drv_rd(d, VDPU_COMMON_Q_SIZE, 2, &v)) return DRV_ERROR;
    if (v != size) return refuse(d, "queue_size not accepted");
    if (given) {
        q->desc = given->desc;
        q->driver = given->driver;
        q->device = given->device;
    } else if (packed) {
        q->desc = alloc(d, 16ull * size, 16);
        q->driver = alloc(d, 4, 4);
        q->device = alloc(d, 4, 4);
    } else {
        q->desc = alloc(d, 16ull * size, 16);
        q->driver = alloc(d, 6 + 2ull * size, 2);
        q->device = alloc(d, 6 + 8ull * size, 4);
    }
    if (ram_exhausted(d)) return refuse(d, "no host RAM left for the rings");
    if (drv_wr(d, VDPU_COMMON_Q_DESCLO, 4, (uint32_t)q->desc) || drv_wr(d, VDPU_COMMON_Q_DESCHI, 4, q->desc >> 32) ||
        drv_wr(d, VDPU_COMMON_Q_AVAILLO, 4, (uint32_t)q->driver) ||
        drv_wr(d, VDPU_COMMON_Q_AVAILHI, 4, q->driver >> 32) || drv_wr(d, VDPU_COMMON_Q_USEDLO, 4, (uint32_t)q->device) ||
        drv_wr(d, VDPU_COMMON_Q_USEDHI, 4, q->device >> 32))
        return DRV_ERROR;
    if (drv_rd(d, VDPU_COMMON_Q_NOFF, 2, &v)) return DRV_ERROR;
    q->notify_off = (uint16_t)v;
    q->vector = p->use_msix ? (uint16_t)(1 + i % (VDPU_NUM_VECTORS - 1)) : 0xffff;
    if (p->use_msix) {
        if (drv_wr(d, VDPU_COMMON_Q_MSIX, 2, q->vector) || drv_rd(d, VDPU_COMMON_Q_MSIX, 2, &v)) return DRV_ERROR;
        if (v != q->vector) return refuse(d, "queue_msix_vector refused (NO_VECTOR)");
    }
    return DRV_OK;
}

/* vp_modern_find_vqs: "select and activate all queues", last. Linux does not read queue_enable
 * back; the model does, to name a refusal instead of hanging later. */
static enum drv_result enable_queue(virtio_drv_t *d, unsigned i, bool packed)
{
    struct drv_queue *q = &d->q[i];
    uint64_t v;
    if (drv_wr(d, VDPU_COMMON_Q_SELECT, 2, i) || drv_wr(d, VDPU_COMMON_Q_ENABLE, 2, 1) ||
        drv_rd(d, VDPU_COMMON_Q_ENABLE, 2, &v))
        return DRV_ERROR;
    if (v != 1) return refuse(d, "queue_enable refused");
    q->enabled = true;
    drv_step(d, "queue %u enabled: size %u %s, desc 0x%llx driver 0x%llx device 0x%llx, vector %u", i, q->size,
             packed ? "packed" : "split", (unsigned long long)q->desc, (unsigned long long)q->driver,
             (unsigned long long)q->device, q->vector);
    return DRV_OK;
}

enum drv_result virtio_drv_negotiate(virtio_drv_t *d, vdpu_session_t *s, const struct drv_params *p)
{
    memset(d, 0, sizeof *d);
    d->s = s;
    d->cc = s->pci.vcap[VIRTIO_PCI_CAP_COMMON_CFG].addr;
    d->dc = s->pci.vcap[VIRTIO_PCI_CAP_DEVICE_CFG].addr;
    d->ram_next = s->opts.ram_base + RAM_RINGS_BASE;
    d->ram_end = s->opts.ram_base + s->opts.ram_size;
    d->held_timeouts0 = s->bus.diag_count[VDPU_DIAG_HELD_TIMEOUT];
    uint64_t v;
    enum drv_result r = virtio_drv_reset(d);
    if (r) return r;
    if (add_status(d, S_ACK, "ACKNOWLEDGE") || add_status(d, S_DRIVER, "DRIVER")) return DRV_ERROR;

    for (unsigned w = 0; w < 4; w++) {
        if (drv_wr(d, VDPU_COMMON_DFSELECT, 4, w) || drv_rd(d, VDPU_COMMON_DF, 4, &v)) return DRV_ERROR;
        d->offered[w] = (uint32_t)v;
    }
    for (unsigned w = 0; w < 4; w++) {
        d->negotiated[w] = ((d->offered[w] & p->accept[w]) | p->force[w]) & ~p->drop[w];
    }
    if (p->ring != DRV_RING_PACKED) d->negotiated[VIRTIO_F_RING_PACKED / 32] &= ~(1u << (VIRTIO_F_RING_PACKED % 32));
    char names[512];
    virtio_feature_list(d->offered, names, sizeof names);
    drv_step(d, "device offers 0x%08x%08x", d->offered[1], d->offered[0]);
    for (unsigned w = 0; w < 4; w++)
        if (drv_wr(d, VDPU_COMMON_GFSELECT, 4, w) || drv_wr(d, VDPU_COMMON_GF, 4, d->negotiated[w])) return DRV_ERROR;
    drv_step(d, "driver accepts 0x%08x%08x", d->negotiated[1], d->negotiated[0]);
    if (add_status(d, S_FEATURES_OK, "FEATURES_OK")) return DRV_ERROR;
    d->status = drv_status(d);
    if (!(d->status & S_FEATURES_OK)) return refuse(d, "FEATURES_OK not kept by the device");
    drv_step(d, "FEATURES_OK kept by the device");

    /* virtnet_probe reads the device config once features are settled; the MAC bytewise between two
     * config_generation reads, again until they agree (virtio_cread_bytes) */
    uint8_t mac[6] = {0};
    uint64_t st = 0, mtu = 0, g0, g1;
    unsigned tries = 0;
    do {
        if (drv_rd(d, VDPU_COMMON_CFGGENERATION, 1, &g0)) return DRV_ERROR;
        for (unsigned i = 0; i < 6; i++) {
            if (host_mem_rd(&d->s->bus, d->dc + VDPU_NETCFG_MAC0 + i, 1, &v) != VDPU_CPL_SC) return DRV_ERROR;
            mac[i] = (uint8_t)v;
        }
        if (drv_rd(d, VDPU_COMMON_CFGGENERATION, 1, &g1)) return DRV_ERROR;
    } while (g0 != g1 && ++tries < 100); /* a device that never settles must not hang the host */
    if (g0 != g1) return refuse(d, "config_generation never settled while reading the MAC");
    if (host_mem_rd(&d->s->bus, d->dc + VDPU_NETCFG_STATUS, 2, &st) != VDPU_CPL_SC ||
        host_mem_rd(&d->s->bus, d->dc + VDPU_NETCFG_MTU, 2, &mtu) != VDPU_CPL_SC)
        return DRV_ERROR;
    d->net_status = (uint16_t)st;
    memcpy(d->mac, mac, 6);
    d->mtu = (uint16_t)mtu;
    drv_step(d, "net config: mac %02x:%02x:%02x:%02x:%02x:%02x, link %s, mtu %llu", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5], (st & VIRTIO_NET_S_LINK_UP) ? "up" : "down", (unsigned long long)mtu);
    return DRV_OK;
}

enum drv_result virtio_drv_start(virtio_drv_t *d, const struct drv_params *p)
{
    enum drv_result r;
    uint64_t v;
    /* queues: rx/tx pairs (one pair unless MQ), then the control queue if negotiated */
    uint64_t numq;
    if (drv_rd(d, VDPU_COMMON_NUMQ, 2, &numq)) return DRV_ERROR;
    bool packed = has(d->negotiated, VIRTIO_F_RING_PACKED);
    /* virtio-net: max_virtqueue_pairs from device config with MQ, else one pair; the control
     * queue sits right after the data queues (index 2 * pairs) */
    unsigned pairs = 1;
    if (has(d->negotiated, VIRTIO_NET_F_MQ)) {
        uint64_t mqp;
        if (host_mem_rd(&d->s->bus, d->dc + VDPU_NETCFG_MAX_QP, 2, &mqp) != VDPU_CPL_SC) return DRV_ERROR;
        if (mqp < 1 || 2 * mqp + 1 > numq) return refuse(d, "max_virtqueue_pairs does not fit num_queues");
        pairs = (unsigned)mqp;
    }
    bool ctrl = has(d->negotiated, VIRTIO_NET_F_CTRL_VQ);
    unsigned want = 2 * pairs + (ctrl ? 1 : 0);
    if (p->data_queues) {
        if (p->data_queues > 2 * pairs) return refuse(d, "more data queues asked for than the device has");
        want = p->data_queues + (ctrl ? 1 : 0);
    } else if (p->queues && p->queues < want) {
        want = p->queues;
    }
    if (want > numq || want > DRV_MAX_QUEUES) want = (unsigned)(numq < DRV_MAX_QUEUES ? numq : DRV_MAX_QUEUES);
    d->nq = want;
    if (p->use_msix) {
        if (drv_wr(d, VDPU_COMMON_MSIX, 2, 0) || drv_rd(d, VDPU_COMMON_MSIX, 2, &v)) return DRV_ERROR;
        if (v != 0) return refuse(d, "msix_config vector refused");
        drv_step(d, "config interrupt -> MSI-X vector 0");
    }
    for (unsigned i = 0; i < want; i++) {
        /* the control queue follows the data queues: index 2 * max pairs with MQ, else 2 */
        unsigned idx = i;
        if (ctrl && i == want - 1 && (p->queues == 0 || p->data_queues)) idx = 2 * pairs;
        r = setup_queue(d, p, idx, packed);
        if (r) return r;
        d->qidx[i] = (uint16_t)idx;
    }
    for (unsigned i = 0; i < want; i++) {
        r = enable_queue(d, d->qidx[i], packed);
        if (r) return r;
    }
    if (p->hold_driver_ok) return DRV_OK;
    return virtio_drv_driver_ok(d);
}

enum drv_result virtio_drv_driver_ok(virtio_drv_t *d)
{
    if (add_status(d, S_DRIVER_OK, "DRIVER_OK")) return DRV_ERROR;
    d->status = drv_status(d);
    if (d->status & S_NEEDS_RESET) return refuse(d, "device set DEVICE_NEEDS_RESET");
    if (!(d->status & S_DRIVER_OK)) return refuse(d, "device did not keep DRIVER_OK");
    drv_step(d, "device is live (DRIVER_OK kept; %u queues)", d->nq);
    return DRV_OK;
}

enum drv_result virtio_drv_init(virtio_drv_t *d, vdpu_session_t *s, const struct drv_params *p)
{
    enum drv_result r = virtio_drv_negotiate(d, s, p);
    return r ? r : virtio_drv_start(d, p);
}

void virtio_drv_poll(virtio_drv_t *d)
{
    uint64_t n = d->s->mem.msi_count[PCI_MSI_DATA_BASE + 0];
    while (d->cfg_irqs_handled < n) {
        d->cfg_irqs_handled++;
        uint64_t g0, g1, st, dst;
        unsigned tries = 0;
        do {
            if (drv_rd(d, VDPU_COMMON_CFGGENERATION, 1, &g0)) return;
            if (host_mem_rd(&d->s->bus, d->dc + VDPU_NETCFG_STATUS, 2, &st) != VDPU_CPL_SC) return;
            if (drv_rd(d, VDPU_COMMON_CFGGENERATION, 1, &g1)) return;
        } while (g0 != g1 && ++tries < 100); /* a device that never settles must not hang the host */
        if (g0 != g1) {
            drv_step(d, "config_generation never settled");
            return;
        }
        d->net_status = (uint16_t)st;
        dst = drv_status(d);
        drv_step(d, "config interrupt: generation %llu, link %s%s", (unsigned long long)g1,
                 (st & VIRTIO_NET_S_LINK_UP) ? "up" : "down", (dst & S_NEEDS_RESET) ? ", DEVICE_NEEDS_RESET" : "");
    }
}

enum drv_result virtio_drv_queue_reset(virtio_drv_t *d, unsigned i)
{
    const struct drv_queue *q = &d->q[i];
    uint64_t v = 1;
    if (drv_wr(d, VDPU_COMMON_Q_SELECT, 2, i) || drv_wr(d, VDPU_COMMON_Q_RESET, 2, 1)) return DRV_ERROR;
    for (unsigned tries = 0; v && tries < 1000; tries++) /* firmware quiesces the data path first */
        if (drv_rd(d, VDPU_COMMON_Q_RESET, 2, &v)) return DRV_ERROR;
    if (v) return refuse(d, "queue_reset never read back 0");
    if (drv_rd(d, VDPU_COMMON_Q_ENABLE, 2, &v)) return DRV_ERROR;
    if (v) return refuse(d, "queue still enabled after its reset");
    if (drv_wr(d, VDPU_COMMON_Q_SIZE, 2, q->size) || drv_wr(d, VDPU_COMMON_Q_DESCLO, 4, (uint32_t)q->desc) ||
        drv_wr(d, VDPU_COMMON_Q_DESCHI, 4, q->desc >> 32) || drv_wr(d, VDPU_COMMON_Q_AVAILLO, 4, (uint32_t)q->driver) ||
        drv_wr(d, VDPU_COMMON_Q_AVAILHI, 4, q->driver >> 32) || drv_wr(d, VDPU_COMMON_Q_USEDLO, 4, (uint32_t)q->device) ||
        drv_wr(d, VDPU_COMMON_Q_USEDHI, 4, q->device >> 32) || drv_wr(d, VDPU_COMMON_Q_MSIX, 2, q->vector) ||
        drv_wr(d, VDPU_COMMON_Q_ENABLE, 2, 1) || drv_rd(d, VDPU_COMMON_Q_ENABLE, 2, &v))
        return DRV_ERROR;
    if (v != 1) return refuse(d, "queue_enable refused after the queue reset");
    drv_step(d, "queue %u reset and enabled again", i);
    return DRV_OK;
}
