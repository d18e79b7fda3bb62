//! TLS for `rkv serve`, with Redis's directives: the listener on `tls-port` (its acceptor
//! built from `tls-cert-file`, `tls-key-file`, `tls-ca-cert-file`/`tls-ca-cert-dir`,
//! `tls-auth-clients`, `tls-protocols`) and the client side of our replication link
//! (`tls-replication`, the same files: as in Redis, the node's certificate is its client
//! certificate towards its master).
//!
//! OpenSSL, as for the operator side (see `crate::net::tls` for why). The acceptor is
//! rebuilt when a `CONFIG SET tls-…` changed the settings, so new certificates apply to new
//! connections, as Redis does; connections already open keep theirs.

use super::config::Config;
use crate::net::tls::TlsSettings;
use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod, SslVerifyMode, SslVersion};
use std::path::PathBuf;

/// The TLS part of the configuration that the acceptor depends on (compared to know when to
/// rebuild it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTls {
    cert: String,
    key: String,
    ca_file: String,
    ca_dir: String,
    auth_clients: String,
    protocols: String,
}

impl ServerTls {
    /// The settings in `config`.
    pub fn of(config: &Config) -> ServerTls {
        ServerTls {
            cert: config.tls_cert_file.clone(),
            key: config.tls_key_file.clone(),
            ca_file: config.tls_ca_cert_file.clone(),
            ca_dir: config.tls_ca_cert_dir.clone(),
            auth_clients: config.tls_auth_clients.clone(),
            protocols: config.tls_protocols.clone(),
        }
    }

    /// Build the acceptor; errors name the directive and the file.
    pub fn acceptor(&self) -> Result<SslAcceptor, String> {
        if self.cert.is_empty() || self.key.is_empty() {
            return Err("tls-port needs tls-cert-file and tls-key-file".into());
        }
        let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())
            .map_err(|e| e.to_string())?;
        b.set_certificate_chain_file(&self.cert)
            .map_err(|e| format!("tls-cert-file {}: {}", self.cert, first_reason(&e)))?;
        b.set_private_key_file(&self.key, SslFiletype::PEM)
            .map_err(|e| format!("tls-key-file {}: {}", self.key, first_reason(&e)))?;
        b.check_private_key()
            .map_err(|e| format!("tls-key-file {}: {}", self.key, first_reason(&e)))?;
        if !self.ca_file.is_empty() {
            b.set_ca_file(&self.ca_file)
                .map_err(|e| format!("tls-ca-cert-file {}: {}", self.ca_file, first_reason(&e)))?;
        }
        if !self.ca_dir.is_empty() {
            b.load_verify_locations(None, Some(std::path::Path::new(&self.ca_dir)))
                .map_err(|e| format!("tls-ca-cert-dir {}: {}", self.ca_dir, first_reason(&e)))?;
        }
        let mode = match self.auth_clients.as_str() {
            "no" => SslVerifyMode::NONE,
            "optional" => SslVerifyMode::PEER,
            _ => SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT,
        };
        if mode != SslVerifyMode::NONE && self.ca_file.is_empty() && self.ca_dir.is_empty() {
            return Err(
                "tls-auth-clients needs tls-ca-cert-file or tls-ca-cert-dir to verify clients with"
                    .into(),
            );
        }
        b.set_verify(mode);
        let (min, max) = parse_protocols(&self.protocols)?;
        b.set_min_proto_version(min).map_err(|e| e.to_string())?;
        b.set_max_proto_version(max).map_err(|e| e.to_string())?;
        Ok(b.build())
    }
}

/// `tls-protocols` ("TLSv1.2 TLSv1.3", any subset, "" for both) as the lowest and highest
/// version; a gap (which OpenSSL cannot express with a range) is refused.
pub fn parse_protocols(v: &str) -> Result<(Option<SslVersion>, Option<SslVersion>), String> {
    let mut have = [false; 2];
    for p in v.split_whitespace() {
        match p.to_ascii_lowercase().as_str() {
            "tlsv1.2" => have[0] = true,
            "tlsv1.3" => have[1] = true,
            other => {
                return Err(format!(
                    "unsupported TLS protocol '{other}' (TLSv1.2, TLSv1.3)"
                ));
            }
        }
    }
    Ok(match have {
        [false, false] | [true, true] => (Some(SslVersion::TLS1_2), Some(SslVersion::TLS1_3)),
        [true, false] => (Some(SslVersion::TLS1_2), Some(SslVersion::TLS1_2)),
        [false, true] => (Some(SslVersion::TLS1_3), Some(SslVersion::TLS1_3)),
    })
}

fn first_reason(e: &openssl::error::ErrorStack) -> String {
    e.errors()
        .first()
        .and_then(|x| x.reason().map(str::to_string))
        .unwrap_or_else(|| e.to_string())
}

/// The client side of our link to a master when `tls-replication` is on: our certificate
/// and key as the client certificate, the CA file or directory to verify the master.
pub fn replication_client(config: &Config) -> Option<TlsSettings> {
    if !config.tls_replication {
        return None;
    }
    let path = |s: &str| (!s.is_empty()).then(|| PathBuf::from(s));
    Some(TlsSettings {
        cacert: path(&config.tls_ca_cert_file),
        cacertdir: path(&config.tls_ca_cert_dir),
        cert: path(&config.tls_cert_file),
        key: path(&config.tls_key_file),
        sni: None,
        insecure: false,
    })
}

/// A short reason for a failed TLS accept, for the log line.
pub fn accept_reason(e: &openssl::ssl::Error) -> String {
    if let Some(first) = e.ssl_error().and_then(|s| s.errors().first()) {
        return first
            .reason()
            .map_or_else(|| first.to_string(), str::to_string);
    }
    match e.io_error() {
        Some(io) => io.to_string(),
        None => "connection closed during the handshake".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_parse_as_redis_names_them() {
        assert_eq!(
            parse_protocols("TLSv1.3").ok(),
            Some((Some(SslVersion::TLS1_3), Some(SslVersion::TLS1_3)))
        );
        assert_eq!(
            parse_protocols("").ok(),
            Some((Some(SslVersion::TLS1_2), Some(SslVersion::TLS1_3)))
        );
        assert!(parse_protocols("SSLv3").is_err());
    }
}
