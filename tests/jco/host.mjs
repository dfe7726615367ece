// The contract's `host` interface for the Node host: log lines go to stderr.
export function log(level, message) {
  process.stderr.write(`[guest ${level}] ${message}\n`);
}
