/* device.h - the firmware's state and the device-wide actions both services (events.c, ctrlq.c) use. */
#ifndef VDPU_FW_DEVICE_H
#define VDPU_FW_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

/* Everything firmware remembers between events. The device holds the host-visible values; this
 * is firmware's own view: what it offered, what the driver wrote, what was negotiated. */
struct fw_state {
    uint32_t offer[4];   /* offered features (= DEV_FEATURE0..3) */
    uint32_t drv[4];     /* driver features, tracked from DRV_FEATURE events in FIFO order */
    uint32_t neg[4];     /* negotiated: drv as it was when FEATURES_OK was accepted */
    bool features_ok;    /* neg is valid */
    uint8_t status;      /* committed device_status */
    uint16_t max_qp;     /* max_virtqueue_pairs offered */
    uint32_t irq_enable; /* IRQ_ENABLE as written */
    bool err_masked;     /* internal-error IRQ masked until the next device reset */
    bool verbose;        /* one console line per control-plane step */
    /* owed at the resume from SUSPEND (nothing of it may reach the driver while suspended); a device
     * reset forgets them */
    bool link_owed;      /* the link changed while suspended: net status, generation, config interrupt */
    bool cfg_irq_owed;   /* a config change interrupt was deferred */
    uint32_t msix_owed;  /* MSI-X vectors whose pending bit a restored state carried (raised at the run) */
    bool ctrlq_owed;     /* a control-queue doorbell arrived while suspended: serve the queue */
    /* the hypervisor's stop (MIG region, docs/migration.md): like SUSPEND for the data path, invisible to
     * the driver; a device reset keeps it (the mode is the hypervisor's) */
    bool mig_stopped;
    uint16_t mig_seq;    /* MIG_CTRL commands served (MIG_STATUS[31:16]) */
};

extern struct fw_state fw;

/* A change of device configuration fields (virtio "Device Configuration Space": the driver reads
 * config_generation before and after the fields and retries until both reads agree). Begin holds every
 * host read of config_generation (CONFIG_UPDATE); write the fields; end bumps CONFIG_GEN by exactly
 * 1 mod 256 (never leaving it unchanged) and only then releases the held reads, so a reader whose second
 * generation read overlaps the change sees the new generation. Returns the new generation. */
void config_change_begin(void);
uint8_t config_change_end(void);
/* A firmware-detected device error (FWERR_* code, counted in FW_ERR): DEVICE_NEEDS_RESET, the data
 * path quiesced until the reset, the config interrupt once the driver is loaded. */
void fw_needs_reset(uint8_t fw_err);

/* DEVICE_NEEDS_RESET without a firmware error code (the hardware's internal error): the data path
 * quiesced, the status committed; returns whether the config interrupt was raised. */
bool fw_enter_needs_reset(void);
/* A config change interrupt, or, while suspended or stopped, the note that one is owed at the resume;
 * returns whether it was sent. */
bool fw_config_irq(void);
/* Nothing may start DMA or interrupt the driver: it suspended the device (SUSPEND), or the hypervisor
 * stopped it (MIG). */
bool fw_paused(void);

#endif
