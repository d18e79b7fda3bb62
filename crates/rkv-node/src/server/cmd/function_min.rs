//! The smallest FUNCTION this server can serve truthfully while it has no function engine:
//! there are never any libraries, so FUNCTION FLUSH succeeds and FUNCTION LIST is empty.
//! Redis 7.0's test suite calls `FUNCTION FLUSH` before every unit; without it no unit runs.
//! Scripting (helper H5) replaces this file with the real engine: keep it self-contained.

use super::ExecCtx;
use super::data::is;
use crate::resp::Frame;
use bytes::Bytes;

/// `FUNCTION FLUSH [ASYNC|SYNC]`, `FUNCTION LIST [...]`; other subcommands are refused with
/// Redis's unknown-subcommand text.
pub fn function(_ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let sub = &argv[1];
    if is(sub, "flush") {
        return match argv.len() {
            2 => Frame::ok(),
            3 if is(&argv[2], "async") || is(&argv[2], "sync") => Frame::ok(),
            3 => Frame::error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"),
            _ => Frame::error("ERR wrong number of arguments for 'function|flush' command"),
        };
    }
    if is(sub, "list") {
        return Frame::Array(Vec::new());
    }
    Frame::Error(format!(
        "ERR unknown subcommand '{}'. Try FUNCTION HELP.",
        String::from_utf8_lossy(sub)
    ))
}
