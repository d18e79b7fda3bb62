//! `rkv sentinel monitor` / `rkv sentinel remove`: the guides' Sentinel setup in one command.
//!
//! `monitor` reads the master (it must answer as a master), then on every Sentinel runs
//! SENTINEL MONITOR and SENTINEL SET (down-after-milliseconds, failover-timeout,
//! parallel-syncs, and auth-pass/auth-user from rkv's credentials so the Sentinels can log
//! in: the password is sent, never shown), then waits until every Sentinel knows all the
//! others and every replica the master lists. `remove` runs SENTINEL REMOVE everywhere.
//! A Sentinel that already monitors the same master under that name is left as it is
//! (re-running is safe); one that monitors another master under it is an error.

use super::out::print;
use super::topology::{finish, gather, resolve_arg, runtime, sentinel_seeds, setup};
use crate::ExitError;
use crate::cli::{
    GlobalArgs, OutputFormat, SentinelAction, SentinelArgs, SentinelMonitorArgs, SentinelRemoveArgs,
};
use crate::node::{Credentials, NodeAddr, NodeClient, Role, Transport};
use crate::topology::model::{ProblemJson, ProblemKind, SentinelJson};
use crate::topology::sentinel::{SentinelView, fields, replicas_from, view_from_master};
use serde::Serialize;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// How often the wait asks the Sentinels again.
const POLL: Duration = Duration::from_millis(500);

/// One thing done on one Sentinel.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The Sentinel.
    pub sentinel: String,
    /// The command, with secrets masked.
    pub action: String,
    /// Whether it worked.
    pub ok: bool,
    /// Its reply or error.
    pub detail: String,
}

/// `rkv sentinel … --output json`.
#[derive(Debug, Serialize)]
pub struct SentinelDoc {
    /// `monitor` or `remove`.
    pub action: &'static str,
    /// The master name.
    pub name: String,
    /// The master (monitor only).
    pub master: Option<String>,
    /// What was done.
    pub steps: Vec<Step>,
    /// Each Sentinel's view at the end (monitor only).
    pub sentinels: Vec<SentinelJson>,
    /// What went wrong.
    pub problems: Vec<ProblemJson>,
}

/// `rkv sentinel …`.
pub fn run(global: &GlobalArgs, args: &SentinelArgs) -> anyhow::Result<()> {
    match &args.action {
        SentinelAction::Monitor(a) => monitor(global, a),
        SentinelAction::Remove(a) => remove(global, a),
    }
}

async fn open(
    transport: &Transport,
    screds: &Credentials,
    addr: &NodeAddr,
    timeout: Duration,
) -> Result<NodeClient, String> {
    // Sentinels have their own credentials (--sentinel-user/--sentinel-password); they
    // seldom share the data nodes'.
    NodeClient::open(transport, addr, screds, timeout)
        .await
        .map_err(|e| e.to_string())
}

async fn sentinel_cmd(
    c: &mut NodeClient,
    args: &[String],
    creds: &Credentials,
) -> Result<redis::Value, String> {
    let mut cmd = redis::cmd("SENTINEL");
    for a in args {
        cmd.arg(a);
    }
    let name = format!("SENTINEL {}", args.first().map_or("", String::as_str));
    c.query::<redis::Value>(&cmd, &name)
        .await
        .map_err(|e| creds.scrub(&e.to_string()))
}

/// The IP a Sentinel must be given (SENTINEL MONITOR takes an address, not a name, unless
/// the Sentinel resolves hostnames).
async fn master_ip(addr: &NodeAddr) -> anyhow::Result<String> {
    if addr.host().parse::<std::net::IpAddr>().is_ok() {
        return Ok(addr.host().to_string());
    }
    let mut found = tokio::net::lookup_host((addr.host(), addr.port()))
        .await
        .map_err(|e| anyhow::anyhow!("cannot resolve {addr}: {e}"))?;
    found
        .next()
        .map(|s| s.ip().to_string())
        .ok_or_else(|| anyhow::anyhow!("cannot resolve {addr}: no addresses"))
}

fn monitor(global: &GlobalArgs, args: &SentinelMonitorArgs) -> anyhow::Result<()> {
    let setup = setup(global)?;
    let sentinels = sentinel_seeds(&args.sentinels, &setup)?;
    if sentinels.is_empty() {
        return Err(ExitError::usage(
            "no Sentinels: name them with --sentinel ADDR or list them as [[sentinels]] in the inventory",
        ));
    }
    if args.quorum == 0 || args.quorum as usize > sentinels.len() {
        return Err(ExitError::usage(format!(
            "--quorum {} with {} Sentinel(s): the quorum must be between 1 and the number of Sentinels",
            args.quorum,
            sentinels.len()
        )));
    }
    let seed = resolve_arg(&args.master, &setup)?;
    let snap = gather(std::slice::from_ref(&args.master), &[], &setup)?;
    let m = snap
        .get(&seed.addr)
        .ok_or_else(|| anyhow::anyhow!("{} was not read", seed.addr))?;
    if let Some(e) = &m.error {
        anyhow::bail!("the master {} did not answer: {e}", m.addr);
    }
    if m.role != Role::Master {
        anyhow::bail!(
            "{} is a {}, not a master: point the Sentinels at the master{}",
            m.addr,
            m.role.as_str(),
            m.master
                .as_ref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default()
        );
    }
    let replicas: BTreeSet<NodeAddr> = m.listed.iter().map(|l| l.addr.clone()).collect();
    let master = m.addr.clone();
    let creds = setup.opts.creds.clone();
    let timeout = global.timeout;
    let transport = &setup.opts.transport;
    let screds = &setup.opts.sentinel_creds;
    let rt = runtime()?;
    let result = rt.block_on(async {
        let ip = master_ip(&master).await?;
        let mut steps = Vec::new();
        for s in &sentinels {
            configure(
                s,
                transport,
                screds,
                timeout,
                args,
                &ip,
                master.port(),
                &creds,
                &mut steps,
            )
            .await;
        }
        let configured = steps.iter().all(|s| s.ok);
        let (views, waited) = if configured {
            wait_agreement(
                &sentinels,
                transport,
                screds,
                timeout,
                &args.name,
                &replicas,
                args.wait_timeout,
            )
            .await
        } else {
            (
                read_views(&sentinels, transport, screds, timeout, &args.name).await,
                None,
            )
        };
        Ok::<_, anyhow::Error>((steps, views, waited))
    });
    finish(rt);
    let (steps, views, waited) = result?;
    let mut problems: Vec<ProblemJson> = steps
        .iter()
        .filter(|s| !s.ok)
        .map(|s| ProblemJson {
            kind: ProblemKind::SentinelDisagrees,
            node: s.sentinel.clone(),
            message: format!("{}: {}", s.action, s.detail),
        })
        .collect();
    if let Some(why) = &waited {
        problems.extend(why.iter().cloned());
    }
    let doc = SentinelDoc {
        action: "monitor",
        name: args.name.clone(),
        master: Some(master.to_string()),
        steps,
        sentinels: views.iter().map(SentinelView::json).collect(),
        problems,
    };
    output(global, &doc)
}

#[expect(
    clippy::too_many_arguments,
    reason = "one Sentinel's setup, all of it needed"
)]
async fn configure(
    s: &NodeAddr,
    transport: &Transport,
    screds: &Credentials,
    timeout: Duration,
    args: &SentinelMonitorArgs,
    ip: &str,
    port: u16,
    creds: &Credentials,
    steps: &mut Vec<Step>,
) {
    let who = s.to_string();
    let mut step = |action: String, r: Result<String, String>| {
        let ok = r.is_ok();
        steps.push(Step {
            sentinel: who.clone(),
            action,
            ok,
            detail: r.unwrap_or_else(|e| e),
        });
        ok
    };
    let mut c = match open(transport, screds, s, timeout).await {
        Ok(c) => c,
        Err(e) => {
            step("connect".into(), Err(e));
            return;
        }
    };
    let mon = vec![
        "MONITOR".to_string(),
        args.name.clone(),
        ip.to_string(),
        port.to_string(),
        args.quorum.to_string(),
    ];
    let action = format!("SENTINEL {}", mon.join(" "));
    let r = match sentinel_cmd(&mut c, &mon, creds).await {
        Ok(_) => Ok("OK".to_string()),
        Err(e) if e.contains("Duplicate master name") || e.contains("Duplicated master name") => {
            // Already there: fine if it is this master, else the operator must decide.
            match sentinel_cmd(&mut c, &["MASTER".into(), args.name.clone()], creds).await {
                Ok(v) => {
                    let f = fields(&v);
                    let same = f.get("ip").map(String::as_str) == Some(ip)
                        && f.get("port") == Some(&port.to_string());
                    if same {
                        Ok("already monitoring this master".to_string())
                    } else {
                        Err(format!(
                            "already monitors {} as {}:{}; run `rkv sentinel remove {}` first",
                            args.name,
                            f.get("ip").map_or("?", String::as_str),
                            f.get("port").map_or("?", String::as_str),
                            args.name
                        ))
                    }
                }
                Err(e2) => Err(format!("{e}; {e2}")),
            }
        }
        Err(e) => Err(e),
    };
    if !step(action, r) {
        return;
    }
    let mut set = vec![
        "SET".to_string(),
        args.name.clone(),
        "down-after-milliseconds".into(),
        args.down_after.as_millis().to_string(),
        "failover-timeout".into(),
        args.failover_timeout.as_millis().to_string(),
        "parallel-syncs".into(),
        args.parallel_syncs.to_string(),
    ];
    let mut shown = set.join(" ");
    if let Some(p) = &creds.password {
        set.push("auth-pass".into());
        set.push(p.expose().to_string());
        shown.push_str(" auth-pass ***");
        if let Some(u) = &creds.user {
            set.push("auth-user".into());
            set.push(u.clone());
            shown.push_str(&format!(" auth-user {u}"));
        }
    }
    let r = sentinel_cmd(&mut c, &set, creds)
        .await
        .map(|_| "OK".to_string());
    step(format!("SENTINEL {shown}"), r);
}

/// Each Sentinel's view of `name` (an error row for one that does not answer or know it).
async fn read_views(
    sentinels: &[NodeAddr],
    transport: &Transport,
    screds: &Credentials,
    timeout: Duration,
    name: &str,
) -> Vec<SentinelView> {
    let none = Credentials::default();
    let mut out = Vec::new();
    for s in sentinels {
        let r = async {
            let mut c = open(transport, screds, s, timeout).await?;
            let v = sentinel_cmd(&mut c, &["MASTER".into(), name.into()], &none).await?;
            let mut view = view_from_master(s, &fields(&v));
            // SENTINEL REPLICAS is 5.0+; 2.8–4.0 know only SENTINEL SLAVES (same reply).
            let r = match sentinel_cmd(&mut c, &["REPLICAS".into(), name.into()], &none).await {
                Ok(r) => r,
                Err(_) => sentinel_cmd(&mut c, &["SLAVES".into(), name.into()], &none).await?,
            };
            view.replicas = replicas_from(&r);
            Ok::<_, String>(view)
        }
        .await;
        out.push(r.unwrap_or_else(|e| SentinelView {
            addr: Some(s.clone()),
            error: Some(e),
            master_name: Some(name.to_string()),
            ..SentinelView::default()
        }));
    }
    out
}

/// What still keeps the Sentinels from agreeing (empty: they all see each other and every
/// replica).
pub fn not_settled(views: &[SentinelView], replicas: &BTreeSet<NodeAddr>) -> Vec<ProblemJson> {
    let mut out = Vec::new();
    let others = u32::try_from(views.len().saturating_sub(1)).unwrap_or(u32::MAX);
    for v in views {
        let who = v.addr.as_ref().map(ToString::to_string).unwrap_or_default();
        if let Some(e) = &v.error {
            out.push(ProblemJson {
                kind: ProblemKind::Unreachable,
                node: who,
                message: e.clone(),
            });
            continue;
        }
        if v.num_other_sentinels.is_none_or(|n| n < others) {
            out.push(ProblemJson {
                kind: ProblemKind::SentinelQuorumAtRisk,
                node: who.clone(),
                message: format!(
                    "knows {} other Sentinel(s), expected {others}",
                    v.num_other_sentinels.unwrap_or(0)
                ),
            });
        }
        let seen: BTreeSet<&NodeAddr> = v.replicas.iter().map(|r| &r.addr).collect();
        let missing: Vec<String> = replicas
            .iter()
            .filter(|r| !seen.contains(r))
            .map(ToString::to_string)
            .collect();
        if !missing.is_empty() {
            out.push(ProblemJson {
                kind: ProblemKind::SentinelReplicasDiffer,
                node: who,
                message: format!("does not see replica(s) {} yet", missing.join(", ")),
            });
        }
    }
    out
}

async fn wait_agreement(
    sentinels: &[NodeAddr],
    transport: &Transport,
    screds: &Credentials,
    timeout: Duration,
    name: &str,
    replicas: &BTreeSet<NodeAddr>,
    wait: Duration,
) -> (Vec<SentinelView>, Option<Vec<ProblemJson>>) {
    let deadline = Instant::now() + wait;
    loop {
        let views = read_views(sentinels, transport, screds, timeout, name).await;
        let left = not_settled(&views, replicas);
        if left.is_empty() {
            return (views, None);
        }
        if Instant::now() + POLL >= deadline {
            return (views, Some(left));
        }
        tracing::info!(left = left.len(), "waiting for the Sentinels to agree");
        tokio::time::sleep(POLL).await;
    }
}

fn remove(global: &GlobalArgs, args: &SentinelRemoveArgs) -> anyhow::Result<()> {
    let setup = setup(global)?;
    let sentinels = sentinel_seeds(&args.sentinels, &setup)?;
    if sentinels.is_empty() {
        return Err(ExitError::usage(
            "no Sentinels: name them with --sentinel ADDR or list them as [[sentinels]] in the inventory",
        ));
    }
    let rt = runtime()?;
    let steps = rt.block_on(async {
        let none = Credentials::default();
        let mut steps = Vec::new();
        for s in &sentinels {
            let action = format!("SENTINEL REMOVE {}", args.name);
            let r = async {
                let mut c = open(
                    &setup.opts.transport,
                    &setup.opts.sentinel_creds,
                    s,
                    global.timeout,
                )
                .await?;
                match sentinel_cmd(&mut c, &["REMOVE".into(), args.name.clone()], &none).await {
                    Ok(_) => Ok("OK".to_string()),
                    Err(e) if e.contains("No such master") => {
                        Ok("was not monitoring it".to_string())
                    }
                    Err(e) => Err(e),
                }
            }
            .await;
            steps.push(Step {
                sentinel: s.to_string(),
                action,
                ok: r.is_ok(),
                detail: r.unwrap_or_else(|e| e),
            });
        }
        steps
    });
    finish(rt);
    let problems = steps
        .iter()
        .filter(|s| !s.ok)
        .map(|s| ProblemJson {
            kind: ProblemKind::Unreachable,
            node: s.sentinel.clone(),
            message: s.detail.clone(),
        })
        .collect();
    let doc = SentinelDoc {
        action: "remove",
        name: args.name.clone(),
        master: None,
        steps,
        sentinels: Vec::new(),
        problems,
    };
    output(global, &doc)
}

fn output(global: &GlobalArgs, doc: &SentinelDoc) -> anyhow::Result<()> {
    let text = match global.output {
        OutputFormat::Json => crate::render::json::to_string(doc)?,
        OutputFormat::Tsv => {
            let rows: Vec<Vec<String>> = doc
                .steps
                .iter()
                .map(|s| {
                    vec![
                        crate::render::tsv::field(Some(&s.sentinel)),
                        crate::render::tsv::field(Some(&s.action)),
                        crate::render::tsv::field(Some(if s.ok { "ok" } else { "fail" })),
                        crate::render::tsv::field(Some(&s.detail)),
                    ]
                })
                .collect();
            crate::render::tsv::rows(&["sentinel", "action", "result", "detail"], &rows)
        }
        OutputFormat::Table => {
            let mut s = String::new();
            for st in &doc.steps {
                s.push_str(&format!(
                    "{} {}  {}: {}\n",
                    if st.ok { "ok  " } else { "FAIL" },
                    st.sentinel,
                    st.action,
                    st.detail
                ));
            }
            for v in &doc.sentinels {
                s.push_str(&format!(
                    "{}  {} -> {}  quorum {}  {} other sentinel(s)  {} replica(s)\n",
                    v.addr,
                    v.master_name.as_deref().unwrap_or("?"),
                    v.master.as_deref().unwrap_or("?"),
                    v.quorum.map_or_else(|| "?".into(), |q| q.to_string()),
                    v.num_other_sentinels
                        .map_or_else(|| "?".into(), |q| q.to_string()),
                    v.num_replicas.map_or_else(|| "?".into(), |q| q.to_string()),
                ));
            }
            for p in &doc.problems {
                s.push_str(&format!(
                    "problem: {} {}: {}\n",
                    p.kind.as_str(),
                    p.node,
                    p.message
                ));
            }
            s
        }
    };
    print(&text)?;
    if doc.problems.is_empty() {
        return Ok(());
    }
    let n = doc.problems.len();
    Err(anyhow::anyhow!(
        "sentinel {}: {n} problem{}",
        doc.action,
        if n == 1 { "" } else { "s" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::sentinel::SentinelReplica;

    fn a(p: u16) -> NodeAddr {
        NodeAddr::new("127.0.0.1", p)
    }

    #[test]
    fn settled_only_when_every_sentinel_sees_the_others_and_every_replica() {
        let view = |p: u16, others: u32, reps: &[u16]| SentinelView {
            addr: Some(a(p)),
            num_other_sentinels: Some(others),
            replicas: reps
                .iter()
                .map(|r| SentinelReplica {
                    addr: a(*r),
                    flags: "slave".into(),
                    priority: Some(100),
                })
                .collect(),
            ..SentinelView::default()
        };
        let replicas: BTreeSet<NodeAddr> = [a(1), a(2)].into();
        let ok = vec![view(10, 1, &[1, 2]), view(11, 1, &[1, 2])];
        assert!(not_settled(&ok, &replicas).is_empty());
        let lonely = vec![view(10, 0, &[1, 2]), view(11, 1, &[1])];
        let left = not_settled(&lonely, &replicas);
        assert_eq!(left.len(), 2, "{left:?}");
        assert_eq!(left[0].kind, ProblemKind::SentinelQuorumAtRisk);
        assert_eq!(left[1].kind, ProblemKind::SentinelReplicasDiffer);
        assert!(left[1].message.contains("127.0.0.1:2"));
    }
}
