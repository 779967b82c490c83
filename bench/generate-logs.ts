// Writes the big synthetic logs the scan benchmark reads: each returns the line of its one real NaN.
import { closeSync, openSync, writeSync } from 'node:fs';

/** Appends text to a file in large writes, counting bytes and lines. */
class LogWriter {
  private readonly fd: number;
  private parts: string[] = [];
  private pendingBytes = 0;
  size = 0;
  /** The line the next text starts on. */
  line = 1;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(text: string): void {
    this.parts.push(text);
    this.pendingBytes += text.length;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.line++;
    if (this.pendingBytes > 1 << 20) this.flush();
  }

  private flush(): void {
    const b = Buffer.from(this.parts.join(''));
    writeSync(this.fd, b);
    this.size += b.length;
    this.parts = [];
    this.pendingBytes = 0;
  }

  get bytes(): number {
    return this.size + this.pendingBytes;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** tqdm bars redrawn with `\r` (accelerate/diffusers `step_loss=`), a logging line every 10 steps. */
export function generateTqdmLog(path: string, bytes: number, nanAt: number): number {
  const w = new LogWriter(path);
  let step = 0;
  let nanLine = -1;
  const total = 10_000_000;
  w.write('accelerate launch train.py --config configs/stage1.yaml\n');
  while (w.bytes < bytes) {
    step++;
    const pct = Math.floor((step / total) * 100);
    const nan = nanLine < 0 && w.bytes >= nanAt;
    if (nan) nanLine = w.line;
    const loss = nan ? 'nan' : (0.1 + (step % 97) / 1000).toFixed(4);
    w.write(`\rSteps: ${String(pct).padStart(3)}%|${'█'.repeat(Math.floor(pct / 10)).padEnd(10)}| ${step}/${total} [01:02:03<10:11:12,  2.41it/s, lr=1e-05, step_loss=${loss}]`);
    if (step % 10 === 0) {
      w.write(`\n2024-05-01 12:00:00,123 - INFO - __main__ - step ${step}: loss=${(0.1 + (step % 89) / 1000).toFixed(4)} lr=1e-05 grad_norm=${(1 + (step % 13) / 10).toFixed(3)} inference_time=0.12\n`);
    }
  }
  w.close();
  return nanLine;
}

/**
 * A mixed log where one line in five mentions nan without being non-finite: Megatron iteration lines
 * (`number of nan iterations: 0`), INFO lines, tqdm bars and HF Trainer dicts; one real NaN near `nanAt`.
 */
export function generateMixedLog(path: string, bytes: number, nanAt: number): number {
  const w = new LogWriter(path);
  let it = 0;
  let nanLine = -1;
  w.write('torchrun --nproc_per_node 8 pretrain_gpt.py --fp16 --lr 3e-4\n');
  while (w.bytes < bytes) {
    it++;
    const nan = nanLine < 0 && w.bytes >= nanAt;
    const loss = (2 + (it % 89) / 100).toFixed(6);
    // 1 Megatron line (mentions nan), then 4 lines that do not: INFO, a tqdm redraw line, an HF dict, an INFO line.
    if (nan) nanLine = w.line;
    w.write(
      ` iteration ${String(it).padStart(8)}/  500000 | consumed samples: ${it * 256} | elapsed time per iteration (ms): 412.${it % 10} | learning rate: 2.999E-04 | global batch size:   256 | lm loss: ${nan ? 'nan' : `${loss}E+00`} | loss scale: 65536.0 | grad norm: ${(0.5 + (it % 7) / 10).toFixed(3)} | number of skipped iterations:   0 | number of nan iterations:   0 |\n`,
    );
    w.write(`[2024-05-01 12:00:00,123] [INFO] [logging.py:96:log_dist] [Rank 0] step=${it}, skipped=0, lr=[0.0003], mom=[(0.9, 0.95)]\n`);
    w.write(`Training: ${String(it % 100).padStart(3)}%|█████     | ${it}/500000 [1:02:03<10:11:12,  2.41it/s]\r Training: ${String(it % 100).padStart(3)}%|█████     | ${it}/500000 [1:02:04<10:11:11,  2.41it/s]\n`);
    w.write(`{'loss': ${loss}, 'grad_norm': ${(0.5 + (it % 7) / 10).toFixed(4)}, 'learning_rate': 0.0003, 'epoch': ${(it / 1000).toFixed(2)}}\n`);
    w.write(`2024-05-01 12:00:00,124 - INFO - data_loader - fetched batch ${it} of shard 3 (information retrieval corpus, 2048 tokens)\n`);
  }
  w.close();
  return nanLine;
}
