/* console.c - picolibc stdout on the CONSOLE CSR: the simulator prints each line prefixed "[fw]". */
#include <stdio.h>

#include "csr.h"

static int console_putc(char c, FILE *f)
{
    (void)f;
    dev_wr(VDPU_CSR_CONSOLE, (uint8_t)c);
    return (uint8_t)c;
}

static FILE console = FDEV_SETUP_STREAM(console_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdout = &console;
FILE *const stderr = &console;
