// A tiny leveled logger: lines with a timestamp on stderr; quiet in tests.
export interface Log {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
  debug(line: string): void;
}

export function createLog(options: { quiet?: boolean; debug?: boolean } = {}): Log {
  const write = (level: string, line: string) => process.stderr.write(`${new Date().toISOString()} ${level} ${line}\n`);
  return {
    info: (line) => !options.quiet && write('info ', line),
    warn: (line) => !options.quiet && write('warn ', line),
    error: (line) => write('error', line),
    debug: (line) => options.debug && write('debug', line),
  };
}
