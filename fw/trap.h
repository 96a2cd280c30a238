/* trap.h - the trap handler's hand-off to the main loop. */
#ifndef VDPU_FW_TRAP_H
#define VDPU_FW_TRAP_H

#include <stdbool.h>

/* Set by the trap handler when the device raised its interrupt; the handler also masks the
 * external interrupt (mie.MEIE) because the line is level-triggered and stays high until the
 * main loop has serviced the device. The main loop clears it and unmasks when done. */
extern volatile bool fw_work_pending;

void trap_entry(void);

#endif
