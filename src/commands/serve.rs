//! `rkv serve`: turn the command line into the store node's configuration and run it.
//!
//! The node (the `rkv-node` crate) takes Redis directive names only; this edge maps each flag
//! to its directive, so the node never sees clap and a flag is set exactly as the same line in
//! the config file would set it.

use crate::cli::ServeArgs;
use crate::server::config::Config;

/// Run `rkv serve` in the foreground until Ctrl-C, SIGTERM or SHUTDOWN.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    Ok(crate::server::run_blocking(config(&args)?)?)
}

/// The node's configuration: the config file first, then every flag given (flags win).
pub fn config(args: &ServeArgs) -> anyhow::Result<Config> {
    Config::from_directives(args.config.as_deref(), &directives(args)?)
        .map_err(|e| crate::ExitError::usage(e.0))
}

/// The flags as `(directive, value)` pairs, in a fixed order.
fn directives(args: &ServeArgs) -> anyhow::Result<Vec<(&'static str, String)>> {
    // Destructured so that a new flag fails to compile until it is mapped here.
    let ServeArgs {
        port,
        bind,
        replicaof,
        requirepass,
        requirepass_file,
        masteruser,
        masterauth,
        replica_priority,
        dir,
        appendonly,
        tls_port,
        tls_cert_file,
        tls_key_file,
        tls_ca_cert_file,
        tls_ca_cert_dir,
        tls_auth_clients,
        tls_replication,
        tls_protocols,
        config: _,
        appendfsync,
        save,
        maxclients,
        protected_mode,
        client_query_buffer_limit,
    } = args;
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let mut put = |name: &'static str, value: Option<String>| {
        if let Some(v) = value {
            out.push((name, v));
        }
    };
    put("port", port.map(|p| p.to_string()));
    put("bind", (!bind.is_empty()).then(|| bind.join(" ")));
    put("requirepass", requirepass.clone());
    if let Some(path) = requirepass_file {
        put("requirepass", Some(read_secret_file(path)?));
    }
    put("masteruser", masteruser.clone());
    put("masterauth", masterauth.clone());
    put("replica-priority", replica_priority.map(|v| v.to_string()));
    put("dir", dir.as_ref().map(|d| d.display().to_string()));
    put("appendonly", appendonly.then(|| "yes".to_string()));
    put("replicaof", replicaof.clone());
    put("appendfsync", appendfsync.clone());
    put("save", save.clone());
    put("maxclients", maxclients.map(|v| v.to_string()));
    put("protected-mode", protected_mode.clone());
    put("tls-port", tls_port.clone());
    put("tls-cert-file", tls_cert_file.clone());
    put("tls-key-file", tls_key_file.clone());
    put("tls-ca-cert-file", tls_ca_cert_file.clone());
    put("tls-ca-cert-dir", tls_ca_cert_dir.clone());
    put("tls-auth-clients", tls_auth_clients.clone());
    put("tls-replication", tls_replication.clone());
    put("tls-protocols", tls_protocols.clone());
    put(
        "client-query-buffer-limit",
        client_query_buffer_limit.clone(),
    );
    Ok(out)
}

/// The password in the first line of `path` (`--requirepass-file`), so it never appears in
/// argv or the environment.
fn read_secret_file(path: &std::path::Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        crate::ExitError::usage(format!("--requirepass-file {}: {e}", path.display()))
    })?;
    let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.is_empty() {
        return Err(crate::ExitError::usage(format!(
            "--requirepass-file {}: the file is empty",
            path.display()
        )));
    }
    Ok(first.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_directives_and_win_over_defaults() {
        let args = ServeArgs {
            port: Some(7001),
            bind: vec!["127.0.0.1".into(), "::1".into()],
            appendonly: true,
            replicaof: Some("127.0.0.1:7000".into()),
            tls_port: Some("7443".into()),
            maxclients: Some(50),
            ..ServeArgs::default()
        };
        let cfg = config(&args).unwrap();
        assert_eq!(cfg.port, 7001);
        assert_eq!(cfg.bind, vec!["127.0.0.1".to_string(), "::1".to_string()]);
        assert!(cfg.appendonly);
        assert_eq!(cfg.replicaof.as_deref(), Some("127.0.0.1:7000"));
        assert_eq!(cfg.tls_port, 7443);
        assert_eq!(cfg.maxclients, 50);
    }

    #[test]
    fn a_bad_flag_value_names_the_flag() {
        let args = ServeArgs {
            appendfsync: Some("sometimes".into()),
            ..ServeArgs::default()
        };
        let err = config(&args).unwrap_err();
        assert!(format!("{err:#}").contains("--appendfsync"), "{err:#}");
        assert_eq!(crate::exit_code(&err), 2);
    }

    #[test]
    fn the_password_file_sets_requirepass_from_its_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pass");
        std::fs::write(&path, "S3cret\nignored\n").unwrap();
        let args = ServeArgs {
            requirepass_file: Some(path),
            ..ServeArgs::default()
        };
        assert_eq!(
            config(&args).unwrap().requirepass.as_deref(),
            Some("S3cret")
        );
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "").unwrap();
        let args = ServeArgs {
            requirepass_file: Some(empty),
            ..ServeArgs::default()
        };
        assert!(format!("{:#}", config(&args).unwrap_err()).contains("is empty"));
    }
}
