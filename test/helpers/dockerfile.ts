/**
 * Reads the project's Dockerfile and .dockerignore and carries out their build outside Docker (no
 * engine runs on the development machines): every stage gets a folder that stands for its file
 * system, COPY copies from the build context (filtered as Docker filters it) or from an earlier
 * stage, RUN runs the command with `sh -c` in the stage's WORKDIR with the stage's ENV, and the last
 * stage's CMD and HEALTHCHECK are what a test then starts and probes. The commands come from the
 * Dockerfile itself, so what the test runs cannot drift from what the image runs.
 *
 * What only a container can do is left out, on purpose and visibly: system set-up RUNs (apt-get,
 * creating /data, chown) are recognised and skipped, and an instruction or command this emulator
 * does not understand is an error rather than something silently ignored.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, posix } from 'node:path';

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  args: Record<string, string>;
  stages: Stage[];
}

/** Joins continuation lines, drops comments and blank lines, splits into stages. */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (pending !== '' && line.trim().startsWith('#')) return; // a comment inside a continued instruction
    if (pending === '') start = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    pending += line;
    const match = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(pending);
    if (!match) throw new Error(`Dockerfile line ${start}: cannot parse '${pending}'`);
    instructions.push({ keyword: match[1].toUpperCase(), args: match[2].replace(/\s+/g, ' ').trim(), line: start });
    pending = '';
  });

  const file: Dockerfile = { args: {}, stages: [] };
  for (const instruction of instructions) {
    if (instruction.keyword === 'ARG' && file.stages.length === 0) {
      const [name, value = ''] = instruction.args.split('=');
      file.args[name] = value;
    } else if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`Dockerfile line ${instruction.line}: cannot parse FROM ${instruction.args}`);
      const image = match[1].replace(/\$\{?(\w+)\}?/g, (_, name: string) => file.args[name] ?? '');
      file.stages.push({ name: match[2] ?? String(file.stages.length), image, instructions: [] });
    } else {
      const stage = file.stages.at(-1);
      if (!stage) throw new Error(`Dockerfile line ${instruction.line}: ${instruction.keyword} before FROM`);
      stage.instructions.push(instruction);
    }
  }
  return file;
}

/** Docker's .dockerignore: patterns in order, the last that matches a path (or a parent) decides. */
export function dockerignore(text: string): (relativePath: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = posix.normalize((negate ? l.slice(1) : l).trim()).replace(/^\/+/, '');
      return { negate, pattern, regex: globToRegex(pattern) };
    });
  return (relativePath: string) => {
    const parts = relativePath.split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) if (candidates.some((c) => rule.regex.test(c))) excluded = !rule.negate;
    return excluded;
  };
}

function globToRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      out += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** The files of the build context: the project folder less what .dockerignore excludes. */
export function contextFiles(root: string, excluded: (path: string) => boolean, negations: string[]): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        // Like Docker: skip an excluded folder unless an exception could re-include something inside.
        if (excluded(path) && !negations.some((n) => n === path || n.startsWith(`${path}/`))) continue;
        walk(path);
      } else if (!excluded(path)) files.push(path);
    }
  };
  walk('');
  return files;
}

export interface BuildOptions {
  /** The project folder (the build context). */
  context: string;
  /** Where the stages' file systems are made. */
  workspace: string;
  /** Environment for RUN commands, on top of each stage's ENV. */
  env: Record<string, string>;
  log?: (line: string) => void;
}

export interface BuiltImage {
  /** The final stage's file system root and WORKDIR (as a host path). */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  cmd: string[];
  entrypoint: string[];
  healthcheck: { options: Record<string, string>; cmd: string[] } | undefined;
  exposed: string[];
  volumes: string[];
  /** System set-up commands skipped, for the record. */
  skipped: string[];
  /** Seconds each RUN took, by its first words. */
  timings: { command: string; seconds: number }[];
}

/** System set-up that only makes sense inside the image; anything else in a RUN is run for real. */
const SYSTEM_COMMANDS = [
  /^apt-get (update|install) /,
  /^apt-get update$/,
  /^rm -rf \/var\/lib\/apt\/lists\/\*$/,
  /^mkdir -p \/\S+$/,
  /^chown \S+ \/\S+$/,
];

export async function buildImage(file: Dockerfile, options: BuildOptions): Promise<BuiltImage> {
  const ignoreText = readFileSync(join(options.context, '.dockerignore'), 'utf8');
  const excluded = dockerignore(ignoreText);
  const negations = ignoreText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).replace(/^\/+/, ''));
  const context = contextFiles(options.context, excluded, negations);
  const roots = new Map<string, string>();
  const skipped: string[] = [];
  const timings: { command: string; seconds: number }[] = [];
  let last: BuiltImage | undefined;

  for (const stage of file.stages) {
    const root = join(options.workspace, `stage-${stage.name}`);
    mkdirSync(root, { recursive: true });
    roots.set(stage.name, root);
    const image: BuiltImage = {
      root,
      workdir: root,
      env: {},
      user: undefined,
      cmd: [],
      entrypoint: [],
      healthcheck: undefined,
      exposed: [],
      volumes: [],
      skipped,
      timings,
    };
    let workdir = '/';
    const host = (path: string) => join(root, posix.resolve(workdir, path));

    for (const { keyword, args, line } of stage.instructions) {
      const where = `Dockerfile line ${line} (${keyword})`;
      switch (keyword) {
        case 'WORKDIR':
          workdir = posix.resolve(workdir, args);
          mkdirSync(host('.'), { recursive: true });
          image.workdir = host('.');
          break;
        case 'ENV':
          for (const [, name, value] of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) image.env[name] = value.replace(/^"|"$/g, '');
          break;
        case 'COPY': {
          const words = args.split(' ');
          const flags = words.filter((w) => w.startsWith('--'));
          const paths = words.filter((w) => !w.startsWith('--'));
          const dest = paths.pop();
          if (!dest || paths.length === 0) throw new Error(`${where}: COPY needs a source and a destination`);
          const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
          for (const source of paths) {
            if (from) {
              const fromRoot = roots.get(from);
              if (!fromRoot) throw new Error(`${where}: no stage named ${from}`);
              if (!isAbsolute(source)) throw new Error(`${where}: COPY --from sources must be absolute`);
              const src = join(fromRoot, source);
              if (!existsSync(src)) throw new Error(`${where}: ${source} does not exist in stage ${from}`);
              copyInto(src, host(dest), dest.endsWith('/') || paths.length > 1 || statSync(src).isDirectory());
            } else {
              // Docker: a folder's contents go into dest; a file goes into dest/ or becomes dest.
              const intoDirectory = dest.endsWith('/') || dest === '.' || paths.length > 1;
              const folder = source === '.' ? context : context.filter((f) => f.startsWith(`${source}/`));
              const file = context.includes(source);
              if (!file && folder.length === 0) throw new Error(`${where}: '${source}' is not in the build context (see .dockerignore)`);
              const pairs: [string, string][] = file
                ? [[source, intoDirectory ? join(host(dest), posix.basename(source)) : host(dest)]]
                : folder.map((f) => [f, join(host(dest), source === '.' ? f : f.slice(source.length + 1))]);
              for (const [from, to] of pairs) {
                mkdirSync(dirname(to), { recursive: true });
                cpSync(join(options.context, from), to);
              }
            }
          }
          break;
        }
        case 'RUN': {
          const parts = args.split(' && ').map((p) => p.trim());
          const system = parts.map((p) => SYSTEM_COMMANDS.some((re) => re.test(p)));
          if (system.every(Boolean)) {
            for (const part of parts) {
              skipped.push(part);
              const dir = /^mkdir -p (\/\S+)$/.exec(part);
              if (dir) mkdirSync(join(root, dir[1]), { recursive: true });
            }
            break;
          }
          if (system.some(Boolean)) throw new Error(`${where}: keep system set-up in a RUN of its own: ${args}`);
          if (args.startsWith('[')) throw new Error(`${where}: exec-form RUN is not supported here`);
          const began = Date.now();
          options.log?.(`RUN ${args}`);
          await run('sh', ['-c', args], image.workdir, { ...options.env, ...image.env }, where);
          timings.push({ command: args.split(' ').slice(0, 3).join(' '), seconds: (Date.now() - began) / 1000 });
          break;
        }
        case 'USER':
          image.user = args;
          break;
        case 'EXPOSE':
          image.exposed.push(...args.split(' '));
          break;
        case 'VOLUME':
          image.volumes.push(...(args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(' ')));
          break;
        case 'CMD':
          image.cmd = execForm(args, where);
          break;
        case 'ENTRYPOINT':
          image.entrypoint = execForm(args, where);
          break;
        case 'HEALTHCHECK': {
          const match = /^((?:--[\w-]+=\S+ )*)CMD (\[.*\])$/.exec(args);
          if (!match) throw new Error(`${where}: expected HEALTHCHECK [--option=value ...] CMD [exec form]`);
          const opts = Object.fromEntries(
            match[1]
              .trim()
              .split(' ')
              .filter(Boolean)
              .map((o) => o.slice(2).split('=') as [string, string]),
          );
          image.healthcheck = { options: opts, cmd: execForm(match[2], where) };
          break;
        }
        case 'ARG':
        case 'LABEL':
          break;
        default:
          throw new Error(`${where}: this emulator does not know ${keyword}; teach test/helpers/dockerfile.ts`);
      }
    }
    last = image;
  }
  if (!last) throw new Error('Dockerfile has no stage');
  return last;
}

function execForm(args: string, where: string): string[] {
  // Shell form would run under /bin/sh -c, which does not forward signals to node: refuse it.
  if (!args.startsWith('[')) throw new Error(`${where}: use the exec form ["node", ...] so signals reach the process`);
  return JSON.parse(args) as string[];
}

function copyInto(src: string, dest: string, intoDirectory: boolean): void {
  if (statSync(src).isDirectory()) cpSync(src, dest, { recursive: true, verbatimSymlinks: true });
  else cpSync(src, intoDirectory ? join(dest, src.split('/').pop() ?? '') : dest);
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${where} exited ${code}:\n${output.slice(-4000)}`))));
  });
}
