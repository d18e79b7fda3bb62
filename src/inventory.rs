//! The TOML inventory of nodes (see the CLI contract). OWNER: topology helper.
