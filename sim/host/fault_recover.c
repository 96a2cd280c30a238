/* fault_recover.c - the host side of an injected PCIe fault: the device's response, then a reset. */
#include <string.h>

#include "fault_recover.h"
#include "virtio_spec.h"

void fault_describe(const struct link_fault_event *f, char *buf, size_t len)
{
    const char *purp = f->purpose < VDPU_PURP_COUNT ? vdpu_purp_names[f->purpose] : "?";
    snprintf(buf, len, "%s on DMA read %llu (%s, %s %u, tag %u, %u bytes at 0x%llx) at cycle %llu",
             link_fault_name(f->kind), (unsigned long long)f->nth, purp, f->purpose == VDPU_PURP_FW ? "channel" : "queue",
             f->purpose == VDPU_PURP_FW ? 0u : f->queue, f->tag, f->len, (unsigned long long)f->addr,
             (unsigned long long)f->cycle);
}

int fault_recover(vdpu_session_t *s, virtio_drv_t *d, unsigned from, FILE *out, char *err, size_t errlen)
{
    vdpu_bus_t *b = &s->bus;
    if (b->link.nfired <= from) return 0;
    const struct link_fault_event *last = &b->link.fired[b->link.nfired - 1];
    uint8_t st = 0;
    uint64_t end = last->cycle + FAULT_RESPONSE_CYCLES;
    while (!b->stopped) {
        st = drv_status(d);
        if ((st & VIRTIO_CONFIG_S_NEEDS_RESET) || b->dev->cycle >= end) break;
        vdpu_bus_run_cycles(b, 1000);
    }
    char f[200];
    for (unsigned i = from; i < b->link.nfired && out; i++) {
        fault_describe(&b->link.fired[i], f, sizeof f);
        fprintf(out, "[link] PCIe fault: %s\n", f);
    }
    if (b->stopped) {
        snprintf(err, errlen, "after the PCIe fault: %s", b->stop_reason);
        return -1;
    }
    if (!(st & VIRTIO_CONFIG_S_NEEDS_RESET)) {
        fault_describe(last, f, sizeof f);
        snprintf(err, errlen, "no DEVICE_NEEDS_RESET within %u cycles of the PCIe fault %s (device_status 0x%02x)",
                 FAULT_RESPONSE_CYCLES, f, st);
        return -1;
    }
    if (out)
        fprintf(out, "[host] device_status 0x%02x (DEVICE_NEEDS_RESET) at cycle %llu: resetting the device\n", st,
                (unsigned long long)b->dev->cycle);
    if (virtio_drv_reset(d) != DRV_OK || drv_status(d) != 0) {
        snprintf(err, errlen, "the reset after the PCIe fault did not complete%s%s", d->refusal[0] ? ": " : "",
                 d->refusal);
        return -1;
    }
    netport_flush_pending(&b->net);
    return 1;
}
