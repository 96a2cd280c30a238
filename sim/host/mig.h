/* mig.h - the hypervisor's side of the MIG region (vendor-specific, docs/migration.md): stop and run
 * the device behind its driver's back, as live migration does before it copies the last pages. */
#ifndef VDPU_MIG_H
#define VDPU_MIG_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* MIG_STATUS[15:8]: the errno values of the virtio admin commands */
#define MIG_ST_OK 0u
#define MIG_ST_EBUSY 16u
#define MIG_ST_EINVAL 22u

/* Write MIG CTRL = ctrl, then read MIG STATUS (the device holds that read until firmware served the
 * command). 0 with the status word in *status; -1 with a one-line reason in err when the device has no
 * MIG region (pci_enumerate did not find the capability) or an access failed on the host link. */
int mig_command(vdpu_session_t *s, uint32_t ctrl, uint32_t *status, char *err, size_t errlen);
/* Stop (MIG_CTRL_STOP) or run (0): 0 once MIG STATUS shows the mode without error; -1 with the reason
 * (the command's status by name, e.g. "EBUSY: data path not quiesced") otherwise. */
int mig_stop(vdpu_session_t *s, char *err, size_t errlen);
int mig_run(vdpu_session_t *s, char *err, size_t errlen);
/* "OK", "EBUSY", "EINVAL" or "status N" */
const char *mig_status_name(unsigned code, char *buf, size_t n);

#endif
