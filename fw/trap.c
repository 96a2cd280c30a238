/* trap.c - machine trap handler: device interrupts become "work pending" for the main loop; exceptions are fatal. */
#include <inttypes.h>
#include <stdio.h>

#include "rv.h"
#include "trap.h"

volatile bool fw_work_pending;

static void __attribute__((noreturn)) fatal(uint32_t cause)
{
    /* a firmware bug: report it and stop servicing (held host reads then time out visibly) */
    irq_global_off();
    RV_CSR_CLEAR(mie, 0xFFFFFFFFu);
    printf("FATAL trap: mcause 0x%08" PRIx32 " mepc 0x%08" PRIx32 " mtval 0x%08" PRIx32 "\n", cause,
           RV_CSR_READ(mepc), RV_CSR_READ(mtval));
    for (;;) rv_wfi();
}

/* Direct-mode vector (mtvec needs 4-byte alignment; the C extension only guarantees 2). */
void __attribute__((interrupt("machine"), aligned(4))) trap_entry(void)
{
    uint32_t cause = RV_CSR_READ(mcause);
    if (cause == (MCAUSE_IRQ | CAUSE_MEI)) {
        /* acknowledge by masking: the device's line drops only once its sources are serviced */
        irq_ext_off();
        fw_work_pending = true;
        return;
    }
    if (cause == (MCAUSE_IRQ | CAUSE_MTI)) {
        /* the timer is not used for wake-ups; a stray one is masked, not fatal */
        RV_CSR_CLEAR(mie, MIE_MTIE);
        return;
    }
    fatal(cause);
}
