/* crt0.S - reset entry: gp, tp, stack in DTCM, zero .bss, trap vector, then main(). */

/* .data (with vdpu_fw_config) is linked straight into DTCM and loaded there by the ELF loader:
 * nothing is copied, so values the simulator patches into the image after loading survive. */

    .section .text.init, "ax"
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax            /* gp is not set yet: no gp-relative relaxation here */
    la      gp, __global_pointer$
    .option pop
    la      tp, __tls_base     /* picolibc keeps errno in TLS (local-exec model) */
    la      sp, __stack_top

    la      t0, __bss_start    /* zero .tbss + .bss (word-aligned by the linker script) */
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sw      zero, 0(t0)
    addi    t0, t0, 4
    j       1b
2:
    .option push
    .option arch, +zicsr
    la      t0, trap_entry     /* direct mode: every trap enters trap_entry */
    csrw    mtvec, t0
    csrw    mie, zero          /* main enables the sources it services */
    .option pop

    call    main
3:  wfi                        /* main does not return; park if it ever does */
    j       3b
    .size _start, . - _start
