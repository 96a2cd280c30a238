/* fw_soc.h - the firmware SoC: RV32IMC core, TCMs, CLINT timer and the device CSR window, as the bus's fw agent. */
#ifndef VDPU_FW_SOC_H
#define VDPU_FW_SOC_H

#include <stdio.h>

#include "bus.h"
#include "clint.h"
#include "elf_load.h"
#include "rv_cpu.h"

/*
 * Memory map of the firmware CPU (anything else: access fault):
 *   0x00000000  ITCM   64 KiB  code, rodata    (read/write/execute; one-cycle, no wait states)
 *   0x02000000  CLINT  64 KiB  msip +0x0, mtimecmp +0x4000 (64-bit), mtime +0xBFF8 (64-bit, RO,
 *                              counts device cycles; MTI = mtime >= mtimecmp)
 *   0x10000000  DTCM   32 KiB  data, bss, stack (read/write/execute; no wait states)
 *   0x40000000  CSR    64 KiB  the device's firmware CSR block (docs/register-map.md), offset = address
 *                              - 0x40000000.
 *
 * Timing: one rv_step per device cycle. A load or store in the CSR window issues one fwreq in
 * the cycle the instruction executes (addr = word offset, wstrb = the bytes written by the
 * store's size and address, wdata shifted into those lanes; reads have wstrb 0) and the CPU
 * stalls; the response arrives one cycle later (fwrsp_valid) and the instruction retires in
 * that cycle. A device CSR access therefore takes 2 cycles (1 wait state); everything else
 * takes 1. Byte/halfword loads from the window read the word and extract the lane.
 *
 * Interrupts: MEI = (fw_irq != 0), MTI from the CLINT, MSI = msip[0]; sampled at the start of
 * each cycle, before the CPU steps.
 *
 * Console: every store to the CONSOLE CSR goes to the device like any other store, and the SoC
 * also collects byte lane 0 (wdata[7:0]) into a line buffer; each '\n' prints "[fw] <line>" to
 * the console sink ('\r' is dropped, lines longer than FW_SOC_LINE_MAX are split).
 */
#define FW_ITCM_BASE 0x00000000u
#define FW_ITCM_SIZE 0x10000u
#define FW_DTCM_BASE 0x10000000u
#define FW_DTCM_SIZE 0x8000u
#define FW_CSR_BASE 0x40000000u
#define FW_CSR_SIZE 0x10000u
#define FW_SOC_LINE_MAX 200

typedef struct fw_soc {
    rv_cpu_t cpu;
    uint8_t itcm[FW_ITCM_SIZE];
    uint8_t dtcm[FW_DTCM_SIZE];
    clint_t clint;
    const struct elf_image *img; /* for trace symbols; not owned */
    uint64_t cycle;              /* agent steps (device cycles) */
    enum rv_step_result last;    /* result of the last rv_step (a debugger sees RV_EBREAK here) */

    /* the device access in flight: issued, then answered one cycle later */
    struct {
        bool busy;      /* a request went out; the CPU is retrying the same access */
        bool answered;  /* the response arrived; the retry completes */
        bool we;
        uint32_t addr;  /* CPU address */
        unsigned size;
        uint32_t wdata; /* value as the CPU stores it (not shifted) */
        uint32_t rdata; /* response word */
    } acc;
    bool issue;          /* drive req this cycle */
    vdpu_fwreq_t req;
    uint64_t csr_reads, csr_writes;

    /* console */
    FILE *console; /* default stdout; NULL: discard */
    char line[FW_SOC_LINE_MAX + 1];
    unsigned line_n;

    FILE *trace; /* one line per retired instruction ("[fw-cpu] cyc=..."), or NULL */

    /* called before each rv_step that does not retry a stalled access (debugger stop point) */
    void (*before_step)(void *ctx, rv_cpu_t *cpu);
    void *before_step_ctx;
} fw_soc_t;

/* Reset the SoC, load img's segments into the TCMs and point the CPU at its entry. On a segment
 * outside ITCM/DTCM: -1 and one line in err. s is large (~100 KiB): allocate it, don't stack it. */
int fw_soc_init(fw_soc_t *s, const struct elf_image *img, char *err, size_t errlen);
/* Become the bus's firmware agent (replaces the built-in firmware role). */
void fw_soc_attach(fw_soc_t *s, vdpu_bus_t *b);
/* Print a partial console line, if any (end of run). */
void fw_soc_flush_console(fw_soc_t *s);
/* Debugger access to TCM contents; false if any byte is outside ITCM/DTCM. */
bool fw_soc_debug_read(fw_soc_t *s, uint32_t addr, void *buf, size_t len);
bool fw_soc_debug_write(fw_soc_t *s, uint32_t addr, const void *buf, size_t len);

#endif
