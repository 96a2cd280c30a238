/* virtio_disc.c - virtio-pci modern discovery the way Linux's virtio_pci_modern probes a device. */
#include <string.h>

#include "host_link.h"
#include "virtio_disc.h"
#include "virtio_features.h"
#include "virtio_spec.h" /* compile-time layout checks against the uapi structs */

static int fail(FILE *out, const char *msg)
{
    fprintf(out ? out : stderr, "[host] virtio discovery failed: %s\n", msg);
    return -1;
}

static int rd(vdpu_session_t *s, uint64_t addr, unsigned size, uint64_t *v)
{
    return host_mem_rd(&s->bus, addr, size, v) == VDPU_CPL_SC ? 0 : -1;
}

static int wr(vdpu_session_t *s, uint64_t addr, unsigned size, uint64_t v)
{
    return host_mem_wr(&s->bus, addr, size, v) ? 0 : -1;
}

struct msi_wait {
    host_mem_t *m;
    unsigned data;
    uint64_t target;
};

static bool msi_arrived(void *p)
{
    struct msi_wait *w = p;
    return w->m->msi_count[w->data] >= w->target;
}

int virtio_discover(vdpu_session_t *s, struct virtio_disc_result *r, FILE *out)
{
    const uint64_t cc = s->pci.vcap[1].addr, dc = s->pci.vcap[4].addr;
    uint64_t v;
    memset(r, 0, sizeof *r);

    /* reset: write 0, then wait until device_status reads 0 (the read is held by the device until firmware commits) */
    uint64_t t0 = s->bus.dev->cycle;
    if (wr(s, cc + VDPU_COMMON_STATUS, 1, 0)) return fail(out, "status write");
    for (unsigned tries = 0;; tries++) {
        if (rd(s, cc + VDPU_COMMON_STATUS, 1, &v)) return fail(out, "status read");
        if (v == 0) break;
        if (tries > 1000) return fail(out, "device_status never read 0 after reset");
    }
    r->reset_cycles = s->bus.dev->cycle - t0;

    for (unsigned w = 0; w < 4; w++) {
        if (wr(s, cc + VDPU_COMMON_DFSELECT, 4, w) || rd(s, cc + VDPU_COMMON_DF, 4, &v)) return fail(out, "features");
        r->features[w] = (uint32_t)v;
    }
    if (rd(s, cc + VDPU_COMMON_NUMQ, 2, &v)) return fail(out, "num_queues");
    r->num_queues = (uint16_t)v;
    for (unsigned q = 0; q < r->num_queues && q < 16; q++) {
        if (wr(s, cc + VDPU_COMMON_Q_SELECT, 2, q) || rd(s, cc + VDPU_COMMON_Q_SIZE, 2, &v))
            return fail(out, "queue_size");
        r->qsize[q] = (uint16_t)v;
    }
    /* device config, re-read while config_generation changes (virtio_cread_bytes pattern) */
    uint64_t g0, g1;
    unsigned tries = 0;
    do {
        if (++tries > 100) return fail(out, "config_generation never settled");
        if (rd(s, cc + VDPU_COMMON_CFGGENERATION, 1, &g0)) return fail(out, "config_generation");
        for (unsigned i = 0; i < 6; i++) {
            if (rd(s, dc + VDPU_NETCFG_MAC0 + i, 1, &v)) return fail(out, "mac");
            r->mac[i] = (uint8_t)v;
        }
        if (rd(s, dc + VDPU_NETCFG_STATUS, 2, &v)) return fail(out, "net status");
        r->net_status = (uint16_t)v;
        if (rd(s, dc + VDPU_NETCFG_MAX_QP, 2, &v)) return fail(out, "max_virtqueue_pairs");
        r->max_qp = (uint16_t)v;
        if (rd(s, dc + VDPU_NETCFG_MTU, 2, &v)) return fail(out, "mtu");
        r->mtu = (uint16_t)v;
        if (rd(s, cc + VDPU_COMMON_CFGGENERATION, 1, &g1)) return fail(out, "config_generation");
    } while (g0 != g1);

    /* config changes -> vector 0; the read-back is held until firmware validates the vector */
    if (wr(s, cc + VDPU_COMMON_MSIX, 2, 0) || rd(s, cc + VDPU_COMMON_MSIX, 2, &v)) return fail(out, "msix_config");
    if (v != 0) return fail(out, "msix_config vector 0 refused");

    char names[512];
    virtio_feature_list(r->features, names, sizeof names);
    if (out) {
        fprintf(out, "[host] virtio reset: device_status read 0 after %llu cycles\n",
                (unsigned long long)r->reset_cycles);
        fprintf(out, "[host] device features 0x%08x%08x: %s\n", r->features[1], r->features[0], names);
        fprintf(out, "[host] num_queues %u, queue_size", r->num_queues);
        for (unsigned q = 0; q < r->num_queues && q < 16; q++) fprintf(out, " %u", r->qsize[q]);
        fprintf(out, "\n[host] net config: mac %02x:%02x:%02x:%02x:%02x:%02x status 0x%x%s max_virtqueue_pairs %u mtu %u\n",
                r->mac[0], r->mac[1], r->mac[2], r->mac[3], r->mac[4], r->mac[5], r->net_status,
                (r->net_status & 1) ? " (link up)" : " (link down)", r->max_qp, r->mtu);
    }

    /* a config-change interrupt raised by firmware arrives as an MSI-X message */
    struct msi_wait w = {&s->mem, PCI_MSI_DATA_BASE + 0, s->mem.msi_count[PCI_MSI_DATA_BASE] + 1};
    t0 = s->bus.dev->cycle;
    if (!fw_csr_write(&s->bus, &s->fw, VDPU_CSR_HOST_IRQ, 0xffff)) return fail(out, "firmware HOST_IRQ write");
    if (!vdpu_bus_run_until(&s->bus, msi_arrived, &w, 10000)) return fail(out, "config interrupt never arrived");
    r->config_irq_cycles = s->bus.dev->cycle - t0;
    if (out) fprintf(out, "[host] config interrupt: MSI-X vector 0 (data 0x%x) arrived %llu cycles after firmware raised it\n",
                     PCI_MSI_DATA_BASE, (unsigned long long)r->config_irq_cycles);
    return 0;
}
