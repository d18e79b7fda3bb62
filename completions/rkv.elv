
use builtin;
use str;

set edit:completion:arg-completer[rkv] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'rkv'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'rkv'= {
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Run a store node speaking RESP: a Redis-compatible server'
            cand lab 'Run a master and N replicas of `rkv serve` on loopback, in this process, to try rkv'
            cand info 'Show one node''s replication state, parsed (or raw with --raw)'
            cand topology 'Discover the master/replica graph from seed nodes (or the inventory) and show it'
            cand verify 'Check every link and offset; exit 0 only when all is healthy'
            cand replicate 'Make REPLICA a replica of MASTER (link credentials set too), then wait for the sync'
            cand promote 'Low-level: make one replica a master (REPLICAOF NO ONE), with checks'
            cand failover 'Guided promotion: choose a candidate, show the plan, confirm, switch, re-point, verify'
            cand playbook 'Replication runbooks as files: check, run, list and show playbooks'
            cand sentinel 'Set up (or remove) Redis Sentinel monitoring of a master on every Sentinel'
            cand completions 'Print a shell completion script'
            cand man 'Write the man pages (to DIR, default: the current directory)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rkv;serve'= {
            cand --port 'TCP port to listen on (0: pick a free one and log it)'
            cand --bind 'Address to bind (repeatable). Default 127.0.0.1'
            cand --replicaof 'Replicate from this master at start'
            cand --requirepass 'Password of the default user'
            cand --masteruser 'ACL user this node authenticates as on its master'
            cand --masterauth 'Password this node authenticates with on its master'
            cand --replica-priority 'Priority as a failover candidate (0: never)'
            cand --dir 'Directory for dump.rdb and the append-only file'
            cand --config 'TOML configuration file (keys named like redis.conf directives); CONFIG REWRITE writes it'
            cand --appendfsync 'When the AOF is fsynced: always, everysec (default) or no'
            cand --save 'Save points as redis.conf writes them, e.g. "3600 1 300 100" ("" for none, the default)'
            cand --maxclients 'Most simultaneous clients (default 10000)'
            cand --protected-mode 'yes/no: refuse non-loopback clients while the default user has no password'
            cand --client-query-buffer-limit 'Largest query buffer per client, e.g. 1gb (default)'
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --appendonly 'Log every write to an append-only file and replay it at start'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;lab'= {
            cand --replicas 'How many replicas to start'
            cand --port 'The master''s port; replicas take the ports after it'
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;info'= {
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --raw 'Print INFO replication exactly as the node sent it'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;topology'= {
            cand --sentinel 'A Sentinel to ask about the group (repeatable; others are found from it and from the masters'' __sentinel__:hello channel)'
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;verify'= {
            cand --max-lag-bytes 'Most bytes a replica may be behind its master (default: not checked)'
            cand --max-lag-seconds 'Most seconds since a replica last acknowledged (default: not checked)'
            cand --wait 'Keep checking (every 500 ms) until healthy or this much time has passed, e.g. 30s'
            cand --sentinel 'A Sentinel to check too (repeatable; others are found from it and from the masters'' __sentinel__:hello channel)'
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;replicate'= {
            cand --to 'The master it must follow'
            cand --wait-timeout 'How long to wait for the link and the sync, e.g. 60s'
            cand --max-lag-bytes 'Done when the replica is at most this many bytes behind the master offset read just before it (0: it reached that offset)'
            cand --journal 'Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal)'
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --no-wait 'Return once the node accepted REPLICAOF, without waiting for the sync'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;promote'= {
            cand --journal 'Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal)'
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --force 'Promote even though its master is alive (two masters: use `rkv failover` instead)'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;failover'= {
            cand --to 'The replica to promote (default: the best eligible one)'
            cand --sentinel 'Sentinels watching the group (others are found from the master''s __sentinel__:hello); when Sentinels watch, the switchover is done through them (SENTINEL FAILOVER)'
            cand --max-write-pause 'Longest time writes may be held on the master while the candidate catches up'
            cand --journal 'Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal)'
            cand --wait-timeout 'How long the final verification waits for every link to come up'
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand -y 'Do not ask; without --to, pick the best candidate'
            cand --yes 'Do not ask; without --to, pick the best candidate'
            cand --dry-run 'Print the ranking and the plan, change nothing'
            cand --ignore-sentinel 'Switch over without the Sentinels watching the master (they will go on naming the old master, and may fight the change)'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;playbook'= {
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check 'Parse and validate a playbook (errors as FILE:LINE:COL, exit 2); with --inventory, node names must be in it'
            cand run 'Resolve the variables, show the topology and the plan, ask once, run the steps'
            cand list 'List the shipped playbooks'
            cand show 'Print a shipped playbook (to copy and adapt)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rkv;playbook;check'= {
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;playbook;run'= {
            cand --var 'A variable''s value (repeatable); `nodes` variables take a comma-separated list'
            cand --from-step 'Start at this step of the plan (as numbered in it): resume a stopped run'
            cand --journal 'Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal)'
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand -y 'Do not ask for confirmation (needed without a terminal)'
            cand --yes 'Do not ask for confirmation (needed without a terminal)'
            cand --dry-run 'Print the topology and the plan, change nothing'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;playbook;list'= {
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;playbook;show'= {
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;playbook;help'= {
            cand check 'Parse and validate a playbook (errors as FILE:LINE:COL, exit 2); with --inventory, node names must be in it'
            cand run 'Resolve the variables, show the topology and the plan, ask once, run the steps'
            cand list 'List the shipped playbooks'
            cand show 'Print a shipped playbook (to copy and adapt)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rkv;playbook;help;check'= {
        }
        &'rkv;playbook;help;run'= {
        }
        &'rkv;playbook;help;list'= {
        }
        &'rkv;playbook;help;show'= {
        }
        &'rkv;playbook;help;help'= {
        }
        &'rkv;sentinel'= {
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand monitor 'Make every Sentinel monitor MASTER under NAME (SENTINEL MONITOR and SENTINEL SET, with the link credentials), then wait until each sees the others and every replica'
            cand remove 'Stop monitoring NAME on every Sentinel (SENTINEL REMOVE)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rkv;sentinel;monitor'= {
            cand --quorum 'Sentinels that must agree the master is down before a failover'
            cand --sentinel 'A Sentinel to configure (repeatable; default: the inventory''s [[sentinels]])'
            cand --down-after 'down-after-milliseconds: how long the master may be silent before it is down'
            cand --failover-timeout 'failover-timeout'
            cand --parallel-syncs 'parallel-syncs: replicas re-pointed at once after a failover'
            cand --wait-timeout 'How long to wait until every Sentinel sees the others and every replica'
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;sentinel;remove'= {
            cand --sentinel 'A Sentinel to change (repeatable; default: the inventory''s [[sentinels]])'
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;sentinel;help'= {
            cand monitor 'Make every Sentinel monitor MASTER under NAME (SENTINEL MONITOR and SENTINEL SET, with the link credentials), then wait until each sees the others and every replica'
            cand remove 'Stop monitoring NAME on every Sentinel (SENTINEL REMOVE)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rkv;sentinel;help;monitor'= {
        }
        &'rkv;sentinel;help;remove'= {
        }
        &'rkv;sentinel;help;help'= {
        }
        &'rkv;completions'= {
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;man'= {
            cand -a 'Password for AUTH on every node contacted'
            cand --password 'Password for AUTH on every node contacted'
            cand -u 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand --user 'ACL user name for AUTH (none: AUTH with the password alone)'
            cand -i 'TOML inventory of nodes'
            cand --inventory 'TOML inventory of nodes'
            cand -o 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --output 'Output format: a human table, one JSON document, or tab-separated rows'
            cand --timeout 'Per-node connect and command timeout, e.g. 500ms, 2s'
            cand --no-color 'No ANSI colour (also off when stdout is not a terminal)'
            cand -q 'Print less on stderr'
            cand --quiet 'Print less on stderr'
            cand -v 'Print more on stderr (repeat for more)'
            cand --verbose 'Print more on stderr (repeat for more)'
            cand --accept-new-host-key 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rkv;help'= {
            cand serve 'Run a store node speaking RESP: a Redis-compatible server'
            cand lab 'Run a master and N replicas of `rkv serve` on loopback, in this process, to try rkv'
            cand info 'Show one node''s replication state, parsed (or raw with --raw)'
            cand topology 'Discover the master/replica graph from seed nodes (or the inventory) and show it'
            cand verify 'Check every link and offset; exit 0 only when all is healthy'
            cand replicate 'Make REPLICA a replica of MASTER (link credentials set too), then wait for the sync'
            cand promote 'Low-level: make one replica a master (REPLICAOF NO ONE), with checks'
            cand failover 'Guided promotion: choose a candidate, show the plan, confirm, switch, re-point, verify'
            cand playbook 'Replication runbooks as files: check, run, list and show playbooks'
            cand sentinel 'Set up (or remove) Redis Sentinel monitoring of a master on every Sentinel'
            cand completions 'Print a shell completion script'
            cand man 'Write the man pages (to DIR, default: the current directory)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rkv;help;serve'= {
        }
        &'rkv;help;lab'= {
        }
        &'rkv;help;info'= {
        }
        &'rkv;help;topology'= {
        }
        &'rkv;help;verify'= {
        }
        &'rkv;help;replicate'= {
        }
        &'rkv;help;promote'= {
        }
        &'rkv;help;failover'= {
        }
        &'rkv;help;playbook'= {
            cand check 'Parse and validate a playbook (errors as FILE:LINE:COL, exit 2); with --inventory, node names must be in it'
            cand run 'Resolve the variables, show the topology and the plan, ask once, run the steps'
            cand list 'List the shipped playbooks'
            cand show 'Print a shipped playbook (to copy and adapt)'
        }
        &'rkv;help;playbook;check'= {
        }
        &'rkv;help;playbook;run'= {
        }
        &'rkv;help;playbook;list'= {
        }
        &'rkv;help;playbook;show'= {
        }
        &'rkv;help;sentinel'= {
            cand monitor 'Make every Sentinel monitor MASTER under NAME (SENTINEL MONITOR and SENTINEL SET, with the link credentials), then wait until each sees the others and every replica'
            cand remove 'Stop monitoring NAME on every Sentinel (SENTINEL REMOVE)'
        }
        &'rkv;help;sentinel;monitor'= {
        }
        &'rkv;help;sentinel;remove'= {
        }
        &'rkv;help;completions'= {
        }
        &'rkv;help;man'= {
        }
        &'rkv;help;help'= {
        }
    ]
    $completions[$command]
}
