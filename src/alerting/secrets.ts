/**
 * A setting that may be a secret: NAME from the environment, or the content of the file NAME_FILE
 * (what container secrets and systemd credentials provide). The file wins when both are set, so a
 * secret never has to sit in the environment.
 */
import { readFileSync } from 'node:fs';

export function secretSetting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new Error(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** A positive whole number setting, within [min, max]; a clear error otherwise. */
export function intSetting(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name}: "${raw}" is not a whole number from ${min} to ${max}`);
  return v;
}
