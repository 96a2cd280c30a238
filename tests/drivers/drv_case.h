/* drv_case.h - a real frontend against `vdpu vhost-user`: the bridge process, its lines, and the checks both sides share. */
#ifndef VDPU_TEST_DRV_CASE_H
#define VDPU_TEST_DRV_CASE_H

#include "proc.h"

#define VDPU_BIN "build/vdpu"

/* The QEMU guests' RAM (-m and the shared memfd backend): 128 MiB + 8 KiB, deliberately not a multiple of
 * 256 KiB. QEMU before 9.0 (Debian 12 has 7.2) syncs a RAM block whose size is a multiple of 64 pages with
 * a word-at-a-time fast path that clears the migration dirty bits without resetting TCG's TLB dirty
 * tracking (cpu_physical_memory_sync_dirty_bitmap; fixed upstream by "physmem: Fix migration dirty bitmap
 * coherency with TCG memory access", 03bfc21), so guest-CPU writes after a sync can be lost by the
 * migration: the guest's kernel data at the destination one step behind (docs/real-drivers.md). A size
 * off that multiple takes the page-by-page path, which resets the TLB. */
#define GUEST_RAM "131080K"

/* The bridge under test and where its files go. */
struct bridge_run {
    char dir[64], sock[128], log[128], pcap_out[128], json[128];
    struct proc p;
    uint64_t idle_tx, idle_rx;      /* counts of its last "idle at" line */
    uint64_t tx_frames, rx_frames;  /* its final network-port totals */
    uint64_t cycles;                /* simulated cycles of the whole run */
    int stop_avail[4], stop_used[4]; /* the ring positions of the last stop, by vring (-1: none) */
    double wall;                    /* its wall time from listening to exit */
};

/* The scratch directory and the file names in it. */
bool bridge_prepare(struct bridge_run *b, const char *tag);
/* Start `vdpu vhost-user` (extra: more options, NULL-terminated) and wait until it listens. */
bool bridge_launch(struct bridge_run *b, const char *engine, const char *const *extra);
/* Wait until the device started for a frontend (forgets the idle counts of the one before). */
bool bridge_wait_started(struct bridge_run *b, double timeout_s);
/* Wait for an idle report with exactly tx frames transmitted and rx received (rx < 0: any). */
bool bridge_wait_idle(struct bridge_run *b, uint64_t tx, int64_t rx, double timeout_s);
/* Wait for the bridge to exit (it serves --exit-after 1 connection), parse its totals. Exit status. */
int bridge_end(struct bridge_run *b, double timeout_s);
/* Tear down: kill what still runs, remove the scratch directory unless keep. */
void bridge_cleanup(struct bridge_run *b, bool keep);
/* The end of a frontend case: when it failed, the tail of the frontend's log (stderr); then both
 * processes stopped and the scratch directory removed (kept when it failed); the case's verdict. */
void case_finish(struct bridge_run *b, struct proc *frontend, const char *what, const char *log, bool ok);
/* One line for the run matrix (build/tests/driver-matrix.txt and stderr). */
void matrix_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- QEMU ---- */
/* One HMP command on QEMU's monitor socket (-monitor unix:PATH,server=on,wait=off): true once the monitor
 * answered with its next prompt; the answer in reply (may be NULL). */
bool qemu_monitor(const char *path, const char *cmd, char *reply, size_t n);

/* ---- DPDK testpmd as the frontend ---- */
struct port_stats {
    uint64_t rx, tx, rx_bytes, tx_bytes;
};
/* testpmd, interactive on a pipe, with a virtio-user port on sock; devargs: ",queues=1,packed_vq=1,..." */
int tp_spawn(struct proc *tp, const char *sock, const char *devargs, unsigned queues, const char *log);
/* "show port stats 0", parsed. */
bool tp_stats(struct proc *tp, struct port_stats *st);
/* rxonly + `start tx_first bursts`: testpmd's TX count (frames it handed the device). */
bool tp_rxonly_burst(struct proc *tp, unsigned bursts, struct port_stats *st);
/* Poll "show port stats 0" until testpmd has taken rx frames from its receive ring (the device is
 * done before testpmd's polling core, which shares the machine's two cores, has seen them all). */
bool tp_wait_rx(struct proc *tp, uint64_t rx, double timeout_s);
/* stop, final stats, quit, exit status. */
int tp_finish(struct proc *tp, struct port_stats *st);
/* A capture of n Ethernet frames of 60..1014 bytes. */
bool write_capture(const char *path, unsigned n);

#endif
