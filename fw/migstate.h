/* migstate.h - the device state in 'VDPS' v1 (include/vdpu_state.h): written by STATE_GET, checked and
 * applied by STATE_SET, through the state RAM the host reaches in the MIG region's window (firmware builds
 * and checks it in its own copy, mig_state). */
#ifndef VDPU_FW_MIGSTATE_H
#define VDPU_FW_MIGSTATE_H

#include <stdint.h>

#include "vdpu_regmap.h"

#define MIG_STATE_WORDS (VDPU_MIG_STATE_BYTES / 4)
extern uint32_t mig_state[MIG_STATE_WORDS];

/* Snapshot the stopped device into mig_state and the state RAM; returns its length in bytes. */
uint32_t migstate_get(void);
/* Check the state in the state RAM (copied to mig_state) and apply it to this device (freshly reset: device_status 0). 0 on success; else
 * nothing changed and *why names the first thing wrong. */
int migstate_set(const char **why);

#endif
