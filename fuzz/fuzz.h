/* fuzz.h - the fuzz targets' entry points: libFuzzer calls them through LLVMFuzzerTestOneInput (the
 * fuzz build, -DLIBFUZZER); the test suite calls them to replay the seed corpus and pinned findings.
 * Each returns 0, or aborts with a "FINDING" line when an oracle failed. */
#ifndef VDPU_FUZZ_H
#define VDPU_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int fuzz_dev_one(const uint8_t *data, size_t size);       /* the device: the C model */
int fuzz_dev_cosim_one(const uint8_t *data, size_t size); /* the same program on the RTL checked against the model */
int fuzz_elf_one(const uint8_t *data, size_t size);   /* the ELF loader and firmware checks */
int fuzz_pcap_one(const uint8_t *data, size_t size);  /* the pcap reader */
int fuzz_sweep_one(const uint8_t *data, size_t size); /* vdpu compare's manifest read and JSON merge */

#endif
