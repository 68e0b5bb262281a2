// Progress on stderr: one rewritten line on a terminal, a plain line per stage in a pipe.

export interface ProgressReporter {
  update: (percent: number, stage: string) => void;
  done: () => void;
}

export function progressReporter(stream: NodeJS.WriteStream): ProgressReporter {
  let lastStage = '';
  let lastLine = '';
  let open = false;
  return {
    update(percent, stage) {
      if (stream.isTTY) {
        const line = `${stage.padEnd(8)} ${'#'.repeat(Math.round(percent / 4)).padEnd(25, '.')} ${percent.toFixed(0).padStart(3)}%`;
        if (line !== lastLine) stream.write(`\r${line}`);
        lastLine = line;
        open = true;
      } else if (stage !== lastStage) {
        stream.write(`${stage}\n`);
      }
      lastStage = stage;
    },
    done() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}
