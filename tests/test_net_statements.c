/* test_net_statements.c - device requirements of the virtio spec no other test reached (ids: docs/spec-conformance.md). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "virtio_ctrl.h"
#include "virtio_drv.h"

static uint64_t dma_requests(struct tctx *t)
{
    uint64_t n = 0;
    for (unsigned p = 0; p < VDPU_PURP_COUNT; p++) n += t->b->link.st.total[p].requests;
    return n;
}

/* content.tex, Device Status Field (BF-STATUS-1): the device MUST NOT consume buffers or send any
 * used buffer notification to the driver before DRIVER_OK. A buffer made available and notified
 * with every queue enabled but DRIVER_OK not yet set stays untouched: no DMA at all, no interrupt;
 * after DRIVER_OK (and the notification the driver may now send) it goes out. */
ENGINE_TEST_REALFW(spec, no_buffer_use_before_driver_ok, .timeout = 300)
{
    struct drv_params p;
    drv_params_default(&p);
    p.drop[0] |= 1u << VIRTIO_RING_F_EVENT_IDX;
    p.hold_driver_ok = true;
    virtio_drv_t *d = calloc(1, sizeof *d);
    cr_assert(d);
    t_drv_up(T, d, &p);
    cr_assert_eq(drv_status(d) & VIRTIO_CONFIG_S_DRIVER_OK, 0);
    const struct drv_queue *q = &d->q[1]; /* transmitq 0 */
    cr_assert(q->enabled);
    uint64_t buf = (d->ram_next + 4095) & ~4095ull;
    uint8_t frame[12 + 60];
    memset(frame, 0, sizeof frame);
    memset(frame + 12, 0xff, 6); /* broadcast */
    for (unsigned i = 18; i < sizeof frame; i++) frame[i] = (uint8_t)i;
    cr_assert(host_mem_write(&T->s.mem, buf, frame, sizeof frame));
    uint8_t desc[16] = {0};
    uint32_t len = sizeof frame;
    memcpy(desc, &buf, 8);
    memcpy(desc + 8, &len, 4);
    cr_assert(host_mem_write(&T->s.mem, q->desc, desc, 16));
    uint16_t zero = 0, one = 1;
    cr_assert(host_mem_write(&T->s.mem, q->driver + 4, &zero, 2)); /* ring[0] = descriptor 0 */
    cr_assert(host_mem_write(&T->s.mem, q->driver + 2, &one, 2));  /* idx = 1 */
    link_grant(&T->b->link, q->device, 6 + 8ull * q->size);
    uint64_t notify = T->s.pci.vcap[VIRTIO_PCI_CAP_NOTIFY_CFG].addr + (uint64_t)q->notify_off * T->s.pci.notify_mult;
    uint64_t dma0 = dma_requests(T), msi0 = T->s.mem.msi_total;
    cr_assert(host_mem_wr(T->b, notify, 2, 1));
    vdpu_bus_run_cycles(T->b, 20000);
    cr_assert_eq(dma_requests(T), dma0, "the device touched host memory before DRIVER_OK");
    cr_assert_eq(T->s.mem.msi_total, msi0, "an interrupt before DRIVER_OK");
    cr_assert_eq(T->b->net.tx_frames, 0);
    cr_assert_eq(virtio_drv_driver_ok(d), DRV_OK, "%s", d->refusal);
    cr_assert(host_mem_wr(T->b, notify, 2, 1));
    vdpu_bus_run_cycles(T->b, 20000);
    cr_assert_eq(T->b->net.tx_frames, 1, "after DRIVER_OK the buffer goes out");
    free(d);
}

/* device-types/net/description.tex, Packet Transmission (NET-TX-*): the device MUST ignore flag
 * bits it does not recognize, and without NEEDS_CSUM MUST NOT use csum_start / csum_offset (nor,
 * with gso_type NONE, hdr_len / gso_size). Headers full of such noise: every frame on the wire is
 * byte for byte the frame the driver sent. */
ENGINE_TEST_REALFW(spec, tx_header_noise_ignored, .timeout = 300)
{
    struct drv_params p;
    drv_params_default(&p);
    struct net_params np = {NET_TX, 60, 0, 5, 50000 + 60 * 20000}; /* IMIX sizes */
    struct net_opts o;
    memset(&o, 0, sizeof o);
    o.tx_hdr_noise = true;
    struct traffic_result r = t_traffic_opts(T, &p, &np, &o);
    cr_assert_eq(r.packets, 60);
}

/* device-types/net/description.tex (NET-RX-VLAN): without VIRTIO_NET_F_CTRL_VLAN the device has no
 * VLAN filter: tagged frames are received like any other (the offer has no CTRL_VLAN). */
ENGINE_TEST_REALFW(spec, vlan_tagged_frames_received_without_ctrl_vlan, .timeout = 300)
{
    enum { N = 24 };
    static uint8_t bytes[N][200];
    static uint8_t *data[N];
    static unsigned lens[N];
    for (unsigned i = 0; i < N; i++) {
        uint8_t *f = bytes[i];
        unsigned len = 64 + 5 * i;
        memset(f, 0xff, 6); /* broadcast: passes any RX filter */
        for (unsigned k = 6; k < 12; k++) f[k] = (uint8_t)(0x20 + k);
        f[12] = 0x81, f[13] = 0x00;                          /* 802.1Q */
        f[14] = (uint8_t)(i >> 8 & 0x0f), f[15] = (uint8_t)(1 + i); /* VID 1 + i */
        f[16] = 0x08, f[17] = 0x00;
        for (unsigned k = 18; k < len; k++) f[k] = (uint8_t)(i * 7 + k);
        data[i] = f;
        lens[i] = len;
    }
    struct pcap_frames fr = {data, lens, N};
    struct drv_params p;
    drv_params_default(&p);
    struct net_params np = {NET_RX, N, 0, 3, 50000 + N * 20000};
    struct net_opts o;
    memset(&o, 0, sizeof o);
    o.replay = &fr;
    struct traffic_result r = t_traffic_opts(T, &p, &np, &o);
    cr_assert_eq(r.packets, N, "%llu of %u tagged frames received", (unsigned long long)r.packets, N);
}

/* device-types/net/description.tex, Device configuration layout (NET-CFG-MTU): with
 * VIRTIO_NET_F_MTU the device MUST NOT modify mtu once it has been set: it reads the same before
 * negotiation, after DRIVER_OK, after control-queue commands (MAC, RX mode, queue pairs) and after a
 * device reset. */
static void mtu_never_changes(enum vdpu_engine e)
{
    struct tctx t;
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.mtu = 4000;
    t_open_fw(&t, e, &o);
    t_enumerate(&t);
    cr_assert_eq(pci_msix_setup(t.b, &t.s.pci, NULL), 0);
    uint64_t mtu_at = t.s.pci.vcap[VIRTIO_PCI_CAP_DEVICE_CFG].addr + VDPU_NETCFG_MTU, v = 0;
    virtio_drv_t *d = calloc(1, sizeof *d);
    /* the driver's first reset handshake: the firmware has booted and set the config */
    d->s = &t.s;
    d->cc = t.s.pci.vcap[VIRTIO_PCI_CAP_COMMON_CFG].addr;
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    cr_assert_eq(host_mem_rd(t.b, mtu_at, 2, &v), VDPU_CPL_SC);
    cr_assert_eq(v, 4000, "before negotiation");
    struct drv_params p;
    drv_params_default(&p);
    cr_assert_eq(virtio_drv_init(d, &t.s, &p), DRV_OK, "init: %s", d->refusal);
    cr_assert_eq(host_mem_rd(t.b, mtu_at, 2, &v), VDPU_CPL_SC);
    cr_assert_eq(v, 4000, "after DRIVER_OK");
    virtio_ctrl_t *c = calloc(1, sizeof *c);
    cr_assert_eq(virtio_ctrl_open(c, d), 0, "%s", c->error);
    cr_assert_eq(virtio_ctrl_apply(c, "mac=52:54:00:00:00:09,promisc=1,allmulti=0,pairs=2"), 0, "%s", c->error);
    cr_assert_eq(host_mem_rd(t.b, mtu_at, 2, &v), VDPU_CPL_SC);
    cr_assert_eq(v, 4000, "after control-queue commands");
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    cr_assert_eq(host_mem_rd(t.b, mtu_at, 2, &v), VDPU_CPL_SC);
    cr_assert_eq(v, 4000, "after a device reset");
    free(c);
    free(d);
    t_close(&t);
}

Test(spec, mtu_never_changes_model, .timeout = 300) { mtu_never_changes(VDPU_ENGINE_MODEL); }
Test(spec, mtu_never_changes_rtl, .timeout = 300) { mtu_never_changes(VDPU_ENGINE_RTL); }
Test(spec, mtu_never_changes_cosim, .timeout = 300) { mtu_never_changes(VDPU_ENGINE_COSIM); }
