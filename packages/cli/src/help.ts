/** Help texts and shell completion, written from the command declarations. */
import type { CommandSpec, OptionSpec } from './spec';

/** Options every storage-touching command takes. */
export const STORAGE_OPTIONS: Record<string, OptionSpec> = {
  'endpoint-url': {
    type: 'string',
    value: 'URL',
    help: 'service endpoint (S3-compatible store, GCS/Azure emulator, WebHDFS)',
  },
  region: { type: 'string', value: 'NAME', help: 'S3 region' },
  profile: { type: 'string', value: 'NAME', help: 'AWS profile of ~/.aws/config' },
  anon: { type: 'boolean', help: 'unsigned requests, for public buckets (S3, GCS, Azure)' },
  option: {
    type: 'string',
    short: 'o',
    multiple: true,
    value: 'KEY=VALUE',
    help: 'any backend option; PROTOCOL.KEY=VALUE for one protocol',
  },
};

/** `--help` on every command. */
export const HELP_OPTION: OptionSpec = { type: 'boolean', help: 'show this help' };

function optionLines(options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`;
    return `  ${flag.padEnd(28)} ${o.help}`;
  });
}

/** The overview: every command with its summary. */
export function overview(commands: CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => `${c.name} ${c.args}`.length)) + 2;
  return [
    'usage: omnifs <command> [options] URL...',
    '',
    'commands:',
    ...commands.map((c) => `  ${`${c.name} ${c.args}`.padEnd(width)}${c.summary}`),
    '',
    'URLs: /local/path, file://, memory://, s3://bucket/key, gs://, az://container/, hdfs://, layer::proto://...',
    'storage options: --endpoint-url URL --region NAME --profile NAME --anon -o KEY=VALUE',
    "  (flags, then OMNIFS_<PROTOCOL>_<OPTION> variables, then ~/.config/omnifs/config.json; see 'omnifs config')",
    'exit status: 0 success, 1 failure, 2 usage error, 130 interrupted',
    "'omnifs help COMMAND' or 'omnifs COMMAND --help' for a command's options.",
  ].join('\n');
}

/** One command's help: usage, summary, options, example. */
export function commandHelp(c: CommandSpec): string {
  const lines = [`usage: omnifs ${c.name} [options] ${c.args}`.trimEnd(), '', c.summary];
  if (c.aliases?.length) lines.push(`alias: ${c.aliases.join(', ')}`);
  const own = optionLines(c.options);
  if (own.length > 0) lines.push('', 'options:', ...own);
  if (c.storage !== false) lines.push('', 'storage options:', ...optionLines(STORAGE_OPTIONS));
  lines.push(...optionLines({ help: HELP_OPTION }), '', 'example:', `  ${c.example}`);
  return lines.join('\n');
}

function flagsOf(c: CommandSpec): string[] {
  const all = { ...c.options, ...(c.storage === false ? {} : STORAGE_OPTIONS), help: HELP_OPTION };
  return Object.entries(all).flatMap(([name, o]) => (o.short ? [`-${o.short}`, `--${name}`] : [`--${name}`]));
}

/** A bash completion script: commands, then each command's options, then files. */
export function bashCompletion(commands: CommandSpec[]): string {
  const cases = commands.map((c) => {
    const names = [c.name, ...(c.aliases ?? [])].join('|');
    const words = [...flagsOf(c), ...(c.choices ?? [])].join(' ');
    return `    ${names}) opts="${words}" ;;`;
  });
  const names = commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]).join(' ');
  return `# bash completion for omnifs; load with: source <(omnifs completion bash)
_omnifs() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${names} --help --version" -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join('\n')}
  esac
  if [[ "$cur" == -* || "$COMP_CWORD" -eq 2 && -n "$opts" && "\${COMP_WORDS[1]}" =~ ^(help|completion)$ ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -o bashdefault -F _omnifs omnifs
`;
}

/** A zsh completion script (`#compdef omnifs`). */
export function zshCompletion(commands: CommandSpec[]): string {
  const described = commands.flatMap((c) =>
    [c.name, ...(c.aliases ?? [])].map((n) => `    '${n}:${c.summary.replace(/'/g, '')}'`),
  );
  const cases = commands.map(
    (c) =>
      `    (${[c.name, ...(c.aliases ?? [])].join('|')}) opts=(${[...flagsOf(c), ...(c.choices ?? [])].join(' ')}) ;;`,
  );
  return `#compdef omnifs
# zsh completion for omnifs; load with: source <(omnifs completion zsh)
_omnifs() {
  local -a commands opts
  commands=(
${described.join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case $words[2] in
${cases.join('\n')}
  esac
  if [[ $PREFIX == -* || ( CURRENT -eq 3 && $words[2] == (help|completion) ) ]]; then
    compadd -- $opts
  else
    _files
  fi
}
if (( $+functions[compdef] )); then compdef _omnifs omnifs; fi
`;
}
