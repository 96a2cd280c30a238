/* json_file.h - the JSON pieces every report writer shares: a DMA count object and writing a document. */
#ifndef VDPU_JSON_FILE_H
#define VDPU_JSON_FILE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* {"requests", "bytes", "tlps", "link_bytes"}: measured counts or per-packet figures alike. */
cJSON *json_count_obj(double requests, double bytes, double tlps, double link_bytes);
/* Print root to path (pretty, newline-terminated) and delete it. 0 ok, -1 with "cannot write JSON
 * '<path>': <reason>" in err (every write and the close checked). */
int json_write_file(cJSON *root, const char *path, char *err, size_t errlen);

#endif
