/* virtio_suspend.c - VIRTIO_F_SUSPEND suspend/resume and the VQSTATE ring positions, host side. */
#include <stdio.h>

#include "host_link.h"
#include "virtio_spec.h"
#include "virtio_suspend.h"

#define S_DRIVER_OK VIRTIO_CONFIG_S_DRIVER_OK
#define S_SUSPEND VIRTIO_CONFIG_S_SUSPEND
#define S_NEEDS_RESET VIRTIO_CONFIG_S_NEEDS_RESET

static enum drv_result refuse(virtio_drv_t *d, const char *why, uint8_t st)
{
    snprintf(d->refusal, sizeof d->refusal, "%s (device_status 0x%02x)", why, st);
    drv_step(d, "REFUSED: %s", d->refusal);
    /* a failed access is not the device's decision: never report it as a refusal */
    return d->s->bus.stopped || d->link_error ? DRV_ERROR : DRV_REFUSED;
}

static bool negotiated(const virtio_drv_t *d, unsigned bit) { return (d->negotiated[bit / 32] >> (bit % 32)) & 1; }

/* Re-read device_status until `done` says so, NEEDS_RESET shows, or the polls run out. */
static enum drv_result poll_status(virtio_drv_t *d, bool suspend, const char *never)
{
    uint8_t st = 0;
    for (unsigned i = 0; i < DRV_SUSPEND_POLLS; i++) {
        st = drv_status(d);
        if (d->link_error || d->s->bus.stopped) return DRV_ERROR;
        d->status = st;
        if (st & S_NEEDS_RESET) return refuse(d, "device set DEVICE_NEEDS_RESET", st);
        bool done = suspend ? (st & S_SUSPEND) && !(st & S_DRIVER_OK) : (st & S_DRIVER_OK) && !(st & S_SUSPEND);
        if (done) return DRV_OK;
    }
    return refuse(d, never, st);
}

enum drv_result virtio_drv_suspend(virtio_drv_t *d)
{
    uint8_t st = drv_status(d);
    if (d->link_error) return DRV_ERROR;
    if (!negotiated(d, VIRTIO_F_SUSPEND)) return refuse(d, "VIRTIO_F_SUSPEND not negotiated", st);
    if (st & S_NEEDS_RESET) return refuse(d, "device needs a reset", st);
    if ((st & S_SUSPEND) && !(st & S_DRIVER_OK)) return DRV_OK; /* already suspended */
    if (!(st & S_DRIVER_OK)) return refuse(d, "suspend needs DRIVER_OK", st);
    if (drv_set_status(d, (uint8_t)(st | S_SUSPEND))) return DRV_ERROR;
    drv_step(d, "SUSPEND (device_status 0x%02x)", st | S_SUSPEND);
    enum drv_result r = poll_status(d, true, "device never suspended");
    if (r == DRV_OK) drv_step(d, "suspended (device_status 0x%02x)", d->status);
    return r;
}

enum drv_result virtio_drv_resume(virtio_drv_t *d)
{
    uint8_t st = drv_status(d);
    if (d->link_error) return DRV_ERROR;
    if (st & S_NEEDS_RESET) return refuse(d, "device needs a reset", st);
    if ((st & S_DRIVER_OK) && !(st & S_SUSPEND)) return DRV_OK; /* running */
    if (!(st & S_SUSPEND)) return refuse(d, "device neither suspended nor live", st);
    if (drv_set_status(d, (uint8_t)(st | S_DRIVER_OK))) return DRV_ERROR;
    drv_step(d, "resume: DRIVER_OK (device_status 0x%02x)", st | S_DRIVER_OK);
    enum drv_result r = poll_status(d, false, "device never resumed");
    if (r == DRV_OK) drv_step(d, "resumed (device_status 0x%02x)", d->status);
    return r;
}

enum drv_result virtio_drv_queue_state(virtio_drv_t *d, unsigned q, uint16_t *avail_idx, bool *avail_wrap,
                                       uint16_t *used_idx, bool *used_wrap)
{
    uint64_t region = d->s->pci.vqstate, a = 0, u = 0;
    if (!region) return refuse(d, "no VQSTATE region (vendor data capability absent)", d->status);
    if (drv_wr(d, VDPU_COMMON_Q_SELECT, 2, q)) return DRV_ERROR;
    if (host_mem_rd(&d->s->bus, region + VDPU_VQSTATE_AVAIL, 4, &a) != VDPU_CPL_SC ||
        host_mem_rd(&d->s->bus, region + VDPU_VQSTATE_USED, 4, &u) != VDPU_CPL_SC) {
        d->link_error = true;
        return DRV_ERROR;
    }
    if (avail_idx) *avail_idx = (uint16_t)a;
    if (avail_wrap) *avail_wrap = (a >> VDPU_VQSTATE_WRAP_BIT) & 1;
    if (used_idx) *used_idx = (uint16_t)u;
    if (used_wrap) *used_wrap = (u >> VDPU_VQSTATE_WRAP_BIT) & 1;
    return DRV_OK;
}
