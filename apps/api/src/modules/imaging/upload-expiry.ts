// Here rather than in modules/uploads: the storage sweeper (imaging) removes what expired, and
// imaging must not depend on the uploads feature that builds on it.
/** An unfinished resumable upload is kept this long after it was created. */
export const UPLOAD_EXPIRY_MS = 24 * 3600 * 1000;
