
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'rkv' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'rkv'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'rkv' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run a store node speaking RESP: a Redis-compatible server')
            [CompletionResult]::new('lab', 'lab', [CompletionResultType]::ParameterValue, 'Run a master and N replicas of `rkv serve` on loopback, in this process, to try rkv')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show one node''s replication state, parsed (or raw with --raw)')
            [CompletionResult]::new('topology', 'topology', [CompletionResultType]::ParameterValue, 'Discover the master/replica graph from seed nodes (or the inventory) and show it')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check every link and offset; exit 0 only when all is healthy')
            [CompletionResult]::new('replicate', 'replicate', [CompletionResultType]::ParameterValue, 'Make REPLICA a replica of MASTER (link credentials set too), then wait for the sync')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Low-level: make one replica a master (REPLICAOF NO ONE), with checks')
            [CompletionResult]::new('failover', 'failover', [CompletionResultType]::ParameterValue, 'Guided promotion: choose a candidate, show the plan, confirm, switch, re-point, verify')
            [CompletionResult]::new('playbook', 'playbook', [CompletionResultType]::ParameterValue, 'Replication runbooks as files: check, run, list and show playbooks')
            [CompletionResult]::new('sentinel', 'sentinel', [CompletionResultType]::ParameterValue, 'Set up (or remove) Redis Sentinel monitoring of a master on every Sentinel')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages (to DIR, default: the current directory)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rkv;serve' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'TCP port to listen on (0: pick a free one and log it)')
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to bind (repeatable). Default 127.0.0.1')
            [CompletionResult]::new('--replicaof', '--replicaof', [CompletionResultType]::ParameterName, 'Replicate from this master at start')
            [CompletionResult]::new('--requirepass', '--requirepass', [CompletionResultType]::ParameterName, 'Password of the default user. Given on the command line it is moved out of the process list at once (rkv re-executes itself with it in RKV_REQUIREPASS)')
            [CompletionResult]::new('--requirepass-file', '--requirepass-file', [CompletionResultType]::ParameterName, 'Read the default user''s password from this file (its first line)')
            [CompletionResult]::new('--masteruser', '--masteruser', [CompletionResultType]::ParameterName, 'ACL user this node authenticates as on its master')
            [CompletionResult]::new('--masterauth', '--masterauth', [CompletionResultType]::ParameterName, 'Password this node authenticates with on its master (moved out of the process list like --requirepass, to RKV_MASTERAUTH)')
            [CompletionResult]::new('--replica-priority', '--replica-priority', [CompletionResultType]::ParameterName, 'Priority as a failover candidate (0: never)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Directory for dump.rdb and the append-only file')
            [CompletionResult]::new('--tls-port', '--tls-port', [CompletionResultType]::ParameterName, 'TLS port to listen on (with --port 0: TLS only)')
            [CompletionResult]::new('--tls-cert-file', '--tls-cert-file', [CompletionResultType]::ParameterName, 'Certificate (PEM) for the TLS port, also the client certificate of our replication link')
            [CompletionResult]::new('--tls-key-file', '--tls-key-file', [CompletionResultType]::ParameterName, 'Private key of --tls-cert-file')
            [CompletionResult]::new('--tls-ca-cert-file', '--tls-ca-cert-file', [CompletionResultType]::ParameterName, 'CA certificate to verify clients and our master with')
            [CompletionResult]::new('--tls-ca-cert-dir', '--tls-ca-cert-dir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify clients and our master with')
            [CompletionResult]::new('--tls-auth-clients', '--tls-auth-clients', [CompletionResultType]::ParameterName, 'yes (default): clients must present a certificate; optional: verified when given; no')
            [CompletionResult]::new('--tls-replication', '--tls-replication', [CompletionResultType]::ParameterName, 'yes: our link to a master uses TLS')
            [CompletionResult]::new('--tls-protocols', '--tls-protocols', [CompletionResultType]::ParameterName, 'TLS versions to accept, e.g. "TLSv1.2 TLSv1.3" (default both)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'TOML configuration file (keys named like redis.conf directives); CONFIG REWRITE writes it')
            [CompletionResult]::new('--appendfsync', '--appendfsync', [CompletionResultType]::ParameterName, 'When the AOF is fsynced: always, everysec (default) or no')
            [CompletionResult]::new('--save', '--save', [CompletionResultType]::ParameterName, 'Save points as redis.conf writes them, e.g. "3600 1 300 100" ("" for none, the default)')
            [CompletionResult]::new('--maxclients', '--maxclients', [CompletionResultType]::ParameterName, 'Most simultaneous clients (default 10000)')
            [CompletionResult]::new('--protected-mode', '--protected-mode', [CompletionResultType]::ParameterName, 'yes/no: refuse non-loopback clients while the default user has no password')
            [CompletionResult]::new('--client-query-buffer-limit', '--client-query-buffer-limit', [CompletionResultType]::ParameterName, 'Largest query buffer per client, e.g. 1gb (default)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--appendonly', '--appendonly', [CompletionResultType]::ParameterName, 'Log every write to an append-only file and replay it at start')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;lab' {
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'How many replicas to start')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The master''s port; replicas take the ports after it')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;info' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print INFO replication exactly as the node sent it')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;topology' {
            [CompletionResult]::new('--sentinel', '--sentinel', [CompletionResultType]::ParameterName, 'A Sentinel to ask about the group (repeatable; others are found from it and from the masters'' __sentinel__:hello channel)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;verify' {
            [CompletionResult]::new('--max-lag-bytes', '--max-lag-bytes', [CompletionResultType]::ParameterName, 'Most bytes a replica may be behind its master (default: not checked)')
            [CompletionResult]::new('--max-lag-seconds', '--max-lag-seconds', [CompletionResultType]::ParameterName, 'Most seconds since a replica last acknowledged (default: not checked)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Keep checking (every 500 ms) until healthy or this much time has passed, e.g. 30s')
            [CompletionResult]::new('--sentinel', '--sentinel', [CompletionResultType]::ParameterName, 'A Sentinel to check too (repeatable; others are found from it and from the masters'' __sentinel__:hello channel)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;replicate' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The master it must follow')
            [CompletionResult]::new('--wait-timeout', '--wait-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the link and the sync, e.g. 60s')
            [CompletionResult]::new('--max-lag-bytes', '--max-lag-bytes', [CompletionResultType]::ParameterName, 'Done when the replica is at most this many bytes behind the master offset read just before it (0: it reached that offset)')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Return once the node accepted REPLICAOF, without waiting for the sync')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;promote' {
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Promote even though its master is alive (two masters: use `rkv failover` instead)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;failover' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The replica to promote (default: the best eligible one)')
            [CompletionResult]::new('--sentinel', '--sentinel', [CompletionResultType]::ParameterName, 'Sentinels watching the group (others are found from the master''s __sentinel__:hello); when Sentinels watch, the switchover is done through them (SENTINEL FAILOVER)')
            [CompletionResult]::new('--max-write-pause', '--max-write-pause', [CompletionResultType]::ParameterName, 'Longest time writes may be held on the master while the candidate catches up')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal)')
            [CompletionResult]::new('--wait-timeout', '--wait-timeout', [CompletionResultType]::ParameterName, 'How long the final verification waits for every link to come up')
            [CompletionResult]::new('--discard-writes-of', '--discard-writes-of', [CompletionResultType]::ParameterName, 'An old master that wrote past the point where the new master forked from it (a split): drop those writes and re-point it anyway (repeatable). Without this or --carry-over such a node is refused and left as it is, keeping its writes')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask; without --to, pick the best candidate')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask; without --to, pick the best candidate')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the ranking and the plan, change nothing')
            [CompletionResult]::new('--ignore-sentinel', '--ignore-sentinel', [CompletionResultType]::ParameterName, 'Switch over without the Sentinels watching the master (they will go on naming the old master, and may fight the change)')
            [CompletionResult]::new('--carry-over', '--carry-over', [CompletionResultType]::ParameterName, 'Replay an old master''s writes past the fork on the new master (read from its backlog as a replica would, shown, then applied in one MULTI/EXEC with its writes paused) before re-pointing it')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;playbook' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Parse and validate a playbook (errors as FILE:LINE:COL, exit 2); with --inventory, node names must be in it')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Resolve the variables, show the topology and the plan, ask once, run the steps')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the shipped playbooks')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a shipped playbook (to copy and adapt)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rkv;playbook;check' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;playbook;run' {
            [CompletionResult]::new('--var', '--var', [CompletionResultType]::ParameterName, 'A variable''s value (repeatable); `nodes` variables take a comma-separated list')
            [CompletionResult]::new('--from-step', '--from-step', [CompletionResultType]::ParameterName, 'Start at this step of the plan (as numbered in it): resume a stopped run')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the topology and the plan, change nothing')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;playbook;list' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;playbook;show' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;playbook;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Parse and validate a playbook (errors as FILE:LINE:COL, exit 2); with --inventory, node names must be in it')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Resolve the variables, show the topology and the plan, ask once, run the steps')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the shipped playbooks')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a shipped playbook (to copy and adapt)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rkv;playbook;help;check' {
            break
        }
        'rkv;playbook;help;run' {
            break
        }
        'rkv;playbook;help;list' {
            break
        }
        'rkv;playbook;help;show' {
            break
        }
        'rkv;playbook;help;help' {
            break
        }
        'rkv;sentinel' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Make every Sentinel monitor MASTER under NAME (SENTINEL MONITOR and SENTINEL SET, with the link credentials), then wait until each sees the others and every replica')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Stop monitoring NAME on every Sentinel (SENTINEL REMOVE)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rkv;sentinel;monitor' {
            [CompletionResult]::new('--quorum', '--quorum', [CompletionResultType]::ParameterName, 'Sentinels that must agree the master is down before a failover')
            [CompletionResult]::new('--sentinel', '--sentinel', [CompletionResultType]::ParameterName, 'A Sentinel to configure (repeatable; default: the inventory''s [[sentinels]])')
            [CompletionResult]::new('--down-after', '--down-after', [CompletionResultType]::ParameterName, 'down-after-milliseconds: how long the master may be silent before it is down')
            [CompletionResult]::new('--failover-timeout', '--failover-timeout', [CompletionResultType]::ParameterName, 'failover-timeout')
            [CompletionResult]::new('--parallel-syncs', '--parallel-syncs', [CompletionResultType]::ParameterName, 'parallel-syncs: replicas re-pointed at once after a failover')
            [CompletionResult]::new('--wait-timeout', '--wait-timeout', [CompletionResultType]::ParameterName, 'How long to wait until every Sentinel sees the others and every replica')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;sentinel;remove' {
            [CompletionResult]::new('--sentinel', '--sentinel', [CompletionResultType]::ParameterName, 'A Sentinel to change (repeatable; default: the inventory''s [[sentinels]])')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;sentinel;help' {
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Make every Sentinel monitor MASTER under NAME (SENTINEL MONITOR and SENTINEL SET, with the link credentials), then wait until each sees the others and every replica')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Stop monitoring NAME on every Sentinel (SENTINEL REMOVE)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rkv;sentinel;help;monitor' {
            break
        }
        'rkv;sentinel;help;remove' {
            break
        }
        'rkv;sentinel;help;help' {
            break
        }
        'rkv;completions' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;man' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for AUTH on every node contacted')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (none: AUTH with the password alone)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'TOML inventory of nodes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a human table, one JSON document, or tab-separated rows')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-node connect and command timeout, e.g. 500ms, 2s')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate file to verify servers with (implies --tls)')
            [CompletionResult]::new('--cacertdir', '--cacertdir', [CompletionResultType]::ParameterName, 'Directory of hashed CA certificates to verify servers with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate for servers with tls-auth-clients (implies --tls)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of the client certificate (implies --tls)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send in the TLS handshake (SNI)')
            [CompletionResult]::new('--sentinel-password', '--sentinel-password', [CompletionResultType]::ParameterName, 'Password for AUTH on Sentinels (they often differ from the nodes'')')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for AUTH on Sentinels')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No ANSI colour (also off when stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more on stderr (repeat for more)')
            [CompletionResult]::new('--accept-new-host-key', '--accept-new-host-key', [CompletionResultType]::ParameterName, 'Add an SSH host''s key to known_hosts when none is recorded yet (like ssh''s accept-new); a changed key is still refused')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify servers'' certificates (as redis-cli --insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rkv;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run a store node speaking RESP: a Redis-compatible server')
            [CompletionResult]::new('lab', 'lab', [CompletionResultType]::ParameterValue, 'Run a master and N replicas of `rkv serve` on loopback, in this process, to try rkv')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show one node''s replication state, parsed (or raw with --raw)')
            [CompletionResult]::new('topology', 'topology', [CompletionResultType]::ParameterValue, 'Discover the master/replica graph from seed nodes (or the inventory) and show it')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check every link and offset; exit 0 only when all is healthy')
            [CompletionResult]::new('replicate', 'replicate', [CompletionResultType]::ParameterValue, 'Make REPLICA a replica of MASTER (link credentials set too), then wait for the sync')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Low-level: make one replica a master (REPLICAOF NO ONE), with checks')
            [CompletionResult]::new('failover', 'failover', [CompletionResultType]::ParameterValue, 'Guided promotion: choose a candidate, show the plan, confirm, switch, re-point, verify')
            [CompletionResult]::new('playbook', 'playbook', [CompletionResultType]::ParameterValue, 'Replication runbooks as files: check, run, list and show playbooks')
            [CompletionResult]::new('sentinel', 'sentinel', [CompletionResultType]::ParameterValue, 'Set up (or remove) Redis Sentinel monitoring of a master on every Sentinel')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages (to DIR, default: the current directory)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rkv;help;serve' {
            break
        }
        'rkv;help;lab' {
            break
        }
        'rkv;help;info' {
            break
        }
        'rkv;help;topology' {
            break
        }
        'rkv;help;verify' {
            break
        }
        'rkv;help;replicate' {
            break
        }
        'rkv;help;promote' {
            break
        }
        'rkv;help;failover' {
            break
        }
        'rkv;help;playbook' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Parse and validate a playbook (errors as FILE:LINE:COL, exit 2); with --inventory, node names must be in it')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Resolve the variables, show the topology and the plan, ask once, run the steps')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the shipped playbooks')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a shipped playbook (to copy and adapt)')
            break
        }
        'rkv;help;playbook;check' {
            break
        }
        'rkv;help;playbook;run' {
            break
        }
        'rkv;help;playbook;list' {
            break
        }
        'rkv;help;playbook;show' {
            break
        }
        'rkv;help;sentinel' {
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Make every Sentinel monitor MASTER under NAME (SENTINEL MONITOR and SENTINEL SET, with the link credentials), then wait until each sees the others and every replica')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Stop monitoring NAME on every Sentinel (SENTINEL REMOVE)')
            break
        }
        'rkv;help;sentinel;monitor' {
            break
        }
        'rkv;help;sentinel;remove' {
            break
        }
        'rkv;help;completions' {
            break
        }
        'rkv;help;man' {
            break
        }
        'rkv;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
