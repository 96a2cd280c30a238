/* virtio_suspend.h - host-side helpers for VIRTIO_F_SUSPEND and the device's ring positions, over the
 * driver model's public accessors: what a vhost-user bridge needs to answer GET_VRING_BASE (stop the
 * device cleanly, return its last_avail_idx) and, later, live migration. */
#ifndef VDPU_VIRTIO_SUSPEND_H
#define VDPU_VIRTIO_SUSPEND_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_drv.h"

/* Status reads a suspend or resume polls at most (each read is held by the device until firmware
 * decided, so the first one normally shows the outcome). */
#define DRV_SUSPEND_POLLS 1000u

/* Suspend the device the way the spec asks of a driver (virtio 1.3 "Device Suspend"): SUSPEND
 * negotiated and DRIVER_OK set, write device_status | SUSPEND, re-read until SUSPEND = 1 and
 * DRIVER_OK = 0. DRV_OK once suspended (also if it already was); DRV_REFUSED with d->refusal when
 * the feature is not negotiated, the device is not live, it set DEVICE_NEEDS_RESET (it could not
 * suspend) or never suspended; DRV_ERROR when a host-link access failed. */
enum drv_result virtio_drv_suspend(virtio_drv_t *d);
/* Resume a suspended device: write device_status | DRIVER_OK, re-read until DRIVER_OK = 1 and
 * SUSPEND = 0. DRV_OK once running (also if it was not suspended); results as for the suspend. */
enum drv_result virtio_drv_resume(virtio_drv_t *d);
/* The device's ring position of queue q from its vendor-specific VQSTATE region (located by
 * pci_enumerate through the vendor data capability), selected with queue_select (left selected):
 * avail = next buffer the device consumes (split: avail ring index; packed: descriptor slot and its
 * wrap counter), used = its used index (split) / next used slot and wrap counter (packed). With the
 * device suspended, avail == used (every buffer it consumed has been used). For vhost-user
 * GET_VRING_BASE: split avail_idx; packed avail_idx | avail_wrap << 15. DRV_REFUSED without the
 * region, DRV_ERROR when an access failed. Any output pointer may be NULL. */
enum drv_result virtio_drv_queue_state(virtio_drv_t *d, unsigned q, uint16_t *avail_idx, bool *avail_wrap,
                                       uint16_t *used_idx, bool *used_wrap);

#endif
