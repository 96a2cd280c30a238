/* gdb_stub.h - GDB remote serial protocol stub for the embedded RISC-V CPU (halts the whole simulation). */
#ifndef VDPU_GDB_STUB_H
#define VDPU_GDB_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rv_cpu.h"

/* What the stub debugs. The stub knows nothing of the SoC: memory goes through these callbacks
 * (side-effect-free debug accesses), registers straight through the cpu struct. */
struct gdb_target {
    void *ctx;
    rv_cpu_t *cpu; /* GDB riscv:rv32 numbering: 0-31 x0-x31, 32 pc, 65+csrno machine CSRs */
    bool (*mem_read)(void *ctx, uint32_t addr, void *buf, size_t len);
    bool (*mem_write)(void *ctx, uint32_t addr, const void *buf, size_t len);
};

typedef struct gdb_stub gdb_stub_t;

/* Bind 127.0.0.1:port only (port 0: any free port), print "gdb: listening on 127.0.0.1:PORT" to
 * stderr, then block until one client connects. NULL and a message in err on failure. */
gdb_stub_t *gdb_stub_listen_tcp(uint16_t port, char *err, size_t errlen);
/* Protocol on stdin/stdout (`target remote | vdpu ...`). The stub takes private copies of fds 0 and 1,
 * then points fd 1 at stderr and fd 0 at /dev/null, so anything the simulator prints to stdout ends
 * up on stderr instead of corrupting the protocol. */
gdb_stub_t *gdb_stub_stdio(void);
/* Protocol on an existing pair of descriptors (tests: a socketpair). The stub closes them. */
gdb_stub_t *gdb_stub_fds(int in_fd, int out_fd);

void gdb_stub_attach(gdb_stub_t *g, const struct gdb_target *t);
/* The fw_soc before_step hook (g is a gdb_stub_t *, may be NULL). Returns when the CPU may execute its
 * next instruction; while the target is halted it blocks serving GDB, which freezes the whole
 * single-threaded simulation (device, host, virtual time). May be called repeatedly for the same
 * instruction (memory stalls, WFI): a step counts as done once cpu->retired or cpu->pc changes. */
void gdb_before_step(void *g, rv_cpu_t *cpu);
/* Halt (stop reply S05) before the next instruction, e.g. when the CPU reports RV_EBREAK.
 * Async-signal-safe. */
void gdb_stub_request_halt(gdb_stub_t *g);
/* GDB sent 'k': the debugger is gone and the simulation should stop. */
bool gdb_stub_killed(gdb_stub_t *g);
/* A debugger is still connected (false after k, D or a lost connection). */
bool gdb_stub_connected(gdb_stub_t *g);
/* The simulation ended: if GDB is waiting for the target to stop, tell it the program exited
 * (W packet) so it does not just see the connection drop. */
void gdb_stub_report_exit(gdb_stub_t *g, int code);
/* Close the connection and free (NULL is fine). */
void gdb_stub_close(gdb_stub_t *g);

#endif
