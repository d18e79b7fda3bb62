//! TLS to nodes and Sentinels, with redis-cli's options (`--tls --cacert --cacertdir --cert
//! --key --sni --insecure`) and redis-cli's meaning: the server's chain is verified against
//! the CA (or the system's store), the host name is not (redis-cli does not check it either;
//! `--sni` only sets the name sent in the handshake), and `--insecure` skips verification.
//!
//! Why OpenSSL (the `openssl` and `tokio-openssl` crates) and not rustls or native-tls:
//! - it is already linked into rkv (libssh2 uses it), so it adds no C build nor a second
//!   crypto library, and it is the very library redis-server and redis-cli use: certificate
//!   formats, hashed CA directories (`--cacertdir`, `tls-ca-cert-dir`), protocol names
//!   (`tls-protocols "TLSv1.2 TLSv1.3"`) and verification behave the same on both sides;
//! - rustls cannot read a hashed CA directory and needs a crypto provider built from C
//!   (aws-lc) or ring; native-tls cannot require client certificates on the server side
//!   (`tls-auth-clients yes`), which `rkv serve` needs.
//!
//! Errors name the node and the file at fault: a CA that does not verify the server, a
//! client certificate the server refuses or requires, a file that cannot be read.

use openssl::ssl::{ErrorCode, SslConnector, SslFiletype, SslMethod, SslVerifyMode, SslVersion};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_openssl::SslStream;

/// How to speak TLS to a node (from flags, environment, a `rediss://` address or the
/// inventory). Paths are kept, not the loaded material, so the value is cheap to compare and
/// clone, and errors can name the files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TlsSettings {
    /// CA certificate file to verify the server with (PEM).
    pub cacert: Option<PathBuf>,
    /// Directory of hashed CA certificates (`c_rehash`), as `--cacertdir`.
    pub cacertdir: Option<PathBuf>,
    /// Client certificate (PEM, may hold the chain) for servers with `tls-auth-clients`.
    pub cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    pub key: Option<PathBuf>,
    /// Server name sent in the handshake (SNI).
    pub sni: Option<String>,
    /// Do not verify the server's certificate.
    pub insecure: bool,
}

impl TlsSettings {
    /// Fill what this value leaves unset from `other` (a node's inventory keys over the
    /// defaults, the defaults over the flags).
    pub fn or(mut self, other: &TlsSettings) -> TlsSettings {
        self.cacert = self.cacert.or_else(|| other.cacert.clone());
        self.cacertdir = self.cacertdir.or_else(|| other.cacertdir.clone());
        self.cert = self.cert.or_else(|| other.cert.clone());
        self.key = self.key.or_else(|| other.key.clone());
        self.sni = self.sni.or_else(|| other.sni.clone());
        self.insecure |= other.insecure;
        self
    }

    /// Where the server is verified against, for error messages.
    fn trust(&self) -> String {
        match (&self.cacert, &self.cacertdir) {
            (Some(f), _) => format!("CA file {}", f.display()),
            (None, Some(d)) => format!("CA directory {}", d.display()),
            (None, None) => "the system's CA store".into(),
        }
    }

    /// Build an OpenSSL connector: reads every file, so a missing or bad one fails here with
    /// its name.
    pub fn connector(&self) -> Result<SslConnector, TlsError> {
        let mut b = SslConnector::builder(SslMethod::tls_client())
            .map_err(|e| TlsError::Setup(e.to_string()))?;
        b.set_min_proto_version(Some(SslVersion::TLS1_2))
            .map_err(|e| TlsError::Setup(e.to_string()))?;
        if let Some(f) = &self.cacert {
            b.set_ca_file(f)
                .map_err(|e| file_error("CA certificate", f, e))?;
        }
        if let Some(d) = &self.cacertdir {
            if !d.is_dir() {
                return Err(TlsError::File {
                    what: "CA certificate directory",
                    path: d.clone(),
                    reason: "not a directory".into(),
                });
            }
            b.load_verify_locations(None, Some(d))
                .map_err(|e| file_error("CA certificate directory", d, e))?;
        }
        match (&self.cert, &self.key) {
            (Some(c), Some(k)) => {
                b.set_certificate_chain_file(c)
                    .map_err(|e| file_error("client certificate", c, e))?;
                b.set_private_key_file(k, SslFiletype::PEM)
                    .map_err(|e| file_error("client key", k, e))?;
                b.check_private_key().map_err(|e| TlsError::File {
                    what: "client key",
                    path: k.clone(),
                    reason: format!("does not match the certificate {}: {e}", c.display()),
                })?;
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(TlsError::Setup(
                    "a client certificate needs both --cert and --key".into(),
                ));
            }
            (None, None) => {}
        }
        if self.insecure {
            b.set_verify(SslVerifyMode::NONE);
        }
        Ok(b.build())
    }

    /// Open TLS over `tcp` to `node` and check the server accepts us (one PING), so that a
    /// refused or missing client certificate — which TLS 1.3 reports only after the handshake
    /// — fails here with a clear reason instead of as a reset on the first command.
    pub async fn handshake(
        &self,
        tcp: TcpStream,
        node: &str,
    ) -> Result<SslStream<TcpStream>, TlsError> {
        let connector = self.connector()?;
        let mut cfg = connector
            .configure()
            .map_err(|e| TlsError::Setup(e.to_string()))?;
        // As redis-cli: verify the chain, not the host name.
        cfg.set_verify_hostname(false);
        cfg.set_use_server_name_indication(self.sni.is_some());
        let ssl = cfg
            .into_ssl(self.sni.as_deref().unwrap_or("localhost"))
            .map_err(|e| TlsError::Setup(e.to_string()))?;
        let mut stream = SslStream::new(ssl, tcp).map_err(|e| TlsError::Setup(e.to_string()))?;
        if let Err(e) = Pin::new(&mut stream).connect().await {
            return Err(self.explain(node, &stream, &e));
        }
        // A PING answered with +PONG or an error (-NOAUTH) proves the server took us.
        let probe = async {
            stream.write_all(b"*1\r\n$4\r\nPING\r\n").await?;
            let mut buf = [0u8; 1];
            let mut line = Vec::new();
            while line.len() < 4096 {
                stream.read_exact(&mut buf).await?;
                line.push(buf[0]);
                if line.ends_with(b"\r\n") {
                    return Ok(line);
                }
            }
            Err(std::io::Error::other("reply line too long"))
        };
        match probe.await {
            Ok(_) => Ok(stream),
            Err(e) => Err(self.after_handshake(node, &e)),
        }
    }

    fn explain(
        &self,
        node: &str,
        stream: &SslStream<TcpStream>,
        e: &openssl::ssl::Error,
    ) -> TlsError {
        let verify = stream.ssl().verify_result();
        if verify != openssl::x509::X509VerifyResult::OK {
            return TlsError::Untrusted {
                node: node.to_string(),
                reason: verify.error_string().to_string(),
                trust: self.trust(),
            };
        }
        let text = ssl_text(e);
        if (e.code() == ErrorCode::SYSCALL || e.code() == ErrorCode::ZERO_RETURN) && text.is_empty()
        {
            return TlsError::Handshake {
                node: node.to_string(),
                reason: "the server closed the connection during the handshake (does it speak TLS on this port?)".into(),
            };
        }
        self.alert(node, text)
    }

    /// The server dropped us right after the handshake: with TLS 1.3 that is how a refused
    /// or missing client certificate shows (the alert may be lost when the server closes
    /// at once).
    fn after_handshake(&self, node: &str, e: &std::io::Error) -> TlsError {
        let text = match e
            .get_ref()
            .and_then(|i| i.downcast_ref::<openssl::ssl::Error>())
        {
            Some(s) => ssl_text(s),
            None => e.to_string(),
        };
        let lower = text.to_ascii_lowercase();
        let dropped = lower.contains("reset")
            || lower.contains("eof")
            || lower.contains("broken pipe")
            || lower.is_empty();
        match (&self.cert, dropped) {
            (None, true) => TlsError::CertRequired {
                node: node.to_string(),
            },
            (Some(c), true) => TlsError::CertRefused {
                node: node.to_string(),
                path: c.clone(),
                reason: format!("the server closed the connection after the handshake: {text}"),
            },
            _ => self.alert(node, text),
        }
    }

    /// A handshake failure the server signalled (an alert), turned into what to fix.
    fn alert(&self, node: &str, text: String) -> TlsError {
        let node = node.to_string();
        let lower = text.to_ascii_lowercase();
        if lower.contains("certificate required")
            || (self.cert.is_none() && lower.contains("handshake failure"))
        {
            return TlsError::CertRequired { node };
        }
        if let Some(c) = &self.cert
            && (lower.contains("unknown ca")
                || lower.contains("bad certificate")
                || lower.contains("certificate unknown")
                || lower.contains("decrypt error"))
        {
            return TlsError::CertRefused {
                node,
                path: c.clone(),
                reason: text,
            };
        }
        if lower.contains("wrong version number") || lower.contains("packet length too long") {
            return TlsError::Handshake {
                node,
                reason: "the server does not speak TLS on this port".into(),
            };
        }
        TlsError::Handshake { node, reason: text }
    }
}

/// The reason inside an OpenSSL error: the library's text for the first error on the stack
/// ("tlsv13 alert certificate required"), else the I/O error.
fn ssl_text(e: &openssl::ssl::Error) -> String {
    if let Some(first) = e.ssl_error().and_then(|stack| stack.errors().first()) {
        return first
            .reason()
            .map_or_else(|| first.to_string(), str::to_string);
    }
    match e.io_error() {
        Some(io) => io.to_string(),
        None => String::new(),
    }
}

fn file_error(what: &'static str, path: &Path, e: openssl::error::ErrorStack) -> TlsError {
    let reason = if !path.exists() {
        "no such file".to_string()
    } else {
        e.errors()
            .first()
            .and_then(|x| x.reason().map(str::to_string))
            .unwrap_or_else(|| e.to_string())
    };
    TlsError::File {
        what,
        path: path.to_path_buf(),
        reason,
    }
}

/// Why TLS to a node failed: each names the node or the file.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum TlsError {
    /// A certificate, key or CA file could not be used.
    #[error("TLS {what} {}: {reason}", path.display())]
    File {
        /// Which file this is.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// OpenSSL could not be set up (a bad combination of options).
    #[error("TLS setup: {0}")]
    Setup(String),
    /// The server's certificate does not verify.
    #[error(
        "TLS: the certificate of {node} is not trusted ({reason}) by {trust}; give its CA with --cacert, or --insecure to skip the check"
    )]
    Untrusted {
        /// The node.
        node: String,
        /// OpenSSL's verify result.
        reason: String,
        /// The CA file or directory used.
        trust: String,
    },
    /// The server wants a client certificate and we gave none.
    #[error(
        "TLS: {node} requires a client certificate (tls-auth-clients); give one with --cert and --key"
    )]
    CertRequired {
        /// The node.
        node: String,
    },
    /// The server refused our client certificate.
    #[error("TLS: {node} refused the client certificate {} ({reason}); is it signed by the CA the server trusts (tls-ca-cert-file)?", path.display())]
    CertRefused {
        /// The node.
        node: String,
        /// Our certificate file.
        path: PathBuf,
        /// The alert.
        reason: String,
    },
    /// Another handshake failure.
    #[error("TLS handshake with {node} failed: {reason}")]
    Handshake {
        /// The node.
        node: String,
        /// Why.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_fills_only_unset_fields() {
        let node = TlsSettings {
            cacert: Some("node-ca.pem".into()),
            ..TlsSettings::default()
        };
        let defaults = TlsSettings {
            cacert: Some("ca.pem".into()),
            cert: Some("c.pem".into()),
            key: Some("k.pem".into()),
            ..TlsSettings::default()
        };
        let m = node.or(&defaults);
        assert_eq!(m.cacert, Some("node-ca.pem".into()));
        assert_eq!(m.cert, Some("c.pem".into()));
    }

    #[test]
    fn a_missing_file_is_named() {
        let s = TlsSettings {
            cacert: Some("/nonexistent/ca.pem".into()),
            ..TlsSettings::default()
        };
        let e = s
            .connector()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("/nonexistent/ca.pem") && e.contains("no such file"),
            "{e}"
        );
    }

    #[test]
    fn cert_without_key_is_refused() {
        let s = TlsSettings {
            cert: Some("c.pem".into()),
            ..TlsSettings::default()
        };
        assert!(matches!(s.connector(), Err(TlsError::Setup(_))));
    }
}
