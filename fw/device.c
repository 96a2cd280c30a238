/* device.c - the firmware's state and the device-wide actions both services (events.c, ctrlq.c) use. */
#include <stdio.h>

#include "csr.h"
#include "device.h"
#include "policy.h"

struct fw_state fw;

bool fw_paused(void) { return policy_suspended(fw.status) || fw.mig_stopped; }

/* A config change interrupt, or, while suspended or stopped, the note that one is owed at the resume.
 * Returns whether it was sent. */
bool fw_config_irq(void)
{
    if (fw_paused()) {
        fw.cfg_irq_owed = true;
        return false;
    }
    dev_wr(VDPU_CSR_HOST_IRQ, HOST_IRQ_CONFIG);
    return true;
}

void config_change_begin(void) { dev_wr(VDPU_CSR_CONFIG_UPDATE, VDPU_CONFIG_UPDATE_BUSY); }

uint8_t config_change_end(void)
{
    uint8_t gen = policy_next_gen((uint8_t)dev_rd(VDPU_CSR_CONFIG_GEN));
    dev_wr(VDPU_CSR_CONFIG_GEN, gen);
    dev_wr(VDPU_CSR_CONFIG_UPDATE, 0); /* after the bump: a held generation read returns the new value */
    return gen;
}

/* DEVICE_NEEDS_RESET: the data path stops until the driver resets, the config interrupt tells it.
 * Returns whether the interrupt was raised (not while suspended: a failed device does not resume,
 * and the reset that recovers it drops the interrupt owed). */
bool fw_enter_needs_reset(void)
{
    uint8_t old = fw.status;
    dev_wr(VDPU_CSR_DP_CTRL, VDPU_DP_CTRL_QUIESCE); /* the data path is not trusted until the driver resets */
    fw.status = policy_error_status(old);
    dev_wr(VDPU_CSR_DEVICE_STATUS, fw.status);
    return policy_error_notify(old) && fw_config_irq();
}

void fw_needs_reset(uint8_t fw_err)
{
    uint8_t old = fw.status;
    dev_wr(VDPU_CSR_FW_ERR_SET, fw_err); /* named in FW_ERR next to the hardware's own errors */
    bool notify = fw_enter_needs_reset();
    printf("firmware error %u: status 0x%02x -> 0x%02x (DEVICE_NEEDS_RESET)%s\n", fw_err, old, fw.status,
           notify ? ", config interrupt" : "");
}
