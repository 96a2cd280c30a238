/* sweep_out.h - a merged sweep as a terminal table, CSV, JSON and markdown (tables of docs/split-vs-packed.md). */
#ifndef VDPU_SWEEP_OUT_H
#define VDPU_SWEEP_OUT_H

#include <stdio.h>

#include "sweep_merge.h"

/* Two tables, one row per point: DMA requests per packet by purpose with the spec minimum; link bytes,
 * throughput, utilization and read latency. Failed points are listed after them with the reason. */
void sweep_table(FILE *out, const struct sweep_spec *s, const struct sweep_result *r, unsigned n);
/* Split vs packed for 64 B and 1500 B frames (when swept), each workload, with the feature set that costs the
 * fewest link bytes per packet; the other axes at their base value. `md`: markdown, else plain text. */
void sweep_headline(FILE *out, const struct sweep_spec *s, const struct sweep_result *r, unsigned n, bool md);
/* Markdown: the headline, then every feature set at the base point, then DMA by purpose at the base point. */
void sweep_markdown(FILE *out, const struct sweep_spec *s, const struct sweep_result *r, unsigned n);
/* 0 ok, -1 with err. The CSV's header names every column; the JSON holds configuration, measured figures,
 * the spec minimum and the ratios of every point. */
int sweep_csv(const char *path, const struct sweep_spec *s, const struct sweep_result *r, unsigned n, char *err,
              size_t errlen);
int sweep_json(const char *path, const struct sweep_spec *s, const struct sweep_result *r, unsigned n, char *err,
               size_t errlen);

/* The ok result whose value index on every axis is vi[], or NULL. */
const struct sweep_result *sweep_find(const struct sweep_result *r, unsigned n, const unsigned *vi);
/* For a base-point slice (vi[] with the features axis free): the feature set index with the fewest measured
 * link bytes per packet; -1 when none of them ran. */
int sweep_best_features(const struct sweep_spec *s, const struct sweep_result *r, unsigned n, const unsigned *vi);

#endif
