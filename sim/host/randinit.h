/* randinit.h - seeded random (legal and illegal) virtio init sequences against the control-plane firmware. */
#ifndef VDPU_RANDINIT_H
#define VDPU_RANDINIT_H

#include "virtio_drv.h"

struct randinit_stats {
    unsigned actions;      /* random common-cfg accesses before the final init */
    int first;             /* enum drv_result of the randomized init */
    int recovery;          /* enum drv_result of the clean init after it (must be DRV_OK) */
    char refusal[256];     /* why the randomized init was refused, if it was */
    /* what the randomization should lead to, decided from the spec rules alone (an oracle
     * independent of the firmware): 0 DRIVER_OK, else the refusal expected */
    enum { EXPECT_OK, EXPECT_FEATURES_REFUSED, EXPECT_QSIZE_REFUSED } expect;
};

/* Needs pci_enumerate + pci_msix_setup. Random accesses, a randomized init (may be refused),
 * then a reset and a clean init that must reach DRIVER_OK. 0 when the firmware behaved: every
 * init ended in DRIVER_OK or a refusal, never a timeout or wedge; -1 otherwise. */
int randinit_run(vdpu_session_t *s, uint64_t seed, struct randinit_stats *st);

#endif
