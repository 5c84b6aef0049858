/*
 * snapshot.h - the template miner on disk.
 *
 * snapshot_save writes drain_snapshot()'s bytes to PATH.tmp, fsyncs it,
 * renames it over PATH and fsyncs the directory, so a crash leaves either
 * the old or the new file, never a torn one.  snapshot_load reads PATH
 * and restores the miner; a missing file is not an error, a corrupt or
 * foreign one is refused (logged) and leaves the miner empty.  Both use
 * one static buffer; neither allocates.
 */
#ifndef VIGIL_SNAPSHOT_H
#define VIGIL_SNAPSHOT_H

#include "drain.h"

/* 0, or VIGIL_EIO (logged). */
int snapshot_save(const char *path, const struct drain *d);

/* 0 (restored), VIGIL_ENOENT (no file yet), or the refusal's VIGIL_E*
 * code (logged; the miner is empty with cfg). */
int snapshot_load(const char *path, struct drain *d,
    const struct drain_cfg *cfg);

#endif /* VIGIL_SNAPSHOT_H */
