/** Step-by-step progress on stderr, so stdout stays for the final result. */
export interface Progress {
  step(title: string): void;
  done(detail?: string): void;
  info(line: string): void;
}

export function consoleProgress(
  total: number,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Progress {
  let index = 0;
  let started = 0;
  let current = "";
  return {
    step(title) {
      index += 1;
      current = title;
      started = performance.now();
      write(`[${index}/${total}] ${title} ...`);
    },
    done(detail) {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      write(`[${index}/${total}] ${current}: done in ${seconds} s${detail ? ` (${detail})` : ""}`);
    },
    info(line) {
      write(`      ${line}`);
    },
  };
}

export function formatBytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
