# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rkv_global_optspecs
    string join \n a/password= u/user= i/inventory= o/output= timeout= no-color q/quiet v/verbose accept-new-host-key tls cacert= cacertdir= cert= key= sni= insecure sentinel-password= sentinel-user= h/help V/version
end

function __fish_rkv_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rkv_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rkv_using_subcommand
    set -l cmd (__fish_rkv_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rkv -n "__fish_rkv_needs_command" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_needs_command" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_needs_command" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_needs_command" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_needs_command" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_needs_command" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_needs_command" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_needs_command" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_needs_command" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_needs_command" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_needs_command" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_needs_command" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_needs_command" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_needs_command" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_needs_command" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_needs_command" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_needs_command" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_needs_command" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_needs_command" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_needs_command" -f -a "serve" -d 'Run a store node speaking RESP: a Redis-compatible server'
complete -c rkv -n "__fish_rkv_needs_command" -f -a "lab" -d 'Run a master and N replicas of `rkv serve` on loopback, in this process, to try rkv'
complete -c rkv -n "__fish_rkv_needs_command" -f -a "info" -d 'Show one node\'s replication state, parsed (or raw with --raw)'
complete -c rkv -n "__fish_rkv_needs_command" -f -a "topology" -d 'Discover the master/replica graph from seed nodes (or the inventory) and show it'
complete -c rkv -n "__fish_rkv_needs_command" -f -a "verify" -d 'Check every link and offset; exit 0 only when all is healthy'
complete -c rkv -n "__fish_rkv_needs_command" -f -a "replicate" -d 'Make REPLICA a replica of MASTER (link credentials set too), then wait for the sync'
complete -c rkv -n "__fish_rkv_needs_command" -f -a "promote" -d 'Low-level: make one replica a master (REPLICAOF NO ONE), with checks'
complete -c rkv -n "__fish_rkv_needs_command" -f -a "failover" -d 'Guided promotion: choose a candidate, show the plan, confirm, switch, re-point, verify'
complete -c rkv -n "__fish_rkv_needs_command" -f -a "playbook" -d 'Replication runbooks as files: check, run, list and show playbooks'
complete -c rkv -n "__fish_rkv_needs_command" -f -a "sentinel" -d 'Set up (or remove) Redis Sentinel monitoring of a master on every Sentinel'
complete -c rkv -n "__fish_rkv_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c rkv -n "__fish_rkv_needs_command" -f -a "man" -d 'Write the man pages (to DIR, default: the current directory)'
complete -c rkv -n "__fish_rkv_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l port -d 'TCP port to listen on (0: pick a free one and log it)' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l bind -d 'Address to bind (repeatable). Default 127.0.0.1' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l replicaof -d 'Replicate from this master at start' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l requirepass -d 'Password of the default user. Given on the command line it is moved out of the process list at once (rkv re-executes itself with it in RKV_REQUIREPASS)' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l requirepass-file -d 'Read the default user\'s password from this file (its first line)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l masteruser -d 'ACL user this node authenticates as on its master' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l masterauth -d 'Password this node authenticates with on its master (moved out of the process list like --requirepass, to RKV_MASTERAUTH)' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l replica-priority -d 'Priority as a failover candidate (0: never)' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l dir -d 'Directory for dump.rdb and the append-only file' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l tls-port -d 'TLS port to listen on (with --port 0: TLS only)' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l tls-cert-file -d 'Certificate (PEM) for the TLS port, also the client certificate of our replication link' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l tls-key-file -d 'Private key of --tls-cert-file' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l tls-ca-cert-file -d 'CA certificate to verify clients and our master with' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l tls-ca-cert-dir -d 'Directory of hashed CA certificates to verify clients and our master with' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l tls-auth-clients -d 'yes (default): clients must present a certificate; optional: verified when given; no' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l tls-replication -d 'yes: our link to a master uses TLS' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l tls-protocols -d 'TLS versions to accept, e.g. "TLSv1.2 TLSv1.3" (default both)' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l config -d 'TOML configuration file (keys named like redis.conf directives); CONFIG REWRITE writes it' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l appendfsync -d 'When the AOF is fsynced: always, everysec (default) or no' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l save -d 'Save points as redis.conf writes them, e.g. "3600 1 300 100" ("" for none, the default)' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l maxclients -d 'Most simultaneous clients (default 10000)' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l protected-mode -d 'yes/no: refuse non-loopback clients while the default user has no password' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l client-query-buffer-limit -d 'Largest query buffer per client, e.g. 1gb (default)' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand serve" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l appendonly -d 'Log every write to an append-only file and replay it at start'
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand serve" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand serve" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand serve" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand serve" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand lab" -l replicas -d 'How many replicas to start' -r
complete -c rkv -n "__fish_rkv_using_subcommand lab" -l port -d 'The master\'s port; replicas take the ports after it' -r
complete -c rkv -n "__fish_rkv_using_subcommand lab" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand lab" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand lab" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand lab" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand lab" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand lab" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand lab" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand lab" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand lab" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand lab" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand lab" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand lab" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand lab" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand lab" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand lab" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand lab" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand lab" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand lab" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand lab" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand lab" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand info" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand info" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand info" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand info" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand info" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand info" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand info" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand info" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand info" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand info" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand info" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand info" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand info" -l raw -d 'Print INFO replication exactly as the node sent it'
complete -c rkv -n "__fish_rkv_using_subcommand info" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand info" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand info" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand info" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand info" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand info" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand info" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand topology" -l sentinel -d 'A Sentinel to ask about the group (repeatable; others are found from it and from the masters\' __sentinel__:hello channel)' -r
complete -c rkv -n "__fish_rkv_using_subcommand topology" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand topology" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand topology" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand topology" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand topology" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand topology" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand topology" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand topology" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand topology" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand topology" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand topology" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand topology" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand topology" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand topology" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand topology" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand topology" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand topology" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand topology" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand topology" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand topology" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l max-lag-bytes -d 'Most bytes a replica may be behind its master (default: not checked)' -r
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l max-lag-seconds -d 'Most seconds since a replica last acknowledged (default: not checked)' -r
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l wait -d 'Keep checking (every 500 ms) until healthy or this much time has passed, e.g. 30s' -r
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l sentinel -d 'A Sentinel to check too (repeatable; others are found from it and from the masters\' __sentinel__:hello channel)' -r
complete -c rkv -n "__fish_rkv_using_subcommand verify" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand verify" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand verify" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand verify" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand verify" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand verify" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand verify" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand verify" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l to -d 'The master it must follow' -r
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l wait-timeout -d 'How long to wait for the link and the sync, e.g. 60s' -r
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l max-lag-bytes -d 'Done when the replica is at most this many bytes behind the master offset read just before it (0: it reached that offset)' -r
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l journal -d 'Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -s y -l yes -d 'Do not ask for confirmation'
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l no-wait -d 'Return once the node accepted REPLICAOF, without waiting for the sync'
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand replicate" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand promote" -l journal -d 'Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand promote" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand promote" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand promote" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand promote" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand promote" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand promote" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand promote" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand promote" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand promote" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand promote" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand promote" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand promote" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand promote" -s y -l yes -d 'Do not ask for confirmation'
complete -c rkv -n "__fish_rkv_using_subcommand promote" -l force -d 'Promote even though its master is alive (two masters: use `rkv failover` instead)'
complete -c rkv -n "__fish_rkv_using_subcommand promote" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand promote" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand promote" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand promote" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand promote" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand promote" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand promote" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand promote" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l to -d 'The replica to promote (default: the best eligible one)' -r
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l sentinel -d 'Sentinels watching the group (others are found from the master\'s __sentinel__:hello); when Sentinels watch, the switchover is done through them (SENTINEL FAILOVER)' -r
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l max-write-pause -d 'Longest time writes may be held on the master while the candidate catches up' -r
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l journal -d 'Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l wait-timeout -d 'How long the final verification waits for every link to come up' -r
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l discard-writes-of -d 'An old master that wrote past the point where the new master forked from it (a split): drop those writes and re-point it anyway (repeatable). Without this or --carry-over such a node is refused and left as it is, keeping its writes' -r
complete -c rkv -n "__fish_rkv_using_subcommand failover" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand failover" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand failover" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand failover" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand failover" -s y -l yes -d 'Do not ask; without --to, pick the best candidate'
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l dry-run -d 'Print the ranking and the plan, change nothing'
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l ignore-sentinel -d 'Switch over without the Sentinels watching the master (they will go on naming the old master, and may fight the change)'
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l carry-over -d 'Replay an old master\'s writes past the fork on the new master (read from its backlog as a replica would, shown, then applied in one MULTI/EXEC with its writes paused) before re-pointing it'
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand failover" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand failover" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand failover" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand failover" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand failover" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -f -a "check" -d 'Parse and validate a playbook (errors as FILE:LINE:COL, exit 2); with --inventory, node names must be in it'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -f -a "run" -d 'Resolve the variables, show the topology and the plan, ask once, run the steps'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -f -a "list" -d 'List the shipped playbooks'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -f -a "show" -d 'Print a shipped playbook (to copy and adapt)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and not __fish_seen_subcommand_from check run list show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l var -d 'A variable\'s value (repeatable); `nodes` variables take a comma-separated list' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l from-step -d 'Start at this step of the plan (as numbered in it): resume a stopped run' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l journal -d 'Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -s y -l yes -d 'Do not ask for confirmation (needed without a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l dry-run -d 'Print the topology and the plan, change nothing'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from help" -f -a "check" -d 'Parse and validate a playbook (errors as FILE:LINE:COL, exit 2); with --inventory, node names must be in it'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from help" -f -a "run" -d 'Resolve the variables, show the topology and the plan, ask once, run the steps'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the shipped playbooks'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print a shipped playbook (to copy and adapt)'
complete -c rkv -n "__fish_rkv_using_subcommand playbook; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -f -a "monitor" -d 'Make every Sentinel monitor MASTER under NAME (SENTINEL MONITOR and SENTINEL SET, with the link credentials), then wait until each sees the others and every replica'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -f -a "remove" -d 'Stop monitoring NAME on every Sentinel (SENTINEL REMOVE)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and not __fish_seen_subcommand_from monitor remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l quorum -d 'Sentinels that must agree the master is down before a failover' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l sentinel -d 'A Sentinel to configure (repeatable; default: the inventory\'s [[sentinels]])' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l down-after -d 'down-after-milliseconds: how long the master may be silent before it is down' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l failover-timeout -d 'failover-timeout' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l parallel-syncs -d 'parallel-syncs: replicas re-pointed at once after a failover' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l wait-timeout -d 'How long to wait until every Sentinel sees the others and every replica' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from monitor" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -l sentinel -d 'A Sentinel to change (repeatable; default: the inventory\'s [[sentinels]])' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from help" -f -a "monitor" -d 'Make every Sentinel monitor MASTER under NAME (SENTINEL MONITOR and SENTINEL SET, with the link credentials), then wait until each sees the others and every replica'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Stop monitoring NAME on every Sentinel (SENTINEL REMOVE)'
complete -c rkv -n "__fish_rkv_using_subcommand sentinel; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rkv -n "__fish_rkv_using_subcommand completions" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand completions" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand completions" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand completions" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand completions" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand completions" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand completions" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand completions" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand completions" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand completions" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand completions" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand completions" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand completions" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand completions" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand completions" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand completions" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand completions" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand completions" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand completions" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand man" -s a -l password -d 'Password for AUTH on every node contacted' -r
complete -c rkv -n "__fish_rkv_using_subcommand man" -s u -l user -d 'ACL user name for AUTH (none: AUTH with the password alone)' -r
complete -c rkv -n "__fish_rkv_using_subcommand man" -s i -l inventory -d 'TOML inventory of nodes' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand man" -s o -l output -d 'Output format: a human table, one JSON document, or tab-separated rows' -r -f -a "table\t'A human table'
json\t'One JSON document'
tsv\t'Tab-separated rows, for cut and awk'"
complete -c rkv -n "__fish_rkv_using_subcommand man" -l timeout -d 'Per-node connect and command timeout, e.g. 500ms, 2s' -r
complete -c rkv -n "__fish_rkv_using_subcommand man" -l cacert -d 'CA certificate file to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand man" -l cacertdir -d 'Directory of hashed CA certificates to verify servers with (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand man" -l cert -d 'Client certificate for servers with tls-auth-clients (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand man" -l key -d 'Private key of the client certificate (implies --tls)' -r -F
complete -c rkv -n "__fish_rkv_using_subcommand man" -l sni -d 'Server name to send in the TLS handshake (SNI)' -r
complete -c rkv -n "__fish_rkv_using_subcommand man" -l sentinel-password -d 'Password for AUTH on Sentinels (they often differ from the nodes\')' -r
complete -c rkv -n "__fish_rkv_using_subcommand man" -l sentinel-user -d 'ACL user for AUTH on Sentinels' -r
complete -c rkv -n "__fish_rkv_using_subcommand man" -l no-color -d 'No ANSI colour (also off when stdout is not a terminal)'
complete -c rkv -n "__fish_rkv_using_subcommand man" -s q -l quiet -d 'Print less on stderr'
complete -c rkv -n "__fish_rkv_using_subcommand man" -s v -l verbose -d 'Print more on stderr (repeat for more)'
complete -c rkv -n "__fish_rkv_using_subcommand man" -l accept-new-host-key -d 'Add an SSH host\'s key to known_hosts when none is recorded yet (like ssh\'s accept-new); a changed key is still refused'
complete -c rkv -n "__fish_rkv_using_subcommand man" -l tls -d 'Speak TLS to every node and Sentinel contacted (as redis-cli --tls)'
complete -c rkv -n "__fish_rkv_using_subcommand man" -l insecure -d 'Do not verify servers\' certificates (as redis-cli --insecure)'
complete -c rkv -n "__fish_rkv_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rkv -n "__fish_rkv_using_subcommand man" -s V -l version -d 'Print version'
complete -c rkv -n "__fish_rkv_using_subcommand help; and not __fish_seen_subcommand_from serve lab info topology verify replicate promote failover playbook sentinel completions man help" -f -a "serve" -d 'Run a store node speaking RESP: a Redis-compatible server'
complete -c rkv -n "__fish_rkv_using_subcommand help; and not __fish_seen_subcommand_from serve lab info topology verify replicate promote failover playbook sentinel completions man help" -f -a "lab" -d 'Run a master and N replicas of `rkv serve` on loopback, in this process, to try rkv'
complete -c rkv -n "__fish_rkv_using_subcommand help; and not __fish_seen_subcommand_from serve lab info topology verify replicate promote failover playbook sentinel completions man help" -f -a "info" -d 'Show one node\'s replication state, parsed (or raw with --raw)'
complete -c rkv -n "__fish_rkv_using_subcommand help; and not __fish_seen_subcommand_from serve lab info topology verify replicate promote failover playbook sentinel completions man help" -f -a "topology" -d 'Discover the master/replica graph from seed nodes (or the inventory) and show it'
complete -c rkv -n "__fish_rkv_using_subcommand help; and not __fish_seen_subcommand_from serve lab info topology verify replicate promote failover playbook sentinel completions man help" -f -a "verify" -d 'Check every link and offset; exit 0 only when all is healthy'
complete -c rkv -n "__fish_rkv_using_subcommand help; and not __fish_seen_subcommand_from serve lab info topology verify replicate promote failover playbook sentinel completions man help" -f -a "replicate" -d 'Make REPLICA a replica of MASTER (link credentials set too), then wait for the sync'
complete -c rkv -n "__fish_rkv_using_subcommand help; and not __fish_seen_subcommand_from serve lab info topology verify replicate promote failover playbook sentinel completions man help" -f -a "promote" -d 'Low-level: make one replica a master (REPLICAOF NO ONE), with checks'
complete -c rkv -n "__fish_rkv_using_subcommand help; and not __fish_seen_subcommand_from serve lab info topology verify replicate promote failover playbook sentinel completions man help" -f -a "failover" -d 'Guided promotion: choose a candidate, show the plan, confirm, switch, re-point, verify'
complete -c rkv -n "__fish_rkv_using_subcommand help; and not __fish_seen_subcommand_from serve lab info topology verify replicate promote failover playbook sentinel completions man help" -f -a "playbook" -d 'Replication runbooks as files: check, run, list and show playbooks'
complete -c rkv -n "__fish_rkv_using_subcommand help; and not __fish_seen_subcommand_from serve lab info topology verify replicate promote failover playbook sentinel completions man help" -f -a "sentinel" -d 'Set up (or remove) Redis Sentinel monitoring of a master on every Sentinel'
complete -c rkv -n "__fish_rkv_using_subcommand help; and not __fish_seen_subcommand_from serve lab info topology verify replicate promote failover playbook sentinel completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c rkv -n "__fish_rkv_using_subcommand help; and not __fish_seen_subcommand_from serve lab info topology verify replicate promote failover playbook sentinel completions man help" -f -a "man" -d 'Write the man pages (to DIR, default: the current directory)'
complete -c rkv -n "__fish_rkv_using_subcommand help; and not __fish_seen_subcommand_from serve lab info topology verify replicate promote failover playbook sentinel completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rkv -n "__fish_rkv_using_subcommand help; and __fish_seen_subcommand_from playbook" -f -a "check" -d 'Parse and validate a playbook (errors as FILE:LINE:COL, exit 2); with --inventory, node names must be in it'
complete -c rkv -n "__fish_rkv_using_subcommand help; and __fish_seen_subcommand_from playbook" -f -a "run" -d 'Resolve the variables, show the topology and the plan, ask once, run the steps'
complete -c rkv -n "__fish_rkv_using_subcommand help; and __fish_seen_subcommand_from playbook" -f -a "list" -d 'List the shipped playbooks'
complete -c rkv -n "__fish_rkv_using_subcommand help; and __fish_seen_subcommand_from playbook" -f -a "show" -d 'Print a shipped playbook (to copy and adapt)'
complete -c rkv -n "__fish_rkv_using_subcommand help; and __fish_seen_subcommand_from sentinel" -f -a "monitor" -d 'Make every Sentinel monitor MASTER under NAME (SENTINEL MONITOR and SENTINEL SET, with the link credentials), then wait until each sees the others and every replica'
complete -c rkv -n "__fish_rkv_using_subcommand help; and __fish_seen_subcommand_from sentinel" -f -a "remove" -d 'Stop monitoring NAME on every Sentinel (SENTINEL REMOVE)'
