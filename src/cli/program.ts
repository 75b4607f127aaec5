/**
 * The command line: commander definitions, help texts and examples. Actions
 * import their command module on demand, so `--help` and `id` load neither
 * libp2p nor the tor modules.
 */
import { readFileSync } from 'node:fs'
import { Command, Option } from 'commander'
import { EXIT_CODES_HELP, ID_EXIT_CODES_HELP } from './errors.js'
import { ENV_HELP, ID_ENV_HELP, integer, parseClientOption, parseCountOption, parseIntervalOption, parsePortOption, parseTimeoutOption } from './options.js'
import { defaultTestnetDir } from './commands/testnet.js'
import { parseExpiryOption } from './commands/mailbox.js'
import type { CliContext } from './context.js'
import type { DialOptions } from './commands/dial.js'
import type { IdOptions } from './commands/id.js'
import type { ListenOptions } from './commands/listen.js'
import type { HubOptions } from './commands/hub.js'
import type { MailboxCommandOptions } from './commands/mailbox.js'
import type { ChatOptions, ChatSendOptions, ChatInboxOptions } from './commands/chat.js'
import type { PublishCommandOptions } from './commands/publish.js'
import type { SubscribeCommandOptions } from './commands/subscribe.js'
import type { RegisterCommandOptions } from './commands/register.js'
import type { CallCommandOptions } from './commands/call.js'
import type { WebhookRelayOptions } from './commands/webhook-relay.js'
import type { WebhookRunOptions } from './commands/webhook-run.js'
import type { TestnetDirOptions, TestnetStartOptions, TestnetStopOptions } from './commands/testnet.js'

const DEFAULT_PORT = 7777
/** listen's --timeout (the value lives here so that --help loads no command module). */
const DEFAULT_LISTEN_TIMEOUT_MS = 300_000
/** publish/subscribe/register/call --timeout: reaching tor, then the hub, then the action. */
const DEFAULT_MEMBER_TIMEOUT_MS = 120_000

function addMemberOptions (cmd: Command): Command {
  return addTorOptions(cmd
    .option('--hub <multiaddr>', 'the hub: /onion3/<id>:<port>/p2p/<PeerId>, as `p2p-tor hub` prints it (or P2P_TOR_HUB)')
    .addOption(new Option('-t, --timeout <s>', 'seconds allowed for reaching tor and the hub, and then for the action itself').default(DEFAULT_MEMBER_TIMEOUT_MS, '120').argParser(parseTimeoutOption)))
}

const MEMBER_HELP = `A member has no onion service: it dials the hub, and the hub's realm names
it by the PeerId of its data dir (p2p-tor id prints it).`

function version (): string {
  // src/cli -> ../../package.json; dist/src/cli (or .build/x/src/cli) -> ../../../package.json
  for (const rel of ['../../package.json', '../../../package.json', '../../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8'))
      if (pkg.name === 'p2p-tor') return String(pkg.version)
    } catch {}
  }
  return 'unknown'
}

function addTorOptions (cmd: Command): Command {
  return cmd
    .option('--tor-control <endpoint>', 'tor control port: host:port, port or unix:/path')
    .option('--tor-socks <host:port>', 'tor SOCKS port')
    .option('--tor-password <password>', 'control password (prefer P2P_TOR_PASSWORD)')
    .option('--tor-cookie <path>', 'control cookie file, if tor does not name a readable one')
    .option('--testnet <dir>', 'use the private Tor network in <dir> (see "p2p-tor testnet")')
    .addOption(new Option('--testnet-client <n>', 'which client tor of the private network to use').argParser(parseClientOption))
    .option('--managed', 'launch an own tor (joining --testnet if given) instead of attaching')
    .option('--data-dir <dir>', 'keys and managed tor state (default: $XDG_DATA_HOME/p2p-tor or ~/.local/share/p2p-tor)')
    .option('--json', 'one JSON object per line on stdout (see docs/cli.md); human text on stderr')
}

const TOR_HELP = `Tor: with no tor option, p2p-tor attaches to a system tor if one answers
(/run/tor/control, 127.0.0.1:9051, 9151), or else launches its own.`

function footer (examples: string): string {
  return `\nExamples:\n${examples}\n\n${TOR_HELP}\n\n${ENV_HELP}\n\n${EXIT_CODES_HELP}\n`
}

/** `p2p-tor testnet start|stop|status|env`, wired like the other commands. */
function testnetCommand (ctx: CliContext, done: (exitCode: number) => void): Command {
  const dirOption = (): Option => new Option('--dir <dir>', 'directory of the network (keys, logs, state)').default(defaultTestnetDir(ctx.env), '$XDG_DATA_HOME/p2p-tor/testnet or ~/.local/share/p2p-tor/testnet')
  const jsonOption = (): Option => new Option('--json', 'one JSON object per line on stdout (see docs/cli.md); human text on stderr')
  const cmd = new Command('testnet')
    .description('a private Tor network on 127.0.0.1 (3 directory authorities, relays, client tors) for tests and demos')

  cmd.command('start')
    .description('start the network, or restart its stopped processes (reusing keys); succeeds at once when it already runs')
    .addOption(dirOption())
    .option('--base-port <port>', 'first of the consecutive ports it uses, 4 per tor (default 17000, or the port of the network in --dir)', integer('--base-port', 1024, 65535))
    .option('--clients <n>', 'client tors (default 2)', integer('--clients', 1, 64))
    .option('--relays <n>', 'plain relays besides the 3 authorities (default 1)', integer('--relays', 1, 64))
    .addOption(new Option('--scheduler <name>', "tor's circuit scheduler on every node (default KIST)").choices(['KIST', 'Vanilla']))
    .option('--timeout <seconds>', 'give up after this long (default 60)', integer('--timeout', 1, 3600))
    .addOption(jsonOption())
    .action(async (opts: TestnetStartOptions) => {
      const { testnetStartCommand } = await import('./commands/testnet.js')
      done(await testnetStartCommand(opts, ctx))
    })

  cmd.command('stop')
    .description('stop every tor process of the network (keys and logs stay unless --clean); exit 3 if DIR holds no network')
    .addOption(dirOption())
    .option('--clean', 'also delete the directory')
    .addOption(jsonOption())
    .action(async (opts: TestnetStopOptions) => {
      const { testnetStopCommand } = await import('./commands/testnet.js')
      done(await testnetStopCommand(opts, ctx))
    })

  cmd.command('status')
    .description('each tor of the network: role, pid, running or not (exit code 1 when any is not running)')
    .addOption(dirOption())
    .addOption(jsonOption())
    .action(async (opts: TestnetDirOptions) => {
      const { testnetStatusCommand } = await import('./commands/testnet.js')
      done(await testnetStatusCommand(opts, ctx))
    })

  cmd.command('env')
    .description('shell exports for the client tors: P2P_TOR_SOCKS, P2P_TOR_CONTROL, P2P_TOR_COOKIE (client 0), then _1, _2 ... for the others')
    .addOption(dirOption())
    .addOption(jsonOption())
    .action(async (opts: TestnetDirOptions) => {
      const { testnetEnvCommand } = await import('./commands/testnet.js')
      done(await testnetEnvCommand(opts, ctx))
    })
  return cmd
}

/** --hub, or P2P_TOR_HUB. */
function withHub<T extends { hub?: string }> (opts: T, env: Readonly<Record<string, string | undefined>>): T {
  return { ...opts, hub: opts.hub ?? env.P2P_TOR_HUB }
}

/** `p2p-tor keys show|rotate|export-card|import-card`: the sealing keys and key card of a data dir. */
function keysCommand (ctx: CliContext, done: (exitCode: number) => void): Command {
  const cmd = new Command('keys').description('this data dir\'s sealing keys (X25519) and its signed key card, for sealed payloads')
  const common = (c: Command): Command => c
    .option('--data-dir <dir>', 'where the keys are (default: $XDG_DATA_HOME/p2p-tor or ~/.local/share/p2p-tor)')
    .option('--json', 'print one JSON object on stdout')
  common(cmd.command('show').description('print the PeerId, the key card and a fingerprint to compare aloud'))
    .action(async (opts) => { const m = await import('./commands/keys.js'); done(await m.keysShowCommand(opts, ctx)) })
  common(cmd.command('rotate').description('make a new sealing key; the previous one keeps opening messages for the grace period')
    .addOption(new Option('--grace <s>', 'seconds the previous key still opens messages').default(600).argParser(integer('--grace', 0, 7 * 24 * 3600))))
    .action(async (opts) => { const m = await import('./commands/keys.js'); done(await m.keysRotateCommand(opts, ctx)) })
  common(cmd.command('export-card').description('print this node\'s signed key card (p2p-tor-card:…) for an offline exchange'))
    .action(async (opts) => { const m = await import('./commands/keys.js'); done(await m.keysExportCommand(opts, ctx)) })
  common(cmd.command('import-card').description('verify a key card and keep it: sealing to that peer then works without the hub having its card')
    .argument('<card>', 'the p2p-tor-card:… text, or - for stdin')
    .option('--peer <peerId>', 'the PeerId the card must belong to'))
    .action(async (card: string, opts) => { const m = await import('./commands/keys.js'); done(await m.keysImportCommand(card, opts, ctx)) })
  return cmd
}

/** Accumulates a repeatable option (--seal-to A --seal-to B, or --seal-to A B). */
function collect (value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/**
 * `p2p-tor webhook relay|run`: GitHub webhooks to a hidden builder (issue 15).
 * The relay is a member of the hub with a public HTTP(S) endpoint; the
 * builder is a member with no onion service that runs a command.
 */
function webhookCommand (ctx: CliContext, done: (exitCode: number) => void): Command {
  const cmd = new Command('webhook').description('GitHub webhooks to a hidden builder: a public relay forwards verified deliveries over Tor, sealed, to a builder that re-verifies them and runs a command')
  addMemberOptions(cmd.command('relay')
    .description('receive GitHub\'s webhook POSTs over HTTP(S), check their signature, and forward them through the hub sealed to the builder(s); runs until Ctrl-C')
    .requiredOption('--listen <host:port>', 'where the HTTP server listens, e.g. 127.0.0.1:8080 behind a reverse proxy')
    .option('--path <path>', 'the path GitHub posts to', '/webhook/github')
    .requiredOption('--secret-file <file>', 'the webhook secret (as in GitHub\'s settings), in a file only its owner can read')
    .option('--topic <uri>', 'deliveries go to <topic>.<event>', 'webhook.github')
    .option('--seal-to <peerId>', 'a builder\'s PeerId: only the builders named can open the events (repeatable)', collect)
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--wait', 'if the hub is not reachable yet, keep trying until --timeout'))
    .addHelpText('after', footer(`  p2p-tor webhook relay --listen 127.0.0.1:8080 --secret-file ~/.config/p2p-tor/webhook.secret \\
      --hub /onion3/<id>:7777/p2p/12D3KooW... --seal-to 12D3KooW<builder>...
  GET /healthz answers the queue, the hub connection and counts of refusals.

${MEMBER_HELP}`))
    .action(async (opts: WebhookRelayOptions) => {
      const { webhookRelayCommand } = await import('./commands/webhook-relay.js')
      done(await webhookRelayCommand(withHub(opts, ctx.env), ctx))
    })
  addMemberOptions(cmd.command('run')
    .description('subscribe to the relay\'s sealed webhook events, re-verify GitHub\'s signature with this builder\'s own secret, and run <command> with the JSON body on stdin (one build at a time); runs until Ctrl-C')
    .argument('<command...>', 'after --: the build command and its arguments (env: GITHUB_EVENT, GITHUB_DELIVERY, GITHUB_REF, GITHUB_AFTER)')
    .option('--from <peerId>', 'the relay\'s PeerId: only events sealed by it are taken (repeatable)', collect)
    .requiredOption('--secret-file <file>', 'this builder\'s own copy of the webhook secret, in a file only its owner can read')
    .option('--event <name>', 'the GitHub event that builds', 'push')
    .option('--ref <ref>', 'the ref that builds; * builds every ref', 'refs/heads/main')
    .option('--topic <uri>', 'the relay\'s --topic', 'webhook.github')
    .addOption(new Option('--build-timeout <s>', 'seconds a build may run before it is killed').default(undefined, '1800').argParser(parseTimeoutOption)))
    .addHelpText('after', footer(`  p2p-tor webhook run --hub /onion3/<id>:7777/p2p/12D3KooW... --from 12D3KooW<relay>... \\
      --secret-file ~/.config/p2p-tor/webhook.secret -- ./build.sh
  The hub's realm must retain the topic (history) so that a builder that was down catches up.

${MEMBER_HELP}`))
    .action(async (command: string[], opts: WebhookRunOptions) => {
      const { webhookRunCommand } = await import('./commands/webhook-run.js')
      done(await webhookRunCommand(command, withHub(opts, ctx.env), ctx))
    })
  return cmd
}

function addChatOptions (cmd: Command): Command {
  return cmd
    .option('--mailbox <multiaddr>', 'your mailbox (an always-on `p2p-tor mailbox`): contacts leave sealed messages there while you are offline; remembered for later runs')
    .option('--passphrase-file <file>', 'encrypt the history with a key derived from the passphrase in this file (or P2P_TOR_CHAT_PASSPHRASE); default: a random key in <data dir>/chat/store.key, mode 0600')
    .option('--name <name>', 'the name you suggest to the contacts you add or accept (they may rename you)')
    .option('--read-receipts', 'tell contacts when you have read their messages (/read)')
    .option('--downloads <dir>', 'where received files go (default <data dir>/chat/downloads)')
    .option('--max-file-mb <n>', 'largest file accepted or sent, in MiB (default 64)', integer('--max-file-mb', 1, 4096))
}

/**
 * `p2p-tor chat`: the terminal chat (issue 16) and its non-interactive forms.
 */
function chatCommand (ctx: CliContext, done: (exitCode: number) => void): Command {
  const cmd = addChatOptions(addTorOptions(new Command('chat')
    .description('end-to-end encrypted chat over Tor, peer to peer: prints your invite, then an interactive session (/help); --json reads commands and prints events as JSON lines')
    .addOption(new Option('--port <port>', 'onion virtual port').default(DEFAULT_PORT).argParser(parsePortOption))
    .addOption(new Option('-t, --timeout <s>', 'seconds allowed for starting up: reaching tor, its bootstrap and publishing the onion service').default(DEFAULT_LISTEN_TIMEOUT_MS, '300').argParser(parseTimeoutOption))))
    .addHelpText('after', footer(`  p2p-tor chat --testnet .testnet/demo --mailbox /onion3/<id>:7777/p2p/12D3KooW...
  p2p-tor chat send bob "see you at 6" --testnet .testnet/demo
  p2p-tor chat inbox --json`))
    // `chat inbox --data-dir x`: options after a subcommand are the subcommand's (chat has the same names)
    .enablePositionalOptions()
    .action(async (opts: ChatOptions) => {
      const { chatCommand } = await import('./commands/chat.js')
      done(await chatCommand(opts, ctx))
    })
  const dialOnly = (c: Command): Command => addChatOptions(addTorOptions(c
    .addOption(new Option('--port <port>', 'the onion virtual port your invite names').default(DEFAULT_PORT).argParser(parsePortOption))
    .addOption(new Option('-t, --timeout <s>', 'seconds allowed for reaching tor and the contact or its mailbox').default(DEFAULT_MEMBER_TIMEOUT_MS, '120').argParser(parseTimeoutOption))))
  dialOnly(cmd.command('send')
    .description('send one message (or --file) to a contact: directly, else to their mailbox, else it stays queued for the next `p2p-tor chat`')
    .argument('<name>', 'the contact, as /contacts names it')
    .argument('<text>', 'the message, or with --file the file\'s path')
    .option('--file', '<text> is a file to offer (the contact fetches it while this process or a chat session runs)'))
    .action(async (name: string, text: string, opts: ChatSendOptions) => {
      const { chatSendCommand } = await import('./commands/chat.js')
      done(await chatSendCommand(name, text, opts, ctx))
    })
  dialOnly(cmd.command('inbox')
    .description('print the unread messages (no tor needed); --fetch first collects the mailbox')
    .option('--fetch', 'fetch the mailbox first (needs tor)')
    .option('--all', 'the recent history, read or not')
    .option('--mark-read', 'mark what is printed as read'))
    .action(async (opts: ChatInboxOptions) => {
      const { chatInboxCommand } = await import('./commands/chat.js')
      done(await chatInboxCommand(opts, ctx))
    })
  dialOnly(cmd.command('invite')
    .description('print your invite code and chat address (no tor needed)'))
    .action(async (opts: ChatSendOptions) => {
      const { chatInviteCommand } = await import('./commands/chat.js')
      done(await chatInviteCommand(opts, ctx))
    })
  return cmd
}

/**
 * The `p2p-tor` program. `done` receives each action's exit code; a thrown
 * error goes to main(). Commander must not exit the process itself: main()
 * sets exitOverride on every command, including the testnet subcommands.
 */
export function buildProgram (ctx: CliContext, done: (exitCode: number) => void): Command {
  const program = new Command('p2p-tor')
    .description('libp2p over Tor: listen on an onion service, dial one and ping it; run a messaging hub, and publish, subscribe, register and call through it')
    .version(version(), '-V, --version')
    .showSuggestionAfterError(true)
    // a command's options come after its name; `chat` needs this so that its subcommands own their options
    .enablePositionalOptions()

  addTorOptions(program.command('listen')
    .description('publish this node as an onion service, answer pings and log peers that connect (one listen per data dir: <data dir>/listen.lock holds its pid)')
    .addOption(new Option('--port <port>', 'onion virtual port').default(DEFAULT_PORT).argParser(parsePortOption))
    .option('--no-reconnect', 'exit (code 3) when tor goes away, instead of reconnecting and publishing the service again')
    .addOption(new Option('-t, --timeout <s>', 'seconds allowed for starting up: reaching tor, its bootstrap and publishing the onion service').default(DEFAULT_LISTEN_TIMEOUT_MS, '300').argParser(parseTimeoutOption)))
    .addHelpText('after', footer(`  p2p-tor listen
  p2p-tor listen --port 7777 --tor-control 127.0.0.1:9051
  p2p-tor listen --testnet .testnet/demo --json`))
    .action(async (opts: ListenOptions) => {
      const { listenCommand } = await import('./commands/listen.js')
      done(await listenCommand(opts, ctx))
    })

  addTorOptions(program.command('dial')
    .description('connect to a peer over Tor and ping it')
    .argument('<multiaddr>', '/onion3/<56 characters>:<port>/p2p/<peer id> (as listen prints it)')
    .addOption(new Option('-c, --count <n>', 'pings to send').default(5).argParser(parseCountOption))
    .addOption(new Option('-i, --interval <ms>', 'milliseconds between pings').default(1000).argParser(parseIntervalOption))
    .addOption(new Option('-t, --timeout <s>', 'seconds allowed for reaching tor (attach, authentication, bootstrap), for connecting, and for each ping').default(120_000, '120').argParser(parseTimeoutOption)))
    .addHelpText('after', footer(`  p2p-tor dial /onion3/<id>:7777/p2p/12D3KooW...
  p2p-tor dial /onion3/<id>:7777/p2p/12D3KooW... --count 3 --interval 500 --timeout 60
  p2p-tor dial /onion3/<id>:7777/p2p/12D3KooW... --testnet .testnet/demo --json`))
    .action(async (address: string, opts: DialOptions) => {
      const { dialCommand } = await import('./commands/dial.js')
      done(await dialCommand(address, opts, ctx))
    })

  addTorOptions(program.command('hub')
    .description('run a messaging hub on this node\'s onion service: members publish, subscribe, register and call through it, as its realm allows')
    .requiredOption('--realm <file>', 'the realm: roles, the PeerIds in each, and their rights per URI (JSON; see docs/messaging.md)')
    .addOption(new Option('--port <port>', 'onion virtual port').default(DEFAULT_PORT).argParser(parsePortOption))
    .option('--no-reconnect', 'exit (code 3) when tor goes away, instead of reconnecting and publishing the service again')
    .addOption(new Option('-t, --timeout <s>', 'seconds allowed for starting up: reaching tor, its bootstrap and publishing the onion service').default(DEFAULT_LISTEN_TIMEOUT_MS, '300').argParser(parseTimeoutOption)))
    .addHelpText('after', footer(`  p2p-tor hub --realm realm.json
  p2p-tor hub --realm realm.json --testnet .testnet/demo --json
  kill -HUP <pid>      # reload the realm (it is also reloaded when the file changes)`))
    .action(async (opts: HubOptions) => {
      const { hubCommand } = await import('./commands/hub.js')
      done(await hubCommand(opts, ctx))
    })

  addTorOptions(program.command('mailbox')
    .description('keep sealed messages for offline chat contacts on this node\'s onion service: owners register inboxes, anyone with an inbox id deposits, only the owner fetches and deletes (the mailbox cannot read them)')
    .addOption(new Option('--port <port>', 'onion virtual port').default(DEFAULT_PORT).argParser(parsePortOption))
    .option('--owner <peerId>', 'a PeerId that may register inboxes (repeatable; default: anyone)', collect)
    .option('--max-blob-bytes <n>', 'the largest blob taken, in bytes (default 262144; at most 4194304)', integer('--max-blob-bytes', 1, 4 * 1024 * 1024))
    .option('--expiry <duration>', 'how long a blob is kept: 90m, 12h, 7d (default 7d)', parseExpiryOption)
    .option('--no-reconnect', 'exit (code 3) when tor goes away, instead of reconnecting and publishing the service again')
    .addOption(new Option('-t, --timeout <s>', 'seconds allowed for starting up: reaching tor, its bootstrap and publishing the onion service').default(DEFAULT_LISTEN_TIMEOUT_MS, '300').argParser(parseTimeoutOption)))
    .addHelpText('after', footer(`  p2p-tor mailbox --testnet .testnet/demo          # prints /onion3/...:7777/p2p/...
  p2p-tor mailbox --owner 12D3KooW<you>... --expiry 3d --json
  Blobs are kept in <data dir>/mailbox until their owner deletes them or they expire.`))
    .action(async (opts: MailboxCommandOptions) => {
      const { mailboxCommand } = await import('./commands/mailbox.js')
      done(await mailboxCommand(opts, ctx))
    })

  addMemberOptions(program.command('publish')
    .description('publish one message on a topic through the hub (waits for the hub\'s acknowledgement unless --no-ack)')
    .argument('<topic>', 'a dotted URI, e.g. webhook.github.push')
    .argument('[data]', 'the message (text); - reads stdin; none sends an empty message')
    .option('--no-ack', 'return once sent, without waiting for the hub\'s verdict on the message (the publish right on the topic is still checked first)')
    .option('--wait', 'if the hub is not reachable yet, keep trying until --timeout')
    .option('--content-type <type>', 'the message\'s content type (default application/octet-stream)')
    .option('--seal-to <peerIds...>', 'seal the message to these members: only they can open it (repeatable)'))
    .addHelpText('after', footer(`  p2p-tor publish news.today "hello" --hub /onion3/<id>:7777/p2p/12D3KooW...
  echo '{"a":1}' | p2p-tor publish news.json - --content-type application/json --hub ...

${MEMBER_HELP}`))
    .action(async (topic: string, data: string | undefined, opts: PublishCommandOptions) => {
      const { publishCommand } = await import('./commands/publish.js')
      done(await publishCommand(topic, data, withHub(opts, ctx.env), ctx))
    })

  addMemberOptions(program.command('subscribe')
    .description('print each message of a topic until Ctrl-C')
    .argument('<topic>', 'a dotted URI')
    .option('--since <id|time>', 'first replay what the hub retained after this message id, or since this time (ISO or ms)')
    .option('--from <peerIds...>', 'accept messages from these publishers only (checked here too, not only at the hub)')
    .option('--sealed-from <peerIds...>', 'accept only messages sealed to this member by these publishers; others are dropped and counted'))
    .addHelpText('after', footer(`  p2p-tor subscribe news.today --hub /onion3/<id>:7777/p2p/12D3KooW...
  p2p-tor subscribe news.today --hub ... --since 4f1c...e2 --json

${MEMBER_HELP}`))
    .action(async (topic: string, opts: SubscribeCommandOptions) => {
      const { subscribeCommand } = await import('./commands/subscribe.js')
      done(await subscribeCommand(topic, withHub(opts, ctx.env), ctx))
    })

  addMemberOptions(program.command('register')
    .description('serve a procedure: each call runs <command> with the call\'s data on stdin; its stdout is the result, a non-zero exit an error')
    .argument('<uri>', 'a dotted URI')
    .argument('<command...>', 'after --: the command and its arguments')
    .option('--sealed-from <peerIds...>', 'accept only calls sealed to this member by these callers; results and errors go back sealed'))
    .addHelpText('after', footer(`  p2p-tor register svc.upper --hub ... -- tr a-z A-Z
  p2p-tor register build.run --hub ... -- ./build.sh

${MEMBER_HELP}`))
    .action(async (uri: string, command: string[], opts: RegisterCommandOptions) => {
      const { registerCommand } = await import('./commands/register.js')
      done(await registerCommand(uri, command, withHub(opts, ctx.env), ctx))
    })

  addMemberOptions(program.command('call')
    .description('call a procedure through the hub and print its result')
    .argument('<uri>', 'a dotted URI')
    .argument('[data]', 'the call\'s data (text); - reads stdin')
    .option('--wait', 'if the hub is not reachable yet, keep trying until --timeout')
    .option('--seal', 'seal the call to the member that registered the URI; the result comes back sealed'))
    .addHelpText('after', footer(`  p2p-tor call svc.upper "hello" --hub /onion3/<id>:7777/p2p/12D3KooW...

${MEMBER_HELP}`))
    .action(async (uri: string, data: string | undefined, opts: CallCommandOptions) => {
      const { callCommand } = await import('./commands/call.js')
      done(await callCommand(uri, data, withHub(opts, ctx.env), ctx))
    })

  program.addCommand(keysCommand(ctx, done))
  program.addCommand(webhookCommand(ctx, done))
  program.addCommand(chatCommand(ctx, done))

  program.command('id')
    .description('print this node\'s peer id and onion address (creates the keys on first use; starts no tor)')
    .option('--data-dir <dir>', 'where the keys are (default: $XDG_DATA_HOME/p2p-tor or ~/.local/share/p2p-tor)')
    .addOption(new Option('--port <port>', 'onion virtual port shown in the address').default(DEFAULT_PORT).argParser(parsePortOption))
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', `\nExamples:\n  p2p-tor id\n  p2p-tor id --data-dir ./node-a --json\n\n${ID_ENV_HELP}\n\n${ID_EXIT_CODES_HELP}\n`)
    .action(async (opts: IdOptions) => {
      const { idCommand } = await import('./commands/id.js')
      done(await idCommand(opts, ctx))
    })

  program.addCommand(testnetCommand(ctx, done))
  program.addHelpText('after', `\nQuick start (a private Tor network on 127.0.0.1, nothing leaves the machine):
  p2p-tor testnet start --dir .testnet/demo
  p2p-tor listen --testnet .testnet/demo          # prints /onion3/...:7777/p2p/...
  p2p-tor dial <that address> --testnet .testnet/demo
  p2p-tor testnet stop --dir .testnet/demo

Run "p2p-tor <command> --help" for the options, environment variables and exit codes.

${EXIT_CODES_HELP}\n`)
  return program
}
