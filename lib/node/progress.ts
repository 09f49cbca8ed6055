/**
 * Progress reporting for long work (setup, publishing, proving, audits). On a terminal it
 * redraws one line; elsewhere (CI, pipes) it prints a line every 10%.
 */
export interface Progress {
  update(done: number, detail?: string): void;
  done(detail?: string): void;
}

export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr, options: { quietForMs?: number } = {}): Progress {
  const started = Date.now();
  let lastDecile = -1;
  let shown = false;
  // Work that finishes within quietForMs prints nothing: a bar is for waits a person notices.
  const quiet = () => !shown && Date.now() - started < (options.quietForMs ?? 0);
  const render = (done: number, detail?: string) => {
    const fraction = total === 0 ? 1 : Math.min(done / total, 1);
    const width = 24;
    const filled = Math.round(fraction * width);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    return `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${seconds}s${detail ? ` ${detail}` : ""}`;
  };
  return {
    update(done, detail) {
      if (quiet()) return;
      shown = true;
      if (stream.isTTY) {
        stream.write(`\r${render(done, detail)}\x1b[K`);
        return;
      }
      const decile = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(render(done, detail) + "\n");
      }
    },
    done(detail) {
      if (!shown) return;
      if (stream.isTTY) stream.write(`\r${render(total, detail)}\x1b[K\n`);
      else if (lastDecile !== 10) stream.write(render(total, detail) + "\n");
    },
  };
}

/** A ticking indicator for one long step of unknown length (a proof). */
export function spinner(label: string, stream: NodeJS.WriteStream = process.stderr): { stop(result: string): void } {
  const started = Date.now();
  const frames = ["|", "/", "-", "\\"];
  let frame = 0;
  if (!stream.isTTY) stream.write(`${label}...\n`);
  const timer = stream.isTTY
    ? setInterval(() => stream.write(`\r${frames[frame++ % frames.length]} ${label} ${((Date.now() - started) / 1000).toFixed(1)}s\x1b[K`), 100)
    : undefined;
  return {
    stop(result) {
      if (timer) clearInterval(timer);
      const line = `${label}: ${result} (${((Date.now() - started) / 1000).toFixed(1)} s)`;
      stream.write(stream.isTTY ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
  };
}
