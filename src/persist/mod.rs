//! Persistence: the RDB snapshot (also the full-sync payload) and the append-only file.
//! OWNER: persistence helper.
