/* mig.h - the hypervisor's side of the MIG region (vendor-specific, docs/migration.md): stop and run
 * the device behind its driver's back, as live migration does before it copies the last pages. */
#ifndef VDPU_MIG_H
#define VDPU_MIG_H

#include <stdbool.h>
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

/* The device state ('VDPS' v1, include/vdpu_state.h) through the MIG region's state window. Get: stop if not
 * stopped, STATE_GET, read *len bytes into buf (at most max bytes). Set: write len bytes, STATE_SET
 * (stopped). 0, or -1 with a one-line reason (the command's status by name, and what firmware says is
 * wrong with a refused state is on its console). */
int mig_state_get(vdpu_session_t *s, uint32_t *buf, uint32_t max, uint32_t *len, char *err, size_t errlen);
int mig_state_set(vdpu_session_t *s, const uint32_t *buf, uint32_t len, char *err, size_t errlen);
/* A part of a state (type, selector): its value and length, or NULL. The state must have passed
 * mig_state_check. */
const void *mig_state_part(const uint32_t *buf, uint16_t type, uint32_t sel, uint32_t *len);
/* The header, length and CRC of a state, and every part inside it: 0, or -1 with the reason. */
int mig_state_check(const uint32_t *buf, uint32_t len, char *err, size_t errlen);

/* The device's dirty page log (docs/migration.md "Dirty page log"): on, marking a byte at bytemap + page
 * index for every page of [range, range + pages << shift) it writes; off, with LOG_STATUS in *log_status.
 * stop: the command keeps the device stopped (else it runs). 0, or -1 with the reason. */
int mig_log_on(vdpu_session_t *s, uint64_t bytemap, uint64_t range, uint32_t pages, unsigned shift, bool stop,
               char *err, size_t errlen);
int mig_log_off(vdpu_session_t *s, bool stop, uint32_t *log_status, char *err, size_t errlen);

/* Pre-copy (optional, before mig_migrate): the destination's memory image filled while the device and
 * the driver run. Begin: the hypervisor's bytemap (a region of its own at MIG_HV_BASE, outside the
 * guest's RAM, granted), the device's dirty page log on through MIG_CTRL LOG_ON (4 KiB pages over the
 * session's RAM, the link's oracle following every mark), the host CPU's writes tracked like a
 * hypervisor tracks its guest's (host_mem_cpu_log), and all of RAM copied (round 0). Each round, once
 * `interval` cycles passed: the pages the device marked and the pages the CPU wrote since the last
 * round are copied again (the link's harvest checks that every page the device wrote is marked). After
 * the stop, mig_migrate copies the last ones, turns the log off and compares the image with RAM byte for
 * byte: a page pre-copy missed fails the migration. */
#define MIG_HV_BASE 0x200000000ull
#define MIG_MAX_ROUNDS 16
struct mig_precopy {
    unsigned rounds;   /* rounds while running (1..MIG_MAX_ROUNDS) */
    uint64_t interval; /* cycles between rounds */
    bool no_cpu_log;   /* test-only: leave the CPU's writes out (the final comparison must then fail) */
    /* results: pages copied per round, the device's and the CPU's; [rounds] is the one after the stop */
    uint32_t dev_pages[MIG_MAX_ROUNDS + 1], cpu_pages[MIG_MAX_ROUNDS + 1];
    uint32_t all_pages; /* round 0: everything */
    /* working state */
    unsigned round;
    uint64_t next;
    uint8_t *image, *cpu_bits, *marks;
    uint64_t ram_base, ram_size;
    uint32_t pages;
};
int mig_precopy_begin(vdpu_session_t *s, struct mig_precopy *pc, char *err, size_t errlen);
/* One round if its time has come. 1 once every round is done (then mig_migrate), 0 not yet, -1 error. */
int mig_precopy_round(vdpu_session_t *s, struct mig_precopy *pc, char *err, size_t errlen);
/* Give the working state back (mig_migrate does it; for a caller that gives up; s NULL: the session is
 * gone already). */
void mig_precopy_free(vdpu_session_t *s, struct mig_precopy *pc);

/* Live migration of the running device, the hypervisor's way: hold the wire toward the device and let it
 * deliver a frame it holds, stop, save the state and the MSI-X table, put a freshly reset device of
 * engine `to` with freshly booted firmware in its place (vdpu_session_replace_device), enumerate it,
 * restore the MSI-X table and driver_feature, stop, set the state, run, ring the doorbells the old device
 * had not served, release the wire. With pc (after its rounds): the last pages copied after the stop and
 * the image compared with RAM. The driver notices nothing.
 * 0, or -1 with the reason (before the switch the old device is left running). */
struct mig_report {
    enum vdpu_engine from, to;
    uint64_t stop_at;    /* cycle the stop was asked for (the wire already drained) */
    uint64_t stopped_at; /* ... the source reported stopped */
    uint64_t run_at;     /* ... the destination reported running */
    uint64_t drain;      /* cycles the RX drain took before the stop */
    uint32_t state_bytes;
    const uint32_t *state; /* the state moved (valid until the next migration) */
};
int mig_migrate(vdpu_session_t *s, enum vdpu_engine to, struct mig_precopy *pc, struct mig_report *r, char *err,
                size_t errlen);

#endif
