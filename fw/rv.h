/* rv.h - RV32 machine-mode helpers: CSR access, interrupt enables, WFI, and the CLINT timer. */
#ifndef VDPU_FW_RV_H
#define VDPU_FW_RV_H

#include <stdint.h>

/* -march=rv32imc keeps the multilib selection working; Zicsr is enabled per instruction. */
#define RV_CSR_READ(name)                                                                        \
    ({                                                                                           \
        uint32_t v_;                                                                             \
        __asm__ volatile(".option push\n.option arch, +zicsr\ncsrr %0, " #name "\n.option pop"   \
                         : "=r"(v_));                                                            \
        v_;                                                                                      \
    })
#define RV_CSR_SET(name, bits)                                                                   \
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrs " #name ", %0\n.option pop"       \
                     : : "r"(bits) : "memory")
#define RV_CSR_CLEAR(name, bits)                                                                 \
    __asm__ volatile(".option push\n.option arch, +zicsr\ncsrc " #name ", %0\n.option pop"       \
                     : : "r"(bits) : "memory")

#define MSTATUS_MIE 0x8u
#define MIE_MTIE (1u << 7)
#define MIE_MEIE (1u << 11)
#define MCAUSE_IRQ 0x80000000u
#define CAUSE_MTI 7u
#define CAUSE_MEI 11u

static inline void irq_global_on(void) { RV_CSR_SET(mstatus, MSTATUS_MIE); }
static inline void irq_global_off(void) { RV_CSR_CLEAR(mstatus, MSTATUS_MIE); }
static inline void irq_ext_on(void) { RV_CSR_SET(mie, MIE_MEIE); }
static inline void irq_ext_off(void) { RV_CSR_CLEAR(mie, MIE_MEIE); }
/* Sleeps until an interrupt enabled in mie is pending, whatever mstatus.MIE says. */
static inline void rv_wfi(void) { __asm__ volatile("wfi" ::: "memory"); }

/* CLINT: mtime counts device cycles (250 MHz) */
#define CLINT_BASE 0x02000000u
#define CLINT_MTIME_LO (CLINT_BASE + 0xBFF8u)
#define CYCLES_PER_US 250u

/* Low word of mtime: enough for the short bounded waits (compare with unsigned differences). */
static inline uint32_t mtime_lo(void) { return *(volatile uint32_t *)CLINT_MTIME_LO; }

#endif
