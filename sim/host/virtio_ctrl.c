/* virtio_ctrl.c - the host's control-virtqueue driver: post a command chain, kick, wait for the used entry, read the ack. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_link.h"
#include "pci_enum.h"
#include "virtio_ctrl.h"
#include "virtio_spec.h"

#define AREA_BYTES 4096u
#define HDR_OFF 0u
#define DATA_OFF 64u
#define DATA_MAX 1024u
#define ACK_OFF 2048u
#define D_NEXT 0x1u
#define D_WRITE 0x2u
#define D_AVAIL 0x80u
#define D_USED 0x8000u

static bool has(const virtio_drv_t *d, unsigned bit) { return (d->negotiated[bit / 32] >> (bit % 32)) & 1; }
static void wr(virtio_ctrl_t *c, uint64_t a, const void *p, size_t n) { host_mem_write(&c->d->s->mem, a, p, n); }
static void wr16(virtio_ctrl_t *c, uint64_t a, uint16_t v) { wr(c, a, &v, 2); }
static uint16_t rd16(virtio_ctrl_t *c, uint64_t a)
{
    uint16_t v = 0;
    host_mem_read(&c->d->s->mem, a, &v, 2);
    return v;
}

static int fail(virtio_ctrl_t *c, const char *msg)
{
    snprintf(c->error, sizeof c->error, "%s", msg);
    return -1;
}

int virtio_ctrl_open(virtio_ctrl_t *c, virtio_drv_t *d)
{
    memset(c, 0, sizeof *c);
    c->d = d;
    if (!has(d, VIRTIO_NET_F_CTRL_VQ)) return fail(c, "CTRL_VQ not negotiated: no control queue");
    unsigned pairs = 1;
    uint64_t v;
    if (has(d, VIRTIO_NET_F_MQ)) {
        if (host_mem_rd(&d->s->bus, d->dc + VDPU_NETCFG_MAX_QP, 2, &v) != VDPU_CPL_SC) return fail(c, "max_virtqueue_pairs read failed");
        pairs = (unsigned)v;
    }
    c->q = 2 * pairs;
    const struct drv_queue *dq = c->q < DRV_MAX_QUEUES ? &d->q[c->q] : NULL;
    if (!dq || !dq->enabled) return fail(c, "the control queue is not enabled");
    c->packed = has(d, VIRTIO_F_RING_PACKED);
    c->size = dq->size;
    c->vector = dq->vector;
    c->desc = dq->desc;
    c->driver = dq->driver;
    c->device = dq->device;
    c->notify = d->s->pci.vcap[VIRTIO_PCI_CAP_NOTIFY_CFG].addr + (uint64_t)dq->notify_off * d->s->pci.notify_mult;
    c->avail_wrap = c->used_wrap = true;
    d->ram_next = (d->ram_next + 4095) & ~4095ull;
    c->area = d->ram_next;
    d->ram_next += AREA_BYTES;
    if (d->ram_next > d->ram_end) return fail(c, "no host memory for the command buffers");
    static const uint8_t zero[AREA_BYTES];
    wr(c, c->area, zero, AREA_BYTES);
    /* a fresh ring, as vring_create gets it */
    for (uint64_t off = 0; off < 16ull * c->size; off += AREA_BYTES)
        wr(c, c->desc + off, zero, 16ull * c->size - off < AREA_BYTES ? 16ull * c->size - off : AREA_BYTES);
    wr(c, c->driver, zero, c->packed ? 4 : 6 + 2ull * c->size);
    wr(c, c->device, zero, c->packed ? 4 : 6 + 8ull * c->size);
    link_t *l = &d->s->bus.link;
    if (c->packed) link_grant(l, c->desc, 16ull * c->size);
    else link_grant(l, c->device, 6 + 8ull * c->size);
    link_grant(l, c->area + ACK_OFF, 1);
    return 0;
}

/* split: {addr, len, flags, next}; packed: {addr, len, id, flags} (next is the id) */
static void put_desc(virtio_ctrl_t *c, uint16_t slot, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    uint8_t b[16];
    memcpy(b, &addr, 8);
    memcpy(b + 8, &len, 4);
    memcpy(b + (c->packed ? 14 : 12), &flags, 2);
    memcpy(b + (c->packed ? 12 : 14), &next, 2);
    wr(c, c->desc + 16ull * slot, b, 16);
}

/* The chain: header (readable), data (readable, when there is any), ack (writable). */
static unsigned post(virtio_ctrl_t *c, unsigned len)
{
    struct el { uint64_t a; uint32_t l; uint16_t f; } el[3];
    unsigned n = 0;
    el[n++] = (struct el){c->area + HDR_OFF, c->fault == CTRL_FAULT_ZERO_LEN ? 0 : 2, 0};
    if (len) el[n++] = (struct el){c->area + DATA_OFF, len, 0};
    if (c->fault != CTRL_FAULT_NO_ACK) el[n++] = (struct el){c->area + ACK_OFF, 1, D_WRITE};
    for (unsigned i = 0; i + 1 < n; i++) el[i].f |= D_NEXT;
    if (!c->packed) {
        /* descriptors 0..n-1, head 0 (one command at a time) */
        for (unsigned i = 0; i < n; i++) {
            uint16_t next = (uint16_t)(i + 1);
            if (i == 0 && c->fault == CTRL_FAULT_BAD_NEXT) { /* point past the ring */
                next = c->size;
                el[i].f |= D_NEXT;
            }
            put_desc(c, (uint16_t)i, el[i].a, el[i].l, el[i].f, next);
        }
        wr16(c, c->driver + 4 + 2ull * (c->avail_idx % c->size), 0);
        c->avail_idx++;
        wr16(c, c->driver + 2, c->avail_idx); /* after the ring entry, as virtqueue_add does */
        return n;
    }
    /* packed: the head's flags are written last, so the device never sees a half-made chain */
    uint16_t slot = c->next_avail, head = slot;
    bool wrap = c->avail_wrap;
    uint16_t head_flags = 0;
    if (c->fault == CTRL_FAULT_BAD_NEXT) n = 1, el[0].f |= D_NEXT; /* the chain runs into a slot never made available */
    for (unsigned i = 0; i < n; i++) {
        uint16_t f = (uint16_t)(el[i].f | (wrap ? D_AVAIL : D_USED));
        if (i == 0) head_flags = f;
        else put_desc(c, slot, el[i].a, el[i].l, f, 0);
        if (i == 0) put_desc(c, slot, el[i].a, el[i].l, 0, 0);
        if (++slot == c->size) {
            slot = 0;
            wrap = !wrap;
        }
    }
    c->next_avail = slot;
    c->avail_wrap = wrap;
    wr16(c, c->desc + 16ull * head + 14, head_flags);
    return n;
}

static void kick(virtio_ctrl_t *c)
{
    virtio_drv_t *d = c->d;
    if (has(d, VIRTIO_F_NOTIFICATION_DATA)) {
        uint32_t data = c->packed ? (uint32_t)c->next_avail << 16 | (uint32_t)c->avail_wrap << 31
                                  : (uint32_t)c->avail_idx << 16;
        host_mem_wr(&d->s->bus, c->notify, 4, c->q | data);
    } else {
        host_mem_wr(&d->s->bus, c->notify, 2, c->q);
    }
}

/* the used entry of the command just posted (n descriptors) is there */
static bool used_ready(virtio_ctrl_t *c)
{
    if (!c->packed) return rd16(c, c->device + 2) != c->last_used;
    uint16_t f = rd16(c, c->desc + 16ull * c->next_used + 14);
    return ((f & D_AVAIL) != 0) == c->used_wrap && ((f & D_USED) != 0) == c->used_wrap;
}

int virtio_ctrl_cmd(virtio_ctrl_t *c, uint8_t cls, uint8_t cmd, const void *data, unsigned len, uint8_t *ack,
                    uint64_t max_cycles)
{
    vdpu_bus_t *b = &c->d->s->bus;
    if (len > DATA_MAX) return fail(c, "command data longer than the driver's buffer");
    uint8_t hdr[2] = {cls, cmd}, poison = 0xA5;
    wr(c, c->area + HDR_OFF, hdr, 2);
    if (len) wr(c, c->area + DATA_OFF, data, len);
    wr(c, c->area + ACK_OFF, &poison, 1); /* an ack the device did not write is not mistaken for OK */
    unsigned n = post(c, len);
    uint64_t *msi = &c->d->s->mem.msi_count[PCI_MSI_DATA_BASE + (c->vector < VDPU_NUM_VECTORS ? c->vector : 0)];
    uint64_t msi0 = *msi, t0 = b->dev->cycle;
    /* EVENT_IDX (split): interrupt me at the next used entry (virtqueue_enable_cb) */
    if (!c->packed && has(c->d, VIRTIO_RING_F_EVENT_IDX)) wr16(c, c->driver + 4 + 2ull * c->size, c->last_used);
    kick(c);
    while (!used_ready(c)) {
        if (b->stopped) return fail(c, "bus stopped while waiting for the control queue");
        if (b->dev->cycle - t0 > max_cycles) return fail(c, "no used entry for the control command in time");
        vdpu_bus_advance(b, t0 + max_cycles + 1);
    }
    c->last_cycles = b->dev->cycle - t0;
    /* let an interrupt that follows the used write arrive before deciding whether there was one */
    for (uint64_t end = b->dev->cycle + 400; b->dev->cycle < end && *msi == msi0 && !b->stopped;)
        vdpu_bus_advance(b, end);
    if (*msi != msi0 && c->vector < VDPU_NUM_VECTORS) c->irqs++;
    if (!c->packed) {
        c->last_used++;
    } else {
        unsigned u = c->next_used + n;
        if (u >= c->size) {
            u -= c->size;
            c->used_wrap = !c->used_wrap;
        }
        c->next_used = (uint16_t)u;
    }
    host_mem_read(&c->d->s->mem, c->area + ACK_OFF, ack, 1);
    c->cmds++;
    return 0;
}

/* ---- --ctrl "mac=..,promisc=..,allmulti=..,pairs=.." ------------------------------------------ */

struct ctrl_item { uint8_t cls, cmd; uint8_t data[6]; unsigned len; };

static const char *parse_item(const char *s, size_t n, struct ctrl_item *it)
{
    char tok[64];
    if (n == 0) return "empty item (a comma at either end, or two in a row)";
    if (n >= sizeof tok) return "item too long";
    memcpy(tok, s, n);
    tok[n] = 0;
    char *eq = strchr(tok, '=');
    if (!eq) return "item without '='";
    *eq = 0;
    const char *val = eq + 1;
    char *end;
    if (!strcmp(tok, "mac")) {
        /* exactly xx:xx:xx:xx:xx:xx, hex digits only (no sign, no blank, no short byte) */
        if (strlen(val) != 17) return "mac=xx:xx:xx:xx:xx:xx expected";
        *it = (struct ctrl_item){VNET_CTRL_MAC, VNET_CTRL_MAC_ADDR_SET, {0}, 6};
        for (int i = 0; i < 6; i++) {
            const char *b = val + 3 * i;
            if (!isxdigit((unsigned char)b[0]) || !isxdigit((unsigned char)b[1]) || (i < 5 && b[2] != ':'))
                return "mac=xx:xx:xx:xx:xx:xx expected";
            char hex[3] = {b[0], b[1], 0};
            it->data[i] = (uint8_t)strtoul(hex, NULL, 16);
        }
    } else if (!strcmp(tok, "promisc") || !strcmp(tok, "allmulti")) {
        if (strcmp(val, "0") && strcmp(val, "1")) return "promisc/allmulti take 0 or 1";
        *it = (struct ctrl_item){VNET_CTRL_RX, !strcmp(tok, "promisc") ? VNET_CTRL_RX_PROMISC : VNET_CTRL_RX_ALLMULTI,
                                 {(uint8_t)(val[0] - '0')}, 1};
    } else if (!strcmp(tok, "pairs")) {
        if (!isdigit((unsigned char)*val)) return "pairs=N expected (N decimal, 0..65535)"; /* no sign, no blank */
        errno = 0;
        unsigned long p = strtoul(val, &end, 10);
        if (errno || *end || p > 0xFFFF) return "pairs=N expected (N decimal, 0..65535)";
        *it = (struct ctrl_item){VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, {(uint8_t)p, (uint8_t)(p >> 8)}, 2};
    } else {
        return "unknown item (mac, promisc, allmulti, pairs)";
    }
    return NULL;
}

static const char *walk(const char *spec, virtio_ctrl_t *c)
{
    static char why[160];
    const char *s = spec;
    if (!*s) return "--ctrl needs at least one item (mac=, promisc=, allmulti=, pairs=)";
    for (bool more = true; more;) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        more = e != NULL; /* a comma is always followed by an item: "a=1," has an empty last one */
        struct ctrl_item it;
        const char *bad = parse_item(s, n, &it);
        if (bad) {
            snprintf(why, sizeof why, "--ctrl '%.*s': %s", (int)n, s, bad);
            return why;
        }
        if (c) {
            uint8_t ack;
            if (virtio_ctrl_cmd(c, it.cls, it.cmd, it.data, it.len, &ack, 2000000)) return c->error;
            if (ack != VNET_OK) {
                snprintf(why, sizeof why, "--ctrl '%.*s': the device answered %s", (int)n, s,
                         ack == VNET_ERR ? "VIRTIO_NET_ERR" : "with no valid ack");
                return why;
            }
        }
        s += n + (e ? 1 : 0);
    }
    return NULL;
}

const char *virtio_ctrl_check(const char *spec) { return walk(spec, NULL); }

void virtio_ctrl_rx_state(const char *spec, uint8_t mac[6], bool *promisc, bool *allmulti)
{
    for (const char *s = spec; s && *s;) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        struct ctrl_item it;
        if (!parse_item(s, n, &it)) {
            if (it.cls == VNET_CTRL_MAC) memcpy(mac, it.data, 6);
            else if (it.cls == VNET_CTRL_RX && it.cmd == VNET_CTRL_RX_PROMISC) *promisc = it.data[0];
            else if (it.cls == VNET_CTRL_RX) *allmulti = it.data[0];
        }
        s = e ? e + 1 : NULL;
    }
}

int virtio_ctrl_apply(virtio_ctrl_t *c, const char *spec)
{
    const char *why = walk(spec, c);
    if (!why) return 0;
    if (why != c->error) snprintf(c->error, sizeof c->error, "%s", why);
    return -1;
}
