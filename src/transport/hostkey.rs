//! Host key verification against known_hosts, the way OpenSSH does it: a known key lets the
//! connection go on, an unknown one is refused with its SHA256 fingerprint (or, when the
//! operator asked for `--accept-new-host-key`, appended like `StrictHostKeyChecking
//! accept-new`), and a changed one is always refused.
//!
//! libssh2's `KnownHosts` does the matching, hashed (`|1|…`) entries included. We feed it the
//! file one line at a time so a line it does not understand (a `@cert-authority` marker, a key
//! type it lacks) is skipped instead of hiding every line after it. The text helpers (base64,
//! the entry name, the key type inside a key blob) are pure and unit-tested.

use super::{SshError, SshSettings, SshTarget};
use ssh2::{CheckResult, HashType, KnownHostFileKind, Session};
use std::io::Write;
use std::path::Path;

/// Largest known_hosts file we read.
const MAX_KNOWN_HOSTS_BYTES: u64 = 16 << 20;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64, with or without `=` padding.
pub fn base64(data: &[u8], pad: bool) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let idx = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (i, &x) in idx.iter().enumerate() {
            if i <= chunk.len() {
                out.push(B64[x as usize] as char);
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 decoding (padding optional); None on any other character.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `SHA256:…` as OpenSSH prints a fingerprint (unpadded base64 of the digest).
pub fn fingerprint(sha256: &[u8]) -> String {
    format!("SHA256:{}", base64(sha256, false))
}

/// The host pattern known_hosts uses: `host` on port 22, `[host]:port` otherwise.
pub fn entry_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// The key type a public key blob names in its first field (`ssh-ed25519`…).
pub fn key_type(blob: &[u8]) -> Option<&str> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    let name = blob.get(4..4usize.checked_add(len)?)?;
    let name = std::str::from_utf8(name).ok()?;
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic())).then_some(name)
}

/// The known_hosts line for a key.
pub fn known_hosts_line(host: &str, port: u16, blob: &[u8]) -> Option<String> {
    Some(format!(
        "{} {} {}",
        entry_name(host, port),
        key_type(blob)?,
        base64(blob, true)
    ))
}

/// Whether a private key file is encrypted (so a passphrase is needed): the PEM
/// `ENCRYPTED` header, or an OpenSSH-format key whose cipher is not `none`.
pub fn key_is_encrypted(text: &str) -> bool {
    if text.contains("ENCRYPTED") {
        return true;
    }
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    let Some(raw) = base64_decode(body.trim()) else {
        return false;
    };
    let Some(rest) = raw.strip_prefix(b"openssh-key-v1\0") else {
        return false;
    };
    key_type(rest).is_some_and(|cipher| cipher != "none")
}

/// The key type a known_hosts line records (`ssh-ed25519`…), markers skipped.
pub fn line_key_type(line: &str) -> Option<&str> {
    let mut fields = line.split_whitespace();
    let mut first = fields.next()?;
    if first.starts_with('@') {
        first = fields.next()?;
    }
    let _hosts = first;
    fields.next()
}

/// What known_hosts says about a presented key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A line for this host records this key.
    Known,
    /// No line names this host.
    Unknown,
    /// A line for this host records another key of the same type.
    Changed,
    /// Lines for this host record only keys of other types: the server should be asked
    /// for one of those (OpenSSH prefers the algorithms it has keys for).
    OtherTypes(Vec<String>),
}

/// The host key algorithms to ask for to get a key of one of these types.
pub fn algorithms_for(types: &[String]) -> String {
    let mut algs: Vec<&str> = Vec::new();
    for t in types {
        let add: &[&str] = match t.as_str() {
            "ssh-rsa" => &["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
            other => &[other][..],
        };
        for a in add {
            if !algs.contains(a) {
                algs.push(a);
            }
        }
    }
    algs.join(",")
}

/// Hash the presented key against known_hosts one line at a time. libssh2 matches hashed
/// (`|1|…`) host names; because the `ssh2` crate cannot tell it the key type, a line of
/// another type would look like a changed key, so we sort that out here from the lines'
/// own key types.
fn classify(
    sess: &Session,
    text: &str,
    host: &str,
    port: u16,
    blob: &[u8],
    presented_type: &str,
) -> Result<Verdict, ssh2::Error> {
    let mut types: Vec<String> = Vec::new();
    let mut same_type_mismatch = false;
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with('@') {
            continue;
        }
        let mut kh = sess.known_hosts()?;
        if kh.read_str(l, KnownHostFileKind::OpenSSH).is_err() {
            tracing::debug!("known_hosts: skipped a line libssh2 does not understand");
            continue;
        }
        match kh.check_port(host, port, blob) {
            CheckResult::Match => return Ok(Verdict::Known),
            CheckResult::Mismatch => {
                let t = line_key_type(l).unwrap_or("unknown").to_string();
                same_type_mismatch |= t == presented_type;
                if !types.contains(&t) {
                    types.push(t);
                }
            }
            CheckResult::NotFound | CheckResult::Failure => {}
        }
    }
    Ok(if same_type_mismatch {
        Verdict::Changed
    } else if types.is_empty() {
        Verdict::Unknown
    } else {
        Verdict::OtherTypes(types)
    })
}

/// The outcome of a successful check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The key is known (or was just added).
    Trusted,
    /// known_hosts has this host only under other key types: reconnect asking for these
    /// host key algorithms.
    RetryWith(String),
}

/// Check the session's host key against known_hosts; accept (append) an unknown one only
/// when the settings say so.
pub fn verify(
    sess: &Session,
    target: &SshTarget,
    settings: &SshSettings,
) -> Result<Checked, SshError> {
    let t = target.to_string();
    let (blob, _) = sess.host_key().ok_or_else(|| SshError::Handshake {
        target: t.clone(),
        reason: "the server sent no host key".into(),
    })?;
    let key_type = key_type(blob).unwrap_or("unknown").to_string();
    let fp = sess
        .host_key_hash(HashType::Sha256)
        .map_or_else(|| "(no fingerprint)".to_string(), fingerprint);
    let path = &settings.known_hosts;
    let shown = path.display().to_string();
    let kh_err = |reason: String| SshError::KnownHosts {
        target: t.clone(),
        path: shown.clone(),
        reason,
    };
    let text = match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_KNOWN_HOSTS_BYTES => {
            return Err(kh_err("larger than 16 MiB".into()));
        }
        Ok(_) => std::fs::read_to_string(path).map_err(|e| kh_err(e.to_string()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(kh_err(e.to_string())),
    };
    let (host, port) = (target.addr.host(), target.addr.port());
    let verdict = classify(sess, &text, host, port, blob, &key_type)
        .map_err(|e| kh_err(e.message().to_string()))?;
    match verdict {
        Verdict::Known => Ok(Checked::Trusted),
        Verdict::Changed => Err(SshError::HostKeyChanged {
            target: t.clone(),
            known_hosts: shown.clone(),
            key_type,
            fingerprint: fp,
            entry: entry_name(host, port),
        }),
        Verdict::OtherTypes(types) => Ok(Checked::RetryWith(algorithms_for(&types))),
        Verdict::Unknown if settings.accept_new_host_key => {
            let line = known_hosts_line(host, port, blob)
                .ok_or_else(|| kh_err("the host key blob is malformed".into()))?;
            append_line(path, &line).map_err(|e| kh_err(e.to_string()))?;
            tracing::warn!("ssh {t}: added {key_type} key {fp} to {shown}");
            Ok(Checked::Trusted)
        }
        Verdict::Unknown => Err(SshError::UnknownHostKey {
            target: t.clone(),
            known_hosts: shown,
            key_type,
            fingerprint: fp,
        }),
    }
}

/// Append one line to known_hosts, creating it (mode 0600, directory 0700) if needed.
fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.exists()
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    let needs_newline = std::fs::read(path)
        .map(|b| !b.is_empty() && !b.ends_with(b"\n"))
        .unwrap_or(false);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)?;
    let mut text = String::new();
    if needs_newline {
        text.push('\n');
    }
    text.push_str(line);
    text.push('\n');
    f.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes(), true), enc);
            assert_eq!(base64(raw.as_bytes(), false), enc.trim_end_matches('='));
            assert_eq!(base64_decode(enc).unwrap(), raw.as_bytes());
        }
        assert_eq!(base64_decode("a*b"), None);
    }

    #[test]
    fn blob_type_and_line() {
        // A real ed25519 public key (from `ssh-keygen -t ed25519`).
        let b64 = "AAAAC3NzaC1lZDI1NTE5AAAAIPXQpJ4CS1O0ZVAKcYuDN9k1JpLSm1dz7AuKhNSDMD6s";
        let blob = base64_decode(b64).unwrap();
        assert_eq!(key_type(&blob), Some("ssh-ed25519"));
        assert_eq!(
            known_hosts_line("127.0.0.1", 2222, &blob).unwrap(),
            format!("[127.0.0.1]:2222 ssh-ed25519 {b64}")
        );
        assert_eq!(
            known_hosts_line("h", 22, &blob).unwrap(),
            format!("h ssh-ed25519 {b64}")
        );
        assert_eq!(key_type(&[0, 0, 0, 9, b'a']), None);
        assert_eq!(key_type(&[]), None);
    }

    #[test]
    fn fingerprint_format() {
        // OpenSSH shows the digest in unpadded base64.
        let digest: Vec<u8> = (0..32).map(|i| i as u8).collect();
        let fp = fingerprint(&digest);
        assert!(fp.starts_with("SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"));
        assert!(!fp.ends_with('='));
    }

    #[test]
    fn encrypted_keys_detected() {
        assert!(key_is_encrypted(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"
        ));
        // openssh-key-v1\0 + string "aes256-ctr" / "none".
        let mut raw = b"openssh-key-v1\0".to_vec();
        raw.extend_from_slice(&10u32.to_be_bytes());
        raw.extend_from_slice(b"aes256-ctr");
        let text = format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
            base64(&raw, true)
        );
        assert!(key_is_encrypted(&text));
        let mut raw = b"openssh-key-v1\0".to_vec();
        raw.extend_from_slice(&4u32.to_be_bytes());
        raw.extend_from_slice(b"none");
        let text = format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
            base64(&raw, true)
        );
        assert!(!key_is_encrypted(&text));
    }

    #[test]
    fn line_types_and_algorithms() {
        assert_eq!(line_key_type("h ssh-ed25519 AAAA"), Some("ssh-ed25519"));
        assert_eq!(
            line_key_type("@revoked h ssh-rsa AAAA comment"),
            Some("ssh-rsa")
        );
        assert_eq!(line_key_type("h"), None);
        assert_eq!(
            algorithms_for(&["ssh-rsa".into(), "ecdsa-sha2-nistp256".into()]),
            "rsa-sha2-512,rsa-sha2-256,ssh-rsa,ecdsa-sha2-nistp256"
        );
    }

    #[test]
    fn entry_names() {
        assert_eq!(entry_name("host", 22), "host");
        assert_eq!(entry_name("::1", 2200), "[::1]:2200");
    }
}
